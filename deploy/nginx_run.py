"""Start Debian's nginx with deploy/nginx.conf from a scratch prefix directory, on chosen ports.

The integration tests (through the ``nginx`` fixture of tests/conftest.py) and
bench/blog_bench.py run the shipped configuration, not a copy of it: ``config`` fills in the
frontends' ports and the listen address, ``prepare_prefix`` copies the static files where the
configuration looks for them, and ``Nginx`` runs the server in the foreground and stops it.
Plus the few helpers those callers share: free loopback ports and waiting for a port.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

CONF = Path(__file__).resolve().with_name("nginx.conf")
LISTEN = "listen 8080;"
_UPSTREAM = re.compile(r"(    upstream frontends \{\n)(.*?)(\n    \})", re.S)
_SERVER = re.compile(r"^ *server 127\.0\.0\.1:\d+( [^;]*)?;\n?", re.M)


def binary() -> str | None:
    """The nginx executable (``/usr/sbin`` is often not on a non-root PATH), or None."""
    found = shutil.which("nginx")
    if found is None and os.path.exists("/usr/sbin/nginx"):
        found = "/usr/sbin/nginx"
    return found


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(part) for part in f.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


_handed_out: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_run(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1 (frontends.py's --base-port).

    The ports come from below the kernel's ephemeral range: a port the kernel assigns to some
    other socket (an outgoing connection, a ``bind(port 0)``, a demo's own helper server) can
    then never be the one a test told a server to listen on between choosing and binding it.
    """
    low, high = _ephemeral_range()
    first, last = (10000, low - 1) if low - 10000 >= 1000 else (high + 1, 65535)
    for _ in range(500):
        base = random.randint(first, last - count + 1)
        run = range(base, base + count)
        if not _handed_out.intersection(run) and all(_bindable(port) for port in run):
            _handed_out.update(run)
            return base
    raise RuntimeError(f"no run of {count} free ports on 127.0.0.1 in {first}-{last}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (see ``free_run``)."""
    return free_run(1)


def accepting(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Poll ``predicate`` until it holds; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def config(
    frontends: Iterable[int],
    listen: str | Iterable[str],
    server_lines: Iterable[str] = (),
    access_log: bool = True,
) -> str:
    """deploy/nginx.conf for frontends on 127.0.0.1:``frontends`` and a server on ``listen``.

    Each frontend gets the shipped ``server`` line's parameters (max_fails, fail_timeout);
    the upstream's other directives (keepalive) stay.  ``listen`` is one listen address or
    several (``"127.0.0.1:8443 ssl"``); ``server_lines`` are more directives for the server
    block (certificates).  Without ``access_log`` nothing is logged per request (benchmarks).
    """
    text = CONF.read_text()
    match = _UPSTREAM.search(text)
    servers = _SERVER.findall(match.group(2)) if match else []
    if match is None or not servers:
        raise ValueError(f"{CONF}: no 'upstream frontends' block with server lines")
    params = servers[0]
    rest = _SERVER.sub("", match.group(2))
    lines = "\n".join(f"        server 127.0.0.1:{port}{params};" for port in frontends)
    text = (
        text[: match.start(2)]
        + lines
        + ("\n" + rest.rstrip("\n") if rest.strip() else "")
        + text[match.end(2) :]
    )
    if text.count(LISTEN) != 1:
        raise ValueError(f"{CONF}: expected one '{LISTEN}'")
    listens = [listen] if isinstance(listen, str) else list(listen)
    directives = [f"listen {address};" for address in listens] + list(server_lines)
    text = text.replace(LISTEN, "\n        ".join(directives))
    if not access_log:
        text = text.replace("access_log access.log;", "access_log off;")
    return text


def prepare_prefix(prefix: Path, static: Path | None = None) -> None:
    """Make ``prefix`` usable by nginx's workers (user nobody when started as root), with
    ``static`` copied to ``www/static``, where the configuration serves /static/ from."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    if static is not None:
        shutil.copytree(static, prefix / "www" / "static")
        for path in [prefix / "www", *(prefix / "www").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


class Nginx:
    """nginx in the foreground with ``conf_text`` written to ``<prefix>/nginx.conf``."""

    def __init__(self, executable: str, prefix: Path, conf_text: str) -> None:
        self.executable = executable
        self.prefix = prefix
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(conf_text)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_ports: Iterable[int] = (), timeout: float = 20.0) -> Nginx:
        """Start it and wait until every port in ``wait_ports`` accepts connections."""
        with open(self.prefix / "nginx.out", "wb") as out:
            self.process = subprocess.Popen(
                [self.executable, "-p", f"{self.prefix}/", "-c", str(self.conf), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        ports = list(wait_ports)
        process = self.process

        def up() -> bool:
            if process.poll() is not None:
                output = (self.prefix / "nginx.out").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {process.returncode}: {output}")
            return all(accepting(p) for p in ports)

        wait_for(up, "nginx", timeout)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop (SIGQUIT: workers finish their requests), SIGKILL after ``timeout``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
