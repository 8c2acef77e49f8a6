"""The delegate interfaces between an HTTP server and what serves its requests (Tornado 4+).

A server calls an :class:`HTTPServerConnectionDelegate` (an application, a router) once
per request; the :class:`HTTPMessageDelegate` it returns is told about the request as
it arrives (head, body pieces, end), and answers through the :class:`HTTPConnection`.
They live here, below the server, so routers and frameworks can implement them without
depending on a particular server.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import asyncio

    from ._headers import HTTPHeaders, RequestStartLine, ResponseStartLine

__all__ = ["HTTPServerConnectionDelegate", "HTTPMessageDelegate", "HTTPConnection"]


class HTTPMessageDelegate:
    """Receives one HTTP message: its head, its body piece by piece, then its end.

    ``headers_received`` and ``data_received`` may return an awaitable: the server reads
    no further body until it is done (flow control).  Every method has a do-nothing default.
    """

    def headers_received(
        self, start_line: Union[RequestStartLine, ResponseStartLine], headers: HTTPHeaders
    ) -> Awaitable[None] | None:
        """The start line and headers have arrived (parsed)."""
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        """A piece of the body has arrived."""
        return None

    def finish(self) -> None:
        """The whole body has arrived."""

    def on_connection_close(self) -> None:
        """The connection closed before the message was complete."""


class HTTPServerConnectionDelegate:
    """Serves the requests of a server's connections (Tornado's Application and routers are ones)."""

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        """A new request begins on ``request_conn``; return the delegate that handles it.

        ``server_conn`` identifies the client connection (it stays the same across the
        requests of one keep-alive connection).
        """
        raise NotImplementedError()

    def on_close(self, server_conn: object) -> None:
        """Client connection ``server_conn`` has closed."""


class HTTPConnection:
    """Where a server-side message delegate writes its response."""

    def write_headers(
        self, start_line: Union[ResponseStartLine, Any], headers: HTTPHeaders, chunk: bytes | None = None
    ) -> asyncio.Future[None]:
        """Start the response (and send a first piece of the body, if given)."""
        raise NotImplementedError()

    def write(self, chunk: bytes) -> asyncio.Future[None]:
        """Send a piece of the body; the future resolves when more may be written."""
        raise NotImplementedError()

    def finish(self) -> None:
        """The response is complete."""
        raise NotImplementedError()
