"""What every mixin shares: the error type, the callback-or-await bridge, HTTP helpers, log redaction.

Each public method of a mixin returns an :class:`AuthFuture`.  Awaited, it raises
:class:`AuthError` on failure; called 1.0-style with ``callback=``, the callback gets the
result or ``None``.  Nobody waiting at all (``self.authorize_redirect()`` in an
``@asynchronous`` handler) means nobody could turn a failure into a response, so the
handler answers the error itself: a failed sign-in is always a 4xx page, never a hang.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from tornado.web import HTTPError, RequestHandler

log = logging.getLogger("tornado.auth")
app_log = logging.getLogger("tornado.application")

# Query arguments that carry credentials; the access log shows them as "<redacted>".
_SECRET_ARGS = frozenset(
    {
        "code",
        "oauth_token",
        "oauth_verifier",
        "session",
        "access_token",
        "id_token",
        "refresh_token",
        "openid.sig",
        "openid.assoc_handle",
    }
)

CONNECT_TIMEOUT = 10.0  # seconds, for every call to a provider
REQUEST_TIMEOUT = 20.0


class AuthError(HTTPError):
    """A sign-in that cannot be trusted or completed; ``reason`` names the failure, never a secret.

    It is an :class:`tornado.web.HTTPError` (403 by default), so an unhandled one answers a
    4xx page and logs the reason, without a traceback.
    """

    def __init__(self, reason: str, status_code: int = 403) -> None:
        super().__init__(status_code, "Authentication failed: %s", reason)
        self.failure = reason

    def __str__(self) -> str:
        return self.failure


class AuthFuture(asyncio.Future):
    """A Future that knows whether anyone waits on it (an ``await``, gather, add_done_callback)."""

    watched = False

    def add_done_callback(self, fn: Callable[..., Any], *, context: Any = None) -> None:
        self.watched = True
        super().add_done_callback(fn, context=context)


def run(
    handler: Any,
    coro: Coroutine[Any, Any, Any],
    callback: Callable[[Any], Any] | None,
    what: str,
) -> AuthFuture:
    """Run ``coro`` for ``handler``, delivering its result by future and by 1.0 callback."""
    loop = asyncio.get_running_loop()
    future = AuthFuture(loop=loop)
    task = loop.create_task(coro)

    def done(t: asyncio.Task[Any]) -> None:
        if t.cancelled():
            future.cancel()
            return
        exc = t.exception()
        if exc is None:
            future.set_result(t.result())
            if callback is not None:
                callback(t.result())
            return
        _report(exc, what)
        if callback is not None:
            future.set_result(None)
            callback(None)
            return
        future.set_exception(exc)
        if not future.watched:
            future.exception()  # retrieved here: the handler answers instead of the caller
            _answer_error(handler, exc)

    task.add_done_callback(done)
    return future


def _report(exc: BaseException, what: str) -> None:
    if isinstance(exc, AuthError):
        log.warning("%s failed: %s", what, exc.failure)
    elif isinstance(exc, HTTPError):
        log.warning("%s failed: %s", what, exc)
    else:
        log.error("%s failed", what, exc_info=exc)


def _answer_error(handler: Any, exc: BaseException) -> None:
    if getattr(handler, "_finished", True):
        return
    status = exc.status_code if isinstance(exc, HTTPError) else 500
    handler.send_error(status)


def callback_or_client(callback: Any, http_client: Any) -> tuple[Callable[[Any], Any] | None, Any]:
    """1.0 passes ``get_authenticated_user(callback)``, Tornado 6 ``get_authenticated_user(http_client)``:
    a first argument that cannot be called is the client."""
    if callback is not None and not callable(callback) and http_client is None:
        return None, callback
    return callback, http_client


def done_future(value: Any = None, callback: Callable[[Any], Any] | None = None) -> AuthFuture:
    """An already-resolved AuthFuture (for steps that need no I/O), after calling ``callback``."""
    future = AuthFuture(loop=asyncio.get_running_loop())
    future.set_result(value)
    if callback is not None:
        callback(value)
    return future


async def fetch(
    client: AsyncHTTPClient | Any, url: str, what: str, method: str = "GET", **kwargs: Any
) -> HTTPResponse:
    """Fetch from a provider; a network failure or non-2xx answer is an AuthError naming ``what``."""
    request = HTTPRequest(
        url,
        method=method,
        follow_redirects=False,
        connect_timeout=CONNECT_TIMEOUT,
        request_timeout=REQUEST_TIMEOUT,
        **kwargs,
    )
    response = await client.fetch(request, raise_error=False)
    if response.code in (0, 599):
        raise AuthError(f"{what}: provider unreachable")
    if not 200 <= response.code < 300:
        raise AuthError(f"{what}: provider answered HTTP {response.code}")
    return response


def parse_json_object(body: bytes, what: str) -> dict[str, Any]:
    """A JSON object from a provider's body; anything else is an AuthError naming ``what``."""
    value = parse_json_any(body, what)
    if not isinstance(value, dict):
        raise AuthError(f"{what}: provider answered JSON that is not an object")
    return value


