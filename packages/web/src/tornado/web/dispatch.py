"""Serving one request for an Application, as the server's HTTPMessageDelegate.

The route is found when the head arrives.  An ordinary handler runs once the whole body
is in (as Tornado always did); a ``@stream_request_body`` handler is created at once, its
``prepare()`` runs before the first body byte is read, and each piece goes to its
``data_received()`` as it arrives, so the body is never held whole.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from tornado.httputil import HTTPHeaders, HTTPMessageDelegate, HTTPServerRequest
from tornado.routing import request_for
from tornado.web import streaming

if TYPE_CHECKING:
    from tornado.web.application import Application
    from tornado.web.handler import RequestHandler

__all__ = ["HandlerDelegate", "request_for"]


class HandlerDelegate(HTTPMessageDelegate):
    """Runs one RequestHandler for one request (Tornado 6's ``get_handler_delegate`` result)."""

    __slots__ = (
        "application",
        "request",
        "handler_class",
        "handler_kwargs",
        "path_args",
        "path_kwargs",
        "_state",
    )

    def __init__(
        self,
        application: Application,
        request: HTTPServerRequest,
        handler_class: type[RequestHandler],
        handler_kwargs: dict[str, Any] | None,
        path_args: list[Any] | None,
        path_kwargs: dict[str, Any] | None,
    ) -> None:
        self.application = application
        self.request = request
        self.handler_class = handler_class
        self.handler_kwargs = handler_kwargs or {}
        self.path_args = path_args or []
        self.path_kwargs = path_kwargs or {}
        # Body pieces (list) for an ordinary handler, the handler itself when streaming.
        self._state: Any = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> Awaitable[None] | None:
        if self.handler_class._stream_request_body:
            handler = self._make_handler()
            self._state = handler
            return streaming.start(handler, self._transforms(), self.path_args, self.path_kwargs)
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        state = self._state
        if state is None:
            self._state = [chunk]
        elif type(state) is list:
            state.append(chunk)
        else:
            return streaming.data(state, chunk)
        return None

    def finish(self) -> None:
        self.execute()

    def on_connection_close(self) -> None:
        state = self._state
        if state is not None and type(state) is not list:
            streaming.closed(state)
        else:
            self._state = None

    def _make_handler(self) -> RequestHandler:
        return self.handler_class(self.application, self.request, **self.handler_kwargs)

    def _transforms(self) -> list[Any] | None:
        transforms = self.application.transforms
        return [t(self.request) for t in transforms] if transforms else None

    def execute(self) -> Any:
        """Run the handler now that the body is complete; an awaitable while it is pending."""
        state = self._state
        if state is not None and type(state) is not list:
            streaming.done(state)
            return None
        if state:
            self.request.body = state[0] if len(state) == 1 else b"".join(state)
            self._state = None
        handler = self._make_handler()
        return handler._execute(self._transforms(), self.path_args, self.path_kwargs)


class AppDispatcher(HandlerDelegate):
    """The message delegate ``Application.start_request`` returns: routes when the head arrives.

    A route to a RequestHandler is served by this object itself (no second delegate per
    request); any other target (a nested router, a callable) gets the messages forwarded.
    """

    __slots__ = ("server_conn", "request_conn")

    # Set only when the route is not a RequestHandler (a class-level default saves a store).
    delegate: HTTPMessageDelegate | None = None

    def __init__(self, application: Application, server_conn: object, request_conn: Any) -> None:
        self.application = application
        self.server_conn = server_conn
        self.request_conn = request_conn
        self._state = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> Awaitable[None] | None:
        request = self.request_conn.request
        if type(request) is not HTTPServerRequest or request.headers is not headers:
            request = request_for(self.request_conn, self.server_conn, start_line, headers)
        self.request = request
        app = self.application
        rule = (
            app.wildcard_router.handler_routes().get(request.path)
            if len(app.default_router.rules) == 1  # no virtual hosts: the wildcard rules decide
            else None
        )
        if rule is not None:
            # A literal path no earlier pattern can claim: a dict lookup, no regex.
            self.handler_class = rule.target
            self.handler_kwargs = rule.target_kwargs
            self.path_args = []
            self.path_kwargs = {}
        else:
            delegate = app.find_handler(request)
            if type(delegate) is not HandlerDelegate:
                self.delegate = delegate
                return delegate.headers_received(start_line, headers)
            self.handler_class = delegate.handler_class
            self.handler_kwargs = delegate.handler_kwargs
            self.path_args = delegate.path_args
            self.path_kwargs = delegate.path_kwargs
        if self.handler_class._stream_request_body:
            return HandlerDelegate.headers_received(self, start_line, headers)
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        if self.delegate is not None:
            return self.delegate.data_received(chunk)
        return HandlerDelegate.data_received(self, chunk)

    def finish(self) -> None:
        if self.delegate is not None:
            self.delegate.finish()
            return
        state = self._state
        if state is None:
            # No body: the common case, kept short.
            app = self.application
            request = self.request
            transforms = app.transforms
            handler = self.handler_class(app, request, **self.handler_kwargs)
            handler._execute(
                [t(request) for t in transforms] if transforms else None, self.path_args, self.path_kwargs
            )
            return
        self.execute()

    def on_connection_close(self) -> None:
        if self.delegate is not None:
            self.delegate.on_connection_close()
            return
        HandlerDelegate.on_connection_close(self)
