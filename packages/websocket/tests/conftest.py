from __future__ import annotations

import asyncio
import os
import sys

import pytest
from tornado.websocket import NEED_DATA, ProtocolError, WebSocketProtocol

# Shared helpers for the live-server tests (imported as a plain module).
sys.path.insert(0, os.path.dirname(__file__))

# The tests run their own loops (asyncio.run); the uvloop tox env asks for uvloop's with the
# variable tornado.ioloop reads, so the transport hand-over after the upgrade is tested on both.
if os.environ.get("TORNADO_EVENT_LOOP") == "uvloop":
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class Raw:
    """Builds frames byte by byte, independently of the code under test."""

    @staticmethod
    def frame(
        opcode: int,
        payload: bytes = b"",
        *,
        fin: bool = True,
        rsv: int = 0,
        mask: bytes | None = None,
        length: int | None = None,
    ) -> bytes:
        n = len(payload) if length is None else length
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        mbit = 0x80 if mask is not None else 0
        if n < 126:
            head = bytes([first, mbit | n])
        elif n < 1 << 16:
            head = bytes([first, mbit | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([first, mbit | 127]) + n.to_bytes(8, "big")
        if mask is None:
            return head + payload
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    @staticmethod
    def cframe(opcode: int, payload: bytes = b"", **kw: object) -> bytes:
        """A frame as a client sends it (masked with a random key)."""
        return Raw.frame(opcode, payload, mask=os.urandom(4), **kw)  # type: ignore[arg-type]

    @staticmethod
    def unmask(data: bytes) -> tuple[int, bytes]:
        """(first byte, payload) of one whole frame, masked or not."""
        first, b1 = data[0], data[1]
        n, pos = b1 & 0x7F, 2
        if n == 126:
            n, pos = int.from_bytes(data[2:4], "big"), 4
        elif n == 127:
            n, pos = int.from_bytes(data[2:10], "big"), 10
        if b1 & 0x80:
            key = data[pos : pos + 4]
            pos += 4
            body = bytes(b ^ key[i % 4] for i, b in enumerate(data[pos : pos + n]))
        else:
            body = data[pos : pos + n]
        assert len(data) == pos + n, "exactly one frame"
        return first, body

    @staticmethod
    def events(ws: WebSocketProtocol, data: bytes = b"", eof: bool = False) -> list[object]:
        if data:
            ws.receive_data(data)
        if eof:
            ws.receive_data(b"")
        out: list[object] = []
        while (ev := ws.next_event()) is not NEED_DATA:
            out.append(ev)
        return out

    @staticmethod
    def error(ws: WebSocketProtocol, data: bytes) -> ProtocolError:
        with pytest.raises(ProtocolError) as info:
            Raw.events(ws, data)
        return info.value


@pytest.fixture
def raw() -> type[Raw]:
    return Raw