def parse_json_any(body: bytes, what: str) -> Any:
    """Any JSON value from a provider's body; malformed JSON is an AuthError naming ``what``."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AuthError(f"{what}: provider answered malformed JSON") from None


def parse_form(body: bytes, what: str) -> dict[str, str]:
    """``k=v&...`` from a provider's body (OAuth 1 token answers), one value per key."""
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise AuthError(f"{what}: provider answered a malformed form body") from None
    return dict(pairs)


def url_concat(url: str, args: Mapping[str, Any] | None) -> str:
    """``url`` with ``args`` added to its query (values converted with ``str``)."""
    if not args:
        return url
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, str(v)) for k, v in args.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def redacted_uri(uri: str) -> str:
    """``uri`` with the values of credential-bearing query arguments replaced."""
    path, sep, query = uri.partition("?")
    if not sep:
        return uri
    out = []
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
        secret = k in _SECRET_ARGS or k.endswith("request_token")
        out.append((k, "<redacted>" if secret else v))
    return path + "?" + urllib.parse.urlencode(out)


def _redacted_summary(self: Any) -> str:
    request = self.request
    return f"{request.method} {redacted_uri(request.uri)} ({request.remote_ip})"


def _redacted_log_exception(self: Any, typ: Any, value: BaseException | None, tb: Any) -> None:
    # RequestHandler's own logs the request's repr (full URI, Cookie header) with an uncaught
    # exception; a callback URL carries a code or token and the state cookie a PKCE verifier.
    if isinstance(value, HTTPError):
        RequestHandler.log_exception(self, typ, value, tb)
        return
    exc_info = (typ, value, tb) if value is not None else True
    app_log.error("Uncaught exception %s", self._request_summary(), exc_info=exc_info)


def _write_error(self: Any, status_code: int, **kwargs: Any) -> None:
    # A refused sign-in is an answer, not a bug: no traceback page for it, even with debug=True.
    exc_info = kwargs.get("exc_info")
    if exc_info is not None and isinstance(exc_info[1], AuthError):
        del kwargs["exc_info"]
    RequestHandler.write_error(self, status_code, **kwargs)


_HANDLER_METHODS = {
    "_request_summary": _redacted_summary,
    "log_exception": _redacted_log_exception,
    "write_error": _write_error,
}


class AuthMixinBase:
    """Base of every mixin: keeps credentials that arrive in a callback URL out of the logs, and
    a refused sign-in's page free of tracebacks."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The handler class lists RequestHandler first, so its methods would win the MRO; each
        # handler class gets these unless the application overrode them itself.
        if not issubclass(cls, RequestHandler):
            return
        for name, method in _HANDLER_METHODS.items():
            if getattr(cls, name) is getattr(RequestHandler, name):
                setattr(cls, name, method)

    def get_auth_http_client(self) -> AsyncHTTPClient:
        """The client for talking to the provider; override to use another (e.g. with a proxy)."""
        return AsyncHTTPClient()


def absolute_url(handler: Any, uri: str | None) -> str:
    """``uri`` resolved against this request's full URL (``None`` means this request's URI)."""
    return urllib.parse.urljoin(handler.request.full_url(), uri if uri is not None else handler.request.uri)
