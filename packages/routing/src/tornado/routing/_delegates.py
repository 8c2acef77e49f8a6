"""The message delegates a router hands to the server: route at the head, adapt callables."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from tornado.httputil import (
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerRequest,
    RequestStartLine,
    ResponseStartLine,
)

if TYPE_CHECKING:
    from ._rules import Router

app_log = logging.getLogger("tornado.application")

__all__ = ["RoutingDelegate", "CallableAdapter", "NotFoundDelegate", "request_for"]


def request_for(
    request_conn: Any, server_conn: object, start_line: RequestStartLine, headers: HTTPHeaders
) -> HTTPServerRequest:
    """The request for a new message: the one the server built for it already, or a new one.

    Routers and ``tornado.web``'s dispatcher both call it, so a request the server parsed
    is reused rather than built twice.
    """
    req = getattr(request_conn, "request", None)
    if type(req) is HTTPServerRequest and req.headers is headers and req.uri == start_line.path:
        return req
    return HTTPServerRequest(
        connection=request_conn, server_connection=server_conn, start_line=start_line, headers=headers
    )


class RoutingDelegate(HTTPMessageDelegate):
    """What ``Router.start_request`` returns: asks ``find_handler`` once the head is in,
    then passes every message to the delegate found (or answers 404)."""

    def __init__(self, router: Router, server_conn: object, request_conn: Any) -> None:
        self.router = router
        self.server_conn = server_conn
        self.request_conn = request_conn
        self.delegate: HTTPMessageDelegate | None = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> Awaitable[None] | None:
        request = request_for(self.request_conn, self.server_conn, start_line, headers)
        delegate = self.router.find_handler(request)
        if delegate is None:
            app_log.debug("Delegate for %s %s request not found", start_line.method, start_line.path)
            delegate = NotFoundDelegate(self.request_conn)
        self.delegate = delegate
        return delegate.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        assert self.delegate is not None
        return self.delegate.data_received(chunk)

    def finish(self) -> None:
        assert self.delegate is not None
        self.delegate.finish()

    def on_connection_close(self) -> None:
        if self.delegate is not None:
            self.delegate.on_connection_close()


class NotFoundDelegate(HTTPMessageDelegate):
    """Answers 404 when no rule matched."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def finish(self) -> None:
        self.connection.write_headers(
            ResponseStartLine("HTTP/1.1", 404, "Not Found"), HTTPHeaders({"Content-Length": "0"})
        )
        self.connection.finish()


class CallableAdapter(HTTPMessageDelegate):
    """Serves a rule whose target is a plain callable: it gets the whole request, as
    ``HTTPServer(callback)`` gives it (an ``async def`` is run on the loop)."""

    def __init__(self, request_callback: Callable[[HTTPServerRequest], Any], request_conn: Any) -> None:
        self.connection = request_conn
        self.request_callback = request_callback
        self.request: HTTPServerRequest | None = None
        self._chunks: list[bytes] = []
        self.server_conn: object = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> Awaitable[None] | None:
        if self.request is None:  # routed requests come with theirs
            self.request = request_for(self.connection, self.server_conn, start_line, headers)
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        self._chunks.append(chunk)
        return None

    def finish(self) -> None:
        request = self.request
        assert request is not None
        if self._chunks:
            request.body = b"".join(self._chunks)
            self._chunks = []
        result = self.request_callback(request)
        if result is not None and isawaitable(result):
            fut = asyncio.ensure_future(result)
            fut.add_done_callback(_log_failure)

    def on_connection_close(self) -> None:
        self._chunks = []


def _log_failure(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        app_log.error("Uncaught exception in request callback", exc_info=fut.exception())
