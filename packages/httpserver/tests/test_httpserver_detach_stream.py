"""detach() (Tornado 6): the connection continues as an IOStream, from a delegate or a callback."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import trustme
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.httputil import (
    HTTPConnection,
    HTTPMessageDelegate,
    HTTPOutputError,
    HTTPServerConnectionDelegate,
)
from tornado.iostream import IOStream


async def _echo_on(stream: IOStream) -> None:
    await stream.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
    while True:
        line = await stream.read_until(b"\n")
        await stream.write(line.upper())
        if line == b"bye\n":
            stream.close()
            return


class Upgrader(HTTPServerConnectionDelegate):
    def __init__(self) -> None:
        self.streams: list[IOStream] = []

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        owner = self

        class Message(HTTPMessageDelegate):
            def headers_received(self, start_line: Any, headers: Any) -> None:
                stream = request_conn.detach()  # type: ignore[attr-defined]
                owner.streams.append(stream)
                asyncio.ensure_future(_echo_on(stream))

        return Message()


def test_delegate_detaches_to_an_iostream_keeping_early_bytes() -> None:
    async def main() -> tuple[bytes, bytes, int]:
        app = Upgrader()
        server = HTTPServer(app, idle_connection_timeout=0.2)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        port = socks[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nfirst\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        first = await asyncio.wait_for(reader.readline(), 5)
        await asyncio.sleep(0.4)  # past the idle timeout: no longer the server's connection
        writer.write(b"bye\n")
        last = await asyncio.wait_for(reader.readline(), 5)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        assert isinstance(app.streams[0], IOStream)
        count = server.connections
        server.stop()
        return head + first, last, count

    head, last, count = asyncio.run(main())
    assert head.startswith(b"HTTP/1.1 101 ") and head.endswith(b"FIRST\n")
    assert last == b"BYE\n" and count == 0


def test_detach_over_tls_is_refused_with_a_clear_error() -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    errors: list[BaseException] = []

    def cb(request: Any) -> None:
        try:
            request.connection.detach()
        except HTTPOutputError as e:
            errors.append(e)

    async def main() -> bytes:
        server = HTTPServer(cb, ssl_options=server_ctx)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        port = socks[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        server.stop()
        return data

    assert asyncio.run(main()) == b""
    assert len(errors) == 1 and "TLS" in str(errors[0])
