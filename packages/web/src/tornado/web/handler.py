"""RequestHandler: one instance per request; subclasses define get()/post()/... methods."""

from __future__ import annotations

import asyncio
import datetime
import functools
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, cast

from tornado import escape
from tornado.escape import utf8
from tornado.httputil import format_timestamp, http_date_now, responses
from tornado.web import rendering
from tornado.web._types import Connection, Request, ResponseHeaders
from tornado.web.errors import Finish, HTTPError, check_reason
from tornado.web.handler_errors import ErrorResponses
from tornado.web.handler_input import RequestInput
from tornado.web.sourcedirs import class_directory

if TYPE_CHECKING:
    from tornado.web.application import Application
    from tornado.web.uimodules import UIModule

access_log = logging.getLogger("tornado.access")
app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

_ARG_DEFAULT: Any = object()
_UNSAFE_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab is allowed
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")
_SERVER = "TornadoServer/1.0"

_CHECKED_NAMES: set[str] = set()  # header names already validated
_METHOD_NAMES = {m: m.lower() for m in ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")}


def _convert_header_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes):
        text = value.decode("latin1")
    elif isinstance(value, bool):
        raise TypeError(f"unsupported value for header {name!r}: {value!r}")
    elif isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, datetime.datetime):
        text = format_timestamp(value)
    else:
        raise TypeError(f"unsupported value type for header {name!r}: {type(value).__name__}")
    if _UNSAFE_HEADER.search(text):
        raise ValueError(f"unsafe value for header {name!r} (control characters or CR/LF): {text!r}")
    return text


def _check_header_name(name: str) -> str:
    if not isinstance(name, str) or not name or _UNSAFE_HEADER.search(name) or ":" in name or " " in name:
        raise ValueError(f"invalid header name {name!r}")
    return name


