"""Starting a benchmark server pinned to core 0, checking it, and stopping it."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from scenarios import BENCH

LOGS = BENCH / "results" / "logs"
SERVER_CPU = "0"
CLIENT_CPU = "1"


class ServerUnavailable(Exception):
    """The server could not be started; the message says why (import error, crash, timeout)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    """Resident set size of a process, from /proc (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    loop_class: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _why_failed(log_path: Path) -> str:
    lines = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    last = lines[-1].strip() if lines else "no output"
    if any("ModuleNotFoundError" in ln or "ImportError" in ln for ln in lines):
        return f"not available ({last})"
    return f"failed to start ({last})"


def start_server(python: Path, server_file: Path, loop: str, tag: str, timeout: float = 30.0) -> Server:
    """Run ``server_file`` under ``python`` pinned to the server core; wait until it accepts."""
    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = LOGS / f"{tag}.log"
    env = dict(os.environ, TORNADO_EVENT_LOOP=loop, PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    cmd = ["taskset", "-c", SERVER_CPU, str(python), str(server_file), "--port", str(port), "--loop", loop]
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    server = Server(proc, port, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerUnavailable(_why_failed(log_path))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServerUnavailable(f"failed to start (not listening after {timeout:.0f} s)")
        time.sleep(0.05)
    # The readiness line names the loop class; give it a moment to be flushed.
    for _ in range(40):
        m = re.search(r"ready loop=(\S+)", log_path.read_text(errors="replace"))
        if m:
            server.loop_class = m.group(1)
            break
        time.sleep(0.05)
    if server.loop_class and (loop == "uvloop") != server.loop_class.startswith("uvloop"):
        server.notes.append(f"asked for {loop}, runs on {server.loop_class}")
    return server


def fetch(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, bytes, http.client.HTTPMessage]:
    """One request on a new connection: (status, body, response headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.msg
    finally:
        conn.close()


def verify(
    server: Server,
    path: str,
    headers: dict[str, str],
    status: int,
    body: bytes | None,
    method: str = "GET",
    request_body: bytes | None = None,
) -> bytes:
    """Refuse to measure a server that does not give the expected answer; return the body.

    ``body=None`` accepts any body (the caller checks it).
    """
    try:
        got_status, got_body, _ = fetch(server.port, path, headers, method=method, body=request_body)
    except (OSError, http.client.HTTPException) as e:
        raise ServerUnavailable(f"no valid answer to {method} {path}: {e!r}") from e
    if got_status != status or (body is not None and got_body != body):
        raise ServerUnavailable(
            f"wrong answer to {method} {path}: {got_status} {got_body[:60]!r}, "
            f"expected {status} {(body or b'')[:60]!r}"
        )
    return got_body


def login_cookies(server: Server, path: str) -> str:
    """GET ``path`` and turn its Set-Cookie headers into the Cookie header a browser would send."""
    try:
        status, _, msg = fetch(server.port, path)
    except (OSError, http.client.HTTPException) as e:
        raise ServerUnavailable(f"no valid answer to GET {path}: {e!r}") from e
    pairs = [c.split(";", 1)[0].strip() for c in msg.get_all("Set-Cookie") or []]
    if status != 200 or not pairs:
        raise ServerUnavailable(f"GET {path} answered {status} with no cookie")
    return "; ".join(pairs)


def write_lua(base: Path | None, headers: dict[str, str], dest: Path) -> Path:
    """A wrk script: ``base`` (if any) followed by ``headers``, in the form lua_headers reads."""
    lines = [base.read_text().rstrip("\n")] if base else []
    for name, value in headers.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'wrk.headers["{name}"] = "{escaped}"')
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n")
    return dest


def lua_method_body(lua: Path | None) -> tuple[str, bytes | None]:
    """The method and body a wrk script sets (``wrk.method = "..."``, ``wrk.body = "..."`` lines)."""
    if lua is None:
        return "GET", None
    text = lua.read_text()
    method = re.search(r'^wrk\.method\s*=\s*"([A-Z]+)"\s*$', text, re.M)
    body = re.search(r'^wrk\.body\s*=\s*"(.*)"\s*$', text, re.M)
    return (
        method.group(1) if method else "GET",
        re.sub(r"\\(.)", r"\1", body.group(1)).encode() if body else None,
    )


def lua_headers(lua: Path | None) -> dict[str, str]:
    """The headers a wrk script sets (``wrk.headers["Name"] = "value"`` lines)."""
    if lua is None:
        return {}
    out: dict[str, str] = {}
    for m in re.finditer(r'^wrk\.headers\["([^"]+)"\]\s*=\s*"(.*)"\s*$', lua.read_text(), re.M):
        out[m.group(1)] = re.sub(r"\\(.)", r"\1", m.group(2))
    return out
