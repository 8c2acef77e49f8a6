"""HTTPRequest: what to fetch and how, checked when it is built.

Options left as ``None`` are filled from the client's ``defaults`` and then from
:data:`HTTPRequest._DEFAULTS` when the request is fetched (:class:`_RequestProxy`), so
``AsyncHTTPClient.configure(None, defaults=dict(user_agent="x"))`` applies to every
request that does not say otherwise.
"""

from __future__ import annotations

import datetime
import numbers
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from tornado.escape import utf8
from tornado.httputil import HTTPHeaders, format_timestamp

__all__ = ["HTTPRequest"]

_BODY_METHODS = frozenset(["POST", "PUT", "PATCH"])
_TIMEOUTS = ("connect_timeout", "request_timeout")


def _check_timeout(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return float(value)


def _check_callable(name: str, value: Any) -> Any:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable, not {type(value).__name__}")
    return value


class HTTPRequest:
    """An HTTP request: URL, method, headers, body and the options of one fetch.

    Every parameter except ``url`` is optional.  ``body`` may be ``str`` (sent as UTF-8)
    or ``bytes``; ``body_producer(write)`` streams an upload instead (``write(chunk)``
    returns an awaitable, and the producer returns one that resolves at the end).
    Timeouts are in seconds; ``request_timeout`` covers the whole fetch, time spent
    waiting for a free slot (``max_clients``) included.
    """

    _DEFAULTS: dict[str, Any] = dict(
        connect_timeout=20.0,
        request_timeout=20.0,
        follow_redirects=True,
        max_redirects=5,
        decompress_response=True,
        proxy_password="",
        allow_nonstandard_methods=False,
        validate_cert=True,
        allow_ipv6=True,
        expect_100_continue=False,
    )

    def __init__(
        self,
        url: str,
        method: str = "GET",
        headers: HTTPHeaders | Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        auth_username: str | None = None,
        auth_password: str | None = None,
        auth_mode: str | None = None,
        connect_timeout: float | None = None,
        request_timeout: float | None = None,
        if_modified_since: datetime.datetime | float | None = None,
        follow_redirects: bool | None = None,
        max_redirects: int | None = None,
        user_agent: str | None = None,
        use_gzip: bool | None = None,
        network_interface: str | None = None,
        streaming_callback: Callable[[bytes], Any] | None = None,
        header_callback: Callable[[str], Any] | None = None,
        prepare_curl_callback: Callable[[Any], Any] | None = None,
        proxy_host: str | None = None,
        proxy_port: int | None = None,
        proxy_username: str | None = None,
        proxy_password: str | None = None,
        proxy_auth_mode: str | None = None,
        allow_nonstandard_methods: bool | None = None,
        validate_cert: bool | None = None,
        ca_certs: str | None = None,
        allow_ipv6: bool | None = None,
        client_key: str | None = None,
        client_cert: str | None = None,
        body_producer: Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[None]] | None = None,
        expect_100_continue: bool = False,
        decompress_response: bool | None = None,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
    ) -> None:
        self.url = url
        if not isinstance(method, str) or not method:
            raise ValueError(f"method must be a non-empty str, got {method!r}")
        self.method = method
        self.headers = headers
        if if_modified_since is not None:
            self.headers["If-Modified-Since"] = format_timestamp(if_modified_since)
        self.body = body
        self.body_producer = _check_callable("body_producer", body_producer)
        if body is not None and body_producer is not None:
            raise ValueError("give body or body_producer, not both")
        self.auth_username = auth_username
        self.auth_password = auth_password
        if auth_mode not in (None, "basic", "digest"):
            raise ValueError(f"auth_mode must be 'basic' or 'digest', got {auth_mode!r}")
        self.auth_mode = auth_mode
        self.connect_timeout = _check_timeout("connect_timeout", connect_timeout)
        self.request_timeout = _check_timeout("request_timeout", request_timeout)
        self.follow_redirects = follow_redirects
        if max_redirects is not None and (
            isinstance(max_redirects, bool) or not isinstance(max_redirects, int) or max_redirects < 0
        ):
            raise ValueError(f"max_redirects must be a non-negative int, got {max_redirects!r}")
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        if decompress_response is None:
            decompress_response = use_gzip
        self.decompress_response = decompress_response
        self.network_interface = network_interface
        self.streaming_callback = _check_callable("streaming_callback", streaming_callback)
        self.header_callback = _check_callable("header_callback", header_callback)
        self.prepare_curl_callback = _check_callable("prepare_curl_callback", prepare_curl_callback)
        self.proxy_host = proxy_host
        if proxy_port is not None and (
            isinstance(proxy_port, bool) or not isinstance(proxy_port, int) or not 0 < proxy_port < 65536
        ):
            raise ValueError(f"proxy_port must be an int in 1..65535, got {proxy_port!r}")
        self.proxy_port = proxy_port
        self.proxy_username = proxy_username
        self.proxy_password = proxy_password
        if proxy_auth_mode not in (None, "basic", "digest"):
            raise ValueError(f"proxy_auth_mode must be 'basic' or 'digest', got {proxy_auth_mode!r}")
        self.proxy_auth_mode = proxy_auth_mode
        self.allow_nonstandard_methods = allow_nonstandard_methods
        self.validate_cert = validate_cert
        self.ca_certs = ca_certs
        self.allow_ipv6 = allow_ipv6
        self.client_key = client_key
        self.client_cert = client_cert
        if ssl_options is not None and not isinstance(ssl_options, (dict, ssl.SSLContext)):
            raise TypeError(f"ssl_options must be a dict or ssl.SSLContext, not {type(ssl_options).__name__}")
        self.ssl_options = ssl_options
        self.expect_100_continue = expect_100_continue
        self.start_time = time.time()

    @property
    def headers(self) -> HTTPHeaders:
        return self._headers

    @headers.setter
    def headers(self, value: HTTPHeaders | Mapping[str, str] | None) -> None:
        if value is None:
            self._headers = HTTPHeaders()
        elif isinstance(value, HTTPHeaders):
            self._headers = value
        elif isinstance(value, Mapping):
            self._headers = HTTPHeaders(value)
        else:
            raise TypeError(f"headers must be a dict or HTTPHeaders, not {type(value).__name__}")

    @property
    def body(self) -> bytes | None:
        return self._body

    @body.setter
    def body(self, value: bytes | str | None) -> None:
        if value is None or isinstance(value, bytes):
            self._body = value
        elif isinstance(value, (str, bytearray, memoryview)):
            self._body = utf8(value) if isinstance(value, str) else bytes(value)
        else:
            raise TypeError(f"body must be bytes or str, not {type(value).__name__}")

    def __repr__(self) -> str:
        return f"HTTPRequest({self.method} {self.url})"


