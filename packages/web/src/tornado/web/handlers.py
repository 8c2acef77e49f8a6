"""Small ready-made handlers: redirects, fixed errors and delegation to another HTTP callable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tornado.web.errors import HTTPError
from tornado.web.handler import RequestHandler
from tornado.web.redirects import quote_value, same_origin, template_prefix


class RedirectHandler(RequestHandler):
    """Redirect every GET/HEAD to ``url`` (``{0}``-style placeholders take the URL groups).

    A group value can change the target's path and query, never its scheme or host: a
    target that a browser would read as another host than the text of ``url`` before its
    first placeholder (this host, for ``/...``) is answered with 404. Controls, spaces and
    backslashes in group values are percent-encoded.
    """

    def initialize(self, url: str, permanent: bool = True) -> None:
        if not isinstance(url, str):
            raise TypeError(f"RedirectHandler url must be a str, got {type(url).__name__}")
        self._url = url
        self._permanent = permanent

    def get(self, *args: Any, **kwargs: Any) -> None:
        # Group values come from the client: they may fill in the path, never the host.
        target = self._url.format(
            *[quote_value(a) for a in args], **{k: quote_value(v) for k, v in kwargs.items()}
        )
        if self.request.query and "?" not in target:
            target += "?" + self.request.query
        if (args or kwargs) and not same_origin(target, template_prefix(self._url)):
            raise HTTPError(404, "redirect target %r would leave the host of %r", target, self._url)
        self.redirect(target, permanent=self._permanent)

    head = get


class ErrorHandler(RequestHandler):
    """Answer every request with ``status_code`` (e.g. a route that is gone: 410)."""

    def initialize(self, status_code: int) -> None:
        if not isinstance(status_code, int):
            raise TypeError(f"ErrorHandler status_code must be an int, got {status_code!r}")
        self._error_status = status_code

    def prepare(self) -> None:
        raise HTTPError(self._error_status)

    def check_xsrf_cookie(self) -> None:
        # The error is the answer whatever the method: no XSRF 403 in front of it.
        pass


class FallbackHandler(RequestHandler):
    """Hand the request to another HTTP callable (e.g. a WSGI container) that answers it itself."""

    def initialize(self, fallback: Callable[[Any], Any]) -> None:
        if not callable(fallback):
            raise TypeError(f"FallbackHandler fallback must be callable, got {fallback!r}")
        self.fallback = fallback

    def prepare(self) -> Any:
        result = self.fallback(self.request)
        self._finished = True
        self.application.log_request(self)
        return result
