"""Method decorators for RequestHandler: keep a request open, require a user, fix up slashes.

They wrap verb methods (``get``, ``post``, ...) and only use the handler's public API, so
new ones (Tornado 6's ``stream_request_body`` and the like) belong here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

from tornado.web.errors import HTTPError
from tornado.web.redirects import local_path

if TYPE_CHECKING:
    from tornado.web.handler import RequestHandler

_F = TypeVar("_F", bound=Callable[..., Any])


def asynchronous(method: _F) -> _F:
    """Keep the request open after the method returns, until the handler calls ``self.finish()``."""

    @functools.wraps(method)
    def wrapper(self: RequestHandler, *args: Any, **kwargs: Any) -> Any:
        self._auto_finish = False
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def authenticated(method: _F) -> _F:
    """Require ``current_user``: GET/HEAD redirect to ``login_url`` with ``next=``, others get 403."""

    @functools.wraps(method)
    def wrapper(self: RequestHandler, *args: Any, **kwargs: Any) -> Any:
        if not self.current_user:
            if self.request.method in ("GET", "HEAD"):
                url = self.get_login_url()
                if "?" not in url:
                    if urlsplit(url).scheme:
                        next_url = self.request.full_url()
                    else:
                        next_url = self.request.uri
                    url += "?" + urlencode({"next": next_url})
                self.redirect(url)
                return None
            raise HTTPError(403)
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _redirect_to_path(handler: RequestHandler, path: str) -> None:
    """Permanent redirect to ``path`` on this host, keeping the query.  A leading run of
    slashes, backslashes or controls is collapsed: a browser would read it as another host."""
    path = local_path(path)
    if handler.request.query:
        path += "?" + handler.request.query
    handler.redirect(path, permanent=True)


def removeslash(method: _F) -> _F:
    """Redirect ``/path/`` to ``/path`` (GET/HEAD; other methods get 404)."""

    @functools.wraps(method)
    def wrapper(self: RequestHandler, *args: Any, **kwargs: Any) -> Any:
        path = self.request.path
        if path.endswith("/"):
            if self.request.method in ("GET", "HEAD"):
                target = path.rstrip("/")
                if target:
                    _redirect_to_path(self, target)
                    return None
            else:
                raise HTTPError(404)
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def addslash(method: _F) -> _F:
    """Redirect ``/path`` to ``/path/`` (GET/HEAD; other methods get 404)."""

    @functools.wraps(method)
    def wrapper(self: RequestHandler, *args: Any, **kwargs: Any) -> Any:
        path = self.request.path
        if not path.endswith("/"):
            if self.request.method in ("GET", "HEAD"):
                _redirect_to_path(self, path + "/")
                return None
            raise HTTPError(404)
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


_H = TypeVar("_H", bound=type)


def stream_request_body(cls: _H) -> _H:
    """Class decorator: the handler gets its body piece by piece in ``data_received(chunk)``.

    ``prepare()`` (which may be ``async``) runs when the head has arrived and before any of
    the body is read; the verb method runs once the body is complete, and ``self.request.body``
    stays empty.  The server's ``max_body_size`` still applies; ``prepare()`` may change it
    for this request with ``self.request.connection.set_max_body_size(n)``.
    """
    from tornado.web.handler import RequestHandler

    if not (isinstance(cls, type) and issubclass(cls, RequestHandler)):
        raise TypeError(f"stream_request_body expects a RequestHandler subclass, got {cls!r}")
    cls._stream_request_body = True
    return cls
