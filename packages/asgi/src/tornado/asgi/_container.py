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
from urllib.parse import unquote

from tornado.httputil import HTTPConnection, HTTPHeaders, HTTPMessageDelegate, HTTPServerConnectionDelegate

from ._exchange import ASGIApp, Exchange
from ._lifespan import Lifespan
from ._scope import ASGI_VERSION, HTTP_VERSIONS, asgi_headers, connection_addresses, http_scope, scope_version

# What start_request keeps per server connection: client and server (host, port), and the loop.
_Where = tuple[Any, Any, asyncio.AbstractEventLoop]


class _Message(Exchange, HTTPMessageDelegate):
    """One request on a server connection: the exchange itself is the message delegate."""

    def __init__(self, container: ASGIContainer, request_conn: Any, where: _Where) -> None:
        self.conn = request_conn
        self.container = container
        self.where = where
        self.loop = where[2]
        self._set_close_callback = set_close = request_conn.set_close_callback
        set_close(self.connection_lost)

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> None:
        # http_scope() inlined: this runs for every request.
        container = self.container
        ctx = self.conn.context
        client, server, _ = self.where
        remote_ip = ctx.remote_ip
        if client is not None:
            if client[0] != remote_ip:
                client = (remote_ip, client[1])  # X-Real-Ip / X-Forwarded-For applied by the server
        elif remote_ip:
            client = (remote_ip, 0)
        path, _, query = start_line.path.partition("?")
        version = start_line.version
        scope = self.scope = {
            "type": "http",
            "asgi": ASGI_VERSION,
            "http_version": HTTP_VERSIONS.get(version) or scope_version(version),
            "method": start_line.method,
            "scheme": ctx.protocol,
            "path": unquote(path) if "%" in path else path,
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": container.root_path,
            "headers": asgi_headers(headers),
            "client": client,
            "server": server,
        }
        state = container._state_for_requests
        if state is not None:
            scope["state"] = state.copy()
        self.task = self.loop.create_task(self._main(container.app))

    def data_received(self, chunk: bytes) -> Any:
        return self.feed(chunk)

    def finish(self) -> None:
        self.end()

    def on_connection_close(self) -> None:
        self.connection_lost()


class ASGIContainer(HTTPServerConnectionDelegate):
    """Serve an ASGI 3 application with tornado.

    ``HTTPServer(ASGIContainer(app))`` serves it alone; inside a tornado.web application mount
    it under a prefix with ``(r"/api/.*", FallbackHandler, {"fallback": ASGIContainer(app,
    root_path="/api")})`` (the scope's ``path`` stays the full path, ``root_path`` is the
    prefix, as ASGI servers do it).  Run ``await container.startup()`` before serving and
    ``await container.shutdown()`` after, for applications that use the lifespan protocol.

    Responses get ``Server: <server_header>`` and ``Date`` headers unless the application
    sends its own (``server_header=None``, ``date_header=False`` leave them out).
    """

    def __init__(
        self,
        asgi_app: ASGIApp,
        root_path: str = "",
        server_header: str | None = "TornadoServer/1.0",
        date_header: bool = True,
    ) -> None:
        if not callable(asgi_app):
            raise TypeError(f"ASGIContainer needs an ASGI application callable, got {asgi_app!r}")
        if not isinstance(root_path, str) or (root_path and not root_path.startswith("/")):
            raise ValueError(f"root_path must be '' or a path starting with '/', got {root_path!r}")
        if server_header is not None and not isinstance(server_header, str):
            raise TypeError(f"server_header must be a str or None, got {server_header!r}")
        self.app = asgi_app
        self.root_path = root_path.rstrip("/")
        self.server_header = server_header
        self.date_header = bool(date_header)
        self.state: dict[str, Any] = {}
        self._lifespan = Lifespan(asgi_app, self.state)
        self._state_for_requests: dict[str, Any] | None = None
        # (client address, server address, loop) of each open server connection, found once.
        self._connections: dict[object, _Where] = {}

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
        where = self._connections.get(server_conn)
        if where is None:
            client, server = connection_addresses(request_conn)
            where = self._connections[server_conn] = (client, server, asyncio.get_running_loop())
        return _Message(self, request_conn, where)

    def on_close(self, server_conn: object) -> None:
        self._connections.pop(server_conn, None)

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
        exchange = Exchange(conn, asyncio.get_running_loop(), getattr(conn, "set_close_callback", None))
        exchange.request = request
        exchange.scope = scope
        exchange.container = self
        exchange.set_body(request.body)
        return exchange.run(self.app)
