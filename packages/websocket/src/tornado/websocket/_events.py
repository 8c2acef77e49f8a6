"""The events of the protocol core: what :meth:`WebSocketProtocol.next_event` returns."""

from __future__ import annotations

from typing import Final, Union

__all__ = ["NEED_DATA", "Message", "Ping", "Pong", "Close", "Event"]


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = _Sentinel("NEED_DATA")
"""More bytes are needed before the next event."""


class Message:
    """A complete data message: ``data`` is ``str`` for text, ``bytes`` for binary."""

    __slots__ = ("data",)

    def __init__(self, data: str | bytes) -> None:
        self.data = data

    @property
    def binary(self) -> bool:
        return isinstance(self.data, bytes)

    def __repr__(self) -> str:
        return f"Message({self.data[:40]!r}{'...' if len(self.data) > 40 else ''})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and type(other.data) is type(self.data) and other.data == self.data

    __hash__ = None  # type: ignore[assignment]


class Ping:
    """A ping; RFC 6455 asks the driver to answer with :meth:`WebSocketProtocol.send_pong`."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"Ping({self.payload!r})"


class Pong:
    """A pong (an answer to our ping, or an unsolicited heartbeat)."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"Pong({self.payload!r})"


class Close:
    """The peer's close frame (``code`` 1005 when it carried none), or 1006: the input ended without one."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"Close({self.code}, {self.reason!r})"


Event = Union[Message, Ping, Pong, Close]
