"""One HTTP request served by an ASGI application: the ``receive`` and ``send`` it is given.

The exchange sits between the application and a tornado connection (the Connection contract
tornado.web writes to: write_response, write_headers, write, finish, flush).  The request
body comes in as the server reads it (``feed``/``end``) or all at once; the response goes
out as the application sends it, a whole response in one write when the first body message
is also the last.

This is the per-request path of ASGIContainer, so it keeps its steps few: per-request state
starts from class-level defaults, the response headers are turned into text only once the
response is complete or starts streaming (and only the values: names come from a cache),
and the application's failures are handled inside the one task that runs it (no
done-callback, which would cost another turn of the loop).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from tornado.httputil import http_date_now

app_log = logging.getLogger("tornado.application")

Message = dict[str, Any]
ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Any
]
RawHeaders = Iterable[tuple[bytes, bytes]]

_ERROR_BODY = b"<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
_ERROR_HEADERS = [("Content-Type", "text/html; charset=UTF-8")]

# Response header names as text, by the bytes the application sends (a few dozen in practice).
# Names the server treats specially map to one lower-case spelling, found by ``in _SPECIAL``.
_NAMES: dict[bytes, str] = {}
_NAMES_MAX = 512
_SERVER = "server"
_DATE = "date"
_CONTENT_LENGTH = "content-length"
_SPECIAL = frozenset((_SERVER, _DATE, _CONTENT_LENGTH))


def _name(raw: bytes) -> str:
    if type(raw) is not bytes:
        raise TypeError(f"ASGI header names must be bytes, got {type(raw).__name__}")
    name = raw.decode("latin-1")
    low = name.lower()
    if low in _SPECIAL:
        name = {_SERVER: _SERVER, _DATE: _DATE, _CONTENT_LENGTH: _CONTENT_LENGTH}[low]
    if len(_NAMES) >= _NAMES_MAX:
        _NAMES.clear()
    _NAMES[raw] = name
    return name


class ClientDisconnected(OSError):
    """``send()`` after the client went away (ASGI HTTP spec 2.4: an OSError subclass)."""


class Exchange:
    """Runs ``app(scope, receive, send)`` for one request and answers on ``conn``.

    ``container.server_header`` (text or None) and ``container.date_header`` say which
    default response headers are added when the application did not send them.
    """

    # Per-request state: class-level defaults, an instance attribute only once it changes.
    _body: collections.deque[bytes] | None = None
    _more_body = True
    _delivered_end = False
    _body_waiter: asyncio.Future[None] | None = None  # receive() waiting for body
    _reader_waiter: asyncio.Future[None] | None = None  # the server waiting for receive()
    _disconnect_waiter: asyncio.Future[None] | None = None
    disconnected = False
    status = 0
    raw_headers: RawHeaders | None = None
    started = False
    complete = False
    task: asyncio.Task[None] | None = None
    scope: dict[str, Any]
    request: Any = None  # passed back on write_response/finish; None for a delegate's connection
    container: Any  # what _text_headers reads server_header and date_header from

    def __init__(
        self,
        conn: Any,
        loop: asyncio.AbstractEventLoop,
        set_close_callback: Callable[[Callable[[], Any] | None], None] | None,
    ) -> None:
        self.conn = conn
        self.loop = loop
        self._set_close_callback = set_close_callback
        if set_close_callback is not None:
            set_close_callback(self.connection_lost)

    # ----------------------------------------------------------- request body (server side)

    def feed(self, chunk: bytes) -> Awaitable[None] | None:
        """A piece of the request body arrived.  Returns an awaitable (read no more until it is
        done) while the application has not taken the previous piece."""
        body = self._body
        if body is None:
            body = self._body = collections.deque()
        body.append(chunk)
        waiter = self._body_waiter
        if waiter is not None:
            self._body_waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if len(body) > 1:
            fut = self._reader_waiter = self.loop.create_future()
            return fut
        return None

    def end(self) -> None:
        """The whole request body has arrived."""
        self._more_body = False
        waiter = self._body_waiter
        if waiter is not None:
            self._body_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def set_body(self, body: bytes) -> None:
        if body:
            self._body = collections.deque((body,))
        self._more_body = False

    def connection_lost(self) -> None:
        """The client went away: pending and later ``receive()`` calls get ``http.disconnect``."""
        if self.disconnected:
            return
        self.disconnected = True
        for waiter in (self._body_waiter, self._disconnect_waiter, self._reader_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    # -------------------------------------------------------------- the application's side

    async def receive(self) -> Message:
        while True:
            if self.disconnected:
                return {"type": "http.disconnect"}
            body = self._body
            if body:
                chunk = (
                    body.popleft() if len(body) == 1 else b"".join([body.popleft() for _ in range(len(body))])
                )
                waiter = self._reader_waiter
                if waiter is not None:
                    self._reader_waiter = None
                    if not waiter.done():
                        waiter.set_result(None)
                more = self._more_body
                if not more:
                    self._delivered_end = True
                return {"type": "http.request", "body": chunk, "more_body": more}
            if self._more_body:
                fut = self._body_waiter = self.loop.create_future()
                await fut
                continue
            if not self._delivered_end:
                self._delivered_end = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if self.complete:
                return {"type": "http.disconnect"}
            # The whole body was delivered: the next event is the client going away.
            waiter = self._disconnect_waiter
            if waiter is None or waiter.done():
                waiter = self._disconnect_waiter = self.loop.create_future()
            await waiter

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if self.complete:
                raise RuntimeError("ASGI application sent http.response.body after the response was complete")
            if self.disconnected:
                raise ClientDisconnected("the client closed the connection")
            raw = self.raw_headers
            if raw is None:
                raise RuntimeError("ASGI application sent http.response.body before http.response.start")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            conn = self.conn
            try:
                if not self.started:
                    if not more:
                        status = self.status
                        headers = self._text_headers(
                            raw,
                            len(body)
                            if status != 204 and status != 304 and self.scope["method"] != "HEAD"
                            else -1,
                        )
                        self.started = True
                        self._completed()
                        conn.write_response(status, headers, body, None, self.request)
                        return
                    headers = self._text_headers(raw)
                    self.started = True
                    waiter = conn.write_headers(self.status, headers, body, None)
                elif body:
                    waiter = conn.write(body)
                else:
                    waiter = None
                if not more:
                    self._completed()
                    conn.finish(self.request)
                    return
                if waiter is None:
                    waiter = conn.flush()
            except Exception:
                if self.started:  # the response cannot be framed as given: cut it off
                    self.complete = True
                    conn.close()
                raise
            if waiter is not None:
                await waiter
            return
        if kind == "http.response.start":
            if self.raw_headers is not None:
                raise RuntimeError("ASGI application sent http.response.start twice")
            if self.disconnected:
                raise ClientDisconnected("the client closed the connection")
            status = message["status"]
            if type(status) is not int or not 100 <= status <= 999:
                raise ValueError(f"ASGI http.response.start status must be an int, got {status!r}")
            self.status = status
            self.raw_headers = message.get("headers", ())
            return
        raise ValueError(f"ASGI message type {kind!r} is not valid for an http connection")

    def _text_headers(self, raw: RawHeaders, body_length: int = -1) -> dict[str, str] | list[tuple[str, str]]:
        """The application's (bytes, bytes) headers as the connection takes them, with the
        server's defaults (Server, Date) first unless the application sent its own.

        A dict when every name comes once (the connection walks a plain dict without the
        abstract-class checks a list costs it), else a list of pairs.  ``body_length`` is the
        size of a whole response about to be written: a Content-Length saying the same is
        left out, and the connection writes its own without checking it.
        """
        names = _NAMES
        special = _SPECIAL
        config = self.container
        server = config.server_header
        date = config.date_header
        out: dict[str, str] = {}
        if date:
            out[_DATE] = http_date_now()
        if server is not None:
            out[_SERVER] = server
        count = len(out)
        for k, v in raw:
            name = names.get(k)
            if name is None:
                name = _name(k)
            if name in special:
                if name is _CONTENT_LENGTH:
                    if body_length >= 0 and v.isdigit() and int(v) == body_length:
                        continue
                elif name is _SERVER:
                    if server is not None:
                        server = None
                        del out[_SERVER]
                        count -= 1
                elif date:
                    date = False
                    del out[_DATE]
                    count -= 1
            out[name] = v.decode("latin-1")
            count += 1
        if len(out) != count:  # a name given more than once (Set-Cookie): keep each line
            return self._header_list(raw, body_length)
        return out

    def _header_list(self, raw: RawHeaders, body_length: int) -> list[tuple[str, str]]:
        config = self.container
        server = config.server_header
        date = config.date_header
        out: list[tuple[str, str]] = []
        for k, v in raw:
            name = _NAMES.get(k) or _name(k)
            if name is _CONTENT_LENGTH:
                if body_length >= 0 and v.isdigit() and int(v) == body_length:
                    continue
            elif name is _SERVER:
                server = None
            elif name is _DATE:
                date = False
            out.append((name, v.decode("latin-1")))
        if server is not None:
            out.insert(0, (_SERVER, server))
        if date:
            out.insert(0, (_DATE, http_date_now()))
        return out

    def _completed(self) -> None:
        self.complete = True
        if self._set_close_callback is not None and not self.disconnected:
            self._set_close_callback(None)
        waiter = self._disconnect_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------------ running

    def run(self, app: ASGIApp) -> asyncio.Task[None]:
        task = self.task = self.loop.create_task(self._main(app))
        return task

    async def _main(self, app: ASGIApp) -> None:
        try:
            await app(self.scope, self.receive, self.send)
        except asyncio.CancelledError:
            if not self.complete:
                self._abort()
            raise
        except Exception as exc:
            if isinstance(exc, ClientDisconnected) or (self.disconnected and isinstance(exc, OSError)):
                return
            app_log.error("Exception in ASGI application for %s", self._summary(), exc_info=True)
            if not self.complete:
                self._abort()
            return
        if not self.complete:
            if not self.disconnected:
                app_log.error(
                    "ASGI application returned without completing the response for %s", self._summary()
                )
            self._abort()

    def _summary(self) -> str:
        s = self.scope
        q = s["query_string"]
        target = s["raw_path"].decode("latin-1") + ("?" + q.decode("latin-1") if q else "")
        return f"{s['method']} {target}"

    def _abort(self) -> None:
        """The application failed: a 500 when nothing was sent yet, else cut the response off."""
        self.complete = True
        if self._set_close_callback is not None and not self.disconnected:
            self._set_close_callback(None)
        conn = self.conn
        if self.disconnected or conn.closed:
            return
        if not self.started:
            self.started = True
            self.status = 500
            try:
                conn.write_response(
                    500, self._text_headers(_ERROR_HEADERS_RAW), _ERROR_BODY, None, self.request
                )
            except Exception:
                conn.close()
        else:
            conn.close()


_ERROR_HEADERS_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _ERROR_HEADERS]
