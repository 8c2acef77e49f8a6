"""ASGIContainer: an ASGI 3 application (Starlette, FastAPI, ...) served by tornado's HTTPServer.

Given to HTTPServer directly, the container is an HTTPServerConnectionDelegate: the
application starts as soon as the request head has arrived and reads the body with
``receive()`` while it arrives (the server stops reading while the application has not
taken the last piece).  Called with a whole request (``FallbackHandler`` inside a
tornado.web application), it hands over the body in one ``http.request`` message.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tornado.httputil import HTTPConnection, HTTPHeaders, HTTPMessageDelegate, HTTPServerConnectionDelegate

from ._exchange import ASGIApp, Exchange
from ._lifespan import Lifespan
from ._scope import connection_addresses, http_scope


class _Message(HTTPMessageDelegate):
    """One request on a server connection, fed to its Exchange as it arrives."""

    __slots__ = ("container", "request_conn", "addresses", "exchange")

    def __init__(
        self, container: ASGIContainer, request_conn: HTTPConnection, addresses: tuple[Any, Any]
    ) -> None:
        self.container = container
        self.request_conn = request_conn
        self.addresses = addresses
        self.exchange: Exchange | None = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> None:
        conn: Any = self.request_conn
        container = self.container
        ctx = conn.context
        client, server = self.addresses
        scope = http_scope(
            start_line.method,
            start_line.path,
            start_line.version,
            headers,
            ctx.remote_ip,
            ctx.protocol,
            client,
            server,
            container.root_path,
            container._state_for_requests,
        )
        exchange = self.exchange = Exchange(conn, None, scope, container._loop(), conn.set_close_callback)
        exchange.run(container.app)

    def data_received(self, chunk: bytes) -> Any:
        exchange = self.exchange
        return exchange.feed(chunk) if exchange is not None else None

    def finish(self) -> None:
        if self.exchange is not None:
            self.exchange.end()

    def on_connection_close(self) -> None:
        if self.exchange is not None:
            self.exchange.connection_lost()


class ASGIContainer(HTTPServerConnectionDelegate):
    """Serve an ASGI 3 application with tornado.

    ``HTTPServer(ASGIContainer(app))`` serves it alone; inside a tornado.web application mount
    it under a prefix with ``(r"/api/.*", FallbackHandler, {"fallback": ASGIContainer(app,
    root_path="/api")})`` (the scope's ``path`` stays the full path, ``root_path`` is the
    prefix, as ASGI servers do it).  Run ``await container.startup()`` before serving and
    ``await container.shutdown()`` after, for applications that use the lifespan protocol.
    """

    def __init__(self, asgi_app: ASGIApp, root_path: str = "") -> None:
        if not callable(asgi_app):
            raise TypeError(f"ASGIContainer needs an ASGI application callable, got {asgi_app!r}")
        if not isinstance(root_path, str) or (root_path and not root_path.startswith("/")):
            raise ValueError(f"root_path must be '' or a path starting with '/', got {root_path!r}")
        self.app = asgi_app
        self.root_path = root_path.rstrip("/")
        self.state: dict[str, Any] = {}
        self._lifespan = Lifespan(asgi_app, self.state)
        self._state_for_requests: dict[str, Any] | None = None
        # (client, server) address of each open server connection, looked up once per connection.
        self._addresses: dict[object, tuple[Any, Any]] = {}
        self._event_loop: asyncio.AbstractEventLoop | None = None

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = self._event_loop
        if loop is None or loop.is_closed():
            loop = self._event_loop = asyncio.get_running_loop()
        return loop

    # ------------------------------------------------------------------ lifespan

    async def startup(self) -> None:
        """Run the application's lifespan startup; raises LifespanError when it reports failure."""
        await self._lifespan.startup()
        if self._lifespan.supported:
            self._state_for_requests = self.state

    async def shutdown(self) -> None:
        """Run the application's lifespan shutdown (after the server stopped serving)."""
        await self._lifespan.shutdown()

    # -------------------------------------------------------------------- serving

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        addresses = self._addresses.get(server_conn)
        if addresses is None:
            addresses = self._addresses[server_conn] = connection_addresses(request_conn)
        return _Message(self, request_conn, addresses)

    def on_close(self, server_conn: object) -> None:
        self._addresses.pop(server_conn, None)

    def __call__(self, request: Any) -> asyncio.Future[Any]:
        """Serve a whole request (an HTTPServerRequest, e.g. from FallbackHandler)."""
        conn = request.connection
        client, server = connection_addresses(conn)
        scope = http_scope(
            request.method,
            request.uri,
            request.version,
            request.headers,
            request.remote_ip,
            request.protocol,
            client,
            server,
            self.root_path,
            self._state_for_requests,
        )
        exchange = Exchange(
            conn, request, scope, asyncio.get_running_loop(), getattr(conn, "set_close_callback", None)
        )
        exchange.set_body(request.body)
        return exchange.run(self.app)
