"""Fixtures: an HTTPServer callback served on a free 127.0.0.1 port in a thread with its own
event loop (``call`` runs coroutines there), and helpers to talk to it over raw sockets."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from tornado.httpserver import HTTPServer

WAIT = 10.0  # upper bound for anything a test waits on; never reached when things work


class LiveServer:
    """``HTTPServer(callback)`` running in its own thread and event loop."""

    def __init__(self, callback: Any, before: Callable[[], Coroutine[Any, Any, Any]] | None = None) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.error: BaseException | None = None

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def start() -> None:
                if before is not None:
                    await before()
                self.server = HTTPServer(callback)
                self.server.add_sockets([sock])

            try:
                self.loop.run_until_complete(start())
            except BaseException as e:
                self.error = e
                started.set()
                return
            started.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(WAIT):
            raise RuntimeError("server did not start")
        if self.error is not None:
            raise self.error

    def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT)

    def stop(self) -> None:
        if self.error is not None:
            self.loop.close()
            return

        async def shutdown() -> None:
            self.server.stop()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(WAIT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(WAIT)
            self.loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., LiveServer]]:
    """``server = serve(callback)``; every server is stopped after the test."""
    servers: list[LiveServer] = []

    def start(callback: Any, before: Callable[[], Coroutine[Any, Any, Any]] | None = None) -> LiveServer:
        s = LiveServer(callback, before)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def read_until(sock: socket.socket, marker: bytes, seen: bytes = b"") -> bytes:
    """Receive until ``marker`` is in what was received (fails on EOF or timeout)."""
    while marker not in seen:
        data = sock.recv(65536)
        assert data, f"connection closed before {marker!r}; got {seen!r}"
        seen += data
    return seen


def read_to_eof(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


class Wire:
    """Raw-socket helpers for tests (a fixture: test modules cannot import conftest)."""

    WAIT = WAIT
    read_until = staticmethod(read_until)
    read_to_eof = staticmethod(read_to_eof)

    @staticmethod
    def connect(port: int) -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), timeout=WAIT)


@pytest.fixture
def wire() -> type[Wire]:
    return Wire
