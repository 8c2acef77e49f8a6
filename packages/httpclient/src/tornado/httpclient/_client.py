"""AsyncHTTPClient (the configurable, per-IOLoop client), redirects, and the blocking HTTPClient.

Backends implement ``initialize(**kwargs)`` and ``fetch_impl(request, callback)``: one hop,
no redirects.  Redirects are followed here, the same way for every backend, so the rules
(which methods survive, which credentials are dropped when the origin changes, the
max_redirects limit) hold for the pure and the curl client alike.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
import logging
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from tornado.ioloop import IOLoop

from ._request import HTTPRequest, _RequestProxy, check_body, split_url
from ._response import HTTPClientError, HTTPResponse

__all__ = ["AsyncHTTPClient", "HTTPClient"]

app_log = logging.getLogger("tornado.application")

_DEFAULT_IMPL = "tornado.simple_httpclient.SimpleAsyncHTTPClient"
REDIRECT_CODES = frozenset([301, 302, 303, 307, 308])
_ORIGIN_ONLY = ("Authorization", "Cookie", "Proxy-Authorization")
_BODY_HEADERS = ("Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding")


def _resolve_impl(impl: type | str | None) -> type[AsyncHTTPClient]:
    if impl is None:
        impl = _DEFAULT_IMPL
    if isinstance(impl, str):
        module, _, name = impl.rpartition(".")
        if not module:
            raise ValueError(f"AsyncHTTPClient implementation must be a dotted name, got {impl!r}")
        impl = getattr(importlib.import_module(module), name)
    if not (isinstance(impl, type) and issubclass(impl, AsyncHTTPClient)):
        raise TypeError(f"AsyncHTTPClient implementation must be a subclass of AsyncHTTPClient, got {impl!r}")
    return impl


def will_follow(request: Any, code: int, location: str | None) -> bool:
    """Whether this response is a redirect the client is going to follow (its body is skipped)."""
    return (
        code in REDIRECT_CODES
        and location is not None
        and bool(request.follow_redirects)
        and request.max_redirects > 0
        and not (code in (307, 308) and request.body_producer is not None)
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


class AsyncHTTPClient:
    """A non-blocking HTTP client.

    ``AsyncHTTPClient()`` returns the one instance of the current IOLoop (created on first
    use) unless ``force_instance=True``.  Which class it builds is set process-wide with
    :meth:`configure`; the default is the pure-Python
    ``tornado.simple_httpclient.SimpleAsyncHTTPClient``.  Keyword arguments reach the
    backend's ``initialize`` (``max_clients``, ``defaults``...) on the first construction.
    """

    _impl: type[AsyncHTTPClient] | None = None
    _impl_kwargs: dict[str, Any] = {}
    io_loop: IOLoop
    defaults: dict[str, Any]
    _loop: asyncio.AbstractEventLoop
    _closed: bool
    _cache: weakref.WeakKeyDictionary[IOLoop, AsyncHTTPClient] | None

    @classmethod
    def configure(cls, impl: type | str | None, **kwargs: Any) -> None:
        """Choose the class ``AsyncHTTPClient()`` builds (class or dotted name; None for the
        default) and keyword arguments for its constructor."""
        resolved = _resolve_impl(impl) if impl is not None else None
        AsyncHTTPClient._impl = resolved
        AsyncHTTPClient._impl_kwargs = dict(kwargs)

    @classmethod
    def configured_class(cls) -> type[AsyncHTTPClient]:
        return AsyncHTTPClient._impl or _resolve_impl(None)

    @classmethod
    def _instance_cache(cls) -> weakref.WeakKeyDictionary[IOLoop, AsyncHTTPClient]:
        cache = cls.__dict__.get("_instances")
        if cache is None:
            cache = weakref.WeakKeyDictionary()
            cls._instances = cache  # type: ignore[attr-defined]
        return cache

    def __new__(cls, force_instance: bool = False, **kwargs: Any) -> AsyncHTTPClient:
        io_loop = IOLoop.current()
        cache = None if force_instance else cls._instance_cache()
        if cache is not None:
            existing = cache.get(io_loop)
            if existing is not None and not existing._closed:
                return existing
        if cls is AsyncHTTPClient:
            impl = cls.configured_class()
            init_kwargs = dict(AsyncHTTPClient._impl_kwargs)
        else:
            impl, init_kwargs = cls, {}
        init_kwargs.update(kwargs)
        self = object.__new__(impl)
        self.io_loop = io_loop
        self._loop = io_loop.asyncio_loop
        self._closed = False
        self._cache = cache
        self.initialize(**init_kwargs)
        if cache is not None:
            cache[io_loop] = self
        return self

    def __init__(self, force_instance: bool = False, **kwargs: Any) -> None:
        pass  # everything happens in __new__/initialize, once per instance

    def initialize(self, defaults: dict[str, Any] | None = None) -> None:
        if defaults is not None and not isinstance(defaults, dict):
            raise TypeError(f"defaults must be a dict of HTTPRequest options, not {type(defaults).__name__}")
        unknown = set(defaults or ()) - set(HTTPRequest.__init__.__code__.co_varnames)
        if unknown:
            raise ValueError(f"unknown HTTPRequest option(s) in defaults: {', '.join(sorted(unknown))}")
        self.defaults = dict(HTTPRequest._DEFAULTS)
        if defaults:
            self.defaults.update(defaults)

    def close(self) -> None:
        """Release the client's connections; the next ``AsyncHTTPClient()`` builds a new one."""
        if self._closed:
            return
        self._closed = True
        if self._cache is not None and self._cache.get(self.io_loop) is self:
            del self._cache[self.io_loop]

    def fetch_impl(self, request: Any, callback: Callable[[HTTPResponse], None]) -> None:
        raise NotImplementedError

    def fetch(
        self,
        request: HTTPRequest | str,
        callback: Callable[[HTTPResponse], Any] | None = None,
        raise_error: bool = True,
        **kwargs: Any,
    ) -> asyncio.Future[HTTPResponse]:
        """Start fetching ``request`` (an HTTPRequest, or a URL plus HTTPRequest keywords).

        With ``callback`` (1.0 style) it is called with the HTTPResponse, ``error`` set on
        failure.  The returned future resolves to the response; without a callback it
        raises :class:`HTTPClientError` for failures unless ``raise_error=False``.
        """
        if self._closed:
            raise RuntimeError("fetch() called on a closed AsyncHTTPClient")
        if not isinstance(request, HTTPRequest):
            if not isinstance(request, str):
                raise TypeError(f"request must be an HTTPRequest or a URL str, not {type(request).__name__}")
            request = HTTPRequest(request, **kwargs)
        elif kwargs:
            raise ValueError(f"keyword arguments ({', '.join(sorted(kwargs))}) given with an HTTPRequest")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        proxy = _RequestProxy(request, self.defaults)
        check_body(proxy)
        split_url(request.url)
        loop = self._loop
        proxy._start = loop.time()
        future: asyncio.Future[HTTPResponse] = loop.create_future()
        redirector = _Redirector(self, request, future, callback, raise_error)
        redirector.req = proxy
        self.fetch_impl(proxy, redirector.on_response)
        return future


