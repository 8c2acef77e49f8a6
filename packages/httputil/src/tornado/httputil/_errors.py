"""The error types of HTTP parsing and composing, shared by every module here."""

from __future__ import annotations

__all__ = ["HTTPInputError", "HTTPOutputError", "ProtocolError"]


class HTTPInputError(Exception):
    """Raised when the peer sent something that is not valid HTTP."""


class HTTPOutputError(Exception):
    """Raised when our side tries to send something that is not valid HTTP."""


class ProtocolError(HTTPInputError):
    """The peer broke HTTP/1.1; ``status_code`` is the status a server should reply with."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code
