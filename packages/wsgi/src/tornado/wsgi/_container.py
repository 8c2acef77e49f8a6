"""WSGIContainer: any WSGI application served by tornado's HTTPServer.

The WSGI application runs on an executor (a thread pool unless told otherwise), so a slow
view blocks one worker thread and not the IOLoop.  The worker hands each piece of the
response to the loop thread, which alone touches the connection:

- a list or tuple body is joined in the worker and sent as one response with its length;
- any other iterable is streamed, each chunk written as it is produced, and the worker waits
  until the connection has taken it (back-pressure) before asking the iterable for more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    HTTPServerRequest,
)

from ._environ import WSGIApp, WSGIEnviron, environ_from_request
from ._input import ClientDisconnected, InputStream

app_log = logging.getLogger("tornado.application")
access_log = logging.getLogger("tornado.access")

_default_executor: concurrent.futures.ThreadPoolExecutor | None = None
_default_lock = threading.Lock()


def _shared_executor() -> concurrent.futures.ThreadPoolExecutor:
    global _default_executor
    with _default_lock:
        if _default_executor is None:
            _default_executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="tornado-wsgi")
        return _default_executor


class _ClientGone(Exception):
    pass


def _parse_status(status: Any) -> tuple[int, str]:
    if not isinstance(status, str) or len(status) < 4 or not status[:3].isdigit() or status[3] != " ":
        raise ValueError(f"WSGI status must be a str like '200 OK', got {status!r}")
    return int(status[:3]), status[4:]


class _Exchange:
    """One request's trip through the WSGI application (worker side and loop side)."""

    def __init__(
        self, container: WSGIContainer, request: Any, loop: asyncio.AbstractEventLoop, reply_to: Any
    ) -> None:
        self.container = container
        self.request = request
        self.reply_to = reply_to  # the request object the connection expects back, if any
        self.conn = request.connection
        self.loop = loop
        self.input: InputStream | None = None
        self.done: asyncio.Future[None] = loop.create_future()
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[str, str]] | None = None
        self.started = False  # headers handed to the connection (loop side)
        self.headers_sent = False  # worker side: a body chunk has gone, headers are final
        self.gone = False
        self.start_time = time.time()
        set_cb = getattr(self.conn, "set_close_callback", None)
        if set_cb is not None:
            set_cb(self._on_close)

    # ------------------------------------------------------------------ worker thread

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.headers is not None:
            raise AssertionError("start_response was called twice without exc_info (PEP 3333)")
        code, reason = _parse_status(status)
        if not isinstance(headers, list) or not all(
            isinstance(h, tuple) and len(h) == 2 and isinstance(h[0], str) and isinstance(h[1], str)
            for h in headers
        ):
            raise TypeError(f"WSGI response headers must be a list of (str, str) tuples, got {headers!r}")
        self.status, self.reason, self.headers = code, reason, headers
        return self._write

    def _write(self, data: bytes) -> None:
        """The legacy write() callable start_response returns."""
        self._send(data, False)

    def _send(self, data: bytes, end: bool) -> None:
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"WSGI body chunks must be bytes, got {type(data).__name__}")
        if self.headers is None:
            raise AssertionError("the WSGI application sent body data before calling start_response")
        self.headers_sent = True
        if self.gone or not self.loop.is_running():
            raise _ClientGone()
        try:
            fut = asyncio.run_coroutine_threadsafe(self._send_part(bytes(data), end), self.loop)
        except RuntimeError:  # the loop is closed: the server is gone
            raise _ClientGone() from None
        while True:
            try:
                ok = fut.result(timeout=1.0)
                break
            except concurrent.futures.TimeoutError:
                if not self.loop.is_running():  # stopped with the chunk unsent: nobody will take it
                    fut.cancel()
                    raise _ClientGone() from None
        if not ok:
            raise _ClientGone()

    def _post(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback`` on the loop thread (dropped when the loop is already closed)."""
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass

    def run(self, environ: WSGIEnviron) -> None:
        result: Any = None
        try:
            result = self.container.wsgi_application(environ, self.start_response)
            if isinstance(result, (list, tuple)):
                for chunk in result:
                    if not isinstance(chunk, (bytes, bytearray)):
                        raise TypeError(f"WSGI body chunks must be bytes, got {type(chunk).__name__}")
                body = b"".join(result)
                if self.headers is None:
                    raise AssertionError("the WSGI application returned without calling start_response")
                if self.headers_sent:
                    self._send(body, True)
                else:
                    self._post(self._whole, self.status, self.headers, body, self.reason)
                return
            for chunk in result:
                if chunk:
                    self._send(chunk, False)
            if self.headers is None:
                raise AssertionError("the WSGI application returned without calling start_response")
            self._send(b"", True)
        except _ClientGone:
            self._post(self._finished)
        except ClientDisconnected:
            access_log.info("Client went away during the request body of %s", self._summary())
            self._post(self._failed)
        except Exception:
            app_log.error("Uncaught exception in WSGI application for %s", self._summary(), exc_info=True)
            self._post(self._failed)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    app_log.error(
                        "Exception closing the WSGI response for %s", self._summary(), exc_info=True
                    )

    # -------------------------------------------------------------------- loop thread

    def _on_close(self) -> None:
        self.gone = True
        if self.input is not None:
            self.input.abort()
        self._finished()

    def _summary(self) -> str:
        r = self.request
        return f"{r.method} {r.uri} ({r.remote_ip})"

    def _whole(self, status: int, headers: list[tuple[str, str]], body: bytes, reason: str) -> None:
        if self.gone or self.conn.closed:
            self._finished()
            return
        self.started = True
        try:
            self.conn.write_response(status, headers, body, reason, self.reply_to)
        except Exception:
            app_log.error("Bad WSGI response for %s", self._summary(), exc_info=True)
            self.conn.close()
        self._finished()

    async def _send_part(self, chunk: bytes, end: bool) -> bool:
        conn = self.conn
        if self.gone or conn.closed:
            return False
        try:
            if not self.started:
                self.started = True
                if end:
                    conn.write_response(self.status, self.headers, chunk, self.reason, self.reply_to)
                    self._finished()
                    return True
                conn.write_headers(self.status, self.headers, chunk, self.reason)
            elif chunk:
                conn.write(chunk)
            if end:
                conn.finish(self.reply_to)
                self._finished()
                return True
            waiter = conn.flush()
            if waiter is not None:
                await waiter
        except Exception:
            app_log.error("Bad WSGI response for %s", self._summary(), exc_info=True)
            conn.close()
            self._finished()
            return False
        return not (self.gone or conn.closed)

    def _failed(self) -> None:
        if not self.started and not self.gone and not self.conn.closed:
            self.started = True
            self.status = 500
            body = b"<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
            try:
                self.conn.write_response(
                    500, [("Content-Type", "text/html; charset=UTF-8")], body, None, self.reply_to
                )
            except Exception:
                app_log.error("Could not send the 500 response for %s", self._summary(), exc_info=True)
                self.conn.close()
        elif self.started:
            self.conn.close()  # the response is cut short: the client must not take it as complete
        self._finished()

    def _finished(self) -> None:
        if self.done.done():
            return
        set_cb = getattr(self.conn, "set_close_callback", None)
        if set_cb is not None and not self.gone:
            set_cb(None)
        if self.input is not None:
            self.input.release()  # the response is complete: the server may drop the rest of the body
        self.done.set_result(None)
        self.container._log(self.status, self.request, 1000.0 * (time.time() - self.start_time))


class _Message(HTTPMessageDelegate):
    """One request on a server connection: the application starts once the head is in and
    reads the body from ``wsgi.input`` while it arrives."""

    def __init__(self, container: WSGIContainer, request_conn: HTTPConnection) -> None:
        self.container = container
        self.request_conn = request_conn
        self.exchange: _Exchange | None = None
        self.input: InputStream | None = None

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> None:
        request = HTTPServerRequest(connection=self.request_conn, start_line=start_line, headers=headers)
        loop = asyncio.get_running_loop()
        stream = self.input = InputStream(loop)
        exchange = self.exchange = _Exchange(self.container, request, loop, None)
        exchange.input = stream
        environ = self.container.environ(request)
        environ["wsgi.input"] = stream
        if "X-Consumed-Content-Encoding" in headers or "CONTENT_LENGTH" not in environ:
            # Inflated by the server, or chunked: the length is not known up front.
            environ.pop("CONTENT_LENGTH", None)
            environ["wsgi.input_terminated"] = True
        self.container._submit(exchange, environ)

    def data_received(self, chunk: bytes) -> Any:
        return self.input.feed(chunk) if self.input is not None else None

    def finish(self) -> None:
        if self.input is not None:
            self.input.end()

    def on_connection_close(self) -> None:
        if self.exchange is not None:
            self.exchange._on_close()


class WSGIContainer(HTTPServerConnectionDelegate):
    """Makes a WSGI application an HTTPServer request callback.

    ``HTTPServer(WSGIContainer(flask_app))``, or inside a tornado.web application::

        Application([(r"/api/.*", MyHandler), (r".*", FallbackHandler, {"fallback": container})])

    ``executor`` runs the application (any concurrent.futures.Executor); by default a thread
    pool shared by every container, so the IOLoop keeps serving while a view works.
    """

    def __init__(
        self, wsgi_application: WSGIApp, executor: concurrent.futures.Executor | None = None
    ) -> None:
        if not callable(wsgi_application):
            raise TypeError(f"WSGIContainer needs a WSGI callable, got {wsgi_application!r}")
        if executor is not None and not callable(getattr(executor, "submit", None)):
            # Caught here rather than as an AttributeError on the first request.
            raise TypeError(f"WSGIContainer executor must be a concurrent.futures.Executor, got {executor!r}")
        self.wsgi_application = wsgi_application
        self.executor = executor

    def environ(self, request: Any) -> WSGIEnviron:
        """The PEP 3333 environ for ``request`` (an HTTPServerRequest)."""
        return environ_from_request(request)

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        """HTTPServer's delegate interface: the body streams into ``wsgi.input``."""
        return _Message(self, request_conn)

    def __call__(self, request: Any) -> asyncio.Future[None]:
        """Serve a whole ``request`` (e.g. from FallbackHandler); the returned future resolves
        when the response is complete."""
        exchange = _Exchange(self, request, asyncio.get_running_loop(), request)
        self._submit(exchange, self.environ(request))
        return exchange.done

    def _submit(self, exchange: _Exchange, environ: WSGIEnviron) -> None:
        executor = self.executor if self.executor is not None else _shared_executor()
        try:
            executor.submit(exchange.run, environ)
        except RuntimeError:  # the executor was shut down
            app_log.error("WSGIContainer executor refused %s", exchange._summary(), exc_info=True)
            exchange._failed()

    def _log(self, status: int, request: Any, request_time_ms: float) -> None:
        if status < 400:
            log_method = access_log.info
        elif status < 500:
            log_method = access_log.warning
        else:
            log_method = access_log.error
        log_method(
            "%d %s %s (%s) %.2fms", status, request.method, request.uri, request.remote_ip, request_time_ms
        )
