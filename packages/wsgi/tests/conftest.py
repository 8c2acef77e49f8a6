"""Fixtures: a request callback served by HTTPServer on a free 127.0.0.1 port, in a thread
with its own event loop; free ports and process handling for real WSGI servers."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.httpserver import HTTPServer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``HTTPServer(callback)`` running in its own thread and event loop."""

    def __init__(self, callback: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def start() -> None:
                self.server = HTTPServer(callback)
                self.server.add_sockets([sock])

            self.loop.run_until_complete(start())
            started.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("server did not start")

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.stop()
            # Close the connections and let their transports finish closing before the loop
            # does: a client's close racing the shutdown left one half-closed (a
            # ResourceWarning). A request still running past the bound goes with the loop.
            try:
                await asyncio.wait_for(self.server.close_all_connections(), 2)
            except asyncio.TimeoutError:
                pass
            await asyncio.sleep(0)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], LiveServer]]:
    """``server = serve(callback)``; every server is stopped after the test."""
    servers: list[LiveServer] = []

    def start(callback: Any) -> LiveServer:
        s = LiveServer(callback)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], log: Callable[[], str], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer on {url} within {timeout}s:\n{log()}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