class RequestHandler(RequestInput, ErrorResponses):
    """Base class for HTTP request handlers.

    Override the methods named after HTTP verbs. A handler instance lives for one request;
    the request is finished automatically when the verb method returns (or, for ``async def``
    methods, when their coroutine completes), unless ``@asynchronous`` is used.
    """

    SUPPORTED_METHODS: tuple[str, ...] = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")
    # With xsrf_cookies on, page views hand out the _xsrf cookie; static files do not
    # (a Set-Cookie on a cacheable file is wasted and defeats shared caches).
    SETS_XSRF_COOKIE = True

    # Per-request state starts from these class-level defaults: an instance attribute is
    # only created when a request changes one (fewer stores on the hot path).
    path_args: list[str] = []
    path_kwargs: dict[str, str] = {}
    _headers_written = False
    _finished = False
    _auto_finish = True
    _transforms: list[Any] | None = None
    _new_cookie: dict[str, str] | None = None  # name -> Set-Cookie value
    _active_modules: dict[str, UIModule] | None = None
    _close_callback_set = False
    _close_reported = False
    # Set by @stream_request_body: the body goes to data_received() piece by piece.
    _stream_request_body = False
    _body_future: asyncio.Future[None] | None = None
    _extra_headers: list[tuple[str, str]] | None = None
    # Which hooks a subclass overrides, worked out once per class so the request path
    # skips calls to the empty defaults.
    _hooks_close = False
    _hooks_finish = False
    _hooks_defaults = False
    _hooks_init = False
    _hooks_prepare = False

    # Where templates load from without a template_path: next to the file defining the class.
    _source_dir: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._source_dir = class_directory(cls)
        base = RequestHandler
        cls._hooks_close = cls.on_connection_close is not base.on_connection_close
        cls._hooks_finish = cls.on_finish is not base.on_finish
        cls._hooks_defaults = cls.set_default_headers is not base.set_default_headers
        cls._hooks_init = cls.initialize is not base.initialize
        cls._hooks_prepare = cls.prepare is not base.prepare

    def __init__(self, application: Application, request: Request, **kwargs: Any) -> None:
        self.application = application
        self.request = request
        self.settings = application.settings
        self._headers: dict[str, str] = {
            "Server": _SERVER,
            "Content-Type": "text/html; charset=UTF-8",
            "Date": http_date_now(),
        }
        self._write_buffer: list[bytes] = []
        self._status_code = 200
        self._reason = "OK"
        if self._hooks_defaults:
            self.set_default_headers()
        if kwargs or self._hooks_init:
            self.initialize(**kwargs)

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        """Hook for the ``kwargs`` dict of a URLSpec; called once per request."""

    # -- request lifecycle hooks -------------------------------------------------------------

    def prepare(self) -> Awaitable[None] | None:
        """Called before the verb method; may be ``async`` and may finish the request itself."""
        return None

    def on_finish(self) -> None:
        """Called after the response has been sent; for cleanup and logging."""

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        """A piece of the request body, for ``@stream_request_body`` handlers (may be ``async``)."""
        raise NotImplementedError()

    def on_connection_close(self) -> None:
        """Called when the client closes the connection before the response is finished.

        Long-polling handlers override this to drop their waiters. It is only called while
        the request is open, and only if the server reports the close.
        """

    # -- verb methods: the defaults answer 405 ---------------------------------------------

    def _unimplemented_method(self, *args: Any, **kwargs: Any) -> None:
        raise HTTPError(405)

    head: Callable[..., Any] = _unimplemented_method
    get: Callable[..., Any] = _unimplemented_method
    post: Callable[..., Any] = _unimplemented_method
    delete: Callable[..., Any] = _unimplemented_method
    patch: Callable[..., Any] = _unimplemented_method
    put: Callable[..., Any] = _unimplemented_method
    options: Callable[..., Any] = _unimplemented_method

    def _allowed_methods(self) -> list[str]:
        cls = type(self)
        return [
            m
            for m in self.SUPPORTED_METHODS
            if getattr(cls, m.lower(), None) is not RequestHandler._unimplemented_method
        ]

    # -- response status and headers -------------------------------------------------------

    def clear(self) -> None:
        """Reset headers and body to their defaults (used before an error page)."""
        self._headers = {
            "Server": _SERVER,
            "Content-Type": "text/html; charset=UTF-8",
            "Date": http_date_now(),
        }
        self._extra_headers = None
        self._write_buffer = []
        self._status_code = 200
        self._reason = "OK"
        self.set_default_headers()

    def set_default_headers(self) -> None:
        """Override to set headers on every response (including error pages)."""

    def set_status(self, status_code: int, reason: str | None = None) -> None:
        """Set the response status; ``reason`` defaults to the standard phrase (CR/LF refused)."""
        if not isinstance(status_code, int) or isinstance(status_code, bool) or not 100 <= status_code <= 999:
            raise ValueError(f"status_code must be an int in 100..999, got {status_code!r}")
        check_reason(reason)
        self._status_code = status_code
        self._reason = reason if reason is not None else responses.get(status_code, "Unknown")

    def get_status(self) -> int:
        return self._status_code

    def set_header(self, name: str, value: Any) -> None:
        """Replace response header ``name``; CR/LF or other control characters raise ValueError."""
        if name not in _CHECKED_NAMES:
            _check_header_name(name)
            if len(_CHECKED_NAMES) < 1024:
                _CHECKED_NAMES.add(name)
        if type(value) is not str or _UNSAFE_HEADER.search(value):
            value = _convert_header_value(name, value)
        self._headers[name] = value
        if self._extra_headers:
            lname = name.lower()
            self._extra_headers = [(n, v) for n, v in self._extra_headers if n.lower() != lname]

    def add_header(self, name: str, value: Any) -> None:
        """Add another value for header ``name`` without replacing existing ones."""
        value = _convert_header_value(name, value)
        _check_header_name(name)
        if name not in self._headers:
            self._headers[name] = value
            return
        if self._extra_headers is None:
            self._extra_headers = []
        self._extra_headers.append((name, value))

    def clear_header(self, name: str) -> None:
        """Remove every value of response header ``name`` (e.g. the default Server header)."""
        self._headers.pop(name, None)
        if self._extra_headers:
            lname = name.lower()
            self._extra_headers = [(n, v) for n, v in self._extra_headers if n.lower() != lname]

    def _response_headers(self) -> ResponseHeaders:
        if not self._extra_headers and not self._new_cookie and not self._transforms:
            return self._headers  # the server renders a dict as-is: no list to build
        headers = list(self._headers.items())
        if self._extra_headers:
            headers.extend(self._extra_headers)
        if self._new_cookie:
            headers.extend(("Set-Cookie", v) for v in self._new_cookie.values())
        return headers

    # -- URLs ----------------------------------------------------------------------------------

    def reverse_url(self, name: str, *args: Any) -> str:
        return self.application.reverse_url(name, *args)

    def static_url(self, path: str, include_host: bool | None = None, **kwargs: Any) -> str:
        """The URL of static file ``path`` with a ``?v=`` content hash so browsers may cache it forever.

        The application computes it (Application.static_url); this adds the host when asked.
        The result is a URL, not markup: autoescape in an attribute escapes it exactly once,
        which is correct HTML.
        """
        self.require_setting("static_path", "static_url")
        url = self.application.static_url(path, **kwargs)
        if include_host is None:
            include_host = getattr(self, "include_host", False)
        if include_host:
            return f"{self.request.protocol}://{self.request.host}{url}"
        return url

    # -- output ----------------------------------------------------------------------------------

    def write(self, chunk: str | bytes | dict[str, Any]) -> None:
        """Buffer output: text is UTF-8 encoded, a dict is sent as JSON."""
        if self._finished:
            raise RuntimeError("Cannot write() after finish()")
        if isinstance(chunk, bytes):
            pass
        elif isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        elif isinstance(chunk, dict):
            chunk = escape.json_encode(chunk).encode("utf-8")
            self._headers["Content-Type"] = "application/json; charset=UTF-8"
        else:
            message = "write() only accepts bytes, str and dict objects"
            if isinstance(chunk, list):
                message += ". Lists are not accepted for security reasons (wrap them in a dict)"
            raise TypeError(message)
        self._write_buffer.append(chunk)

    def flush(self, include_footers: bool = False) -> Awaitable[None]:
        """Send buffered output now; without a Content-Length the response is chunked."""
        return self._flush(False)

    def _flush(self, finishing: bool) -> Awaitable[None]:
        buf = self._write_buffer
        chunk = buf[0] if len(buf) == 1 else b"".join(buf)
        self._write_buffer = []
        conn = self.request.connection
        if conn is None:
            raise RuntimeError("the request has no connection to send the response on")
        if not self._headers_written:
            self._headers_written = True
            status = self._status_code
            headers = self._response_headers()
            if self._transforms:
                for t in self._transforms:
                    status, headers, chunk = t.transform_first_chunk(status, headers, chunk, finishing)
            if self.request.method == "HEAD":
                chunk = b""
            if finishing:
                # The whole response at once: the server composes it into a single write.
                conn.write_response(status, headers, chunk, self._reason, self.request)
                return _DONE
            written = conn.write_headers(status, headers, chunk, self._reason)
            return _as_awaitable(written if written is not None else conn.flush())
        if self._transforms:
            for t in self._transforms:
                chunk = t.transform_chunk(chunk, finishing)
        written = None
        if chunk and self.request.method != "HEAD":
            written = conn.write(chunk)
        if finishing:
            conn.finish(self.request)
            return _DONE
        return _as_awaitable(written if written is not None else conn.flush())

    def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Awaitable[None]:
        """Complete the response; no output may follow."""
        if self._finished:
            raise RuntimeError("finish() called twice")
        if chunk is not None:
            self.write(chunk)
        if not self._headers_written:
            headers = self._headers
            status = self._status_code
            if status == 200:
                method = self.request.method
                if (method == "GET" or method == "HEAD") and "Etag" not in headers:
                    etag = self.compute_etag()
                    if etag is not None:
                        headers["Etag"] = etag
                        if "If-None-Match" in self.request.headers and self.check_etag_header():
                            self._write_buffer = []
                            self.set_status(304)
                            status = 304
            if status == 204 or status == 304 or status < 200:
                if any(self._write_buffer):
                    raise RuntimeError(f"Cannot send a body with a {status} response")
                self._write_buffer = []
                for h in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                    headers.pop(h, None)
            elif "Content-Length" not in headers:
                buf = self._write_buffer
                headers["Content-Length"] = str(len(buf[0]) if len(buf) == 1 else sum(map(len, buf)))
        result = self._flush(True)
        self._finished = True
        if self._close_callback_set:
            cast("Connection", self.request.connection).set_close_callback(None)
        self.application.log_request(self)
        if self._hooks_finish:
            self.on_finish()
        if self._active_modules is not None:
            self._active_modules = None
        return result

    def compute_etag(self) -> str | None:
        """ETag for the buffered body (a SHA-1); override returning None to disable."""
        buf = self._write_buffer
        if len(buf) == 1:
            return '"' + hashlib.sha1(buf[0]).hexdigest() + '"'
        h = hashlib.sha1()
        for part in buf:
            h.update(part)
        return '"' + h.hexdigest() + '"'

    def check_etag_header(self) -> bool:
        """True when the request's If-None-Match matches this response's ETag (answer 304)."""
        inm = self.request.headers.get("If-None-Match")
        if not inm:
            return False
        etag = self._headers.get("Etag")
        if not etag:
            return False
        if inm.strip() == "*":
            return True
        own = etag[2:] if etag.startswith("W/") else etag
        for candidate in inm.split(","):
            candidate = candidate.strip()
            if candidate.startswith("W/"):
                candidate = candidate[2:]
            if candidate == own:
                return True
        return False

    def redirect(self, url: str, permanent: bool = False, status: int | None = None) -> None:
        """Send a redirect (302, or 301 when permanent, or ``status``) and finish."""
        if self._headers_written:
            raise RuntimeError("Cannot redirect after headers have been written")
        if status is None:
            status = 301 if permanent else 302
        elif not isinstance(status, int) or not 300 <= status <= 399:
            raise ValueError(f"redirect status must be an int in 300..399, got {status!r}")
        self.set_status(status)
        self.set_header("Location", utf8(url))
        self.finish()

    # -- templates: implemented in tornado.web.rendering ----------------------------------------

    def render(self, template_name: str, **kwargs: Any) -> Awaitable[None]:
        """Render a template and finish, placing UI module CSS in <head> and JS before </body>."""
        return rendering.render(self, template_name, kwargs)

    def render_string(self, template_name: str, **kwargs: Any) -> bytes:
        """Render a template to bytes with the handler's template namespace."""
        return rendering.render_string(self, type(self), template_name, kwargs)

    def _render_string_for(self, owner: type, template_name: str, kwargs: dict[str, Any]) -> bytes:
        """render_string for a UIModule class ``owner`` (its templates live next to its file)."""
        return rendering.render_string(self, owner, template_name, kwargs)

    def create_template_loader(self, template_path: str) -> Any:
        """The loader for ``template_path``: ``template_loader`` setting, else a tornado.template.Loader."""
        return rendering.create_template_loader(self.application.settings, template_path)

    def get_template_namespace(self) -> dict[str, Any]:
        """Names every template sees: handler, request, current_user, locale, _, static_url, ..."""
        return rendering.template_namespace(self)

    # -- asynchronous support ---------------------------------------------------------------------

    def async_callback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """Wrap a callback so an exception in it answers 500 (or its HTTPError) and closes the request."""
        if callback is None:
            return None
        if args or kwargs:
            callback = functools.partial(callback, *args, **kwargs)

        @functools.wraps(callback)
        def wrapper(*a: Any, **kw: Any) -> Any:
            try:
                return callback(*a, **kw)
            except Exception as e:
                if self._headers_written and not isinstance(e, Finish):
                    self.log_exception(type(e), e, e.__traceback__)
                    if not self._finished:
                        self._abort()
                else:
                    self._handle_request_exception(e)
                return None

        return wrapper

    def detach(self) -> Any:
        """Take the connection over as an IOStream; this request's HTTP processing ends.

        For protocols that tunnel over an HTTP handshake (write your own response on the
        stream).  Needs tornado.httpserver's connections.
        """
        conn: Any = self.request.connection
        if conn is None or not hasattr(conn, "detach"):
            raise RuntimeError("detach() needs a server connection that can be detached")
        self._finished = True
        if self._close_callback_set:
            conn.set_close_callback(None)
        return conn.detach()

    def _on_connection_close(self) -> None:
        # Once per request, however the close is reported (close callback, streaming delegate).
        if not self._finished and not self._close_reported:
            self._close_reported = True
            self.on_connection_close()

    def _begin(self, transforms: list[Any] | None, args: list[str], kwargs: dict[str, str]) -> str:
        """What precedes prepare(): the method check, path arguments, close callback and XSRF."""
        self._transforms = transforms
        method = self.request.method
        if method not in self.SUPPORTED_METHODS:
            raise HTTPError(405)
        if args:
            # Routing hands over path groups as bytes: decoded here, so decode_argument
            # (UTF-8 by default, 400 when invalid) can be overridden for them too.
            args = [self.decode_argument(a) if type(a) is bytes else a for a in args]
        if kwargs:
            kwargs = {
                k: self.decode_argument(v, name=k) if type(v) is bytes else v for k, v in kwargs.items()
            }
        self.path_args = args
        self.path_kwargs = kwargs
        if self._hooks_close:
            set_cb = getattr(self.request.connection, "set_close_callback", None)
            if set_cb is not None:
                set_cb(self._on_connection_close)
                self._close_callback_set = True
        if self.application._xsrf_cookies:
            if method in ("GET", "HEAD", "OPTIONS"):
                if self.SETS_XSRF_COOKIE:
                    self.xsrf_token  # noqa: B018 -- sets the _xsrf cookie for every visitor
            else:
                self.check_xsrf_cookie()
        return method

    def _execute(self, transforms: list[Any] | None, args: list[str], kwargs: dict[str, str]) -> Any:
        """Run prepare() and the verb method; returns an awaitable while an async part is pending."""
        try:
            method = self._begin(transforms, args, kwargs)
            args, kwargs = self.path_args, self.path_kwargs
            if self._hooks_prepare:
                result = self.prepare()
                if result is not None and isawaitable(result):
                    return _spawn(self._execute_async(result, method, args, kwargs))
                if self._finished:
                    return None
            result = getattr(self, _METHOD_NAMES.get(method) or method.lower())(*args, **kwargs)
            if result is not None and isawaitable(result):
                return _spawn(self._execute_async(None, None, args, kwargs, result))
            if self._auto_finish and not self._finished:
                self.finish()
        except Exception as e:
            self._handle_request_exception(e)
        return None

    async def _execute_async(
        self,
        prepared: Awaitable[Any] | None,
        method: str | None,
        args: list[str],
        kwargs: dict[str, str],
        running: Awaitable[Any] | None = None,
    ) -> None:
        try:
            if prepared is not None:
                await prepared
                if self._finished:
                    return
                assert method is not None
                result = getattr(self, method.lower())(*args, **kwargs)
                if result is not None and isawaitable(result):
                    await result
            elif running is not None:
                await running
            if self._auto_finish and not self._finished:
                await self.finish()
        except Exception as e:
            self._handle_request_exception(e)


def _as_awaitable(value: Any) -> Awaitable[None]:
    if value is not None and isawaitable(value):
        return value
    return _DONE


class _Done:
    """An already-completed awaitable: lets ``await self.flush()`` work without a loop round trip."""

    __slots__ = ()

    def __await__(self) -> Any:
        return None
        yield  # pragma: no cover

    def result(self) -> None:
        return None

    def done(self) -> bool:
        return True


_DONE: Any = _Done()


def _spawn(coro: Any) -> asyncio.Future[Any]:
    return asyncio.ensure_future(coro)
