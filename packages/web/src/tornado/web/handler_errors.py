"""How a handler turns an exception into a response: error pages and their logging.

A mixin of :class:`~tornado.web.handler.RequestHandler`; the response methods it relies
on (``clear``, ``set_status``, ``finish``...) are the handler's own.
"""

from __future__ import annotations

import logging
import traceback
import types
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from tornado import escape
from tornado.web._types import Request
from tornado.web.errors import Finish, HTTPError

if TYPE_CHECKING:
    from tornado.web.application import Application

app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

__all__ = ["ErrorResponses"]


class ErrorResponses:
    """``send_error``, ``write_error``, ``log_exception`` and the handling of uncaught exceptions."""

    application: Application
    request: Request
    settings: dict[str, Any]
    _headers_written: bool
    _finished: bool
    _status_code: int
    _reason: str

    if TYPE_CHECKING:

        def clear(self) -> None: ...
        def set_status(self, status_code: int, reason: str | None = None) -> None: ...
        def set_header(self, name: str, value: Any) -> None: ...
        def write(self, chunk: str | bytes | dict[str, Any]) -> None: ...
        def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Awaitable[None]: ...
        def on_finish(self) -> None: ...
        def _allowed_methods(self) -> list[str]: ...

    # -- errors -----------------------------------------------------------------------------------

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        """Answer with an error page from write_error(); the buffered output is discarded."""
        if self._headers_written:
            gen_log.error("Cannot send error response after headers written")
            if not self._finished:
                self._abort()
            return
        self.clear()
        reason = kwargs.get("reason")
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, HTTPError) and exc.reason:
            reason = exc.reason
        try:
            self.set_status(status_code, reason=reason)
        except ValueError:
            self.set_status(500)
        if self._status_code == 405:
            self.set_header("Allow", ", ".join(self._allowed_methods()))
        try:
            self.write_error(self._status_code, **kwargs)
        except Exception:
            app_log.error("Uncaught exception in write_error", exc_info=True)
        if not self._finished:
            self.finish()

    def _abort(self) -> None:
        """Drop a response whose headers are already out: close the connection, end the request."""
        self._finished = True
        close = getattr(self.request.connection, "close", None)
        if close is not None:
            close()
        self.application.log_request(self)  # type: ignore[arg-type]  # self is the RequestHandler
        self.on_finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Write the error page; the traceback is shown only with ``debug=True``."""
        legacy = getattr(self, "get_error_html", None)
        if legacy is not None:
            # Tornado 1.0 handlers customise error pages by returning HTML from get_error_html().
            self.finish(legacy(status_code, **kwargs))
            return
        if self.settings.get("serve_traceback") and "exc_info" in kwargs:
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            for line in traceback.format_exception(*kwargs["exc_info"]):
                self.write(line)
            return
        self.finish(
            f"<html><title>{status_code}: {escape.xhtml_escape(self._reason)}</title>"
            f"<body>{status_code}: {escape.xhtml_escape(self._reason)}</body></html>"
        )

    def log_exception(self, typ: Any, value: BaseException | None, tb: types.TracebackType | None) -> None:
        """Log an exception from a handler: HTTPErrors as warnings, anything else with a traceback."""
        if isinstance(value, HTTPError):
            if value.log_message:
                fmt = "%d %s: " + value.log_message
                gen_log.warning(fmt, value.status_code, self._request_summary(), *value.args)
        else:
            app_log.error(
                "Uncaught exception %s\n%r",
                self._request_summary(),
                self.request,
                exc_info=value if value is not None else True,
            )

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, Finish):
            if not self._finished:
                self.finish(*e.args)
            return
        self.log_exception(type(e), e, e.__traceback__)
        if self._finished:
            return
        if isinstance(e, HTTPError):
            self.send_error(e.status_code, exc_info=(type(e), e, e.__traceback__))
        else:
            self.send_error(500, exc_info=(type(e), e, e.__traceback__))

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.uri} ({self.request.remote_ip})"
