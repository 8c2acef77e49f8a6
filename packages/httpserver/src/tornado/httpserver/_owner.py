"""The interface between a connection and the server that accepted it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from tornado.httputil import HTTPServerConnectionDelegate

if TYPE_CHECKING:
    from ._connection import HTTP1ServerConnection

__all__ = ["ConnectionOwner"]


class ConnectionOwner(Protocol):
    """What a connection needs from the server that accepted it; :class:`HTTPServer` is one.

    The settings are read as plain attributes (see HTTPServer for their meaning); the three
    methods are the only things a connection tells its server: that it opened, that it has
    output for the server's next batched send, and that it closed.
    """

    request_callback: Any  # a callable taking an HTTPServerRequest, or the delegate
    delegate: HTTPServerConnectionDelegate | None  # set when serving Tornado 4+'s delegate interface
    no_keep_alive: bool
    xheaders: bool
    trusted_downstream: frozenset[str]
    protocol: str | None
    decompress_request: bool
    chunk_size: int
    max_header_size: int
    max_body_size: int
    idle_connection_timeout: float | None
    header_timeout: float | None
    body_timeout: float | None
    max_query_arguments: int
    max_body_arguments: int
    max_multipart_parts: int

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the server's sockets are served on (None before the first one)."""

    def connection_opened(self, conn: HTTP1ServerConnection) -> None: ...

    def flush_soon(self, conn: HTTP1ServerConnection) -> None:
        """Call ``conn.send_pending()`` early in the next loop iteration, with the others."""

    def connection_closed(self, conn: HTTP1ServerConnection) -> None: ...
