"""Tornado 6's ``tornado.http1connection`` names, for code that imports them from there.

Our server's connection is one object per client connection that plays both of Tornado's
roles: the ``server_conn`` a delegate's ``start_request`` receives and the
``request_conn`` (an :class:`~tornado.httputil.HTTPConnection`) it answers on; that class is
``HTTP1Connection`` here.  ``HTTP1ServerConnection(stream, params, context)`` is 6.x's way
to serve HTTP on a stream a ``TCPServer`` accepted: ``start_serving(delegate)`` hands the
stream's socket to that same connection class.  The HTTP/1.1 parsing itself is the I/O-free
core in :mod:`tornado.httputil.h1`.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from tornado.httpserver._connection import HTTP1ServerConnection as HTTP1Connection
from tornado.httputil import HTTPServerConnectionDelegate
from tornado.iostream import IOStream, SSLIOStream

__all__ = ["HTTP1Connection", "HTTP1ConnectionParameters", "HTTP1ServerConnection"]


def _check(name: str, value: float | None, allow_float: bool) -> None:
    if value is None:
        return
    kinds = (int, float) if allow_float else (int,)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        raise ValueError(f"HTTP1ConnectionParameters setting {name} must be a positive number, got {value!r}")


class HTTP1ConnectionParameters:
    """The per-connection settings Tornado 6 groups together (``HTTPServer`` takes them as
    keyword arguments of the same names; ``decompress`` is its ``decompress_request``)."""

    def __init__(
        self,
        no_keep_alive: bool = False,
        chunk_size: int | None = None,
        max_header_size: int | None = None,
        header_timeout: float | None = None,
        max_body_size: int | None = None,
        body_timeout: float | None = None,
        decompress: bool = False,
    ) -> None:
        _check("chunk_size", chunk_size, False)
        _check("max_header_size", max_header_size, False)
        _check("max_body_size", max_body_size, False)
        _check("header_timeout", header_timeout, True)
        _check("body_timeout", body_timeout, True)
        self.no_keep_alive = no_keep_alive
        self.chunk_size = chunk_size or 65536
        self.max_header_size = max_header_size or 65536
        self.header_timeout = header_timeout
        self.max_body_size = max_body_size
        self.body_timeout = body_timeout
        self.decompress = decompress


class _StreamOwner:
    """The ConnectionOwner of one connection served through HTTP1ServerConnection."""

    xheaders: bool = False
    trusted_downstream: frozenset[str] = frozenset()
    protocol: str | None = None
    idle_connection_timeout: float | None = 3600.0
    max_query_arguments: int = 1000
    max_body_arguments: int = 1000
    max_multipart_parts: int = 1000

    def __init__(
        self,
        params: HTTP1ConnectionParameters,
        delegate: HTTPServerConnectionDelegate,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.request_callback: Any = delegate
        self.delegate: HTTPServerConnectionDelegate | None = delegate
        self.no_keep_alive = params.no_keep_alive
        self.decompress_request = params.decompress
        self.chunk_size = params.chunk_size
        self.max_header_size = params.max_header_size
        self.max_body_size = params.max_body_size if params.max_body_size is not None else 100 * 1024 * 1024
        self.header_timeout = params.header_timeout
        self.body_timeout = params.body_timeout
        self._loop = loop
        self.closed: asyncio.Future[None] = loop.create_future()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def connection_opened(self, conn: HTTP1Connection) -> None:
        pass

    def flush_soon(self, conn: HTTP1Connection) -> None:
        self._loop.call_soon(conn.send_pending)

    def connection_closed(self, conn: HTTP1Connection) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class HTTP1ServerConnection:
    """Serves HTTP/1.1 on an accepted plain-TCP :class:`IOStream`, as in 6.x::

        async def handle_stream(self, stream, address):
            HTTP1ServerConnection(stream, params).start_serving(delegate)

    The delegate's ``start_request`` gets the serving :class:`HTTP1Connection` as both
    arguments.  TLS streams are refused (their TLS state cannot leave the stream); serve TLS
    with ``HTTPServer(ssl_options=...)``.
    """

    def __init__(
        self, stream: IOStream, params: HTTP1ConnectionParameters | None = None, context: object | None = None
    ) -> None:
        if isinstance(stream, SSLIOStream):
            raise ValueError(
                "HTTP1ServerConnection serves plain-TCP streams; use HTTPServer(ssl_options=...) for TLS"
            )
        self.stream = stream
        self.params = params or HTTP1ConnectionParameters()
        self.context = context
        self.conn: HTTP1Connection | None = None
        self._owner: _StreamOwner | None = None
        self._attaching: asyncio.Task[None] | None = None

    def start_serving(self, delegate: HTTPServerConnectionDelegate) -> None:
        """Serve requests from the stream with ``delegate`` until either side closes."""
        if self.conn is not None:
            raise RuntimeError("start_serving() was already called")
        stream = self.stream
        if stream.closed():
            raise ValueError("HTTP1ServerConnection: the stream is closed")
        loop = stream.io_loop.asyncio_loop
        self._owner = owner = _StreamOwner(self.params, delegate, loop)
        self.conn = conn = HTTP1Connection(owner)
        # The socket moves to an asyncio transport; bytes the stream already buffered come first.
        early = bytes(stream._read_buffer)
        stream._read_buffer.clear()
        sock = stream.socket
        dup = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        stream.close()

        if early:
            # Fed inside connection_made, before the transport can deliver anything it reads
            # (uvloop starts reading as soon as connection_made returns).
            made = conn.connection_made

            def made_then_early(transport: asyncio.BaseTransport) -> None:
                made(transport)
                conn.data_received(early)

            conn.connection_made = made_then_early  # type: ignore[method-assign]

        async def attach() -> None:
            try:
                await loop.connect_accepted_socket(lambda: conn, dup)
            except OSError:
                dup.close()
                owner.connection_closed(conn)

        self._attaching = loop.create_task(attach())

    async def close(self) -> None:
        """Close the connection and wait until it is closed."""
        if self.conn is None or self._owner is None:
            self.stream.close()
            return
        if self._attaching is not None:
            await self._attaching
        self.conn.close()
        await self._owner.closed