class _Redirector:
    """Follows redirects of one fetch, then settles its future and callback."""

    __slots__ = ("client", "original", "future", "callback", "raise_error", "req")

    def __init__(
        self,
        client: AsyncHTTPClient,
        original: HTTPRequest,
        future: asyncio.Future[HTTPResponse],
        callback: Callable[[HTTPResponse], Any] | None,
        raise_error: bool,
    ) -> None:
        self.client = client
        self.original = original
        self.future = future
        self.callback = callback
        self.raise_error = raise_error
        self.req: Any = None

    def on_response(self, response: HTTPResponse) -> None:
        code = response.code
        if code in REDIRECT_CODES:
            req = self.req
            location = response.headers.get("Location")
            if will_follow(req, code, location):
                try:
                    nxt = self._next_request(req, response, location)
                    check_body(nxt)
                except ValueError as e:
                    response.error = HTTPClientError(599, f"cannot follow redirect: {e}", response)
                else:
                    self.req = nxt
                    self.client.fetch_impl(nxt, self.on_response)
                    return
            elif location is not None and req.follow_redirects and req.max_redirects <= 0:
                response.error = HTTPClientError(
                    code, f"too many redirects (max_redirects reached) at {response.effective_url}", response
                )
        response.request = self.original
        fut = self.future
        cb = self.callback
        if cb is not None:
            if not fut.done():
                fut.set_result(response)
            self.client._loop.call_soon(_run_callback, cb, response)
        elif fut.done():
            return
        elif response.error is not None and self.raise_error:
            fut.set_exception(response.error)
        else:
            fut.set_result(response)

    def _next_request(self, req: Any, response: HTTPResponse, location: str) -> _RequestProxy:
        old_url = response.effective_url
        if not location.isascii():
            # Raw UTF-8 in a Location header (read as latin-1): percent-encode its bytes, as
            # browsers do, so the next request asks for what the server named.
            raw = location.encode("latin-1", "strict") if max(location) <= "\xff" else location.encode()
            location = quote(raw, safe="!#$%&'()*+,/:;=?@[]~")
        new_url = urljoin(old_url, location)
        split_url(new_url)
        new = copy.copy(req.request)
        new.headers = req.request.headers.copy()
        new.url = new_url
        new.max_redirects = req.max_redirects - 1
        new.headers.pop("Host", None)
        code = response.code
        if code in (301, 302, 303) and new.method != "HEAD":
            if new.method != "GET" or new.body is not None:
                new.method = "GET"
                new.body = None
                new.body_producer = None
                for name in _BODY_HEADERS:
                    new.headers.pop(name, None)
        if _origin(new_url) != _origin(old_url):
            for name in _ORIGIN_ONLY:
                new.headers.pop(name, None)
            new.auth_username = None
            new.auth_password = None
        proxy = _RequestProxy(new, req.defaults)
        proxy._start = req._start
        return proxy


