"""ASGIApplication: a tornado.web.Application served by an ASGI server (uvicorn, hypercorn).

Each ASGI ``http`` call becomes an HTTPServerRequest whose connection turns what tornado.web
writes into ASGI messages: a response finished at once is one ``http.response.start`` and
one final ``http.response.body``; ``flush()`` sends what is buffered as a body message with
``more_body`` and its awaitable resolves when the server has taken it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httputil import HTTPHeaders, HTTPServerRequest, responses

from ._exchange import Message

gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailers"})


class ASGIUnavailableError(RuntimeError):
    """A feature that needs tornado's own server was used under an ASGI server."""


def _asgi_response_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    items = headers.items() if isinstance(headers, dict) else (headers or ())
    out = []
    for name, value in items:
        lname = name.lower()
        if lname in _HOP_BY_HOP:
            continue  # the ASGI server frames the response itself
        out.append((lname.encode("latin-1"), str(value).encode("latin-1", "strict")))
    return out


class _ASGIConnection:
    """What tornado.web writes to (its Connection contract), as ASGI send() messages."""

    def __init__(self, loop: asyncio.AbstractEventLoop, what: str) -> None:
        self.loop = loop
        self.what = what
        self.outbox: collections.deque[Message] = collections.deque()
        self.finished = False
        self.aborted = False
        self.disconnected = False
        self.wakeup: asyncio.Future[None] | None = None
        self.drained: list[asyncio.Future[None]] = []
        self.close_callback: Callable[[], Any] | None = None

    def _post(self, message: Message) -> None:
        if self.disconnected or self.aborted:
            return
        self.outbox.append(message)
        self._wake()

    def _wake(self) -> None:
        w = self.wakeup
        if w is not None and not w.done():
            w.set_result(None)

    def _start(self, status: int, headers: Any) -> None:
        self._post(
            {"type": "http.response.start", "status": status, "headers": _asgi_response_headers(headers)}
        )

    # -- tornado.web's Connection ------------------------------------------------------------

    def write_response(
        self, status: int, headers: Any, body: bytes, reason: str | None, request: Any, /
    ) -> None:
        self._start(status, headers)
        self.finished = True
        self._post({"type": "http.response.body", "body": body, "more_body": False})

    def write_headers(self, status: int, headers: Any, chunk: bytes | None, reason: str | None, /) -> None:
        self._start(status, headers)
        if chunk:
            self._post({"type": "http.response.body", "body": chunk, "more_body": True})

    def write(self, chunk: bytes, /) -> None:
        if chunk:
            self._post({"type": "http.response.body", "body": chunk, "more_body": True})

    def finish(self, request: Any = None, /) -> None:
        self.finished = True
        self._post({"type": "http.response.body", "body": b"", "more_body": False})

    def flush(self) -> Awaitable[None] | None:
        fut = self.loop.create_future()
        if not self.outbox or self.disconnected or self.aborted:
            fut.set_result(None)
        else:
            self.drained.append(fut)
        return fut

    @property
    def closed(self) -> bool:
        return self.disconnected or self.aborted

    def set_close_callback(self, callback: Callable[[], Any] | None, /) -> None:
        self.close_callback = callback

    def close(self) -> None:
        self.aborted = True
        self._wake()

    # -- what an ASGI server cannot offer ------------------------------------------------------

    def detach(self) -> Any:
        raise ASGIUnavailableError(
            f"{self.what}: detaching the connection (WebSocket and other upgrades) needs tornado's "
            "HTTPServer; under an ASGI server the server owns the socket and speaks the protocol"
        )

    def write_raw(self, data: bytes, request: Any = None) -> None:
        raise ASGIUnavailableError(
            f"{self.what}: request.write() sends raw HTTP bytes, which an ASGI application cannot do; "
            "use a RequestHandler's write() and finish()"
        )

    @property
    def stream(self) -> Any:
        raise ASGIUnavailableError(
            f"{self.what}: request.connection.stream is the socket stream of tornado's HTTPServer; an "
            "ASGI application has no socket (the ASGI server owns it)"
        )

    # -- the pump --------------------------------------------------------------------------------

    def client_gone(self) -> None:
        if self.disconnected:
            return
        self.disconnected = True
        self.outbox.clear()
        self._release_drained()
        self._wake()
        cb, self.close_callback = self.close_callback, None
        if cb is not None and not self.finished:
            try:
                cb()
            except Exception:
                app_log.exception("Exception in connection close callback")

    def _release_drained(self) -> None:
        waiters, self.drained = self.drained, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def pump(self, send: Callable[[Message], Awaitable[None]]) -> None:
        """Send what tornado.web writes until the response is complete (or cannot be)."""
        outbox = self.outbox
        while True:
            while outbox:
                await send(outbox.popleft())
            self._release_drained()
            if self.finished or self.aborted or self.disconnected:
                return
            self.wakeup = self.loop.create_future()
            await self.wakeup
            self.wakeup = None


