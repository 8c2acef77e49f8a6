"""The events of the HTTP/1.1 protocol core, and the roles it plays.

:class:`~.h1.H1Connection` hands these out from ``next_event()``; they are plain data, so
code that only consumes events (a client, a test) needs nothing else from the core.
"""

from __future__ import annotations

import enum
from typing import Final, Union

from ._headers import HTTPHeaders

__all__ = [
    "Role",
    "SERVER",
    "CLIENT",
    "RequestHead",
    "ResponseHead",
    "InformationalResponse",
    "Data",
    "EndOfMessage",
    "ConnectionClosed",
    "NEED_DATA",
    "PAUSED",
    "Event",
]


class Role(enum.Enum):
    SERVER = "server"
    CLIENT = "client"


SERVER: Final = Role.SERVER
CLIENT: Final = Role.CLIENT


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = _Sentinel("NEED_DATA")
"""More bytes are needed before the next event."""
PAUSED: Final = _Sentinel("PAUSED")
"""The peer's message is complete; waiting for our side (response not finished, or closing)."""


class RequestHead:
    """A request line and its headers.

    ``keep_alive`` is what the request asked for; ``expect_continue`` is true when the client
    sent ``Expect: 100-continue`` and will wait for ``100 Continue`` before sending its body.
    """

    __slots__ = ("method", "target", "version", "headers", "keep_alive", "expect_continue")

    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: HTTPHeaders,
        keep_alive: bool = True,
        expect_continue: bool = False,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue

    def __repr__(self) -> str:
        return f"RequestHead(method={self.method!r}, target={self.target!r}, version={self.version!r})"


class ResponseHead:
    """A status line and its headers."""

    __slots__ = ("status_code", "reason", "version", "headers", "keep_alive")

    def __init__(
        self, status_code: int, reason: str, version: str, headers: HTTPHeaders, keep_alive: bool = True
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, reason={self.reason!r})"


class InformationalResponse(ResponseHead):
    """A 1xx response (``100 Continue``, ``101 Switching Protocols``...); the final one follows."""

    __slots__ = ()


class Data:
    """A piece of a message body (never empty).

    ``data`` is ``bytes``, often the very object given to ``receive_data`` (no copy).  A
    connection made with ``data_views=True`` may instead hand out a read-only
    ``memoryview`` of such an object: it stays valid whatever arrives later, but code
    that needs ``bytes`` methods must call ``bytes()`` on it.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Data({self.data[:40]!r}{'...' if len(self.data) > 40 else ''})"


class EndOfMessage:
    """The body is complete; ``trailers`` holds chunked trailer fields, if any."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: HTTPHeaders | None = None) -> None:
        self.trailers = trailers

    def __repr__(self) -> str:
        return f"EndOfMessage(trailers={self.trailers!r})"


class ConnectionClosed:
    """The peer closed its side cleanly between messages."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ConnectionClosed()"


Event = Union[RequestHead, ResponseHead, Data, EndOfMessage, ConnectionClosed, _Sentinel]


# Shared instances for the events that carry nothing.
EOM: Final = EndOfMessage()
CLOSED: Final = ConnectionClosed()
