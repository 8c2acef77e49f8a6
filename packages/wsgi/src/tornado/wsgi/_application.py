"""WSGIApplication: tornado.web handlers as a PEP 3333 application (Tornado 1.0's interface)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

import tornado.web
from tornado.httputil import responses
from tornado.web import StaticFileHandler

from ._environ import StartResponse, WSGIEnviron, request_from_environ
from ._syncrun import _HINT, WSGIUnavailableError, new_finished_future, run_without_waiting

# Hop-by-hop fields belong to the server's connection, never to a WSGI response (PEP 3333).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)


class _Done:
    __slots__ = ()

    def __await__(self) -> Any:
        return None
        yield  # pragma: no cover


class _WSGIConnection:
    """Collects the one response a handler writes; tornado.web sees a Connection."""

    def __init__(self, what: str, finished: Any = None) -> None:
        self.what = what
        self.finished = finished  # a future resolved once the response is complete
        self.status = 500
        self.reason: str | None = None
        self.headers: Any = None
        self.body = b""
        self.done = False
        self.error: WSGIUnavailableError | None = None
        self.aborted = False

    def write_response(
        self, status: int, headers: Any, body: bytes, reason: str | None, request: Any, /
    ) -> None:
        self.status, self.headers, self.body, self.reason = status, headers, body, reason
        self.done = True
        self._resolve()

    def _resolve(self) -> None:
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(None)

    def _unavailable(self) -> WSGIUnavailableError:
        self.error = WSGIUnavailableError(
            f"{self.what}: flush() sends part of a response before the handler finishes, which a "
            f"WSGI application cannot do (the whole response is returned at once). {_HINT}"
        )
        return self.error

    def write_headers(self, status: int, headers: Any, chunk: bytes | None, reason: str | None, /) -> None:
        raise self._unavailable()

    def write(self, chunk: bytes, /) -> None:
        raise self._unavailable()

    def write_raw(self, data: bytes, request: Any = None) -> None:
        self.error = WSGIUnavailableError(
            f"{self.what}: request.write() sends raw HTTP bytes on a socket, which a WSGI "
            "application does not own; use a RequestHandler's write() and finish()"
        )
        raise self.error

    def finish(self, request: Any = None, /) -> None:
        if not self.done:
            raise self._unavailable()

    def flush(self) -> Awaitable[None] | None:
        return _Done()

    @property
    def closed(self) -> bool:
        return self.aborted

    def set_close_callback(self, callback: Callable[[], Any] | None, /) -> None:
        """A WSGI server does not report clients that go away: the callback never runs."""

    def close(self) -> None:
        self.aborted = True
        self._resolve()

    def detach(self) -> Any:
        self.error = WSGIUnavailableError(
            f"{self.what}: detaching the connection (WebSocket and other upgrades) needs "
            "tornado's HTTPServer; a WSGI server owns its sockets"
        )
        raise self.error


class WSGIStaticFileHandler(StaticFileHandler):
    """StaticFileHandler that sends a file whole: under WSGI the response is returned at once,
    so the chunk-by-chunk flush() of the streaming version has nowhere to go."""

    def flush(self, include_footers: bool = False) -> Awaitable[None]:
        return _Done()


def _wsgi_headers(headers: Any) -> list[tuple[str, str]]:
    items: Iterable[tuple[str, str]] = headers.items() if isinstance(headers, dict) else headers or ()
    out = []
    for name, value in items:
        if name.lower() in _HOP_BY_HOP:
            continue
        if not isinstance(value, str):
            value = str(value)
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            value = value.encode("utf-8").decode("latin-1")  # the bytes an HTTP server would send
        out.append((name, value))
    return out


class WSGIApplication(tornado.web.Application):
    """A tornado.web.Application that is also a WSGI application.

    ``WSGIApplication(handlers, default_host="", **settings)`` takes what Application takes;
    pass the instance to any WSGI server (``wsgiref.handlers.CGIHandler().run(app)``,
    gunicorn, uWSGI).  Handlers, cookies, secure cookies, XSRF, templates, static files and
    error pages work as on HTTPServer, and so do ``async def`` handlers whose awaits complete
    at once.  WSGI calls the application synchronously, so what needs the IOLoop to wait
    raises WSGIUnavailableError when used: ``@asynchronous`` methods left waiting, awaiting
    I/O or timers, the HTTP clients, tornado.auth and flush() streaming.
    """

    def __init__(
        self,
        handlers: Sequence[Any] | None = None,
        default_host: str = "",
        transforms: Sequence[type] | None = None,
        **settings: Any,
    ) -> None:
        settings.setdefault("static_handler_class", WSGIStaticFileHandler)
        super().__init__(handlers, default_host, transforms, **settings)

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse | None = None) -> Any:  # type: ignore[override]
        """The PEP 3333 entry point: ``app(environ, start_response)`` returns the body chunks."""
        if start_response is None:
            # Handed a tornado request (a WSGIApplication served by HTTPServer): act as one.
            return super().__call__(environ)  # type: ignore[arg-type]
        what = f"{environ.get('REQUEST_METHOD', '?')} {environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        conn = _WSGIConnection(what, new_finished_future())
        request = request_from_environ(environ, conn)
        run_without_waiting(
            lambda: tornado.web.Application.__call__(self, cast(Any, request)), what, conn.finished
        )
        if conn.error is not None:
            raise conn.error
        if not conn.done:
            raise WSGIUnavailableError(
                f"{what}: the handler returned without finishing the response (an @asynchronous "
                f"method, or one waiting for a callback from the IOLoop). {_HINT}"
            )
        reason = conn.reason or responses.get(conn.status, "Unknown")
        start_response(f"{conn.status} {reason}", _wsgi_headers(conn.headers))
        return [conn.body]