class ASGIApplication:
    """``ASGIApplication(tornado.web.Application(...))`` is an ASGI 3 application.

    Handlers, cookies, templates, static files, ``async def`` handlers and ``flush()``
    streaming work; ``on_connection_close`` runs when the ASGI server reports the client gone.
    What needs tornado's own server raises ASGIUnavailableError when used: detaching the
    connection (WebSocketHandler), raw ``request.write()`` and ``request.connection.stream``.
    """

    def __init__(self, app: Any, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        if not callable(app):
            raise TypeError(f"ASGIApplication needs a tornado.web.Application, got {app!r}")
        if not isinstance(max_body_size, int) or max_body_size < 0:
            raise ValueError(f"max_body_size must be a non-negative int, got {max_body_size!r}")
        self.application = app
        self.max_body_size = max_body_size

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            gen_log.warning(
                "ASGIApplication: refusing a WebSocket connection to %s; tornado's WebSocketHandler needs "
                "tornado's HTTPServer",
                scope.get("path"),
            )
            await send({"type": "websocket.close", "code": 1003})
        else:
            raise ValueError(f"ASGIApplication does not handle ASGI scope type {kind!r}")

    async def _lifespan(
        self, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _read_body(self, receive: Callable[[], Awaitable[Message]]) -> bytes | bool:
        """The whole request body; False when the client left, True when it is over
        max_body_size (the caller answers 413 only then)."""
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            body = message.get("body", b"")
            if body:
                size += len(body)
                if size > self.max_body_size:
                    return True
                chunks.append(body)
            if not message.get("more_body", False):
                return b"".join(chunks) if len(chunks) != 1 else chunks[0]

    def _request(self, scope: dict[str, Any], body: bytes, conn: _ASGIConnection) -> HTTPServerRequest:
        headers = HTTPHeaders()
        for name, value in scope["headers"]:
            headers.add(name.decode("latin-1"), value.decode("latin-1"))
        raw_path = scope.get("raw_path")
        if raw_path:
            path = raw_path.decode("latin-1")
        else:
            from urllib.parse import quote

            path = quote(scope["path"], safe="/:@!$&'()*+,;=~")
        query = scope.get("query_string", b"")
        uri = path + "?" + query.decode("latin-1") if query else path
        client = scope.get("client")
        server = scope.get("server")
        host = headers.get("Host")
        if not host and server:
            host = f"{server[0]}:{server[1]}"
        return HTTPServerRequest(
            scope["method"],
            uri,
            "HTTP/" + scope.get("http_version", "1.1"),
            headers,
            body,
            host,
            connection=conn,  # type: ignore[arg-type]
            remote_ip=client[0] if client else "127.0.0.1",
            protocol=scope.get("scheme", "http"),
        )

    async def _http(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        body = await self._read_body(receive)
        if not isinstance(body, bytes):
            if body:  # over max_body_size (False: the client left, nobody to answer)
                try:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 413,
                            "headers": [(b"content-type", b"text/plain")],
                        }
                    )
                    await send({"type": "http.response.body", "body": responses[413].encode()})
                except OSError:
                    return
                gen_log.info("ASGIApplication: request body over max_body_size (%d)", self.max_body_size)
            return
        loop = asyncio.get_running_loop()
        conn = _ASGIConnection(loop, f"{scope['method']} {scope['path']}")
        request = self._request(scope, body, conn)
        result = self.application(request)
        if conn.finished and not conn.drained and result is None:
            # Answered during the call (a plain handler): send it, nothing to watch for.
            await conn.pump(send)
            return
        watcher = asyncio.ensure_future(self._watch_disconnect(receive, conn))
        try:
            await conn.pump(send)
        finally:
            watcher.cancel()
        if conn.aborted and not conn.finished:
            # tornado.web gave up on a started response: returning without completing it makes the
            # ASGI server close the connection, so the client does not take it as whole.
            return

    @staticmethod
    async def _watch_disconnect(receive: Callable[[], Awaitable[Message]], conn: _ASGIConnection) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                conn.client_gone()
                return
