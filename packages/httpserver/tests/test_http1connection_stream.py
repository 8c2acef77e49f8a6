"""6.x's ``HTTP1ServerConnection(stream, params).start_serving(delegate)`` on an IOStream."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import pytest
from tornado.http1connection import HTTP1Connection, HTTP1ConnectionParameters, HTTP1ServerConnection
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    ResponseStartLine,
)
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream, SSLIOStream


class Echo(HTTPMessageDelegate):
    def __init__(self, app: App, conn: HTTPConnection) -> None:
        self.app, self.conn, self.size = app, conn, 0

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> None:
        self.path = start_line.path

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)

    def finish(self) -> None:
        body = f"{self.path} {self.size}".encode()
        self.app.seen.append(body)
        self.conn.write_headers(
            ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders({"Content-Length": str(len(body))}), body
        )
        self.conn.finish()


class App(HTTPServerConnectionDelegate):
    def __init__(self) -> None:
        self.seen: list[bytes] = []
        self.conns: list[object] = []
        self.closed: list[object] = []

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        self.conns.append(server_conn)
        return Echo(self, request_conn)

    def on_close(self, server_conn: object) -> None:
        self.closed.append(server_conn)


def _serve(app: App, params: HTTP1ConnectionParameters | None, first: bytes, rest: bytes) -> bytes:
    """Read a prefix line from ``first`` off the stream, then serve the stream with ``app``."""

    async def main() -> bytes:
        a, b = socket.socketpair()
        server, client = IOStream(a), IOStream(b)
        await client.write(first)
        assert await server.read_until(b"\r\n") == first.split(b"\r\n")[0] + b"\r\n"
        conn = HTTP1ServerConnection(server, params)
        conn.start_serving(app)
        if rest:
            await client.write(rest)
        data = await asyncio.wait_for(client.read_until_close(), 5)
        await asyncio.wait_for(conn.close(), 5)
        client.close()
        return data

    return IOLoop(make_current=False).run_sync(main)


def test_start_serving_answers_requests_on_the_stream() -> None:
    app = App()
    params = HTTP1ConnectionParameters(no_keep_alive=True)
    out = _serve(
        app, params, b"PROXY line\r\n", b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    )
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and out.endswith(b"\r\n\r\n/p 3")
    assert app.seen == [b"/p 3"]
    assert isinstance(app.conns[0], HTTP1Connection)
    assert app.closed == app.conns  # on_close once the connection ends


def test_bytes_the_stream_had_buffered_are_served_first() -> None:
    app = App()
    first = (
        b"PROXY line\r\nGET /first HTTP/1.1\r\nHost: h\r\n\r\n"  # one write: the request sits in the buffer
    )
    out = _serve(app, None, first, b"GET /second HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert app.seen == [b"/first 0", b"/second 0"]
    assert out.count(b"HTTP/1.1 200 OK") == 2 and out.endswith(b"/second 0")


def test_tls_stream_and_second_start_are_refused() -> None:
    with pytest.raises(ValueError, match="TLS"):
        HTTP1ServerConnection(SSLIOStream(socket.socket(), ssl_options=ssl.create_default_context()))

    async def main() -> None:
        a, b = socket.socketpair()
        conn = HTTP1ServerConnection(IOStream(a))
        conn.start_serving(App())
        with pytest.raises(RuntimeError, match="already"):
            conn.start_serving(App())
        await asyncio.wait_for(conn.close(), 5)
        b.close()

    IOLoop(make_current=False).run_sync(main)
