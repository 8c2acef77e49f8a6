"""Fixtures: run an Application on a free 127.0.0.1 port in a background thread; fetch with http.client.

The server is tornado.httpserver.HTTPServer. When that distribution has no server yet, a
minimal stand-in built on tornado.httputil's protocol core serves the same interface.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from tornado.httputil import (
    NEED_DATA,
    SERVER,
    EndOfMessage,
    H1Connection,
    HTTPHeaders,
    ProtocolError,
    RequestHead,
    parse_body_arguments,
    parse_cookie,
    parse_qs_bytes,
)

try:
    from tornado.httpserver import HTTPServer as _RealHTTPServer
except ImportError:  # pragma: no cover - depends on the sibling distribution's state
    _RealHTTPServer = None


class _StandInRequest:
    def __init__(self, head: RequestHead, body: bytes, connection: Any, remote_ip: str) -> None:
        self.method = head.method
        self.uri = head.target
        parts = urlsplit(head.target)
        self.path = parts.path
        self.query = parts.query
        self.version = head.version
        self.headers = head.headers
        self.body = body
        self.remote_ip = remote_ip
        self.protocol = "http"
        self.host = self.headers.get("Host", "127.0.0.1")
        self.connection = connection
        self._start = time.time()
        self.query_arguments = parse_qs_bytes(self.query, keep_blank_values=True)
        self.body_arguments: dict[str, list[bytes]] = {}
        self.files: dict[str, Any] = {}
        parse_body_arguments(self.headers.get("Content-Type", ""), body, self.body_arguments, self.files)
        self.arguments = {k: list(v) for k, v in self.query_arguments.items()}
        for k, v in self.body_arguments.items():
            self.arguments.setdefault(k, []).extend(v)
        self.cookies = parse_cookie(self.headers.get("Cookie", ""))

    def request_time(self) -> float:
        return time.time() - self._start

    def full_url(self) -> str:
        return f"{self.protocol}://{self.host}{self.uri}"


class _StandInConnection:
    def __init__(self, h1: H1Connection, writer: asyncio.StreamWriter) -> None:
        self.h1 = h1
        self.writer = writer
        self.close_callback: Callable[[], None] | None = None
        self.done = asyncio.get_running_loop().create_future()

    def set_close_callback(self, cb: Callable[[], None] | None) -> None:
        self.close_callback = cb

    def write_headers(self, status: int, headers: list[tuple[str, str]], chunk: bytes | None = None,
                      reason: str | None = None) -> None:
        out = self.h1.send_response_head(status, headers, reason)
        if chunk:
            out += self.h1.send_data(chunk)
        self.writer.write(out)

    def write(self, chunk: bytes) -> None:
        self.writer.write(self.h1.send_data(chunk))

    def write_response(self, status: int, headers: list[tuple[str, str]], body: bytes,
                       reason: str | None = None, request: Any = None) -> None:
        self.writer.write(self.h1.send_response(status, headers, body, reason))
        self._done()

    def finish(self, request: Any = None) -> None:
        self.writer.write(self.h1.send_end())
        self._done()

    def flush(self) -> Any:
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut

    def _done(self) -> None:
        if not self.done.done():
            self.done.set_result(None)

    def close(self) -> None:
        self.writer.close()
        if not self.done.done():
            self.done.set_result(None)


class _StandInServer:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def start(self, sock: socket.socket) -> None:
        self.server = await asyncio.start_server(self._serve, sock=sock)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        h1 = H1Connection(SERVER)
        peer = writer.get_extra_info("peername")[0]
        try:
            while True:
                head = None
                body = b""
                while True:
                    ev = h1.next_event()
                    if ev is NEED_DATA:
                        data = await reader.read(65536)
                        h1.receive_data(data)
                        if not data and head is None:
                            return
                        continue
                    if isinstance(ev, RequestHead):
                        head = ev
                    elif isinstance(ev, EndOfMessage):
                        break
                    elif hasattr(ev, "data"):
                        body += ev.data
                    else:
                        return
                assert head is not None
                conn = _StandInConnection(h1, writer)
                result = self.app(_StandInRequest(head, body, conn, peer))
                if result is not None:
                    asyncio.ensure_future(result)
                reading = asyncio.ensure_future(reader.read(65536))
                await asyncio.wait([reading, conn.done], return_when=asyncio.FIRST_COMPLETED)
                if not conn.done.done():
                    data = reading.result()
                    if not data:
                        if conn.close_callback:
                            conn.close_callback()
                        return
                    h1.receive_data(data)
                    await conn.done
                else:
                    reading.cancel()
                    try:
                        data = await reading
                    except asyncio.CancelledError:
                        data = None
                    if data == b"":
                        return
                    if data:
                        h1.receive_data(data)
                await writer.drain()
                if not h1.keep_alive:
                    return
        except (ProtocolError, ConnectionError):
            return
        finally:
            writer.close()

    def stop(self) -> None:
        self.server.close()


class LiveServer:
    """An application served in its own thread and event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("server did not start")
        if self._error:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            if _RealHTTPServer is not None:
                self.server: Any = _RealHTTPServer(self.app)

                async def start() -> None:
                    self.server.add_sockets([self._sock])
                    await asyncio.sleep(0)

                self.loop.run_until_complete(start())
            else:
                self.server = _StandInServer(self.app)
                self.loop.run_until_complete(self.server.start(self._sock))
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

    def fetch(self, path: str, method: str = "GET", body: bytes | str | None = None,
              headers: dict[str, str] | None = None, timeout: float = 10) -> Response:
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
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                 version: int) -> None:
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

    def start(app: Any) -> LiveServer:
        s = LiveServer(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()
