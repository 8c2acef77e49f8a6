"""WebSocket frame building blocks (RFC 6455 section 5): roles, opcodes, masking, headers.

Kept apart from the protocol core in ``_protocol.py``, which holds the state machine: these
are the pieces with no connection state (plus the fragmented-message record), shared by the
parser and the frame writer.
"""

from __future__ import annotations

import codecs
import enum
import os
from typing import Any, Final

DEFAULT_MAX_MESSAGE_SIZE: Final = 10 * 1024 * 1024


class Role(enum.Enum):
    SERVER = "server"
    CLIENT = "client"


SERVER: Final = Role.SERVER
CLIENT: Final = Role.CLIENT


class Opcode(enum.IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


def is_valid_close_code(code: int) -> bool:
    """Whether ``code`` may appear in a close frame (RFC 6455 7.4, the IANA registry, 3000-4999)."""
    return (1000 <= code <= 1003) or (1007 <= code <= 1014) or (3000 <= code <= 4999)


def py_mask(data: bytes | bytearray | memoryview, key: bytes) -> bytes:
    """XOR ``data`` with the repeated 4-byte ``key`` (one big-integer operation, no Python loop)."""
    n = len(data)
    if not n:
        return b""
    k = key * ((n >> 2) + 1)
    return (int.from_bytes(data, "little") ^ int.from_bytes(k[:n], "little")).to_bytes(n, "little")


# For unmasking a small frame in one step: the 4-byte key as an int times _REPEAT[n] is the key
# repeated over ceil(n / 4) words, and _LOW[n] keeps its first n bytes.
_REPEAT = [sum(1 << (32 * i) for i in range((n + 3) >> 2)) for n in range(126)]
_LOW = [(1 << (8 * n)) - 1 for n in range(126)]


def py_unmask(buf: bytes | bytearray, start: int, end: int) -> bytes:
    """``buf[start:end]`` XORed with its masking key, the four bytes before ``start``."""
    n = end - start
    if n < 126:
        fb = int.from_bytes
        key = fb(buf[start - 4 : start], "little") * _REPEAT[n]
        return ((fb(buf[start:end], "little") ^ key) & _LOW[n]).to_bytes(n, "little")
    return py_mask(buf[start:end], bytes(buf[start - 4 : start]))


def py_unmask_text(buf: bytes | bytearray, start: int, end: int) -> str:
    """``py_unmask`` decoded as UTF-8 (raises UnicodeDecodeError when it is not)."""
    return py_unmask(buf, start, end).decode("utf-8")


# The C versions (_speedups.c) when the extension was built and not switched off; they give
# the same bytes, several times faster (masking is most of the cost of a small message).
mask = py_mask
unmask = py_unmask
unmask_text = py_unmask_text
SPEEDUPS = False
if not os.environ.get("TORNADO_WEBSOCKET_NO_SPEEDUPS"):
    try:
        from . import _speedups
    except ImportError:
        pass
    else:
        mask, unmask, unmask_text = _speedups.mask, _speedups.unmask, _speedups.unmask_text
        SPEEDUPS = True


class _MaskKeys:
    """Masking keys from os.urandom, fetched 1 KiB at a time instead of one syscall per frame."""

    __slots__ = ("_pool", "_pos")

    def __init__(self) -> None:
        self._pool = b""
        self._pos = 0

    def next(self) -> bytes:
        if self._pos >= len(self._pool):
            self._pool = os.urandom(1024)
            self._pos = 0
        key = self._pool[self._pos : self._pos + 4]
        self._pos += 4
        return key


_KEYS = _MaskKeys()


class _Fragments:
    """A fragmented message in progress: made at its first frame, dropped at its last."""

    __slots__ = ("opcode", "compressed", "parts", "size", "wire", "utf8")

    def __init__(self, opcode: int, compressed: bool) -> None:
        self.opcode = opcode
        self.compressed = compressed
        self.parts: list[Any] = []
        self.size = 0  # bytes of the message so far, after inflation
        self.wire = 0  # bytes of the message so far, on the wire
        self.utf8: Any = codecs.getincrementaldecoder("utf-8")() if opcode == 1 else None


_CONTROL = frozenset((Opcode.CLOSE, Opcode.PING, Opcode.PONG))


def _header(first: int, length: int, mask: bool) -> bytearray:
    mbit = 0x80 if mask else 0
    if length < 126:
        return bytearray((first, mbit | length))
    if length < 65536:
        return bytearray((first, mbit | 126)) + length.to_bytes(2, "big")
    return bytearray((first, mbit | 127)) + length.to_bytes(8, "big")
