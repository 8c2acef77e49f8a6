"""Exceptions a handler raises to end a request early with a given response."""

from __future__ import annotations

import re
from typing import Any

from tornado.httputil import responses

# RFC 9112 reason-phrase: HTAB, SP, visible characters and obs-text; no CR, LF or other controls.
_UNSAFE_REASON = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_reason(reason: str | None) -> str | None:
    """``reason`` unchanged, or ``ValueError`` when it could end the status line early."""
    if reason is not None:
        if not isinstance(reason, str):
            raise TypeError(f"reason phrase must be a str, got {type(reason).__name__}")
        if _UNSAFE_REASON.search(reason):
            raise ValueError(f"unsafe reason phrase {reason!r} (CR, LF or control characters)")
    return reason


class HTTPError(Exception):
    """Raise to answer with ``status_code``; ``log_message`` goes to the log, never to the client.

    ``log_message`` may hold ``%s`` placeholders filled from ``args`` (lazily, like logging).
    A ``reason`` with CR, LF or another control character raises ``ValueError``.
    """

    def __init__(
        self, status_code: int = 500, log_message: str | None = None, *args: Any, reason: str | None = None
    ) -> None:
        if not isinstance(status_code, int) or not 100 <= status_code <= 999:
            raise ValueError(f"HTTPError status_code must be an int in 100..999, got {status_code!r}")
        super().__init__(status_code, log_message, *args)
        self.status_code = status_code
        self.log_message = log_message
        self.args = args
        self.reason = check_reason(reason)

    def __str__(self) -> str:
        message = f"HTTP {self.status_code}: {self.reason or responses.get(self.status_code, 'Unknown')}"
        if self.log_message:
            msg = self.log_message % self.args if self.args else self.log_message
            return f"{message} ({msg})"
        return message


class MissingArgumentError(HTTPError):
    """A required request argument is absent: a 400 whose reason names the argument."""

    def __init__(self, arg_name: str) -> None:
        super().__init__(400, "Missing argument %s", arg_name, reason=f"Missing argument {arg_name}")
        self.arg_name = arg_name


class Finish(Exception):
    """Raise to end the request with what has been written so far (no error page).

    ``raise Finish(chunk)`` writes ``chunk`` first.
    """
