"""Fixtures: run an Application with HTTPServer on a free 127.0.0.1 port in a background
thread (its own event loop); tests talk to it with http.client or raw sockets."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import tornado.ioloop
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPHeaders


class LiveServer:
    """An application served in its own thread and event loop."""

    def __init__(self, app: Any, **server_kwargs: Any) -> None:
        self.app = app
        self._server_kwargs = server_kwargs
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.loop = tornado.ioloop.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("server did not start")
        if self._error:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = HTTPServer(self.app, **self._server_kwargs)

            async def start() -> None:
                self.server.add_sockets([self._sock])
                await asyncio.sleep(0)

            self.loop.run_until_complete(start())
        except BaseException as e:  # surfaced to the test thread
            self._error = e
            self._started.set()
            return
        self._started.set()
        self.loop.run_forever()

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the server's loop thread and return its result."""
        fut: Any = asyncio.run_coroutine_threadsafe(_call(fn), self.loop)
        return fut.result(10)

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.stop()
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

    def fetch(
        self,
        path: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Response:
        """One request on a fresh connection; redirects are not followed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            result = Response(resp.status, resp.reason, resp.getheaders(), resp.read(), resp.version)
        finally:
            conn.close()
        # The server may still be running on_finish/logging after the last byte went out:
        # one round trip through its loop lets tests observe those effects.
        self.call(lambda: None)
        return result

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        """Send raw bytes, read until the server closes (or the timeout)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    c = s.recv(65536)
                    if not c:
                        break
                    chunks.append(c)
            except TimeoutError:
                pass
            return b"".join(chunks)


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()


class Response:
    def __init__(
        self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, version: int
    ) -> None:
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.headers = HTTPHeaders()
        for k, v in headers:
            self.headers.add(k, v)
        self.body = body
        self.version = version

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def cookies(self) -> dict[str, str]:
        """Cookie name -> full Set-Cookie header value."""
        out = {}
        for v in self.headers.get_list("Set-Cookie"):
            out[v.split("=", 1)[0]] = v
        return out

    def cookie_value(self, name: str) -> str | None:
        v = self.cookies().get(name)
        if v is None:
            return None
        value = v.split(";", 1)[0].split("=", 1)[1]
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        return value

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:80]!r}>"


@pytest.fixture
def serve() -> Iterator[Callable[[Any], LiveServer]]:
    """``server = serve(app)`` starts ``app``; every server is stopped after the test."""
    servers: list[LiveServer] = []

    def start(app: Any, **server_kwargs: Any) -> LiveServer:
        s = LiveServer(app, **server_kwargs)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()
