"""Tornado 6's HTTPServer keywords, with their documented meaning, and the listen backlog."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
from typing import Any

import pytest
from tornado.httpserver import HTTPServer, bind_sockets

TORNADO6_KEYWORDS: dict[str, Any] = {
    "no_keep_alive": False,
    "xheaders": True,
    "ssl_options": None,
    "protocol": "http",
    "decompress_request": True,
    "chunk_size": 16384,
    "max_header_size": 8192,
    "idle_connection_timeout": 30.0,
    "body_timeout": 30.0,
    "max_body_size": 1 << 20,
    "max_buffer_size": 1 << 21,
    "trusted_downstream": ["10.0.0.1"],
}


def test_every_tornado6_keyword_is_accepted_and_kept() -> None:
    server = HTTPServer(lambda r: None, **TORNADO6_KEYWORDS)
    for name, value in TORNADO6_KEYWORDS.items():
        if name == "trusted_downstream":
            assert server.trusted_downstream == frozenset(value)
        else:
            assert getattr(server, name) == value, name


def test_a_tornado6_deployment_script_serves(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, **TORNADO6_KEYWORDS)
    c = client_factory(st.port)
    c.send(b"GET /t6 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"You requested /t6\n"


def test_unknown_keyword_raises_naming_it() -> None:
    with pytest.raises(TypeError, match="max_bufer_size"):
        HTTPServer(lambda r: None, max_bufer_size=10)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"max_buffer_size": 0}, "max_buffer_size"),
        ({"max_buffer_size": "big"}, "max_buffer_size"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 1.5}, "chunk_size"),
        ({"trusted_downstream": "10.0.0.1"}, "trusted_downstream"),
        ({"trusted_downstream": [1]}, "trusted_downstream"),
        ({"max_query_arguments": 0}, "max_query_arguments"),
        ({"max_body_arguments": -1}, "max_body_arguments"),
        ({"max_multipart_parts": "many"}, "max_multipart_parts"),
    ],
)
def test_bad_values_name_the_setting(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        HTTPServer(lambda r: None, **kwargs)


def test_max_body_size_defaults_to_max_buffer_size(serve: Any, client_factory: Any, hello: Any) -> None:
    assert HTTPServer(lambda r: None, max_buffer_size=1000).max_body_size == 1000
    assert HTTPServer(lambda r: None).max_body_size == 100 * 1024 * 1024
    st = serve(hello, max_buffer_size=100)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n")
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")


def test_max_buffer_size_caps_a_larger_max_body_size(serve: Any, client_factory: Any, hello: Any) -> None:
    # Bodies are held in memory whole, so the buffer bound wins.
    assert HTTPServer(lambda r: None, max_buffer_size=100, max_body_size=1000).max_body_size == 100
    st = serve(hello, max_buffer_size=100, max_body_size=1000)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 200\r\n\r\n")
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")


def test_chunk_size_is_the_read_size() -> None:
    seen: list[int] = []

    def record(request: Any) -> None:
        seen.append(request.connection.transport.max_size)
        request.respond(b"ok")

    async def main() -> None:
        server = HTTPServer(record, chunk_size=4096)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        reader, writer = await asyncio.open_connection("127.0.0.1", socks[0].getsockname()[1])
        writer.write(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n" + b"x" * 20000)
        await asyncio.wait_for(reader.readuntil(b"ok"), 10)
        writer.close()
        server.stop()

    loop = asyncio.SelectorEventLoop()  # asyncio's own transport, which has max_size
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert seen == [4096]


@pytest.mark.parametrize(
    "forwarded,trusted,expected",
    [
        (b"1.2.3.4, 10.0.0.1", ["10.0.0.1"], b"1.2.3.4"),
        (b"1.2.3.4, 10.0.0.2, 10.0.0.1", ["10.0.0.1", "10.0.0.2"], b"1.2.3.4"),
        (b"1.2.3.4, 10.0.0.1", [], b"10.0.0.1"),
        (b"10.0.0.1", ["10.0.0.1"], b"127.0.0.1"),
    ],
)
def test_trusted_downstream_is_skipped_in_x_forwarded_for(
    serve: Any, client_factory: Any, forwarded: bytes, trusted: list[str], expected: bytes
) -> None:
    st = serve(lambda r: r.respond(r.remote_ip.encode()), xheaders=True, trusted_downstream=trusted)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: " + forwarded + b"\r\n\r\n")
    assert c.response()[1] == expected


def _kernel_backlog(sock: socket.socket) -> int:
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return int(struct.unpack_from("I", info, 28)[0])  # tcpi_sacked: the listen backlog


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the backlog via TCP_INFO")


async def _serve_and_read_backlog(server: HTTPServer, sockets: list[socket.socket]) -> int:
    server.add_sockets(sockets)
    for _ in range(5):
        await asyncio.sleep(0)  # let create_server run (it calls listen() again)
    try:
        assert server._servers, "not serving yet"
        return _kernel_backlog(sockets[0])
    finally:
        server.stop()


@linux_only
def test_bind_backlog_survives_start() -> None:
    async def main() -> int:
        server = HTTPServer(lambda r: None)
        server.bind(0, "127.0.0.1", backlog=7)
        sockets = server._pending_sockets
        assert _kernel_backlog(sockets[0]) == 7
        server._pending_sockets = []
        return await _serve_and_read_backlog(server, sockets)

    assert asyncio.run(main()) == 7


@linux_only
def test_backlog_of_a_socket_listened_elsewhere_is_kept() -> None:
    async def main() -> int:
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        return await _serve_and_read_backlog(HTTPServer(lambda r: None), [sock])

    assert asyncio.run(main()) == 5


def test_listen_backlog_falls_back_to_the_bind_sockets_value() -> None:
    from tornado.httpserver._server import listen_backlog

    socks = bind_sockets(0, "127.0.0.1", backlog=9)
    try:
        assert listen_backlog(socks[0]) == 9
    finally:
        for s in socks:
            s.close()