_OPTIONS = (
    "url",
    "method",
    "auth_username",
    "auth_password",
    "auth_mode",
    "connect_timeout",
    "request_timeout",
    "follow_redirects",
    "max_redirects",
    "user_agent",
    "decompress_response",
    "network_interface",
    "streaming_callback",
    "header_callback",
    "prepare_curl_callback",
    "proxy_host",
    "proxy_port",
    "proxy_username",
    "proxy_password",
    "proxy_auth_mode",
    "allow_nonstandard_methods",
    "validate_cert",
    "ca_certs",
    "allow_ipv6",
    "client_key",
    "client_cert",
    "body_producer",
    "expect_100_continue",
    "ssl_options",
)
_UNSET = dict.fromkeys(_OPTIONS)


class _RequestProxy:
    """A request seen through defaults: unset (None) options come from ``defaults``.

    Options are resolved once, when the fetch starts (the backends read them many times
    per request); changing the HTTPRequest after that does not affect the fetch.
    """

    _start: float  # loop time at fetch(): deadlines count from here, across redirects

    def __init__(self, request: HTTPRequest, defaults: dict[str, Any]) -> None:
        d = self.__dict__
        d.update(_UNSET)
        d.update(defaults)
        for name, value in request.__dict__.items():
            if value is not None:
                d[name] = value
        d["request"] = request
        d["defaults"] = defaults
        d["headers"] = request.headers
        d["body"] = request.body

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.request, name)
        if value is not None:
            return value
        return self.defaults.get(name)


def check_body(request: Any) -> None:
    """The method/body rules of HTTP: POST/PUT/PATCH need a body, others must not have one."""
    method = request.method
    if request.allow_nonstandard_methods:
        return
    has_body = request.body is not None or request.body_producer is not None
    if method in _BODY_METHODS:
        if not has_body:
            raise ValueError(
                f"body must not be None for method {method} (unless allow_nonstandard_methods is true)"
            )
    elif method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        raise ValueError(f"unknown method {method!r} (allow_nonstandard_methods=True sends it anyway)")
    elif has_body:
        raise ValueError(f"body must be None for method {method} (unless allow_nonstandard_methods is true)")


class Target:
    """A URL taken apart for sending: where to connect and what to put in the request line."""

    __slots__ = ("scheme", "host", "port", "netloc", "path", "username", "password")

    def __init__(
        self,
        scheme: str,
        host: str,
        port: int,
        netloc: str,
        path: str,
        username: str | None,
        password: str | None,
    ) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.netloc = netloc
        self.path = path
        self.username = username
        self.password = password


_TARGETS: dict[str, Target] = {}
_TARGETS_MAX = 1024


def split_url(url: Any) -> Target:
    """Parse an http(s) URL once (results are cached); ValueError names what is wrong with it."""
    target = _TARGETS.get(url)
    if target is not None:
        return target
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme {parts.scheme!r} in url {url!r} (http or https)")
    if not url.isascii():
        # Sent raw, the bytes would depend on the backend's encoding; the caller knows which
        # characters are meant and can percent-encode them (urllib.parse.quote).
        raise ValueError(f"url contains non-ASCII characters (percent-encode them): {url!r}")
    if any(c <= " " or c == "\x7f" for c in url):
        raise ValueError(f"url contains whitespace or control characters: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"url has no host: {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"invalid port in url {url!r}") from None
    if port is None:
        port = 443 if scheme == "https" else 80
    netloc = parts.netloc.rpartition("@")[2]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    target = Target(scheme, host, port, netloc, path, username, password)
    if len(_TARGETS) >= _TARGETS_MAX:
        _TARGETS.clear()
    _TARGETS[url] = target
    return target
