"""Application: the routing table and settings; the HTTP server calls it with each request."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from tornado.httputil import HTTPMessageDelegate, RequestStartLine
from tornado.routing import AnyMatches, DefaultHostMatches, HostMatches, ReversibleRouter, Rule
from tornado.web._types import Request
from tornado.web.dispatch import AppDispatcher, HandlerDelegate
from tornado.web.handler import RequestHandler
from tornado.web.handlers import ErrorHandler
from tornado.web.routing import ApplicationRouter
from tornado.web.static import StaticFileHandler
from tornado.web.uimodules import TemplateModule, load_ui_methods, load_ui_modules

access_log = logging.getLogger("tornado.access")

_KNOWN_SETTINGS = frozenset(
    {
        "debug",
        "cookie_secret",
        "key_version",
        "login_url",
        "xsrf_cookies",
        "xsrf_cookie_kwargs",
        "template_path",
        "template_loader",
        "template_whitespace",
        "static_path",
        "static_url_prefix",
        "static_handler_class",
        "static_handler_args",
        "static_hash_cache",
        "ui_modules",
        "ui_methods",
        "autoescape",
        "compress_response",
        "gzip",
        "default_handler_class",
        "default_handler_args",
        "log_function",
        "serve_traceback",
        "compiled_template_cache",
        "autoreload",
    }
)


class GZipContentEncoding:
    """Output transform: gzip text responses for clients that accept it (``compress_response``)."""

    CONTENT_TYPES = frozenset(
        {
            "application/javascript",
            "application/x-javascript",
            "application/xml",
            "application/atom+xml",
            "application/json",
            "application/xhtml+xml",
            "image/svg+xml",
        }
    )
    MIN_LENGTH = 1024

    def __init__(self, request: Request) -> None:
        self._gzipping = "gzip" in (request.headers.get("Accept-Encoding") or "")
        self._compressor: Any = None

    def _compressible(self, ctype: str) -> bool:
        ctype = ctype.split(";")[0].strip()
        return ctype.startswith("text/") or ctype in self.CONTENT_TYPES

    def transform_first_chunk(
        self, status: int, headers: list[tuple[str, str]], chunk: bytes, finishing: bool
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        lower = {k.lower(): v for k, v in headers}
        if "vary" in lower:
            headers = [(k, v + ", Accept-Encoding") if k.lower() == "vary" else (k, v) for k, v in headers]
        else:
            headers = headers + [("Vary", "Accept-Encoding")]
        if self._gzipping:
            self._gzipping = (
                self._compressible(lower.get("content-type", ""))
                and (not finishing or len(chunk) >= self.MIN_LENGTH)
                and "content-encoding" not in lower
                and status not in (204, 206, 304)
            )
        if not self._gzipping:
            return status, headers, chunk
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        chunk = self.transform_chunk(chunk, finishing)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Encoding", "gzip"))
        if finishing:
            headers.append(("Content-Length", str(len(chunk))))
        return status, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if not self._gzipping:
            return chunk
        data = self._compressor.compress(chunk)
        data += self._compressor.flush(zlib.Z_FINISH if finishing else zlib.Z_SYNC_FLUSH)
        return bytes(data)


class Application(ReversibleRouter):
    """A collection of request handlers and settings that make up a web application.

    ``Application(handlers, default_host="", transforms=None, **settings)``; each handler is
    ``(pattern, HandlerClass)``, ``(pattern, HandlerClass, kwargs)`` or a ``url(...)``.
    Pass the instance to ``HTTPServer`` or call ``listen(port)``.
    """

    def __init__(
        self,
        handlers: Sequence[Any] | None = None,
        default_host: str | None = None,
        transforms: Sequence[type] | None = None,
        **settings: Any,
    ) -> None:
        unknown = set(settings) - _KNOWN_SETTINGS
        if unknown:
            logging.getLogger("tornado.general").debug(
                "application settings not used by tornado.web: %s", sorted(unknown)
            )
        if settings.get("debug"):
            settings.setdefault("serve_traceback", True)
            settings.setdefault("compiled_template_cache", False)
            settings.setdefault("static_hash_cache", False)
        if settings.get("gzip"):
            settings.setdefault("compress_response", True)
        self.settings = settings
        self.default_host = default_host
        if transforms is None:
            self.transforms: list[type] = []
            if settings.get("compress_response"):
                self.transforms.append(GZipContentEncoding)
        else:
            self.transforms = list(transforms)
        self.ui_modules: dict[str, Any] = {"Template": TemplateModule}
        self.ui_modules.update(load_ui_modules(settings.get("ui_modules")))
        self.ui_methods: dict[str, Any] = load_ui_methods(settings.get("ui_methods"))
        self._xsrf_cookies = bool(settings.get("xsrf_cookies"))
        self._check_settings()
        self._template_loaders: dict[str, Any] = {}
        self._template_lock = threading.Lock()
        self._templates: dict[tuple[str, str], Any] = {}
        self._cache_templates = bool(settings.get("compiled_template_cache", True))
        self._browser_locales: dict[Any, Any] = {}
        self._default_handler: tuple[type, dict[str, Any]] = (
            settings.get("default_handler_class") or ErrorHandler,
            settings.get("default_handler_args")
            or ({} if settings.get("default_handler_class") else {"status_code": 404}),
        )
        handlers = list(handlers or [])
        static_path = settings.get("static_path")
        # The class that serves static files also computes their versioned URLs (static_url).
        self._static_handler_class: type[StaticFileHandler] = (
            settings.get("static_handler_class") or StaticFileHandler
        )
        if static_path:
            prefix = settings.get("static_url_prefix", "/static/")
            static_class = self._static_handler_class
            static_args = dict(settings.get("static_handler_args") or {})
            static_args["path"] = static_path
            handlers[:0] = [
                (re.escape(prefix) + r"(.*)", static_class, static_args),
                (r"/(favicon\.ico)", static_class, static_args),
                (r"/(robots\.txt)", static_class, static_args),
            ]
        self.wildcard_router = ApplicationRouter(self, handlers)
        self.default_router = ApplicationRouter(self, [Rule(AnyMatches(), self.wildcard_router)])
        self._log_function: Callable[[RequestHandler], None] | None = settings.get("log_function")

    def _check_settings(self) -> None:
        s = self.settings
        static_path = s.get("static_path")
        if static_path is not None and not os.path.isdir(static_path):
            raise ValueError(f"the 'static_path' setting is not a directory: {static_path!r}")
        prefix = s.get("static_url_prefix")
        if prefix is not None and (not isinstance(prefix, str) or not prefix.startswith("/")):
            raise ValueError(f"the 'static_url_prefix' setting must be a str starting with '/': {prefix!r}")
        template_path = s.get("template_path")
        if template_path is not None and not isinstance(template_path, (str, os.PathLike)):
            raise ValueError(f"the 'template_path' setting must be a directory path: {template_path!r}")
        for name in ("static_handler_class", "default_handler_class"):
            cls = s.get(name)
            if cls is not None and not (isinstance(cls, type) and issubclass(cls, RequestHandler)):
                raise ValueError(f"the '{name}' setting must be a RequestHandler subclass: {cls!r}")
        log_function = s.get("log_function")
        if log_function is not None and not callable(log_function):
            raise ValueError("the 'log_function' setting must be callable")
        secret = s.get("cookie_secret")
        if secret is not None:
            from tornado.web import signing

            signing.check_secret(secret, s.get("key_version"))
        login_url = s.get("login_url")
        if login_url is not None and not isinstance(login_url, str):
            raise ValueError(f"the 'login_url' setting must be a str: {login_url!r}")

    def add_handlers(self, host_pattern: str, host_handlers: Sequence[Any]) -> None:
        """Add routes for hosts matching ``host_pattern`` (virtual hosts); earlier patterns win
        and the routes given to the constructor (any host) come last."""
        host_matcher = HostMatches(host_pattern)
        self.default_router.rules.insert(-1, Rule(host_matcher, ApplicationRouter(self, host_handlers)))
        if self.default_host:
            self.wildcard_router.add_rules(
                [(DefaultHostMatches(self, host_matcher.host_pattern), host_handlers)]
            )

    def add_rules(self, rules: Sequence[Any]) -> None:
        """Add rules (tornado.routing style) for any host, after the existing ones."""
        self.wildcard_router.add_rules(rules)

    def _handler_routes(self) -> dict[str, Rule] | None:
        """Literal path -> handler rule for the dispatcher's dict lookup (None with virtual hosts)."""
        if len(self.default_router.rules) != 1:
            return None
        return self.wildcard_router.handler_routes()

    def static_url(self, path: str, include_version: bool = True, **kwargs: Any) -> str:
        """The URL of static file ``path`` (``/static/path?v=<hash>``), as the static handler class
        (``static_handler_class`` setting) makes it; handlers' and templates' static_url come here."""
        if not self.settings.get("static_path"):
            raise ValueError(
                "You must define the 'static_path' setting in your application to use static_url"
            )
        url = self._static_handler_class.make_static_url(
            self.settings, path, include_version=include_version, **kwargs
        )
        return str(url)

    def reverse_url(self, name: str, *args: Any) -> str:
        """The path of the route named ``name`` with ``args`` filled into its groups."""
        url = self.default_router.reverse_url(name, *args)
        if url is None:
            raise KeyError(f"{name} not found in named urls")
        return url

    def find_handler(self, request: Any, **kwargs: Any) -> HTTPMessageDelegate:
        """The delegate serving ``request``: its route, else ``default_handler_class``, else 404."""
        route = self.default_router.find_handler(request)
        if route is not None:
            return route
        cls, handler_kwargs = self._default_handler
        return self.get_handler_delegate(request, cls, handler_kwargs)

    def start_request(self, server_conn: object, request_conn: Any) -> AppDispatcher:
        """The HTTPServerConnectionDelegate interface: a delegate that routes at the head."""
        return AppDispatcher(self, server_conn, request_conn)

    def get_handler_delegate(
        self,
        request: Any,
        target_class: type[RequestHandler],
        target_kwargs: dict[str, Any] | None = None,
        path_args: list[Any] | None = None,
        path_kwargs: dict[str, Any] | None = None,
    ) -> HandlerDelegate:
        """An HTTPMessageDelegate that runs ``target_class`` for ``request`` (for custom routers)."""
        return HandlerDelegate(self, request, target_class, target_kwargs, path_args, path_kwargs)

    def __call__(self, request: Request) -> Any:
        """Serve a request whose body has been read (the 1.0 callback interface of HTTPServer);
        returns an awaitable while it is pending."""
        routes = self._handler_routes()
        rule = routes.get(request.path) if routes is not None else None
        if rule is not None and not rule.target._stream_request_body:
            # An exact path that no earlier pattern can claim: no regex, no host lookup.
            handler = rule.target(self, request, **rule.target_kwargs)
            transforms = [t(request) for t in self.transforms] if self.transforms else None
            return handler._execute(transforms, [], {})
        delegate = self.find_handler(request)
        if isinstance(delegate, HandlerDelegate):
            if delegate.handler_class._stream_request_body:
                return asyncio.ensure_future(_replay_body(delegate))
            return delegate.execute()
        start_line = RequestStartLine(request.method, request.uri, request.version)
        delegate.headers_received(start_line, request.headers)
        if request.body:
            delegate.data_received(request.body)
        delegate.finish()
        return None

    def listen(self, port: int, address: str = "", **server_kwargs: Any) -> Any:
        """Start an HTTPServer for this application on ``port``; returns the server."""
        from tornado.httpserver import HTTPServer

        server = HTTPServer(self, **server_kwargs)
        server.listen(port, address)
        return server

    def log_request(self, handler: RequestHandler) -> None:
        """Write the access log line (or call the ``log_function`` setting)."""
        if self._log_function is not None:
            self._log_function(handler)
            return
        status = handler.get_status()
        if status < 400:
            if not access_log.isEnabledFor(logging.INFO):
                return
            log_method = access_log.info
        elif status < 500:
            log_method = access_log.warning
        else:
            log_method = access_log.error
        request_time = 1000.0 * handler.request.request_time()
        log_method("%d %s %.2fms", status, handler._request_summary(), request_time)

    def _get_template(self, template_path: str, name: str, handler: RequestHandler) -> Any:
        """The compiled template, skipping the loader's name resolution once it has been seen."""
        if self._cache_templates:
            template = self._templates.get((template_path, name))
            if template is not None:
                return template
        template = self._get_template_loader(template_path, handler).load(name)
        if self._cache_templates:
            self._templates[(template_path, name)] = template
        return template

    def _get_template_loader(self, template_path: str, handler: RequestHandler) -> Any:
        loader = self._template_loaders.get(template_path)
        if loader is not None and self.settings.get("compiled_template_cache", True):
            return loader
        with self._template_lock:
            loader = handler.create_template_loader(template_path)
            self._template_loaders[template_path] = loader
        return loader


async def _replay_body(delegate: HandlerDelegate) -> None:
    """A @stream_request_body handler served a request read whole (WSGI, ASGI, the 1.0
    callback): its prepare() and data_received() still see the body, in one piece, and
    ``request.body`` is empty as when the body streams in."""
    request = delegate.request
    body, request.body = request.body, b""
    pending = delegate.headers_received(
        RequestStartLine(request.method, request.uri, request.version), request.headers
    )
    if pending is not None:
        await pending
    if body:
        pending = delegate.data_received(body)
        if pending is not None:
            await pending
    delegate.finish()