def _run_callback(callback: Callable[[HTTPResponse], Any], response: HTTPResponse) -> None:
    try:
        callback(response)
    except Exception:
        app_log.error("Exception in callback %r for %s", callback, response.effective_url, exc_info=True)


def failure(request: Any, message: str, start: float, loop_time: float, **kw: Any) -> HTTPResponse:
    """A 599 response: no usable HTTP answer arrived, ``message`` says why."""
    response = HTTPResponse(
        request,
        599,
        reason=message,
        request_time=loop_time - start,
        start_time=request.request.start_time,
        effective_url=kw.pop("effective_url", None),
        **kw,
    )
    response.error = HTTPClientError(599, message, response)
    return response


class HTTPClient:
    """A blocking HTTP client for scripts and threads, running its own private IOLoop.

    ``HTTPClient().fetch(url)`` returns the HTTPResponse or raises HTTPClientError.  Do not
    use it inside a running IOLoop (use AsyncHTTPClient there).
    """

    def __init__(self, async_client_class: type[AsyncHTTPClient] | None = None, **kwargs: Any) -> None:
        self._closed = True
        self._io_loop = IOLoop(make_current=False)
        cls = async_client_class or AsyncHTTPClient

        async def make() -> AsyncHTTPClient:
            return cls(force_instance=True, **kwargs)

        try:
            self._async_client = self._io_loop.run_sync(make)
        except BaseException:
            self._io_loop.close()
            raise
        self._closed = False

    def fetch(self, request: HTTPRequest | str, **kwargs: Any) -> HTTPResponse:
        """Fetch and wait; raises HTTPClientError for failures unless ``raise_error=False``."""
        if self._closed:
            raise RuntimeError("fetch() called on a closed HTTPClient")
        return self._io_loop.run_sync(functools.partial(self._async_client.fetch, request, **kwargs))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._async_client.close()
        # Let transports finish closing before the loop goes away.
        self._io_loop.run_sync(lambda: asyncio.sleep(0))
        self._io_loop.close()

    def __del__(self) -> None:
        try:
            if not self._closed and not self._io_loop.asyncio_loop.is_running():
                self.close()
        except Exception:
            pass

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
