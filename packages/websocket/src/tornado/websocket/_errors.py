"""The exceptions of tornado.websocket, in one leaf module so every part can raise them."""

from __future__ import annotations

__all__ = ["WebSocketError", "WebSocketClosedError", "ProtocolError", "HandshakeError"]


class WebSocketError(Exception):
    """Base class of every error this package raises."""


class WebSocketClosedError(WebSocketError):
    """Raised when sending on a connection whose closing handshake has started."""


class ProtocolError(WebSocketError):
    """The peer broke RFC 6455/7692; ``code`` is the close code to send before closing.

    1002 (protocol error), 1007 (invalid payload data, e.g. bad UTF-8) or 1009 (message too
    big).  The protocol core raises nothing else while parsing, whatever bytes it is fed.
    """

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{reason} ({code})")
        self.code = code
        self.reason = reason


class HandshakeError(WebSocketError):
    """An opening handshake that cannot be accepted; ``status_code`` is the HTTP answer (server side)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code
