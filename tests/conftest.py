"""Shared fixtures for the root-level integration tests: free ports, demo servers, a browser,
nginx with deploy/nginx.conf.

Test files here are imported with ``--import-mode=importlib`` and cannot import each other,
so every helper they share lives in this file (or, for nginx and ports, in deploy/nginx_run.py,
which bench/blog_bench.py uses too, handed to the tests by the ``net`` and ``nginx`` fixtures).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMOS = REPO_ROOT / "demos"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 20.0


def _load_nginx_run() -> Any:
    # By path: deploy/ is not a package and is not on sys.path.
    spec = importlib.util.spec_from_file_location("deploy_nginx_run", REPO_ROOT / "deploy" / "nginx_run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nginx_run = _load_nginx_run()
free_port: Callable[[], int] = nginx_run.free_port


@pytest.fixture(scope="session")
def net() -> Any:
    """Loopback helpers: ``free_port()``, ``free_run(count)`` (consecutive free ports, for
    frontends.py's --base-port), ``accepting(port)`` and ``wait_for(predicate, what, timeout)``."""
    return nginx_run


class NginxFactory:
    """Starts nginx with deploy/nginx.conf (see deploy/nginx_run.py); stops what is left at
    the end of the session."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.started: list[Any] = []
        self.config = nginx_run.config
        self.prepare_prefix = nginx_run.prepare_prefix

    def start(self, prefix: Path, conf_text: str, wait_ports: list[int], timeout: float = 20.0) -> Any:
        """Run nginx from ``prefix`` with ``conf_text`` until every port of ``wait_ports``
        accepts; the returned handle's ``stop()`` ends it gracefully."""
        server = nginx_run.Nginx(self.executable, prefix, conf_text)
        self.started.append(server)
        return server.start(wait_ports, timeout)


@pytest.fixture(scope="session")
def nginx() -> Iterator[NginxFactory]:
    """Debian's nginx for tests of deploy/nginx.conf; skips when absent unless CI=true."""
    executable = nginx_run.binary()
    if executable is None:
        reason = "nginx not found (install Debian's nginx package)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    factory = NginxFactory(executable)
    try:
        yield factory
    finally:
        for server in factory.started:
            server.stop()


@dataclass
class DemoServer:
    """A demo script running as a child process, answering on ``url``."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace")


def _wait_until_answering(server: DemoServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"demo exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"demo did not answer on {server.url} within {timeout}s:\n{server.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def start_demo(tmp_path: Path) -> Iterator[Callable[..., DemoServer]]:
    """Start ``demos/<relative script>`` with ``--port=<free port>`` and wait until it answers.

    Extra command-line arguments are passed through; every started process is stopped at
    teardown.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(script: str, *args: str) -> DemoServer:
        port = free_port()
        log_path = tmp_path / f"{Path(script).stem}-{port}.log"
        log = open(log_path, "wb")  # noqa: SIM115 -- the child writes to it for its lifetime
        process = subprocess.Popen(
            [sys.executable, str(DEMOS / script), f"--port={port}", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(tmp_path),
        )
        log.close()
        started.append(process)
        server = DemoServer(process, port, log_path)
        _wait_until_answering(server, STARTUP_TIMEOUT)
        return server

    yield start
    for process in started:
        _stop(process)


def _chromium_missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found (install Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright is not installed"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skips when absent unless CI=true.

    One per test module: while Playwright's sync API is open it leaves its event loop marked
    as running in this thread, so ``asyncio.run`` in a later module would fail.
    """
    reason = _chromium_missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


def _binary(name: str, debian_package: str) -> str:
    """Path to a command-line tool; skips when absent unless CI=true (then it fails)."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name} not found (install Debian's {debian_package} package)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    raise pytest.skip.Exception(reason, allow_module_level=False)


@pytest.fixture(scope="session")
def curl() -> Callable[[str], tuple[bytes, bytes]]:
    """Fetches a URL with curl and returns the response (head, body)."""
    binary = _binary("curl", "curl")

    def run(url: str) -> tuple[bytes, bytes]:
        out = subprocess.run(
            [binary, "--silent", "--show-error", "--max-time", "10", "--include", url],
            capture_output=True,
            timeout=20,
            check=True,
        ).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        return head, body

    return run


@pytest.fixture(scope="session")
def ab() -> Callable[..., dict[str, str]]:
    """Runs ApacheBench with keep-alive (``ab -k``) and returns its "Name: value" summary."""
    binary = _binary("ab", "apache2-utils")

    def run(url: str, requests: int = 2000, concurrency: int = 10) -> dict[str, str]:
        out = subprocess.run(
            [binary, "-k", "-q", "-s", "10", "-n", str(requests), "-c", str(concurrency), url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        summary: dict[str, str] = {}
        for line in out.stdout.splitlines():
            name, sep, value = line.partition(":")
            if sep and value.strip():
                summary.setdefault(name.strip(), value.strip())
        return summary

    return run


@pytest.fixture(scope="session")
def wrk() -> Callable[..., int]:
    """Runs wrk briefly against a URL, checks that every request got a complete 2xx/3xx answer
    (no connect/read/write error or timeout), and returns how many requests were made."""
    binary = _binary("wrk", "wrk")

    def run(url: str, seconds: int = 1, connections: int = 16) -> int:
        out = subprocess.run(
            [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        report = out.stdout
        assert out.returncode == 0, report + out.stderr
        assert "Socket errors" not in report, report
        assert "Non-2xx" not in report, report
        m = re.search(r"(\d+) requests in", report)
        assert m is not None, report
        return int(m.group(1))

    return run
