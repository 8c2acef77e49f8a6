"""The I/O-free WebSocket protocol core (RFC 6455 framing, RFC 7692 compression).

A :class:`WebSocketProtocol` is fed the bytes that arrived (:meth:`~WebSocketProtocol.receive_data`)
and hands back events (:meth:`~WebSocketProtocol.next_event`); what our side says becomes bytes
through the ``send_*`` methods.  It never touches a socket, so the server handler, the client,
tests and fuzzers drive it alike::

    ws = WebSocketProtocol(SERVER)
    ws.receive_data(frame_bytes)
    while (event := ws.next_event()) is not NEED_DATA:
        if isinstance(event, Message):
            out = ws.send_message(event.data)     # echo
        elif isinstance(event, Ping):
            out = ws.send_pong(event.payload)
        elif isinstance(event, Close):
            out = ws.send_close(event.code if event.code != 1005 else None)

Parsing is strict.  Every rule break raises :class:`ProtocolError` whose ``code`` the driver
sends in a close frame (:meth:`~WebSocketProtocol.send_close`) before closing the transport:
1002 for framing (masking by role, reserved bits or opcodes, control frames longer than 125
bytes or fragmented, continuation out of sequence, bad close codes), 1007 for text that is
not UTF-8 (checked across fragments, failing as soon as a prefix is invalid) and 1009 for a
message over ``max_message_size``.  The size check happens on each frame header, before its
payload is waited for, and on every inflated chunk, so an oversized message is never held
whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._deflate import PerMessageDeflate
from ._errors import ProtocolError, WebSocketClosedError
from ._events import NEED_DATA, Close, Event, Message, Ping, Pong, _Sentinel
from ._frames import (
    _CONTROL,
    _KEYS,
    CLIENT,
    DEFAULT_MAX_MESSAGE_SIZE,
    SERVER,
    Opcode,
    Role,
    _Fragments,
    _header,
    is_valid_close_code,
    mask,
    unmask,
    unmask_text,
)

__all__ = [
    "Role",
    "SERVER",
    "CLIENT",
    "Opcode",
    "WebSocketProtocol",
    "Message",
    "Ping",
    "Pong",
    "Close",
    "NEED_DATA",
    "Event",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "is_valid_close_code",
]


class WebSocketProtocol:
    """One WebSocket connection's protocol state, for either role, after the opening handshake.

    ``max_message_size`` (``None``: unlimited) bounds each received message after
    decompression.  ``deflate`` is the codec of a negotiated permessage-deflate, or ``None``.
    """

    __slots__ = (
        "role",
        "max_message_size",
        "_deflate",
        "_buf",
        "_ready",
        "_ready_pos",
        "_ready_bytes",
        "_eof",
        "_error",
        "_close_sent",
        "_close_received",
        "_lost_reported",
        "_mask_out",
        "_expect_mask",
        "_frag",
        "_quiet",
    )

    def __init__(
        self,
        role: Role,
        *,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        deflate: PerMessageDeflate | None = None,
    ) -> None:
        if max_message_size is not None and (
            isinstance(max_message_size, bool)
            or not isinstance(max_message_size, int)
            or max_message_size < 0
        ):
            raise ValueError(f"max_message_size must be a non-negative int or None, not {max_message_size!r}")
        self.role = role
        self.max_message_size = max_message_size
        self._deflate = deflate
        # Unparsed input: a bytearray of its own once some is held, the shared b"" until then
        # (an idle socket holds none).
        self._buf: bytearray | bytes = b""
        # Messages parsed straight from receive_data's input (see _parse_simple), in order,
        # ahead of whatever is in _buf.
        # A list and a read position, made on first use: a socket that only listens has none.
        self._ready: list[Message] | None = None
        self._ready_pos = 0
        self._ready_bytes = 0
        self._eof = False
        self._error: ProtocolError | None = None
        self._close_sent = False
        self._close_received = False
        self._lost_reported = False
        self._mask_out = role is CLIENT
        self._expect_mask = role is SERVER
        self._frag: _Fragments | None = None  # the fragmented message in progress, if any
        # True only when nothing is pending and the input is open (no buffered bytes, messages,
        # fragments, error or close): then take_message may take a frame by itself.  Cleared by
        # receive_data, set again only by next_event finding it so.
        self._quiet = True

    # -- state -------------------------------------------------------------------------

    @property
    def close_sent(self) -> bool:
        return self._close_sent

    @property
    def close_received(self) -> bool:
        return self._close_received

    @property
    def closed(self) -> bool:
        """Both close frames have been exchanged (or the input ended): the transport can go."""
        return (self._close_sent and self._close_received) or self._lost_reported

    @property
    def buffered(self) -> int:
        """Bytes held: unparsed input plus the parts of a fragmented message (for memory checks)."""
        frag = self._frag
        return len(self._buf) + (frag.size if frag is not None else 0) + self._ready_bytes

    # -- input -------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the transport; ``b""`` means the input has ended."""
        self._quiet = False
        if not data:
            self._eof = True
        elif self._close_received or self._error is not None:
            return
        elif self._buf:
            self._buf += data  # a bytearray once non-empty
        elif self._frag is not None:
            self._buf = bytearray(data)
        else:
            rest = self._parse_simple(data)
            if rest:
                self._buf = bytearray(rest)

    def take_message(self, data: bytes) -> str | bytes | None:
        """The message ``data`` carries when it is exactly one small, complete, rule-abiding data
        frame and nothing else is pending; otherwise None, and ``data`` was left alone (give it
        to :meth:`receive_data`).

        A chat's or an echo's read is usually one such frame: this takes it with no buffering,
        no event object and no queue.  Anything else (control frames, fragments, wrong masking,
        reserved bits, a frame over 125 bytes or the size limit, text that is not UTF-8) is
        left to the full parser, which applies every rule.
        """
        if not self._quiet:
            return None
        masked = self._expect_mask
        end = len(data)
        n = end - (6 if masked else 2)
        limit = self.max_message_size
        if n < 0 or n > 125 or data[1] != (0x80 | n if masked else n) or (limit is not None and n > limit):
            return None
        b0 = data[0]
        try:
            if b0 == 0x81:
                return unmask_text(data, 6, end) if masked else data[2:].decode("utf-8")
            if b0 == 0x82:
                return unmask(data, 6, end) if masked else data[2:]
        except UnicodeDecodeError:
            pass  # the full parser reports it (1007)
        return None

    def _parse_simple(self, data: bytes) -> bytes:
        """Take the whole small, unfragmented, uncompressed messages off the front of ``data``.

        They are most of a chat's or an echo's traffic, and here cost one pass with no
        buffering.  Only frames that cannot break a rule are taken (correct masking, FIN and no
        reserved bits, under 126 bytes and within the size limit, valid UTF-8 for text); the
        first other frame, and everything after it, is left to the full parser, in order.
        """
        n = len(data)
        pos = 0
        ready = self._ready
        if ready is None:
            ready = self._ready = []
        limit = self.max_message_size
        masked = self._expect_mask
        head = 6 if masked else 2
        mbit = 0x80 if masked else 0
        while n - pos >= 2:
            b0 = data[pos]
            b1 = data[pos + 1]
            length = b1 ^ mbit
            if length >= 126 or (b0 != 0x81 and b0 != 0x82) or (limit is not None and length > limit):
                break
            end = pos + head + length
            if end > n:
                break
            try:
                if b0 == 0x82:
                    ready.append(Message(unmask(data, pos + 6, end) if masked else data[pos + 2 : end]))
                elif masked:
                    ready.append(Message(unmask_text(data, pos + 6, end)))
                else:
                    ready.append(Message(data[pos + 2 : end].decode("utf-8")))
            except UnicodeDecodeError:
                break  # the full parser reports it (1007)
            self._ready_bytes += len(ready[-1].data)
            pos = end
        return data[pos:] if pos else data

    def events(self) -> Iterator[Event]:
        """Every event available now (stops at NEED_DATA)."""
        while True:
            ev = self.next_event()
            if ev is NEED_DATA:
                return
            yield ev  # type: ignore[misc]

    def next_event(self) -> Event | _Sentinel:
        """The next event, or ``NEED_DATA``; raises :class:`ProtocolError` (again on every call after)."""
        ready = self._ready
        if ready:
            pos = self._ready_pos
            message = ready[pos]
            pos += 1
            if pos == len(ready):
                ready.clear()
                pos = 0
            self._ready_pos = pos
            self._ready_bytes -= len(message.data)
            return message
        if self._error is not None:
            raise self._error
        if len(self._buf) < 2 and not self._eof:
            self._quiet = not self._buf and self._frag is None and not self._close_received
            return NEED_DATA
        try:
            while True:
                ev = self._parse_frame()
                if ev is not None:
                    return ev
        except ProtocolError as e:
            self._error = e
            self._buf = b""
            self._frag = None
            raise

    def _need_data(self) -> _Sentinel | Close:
        if self._eof and not self._close_received and not self._lost_reported:
            self._lost_reported = True
            return Close(1006, "")
        return NEED_DATA

    def _parse_frame(self) -> Event | _Sentinel | None:
        """Parse one frame; None when it produced no event (a non-final fragment)."""
        buf: bytearray = self._buf  # type: ignore[assignment]  # a bytearray once it holds 2 bytes
        have = len(buf)
        if have < 2 or self._close_received:
            return self._need_data()
        b0 = buf[0]
        b1 = buf[1]
        length = b1 & 0x7F
        pos = 2
        if length == 126:
            if have < 4:
                return self._need_data()
            length = int.from_bytes(buf[2:4], "big")
            pos = 4
        elif length == 127:
            if have < 10:
                return self._need_data()
            length = int.from_bytes(buf[2:10], "big")
            if length >> 63:
                raise ProtocolError(1002, "frame length has its most significant bit set")
            pos = 10
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        rsv1 = b0 & 0x40
        if b0 & 0x30:
            raise ProtocolError(1002, "reserved bits RSV2/RSV3 set")
        masked = b1 & 0x80
        if bool(masked) != self._expect_mask:
            raise ProtocolError(
                1002,
                "client frames must be masked" if self._expect_mask else "server frames must not be masked",
            )
        if opcode >= 8:
            if opcode not in _CONTROL:
                raise ProtocolError(1002, f"reserved opcode {opcode:#x}")
            if not fin:
                raise ProtocolError(1002, "fragmented control frame")
            if length > 125:
                raise ProtocolError(1002, "control frame longer than 125 bytes")
            if rsv1:
                raise ProtocolError(1002, "RSV1 set on a control frame")
        else:
            if opcode == 0:
                if self._frag is None:
                    raise ProtocolError(1002, "continuation frame without a message to continue")
                if rsv1:
                    raise ProtocolError(1002, "RSV1 set on a continuation frame")
            elif opcode in (1, 2):
                if self._frag is not None:
                    raise ProtocolError(1002, "new data frame while a fragmented message is incomplete")
                if rsv1 and self._deflate is None:
                    raise ProtocolError(1002, "RSV1 set without a negotiated extension")
            else:
                raise ProtocolError(1002, f"reserved opcode {opcode:#x}")
            limit = self.max_message_size
            if limit is not None:
                frag = self._frag
                compressed = rsv1 if opcode or frag is None else frag.compressed
                # Deflate can expand incompressible data a little; allow for it on the wire.
                wire_limit = limit + (limit >> 6) + 64 if compressed else limit
                if (frag.wire if frag is not None else 0) + length > wire_limit:
                    raise ProtocolError(1009, "message too big")
        if masked:
            pos += 4
        end = pos + length
        if have < end:
            return self._need_data()
        if masked:
            payload = unmask(buf, pos, end)
        else:
            payload = bytes(buf[pos:end])
        if end == have:
            self._buf = b""  # an idle socket keeps no buffer
        else:
            del buf[:end]
        if opcode >= 8:
            return self._control(opcode, payload)
        return self._data(opcode, bool(fin), bool(rsv1), payload)

    def _control(self, opcode: int, payload: bytes) -> Event:
        if opcode == Opcode.PING:
            return Ping(payload)
        if opcode == Opcode.PONG:
            return Pong(payload)
        n = len(payload)
        if n == 0:
            code, reason = 1005, ""
        elif n == 1:
            raise ProtocolError(1002, "close frame with a 1-byte payload")
        else:
            code = int.from_bytes(payload[:2], "big")
            if not is_valid_close_code(code):
                raise ProtocolError(1002, f"invalid close code {code}")
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(1007, "close reason is not valid UTF-8") from None
        self._close_received = True
        self._buf = b""
        return Close(code, reason)

    def _data(self, opcode: int, fin: bool, rsv1: bool, payload: bytes) -> Message | None:
        limit = self.max_message_size
        if opcode:
            if fin and not rsv1:  # the common case: one uncompressed frame
                if opcode == 2:
                    return Message(payload)
                try:
                    return Message(payload.decode("utf-8"))
                except UnicodeDecodeError:
                    raise ProtocolError(1007, "text message is not valid UTF-8") from None
            frag: _Fragments | None = _Fragments(opcode, rsv1)
            self._frag = frag
        else:
            frag = self._frag
        assert frag is not None  # _parse_frame refused a continuation without a message
        frag.wire += len(payload)
        if frag.compressed:
            assert self._deflate is not None
            remaining = None if limit is None else limit - frag.size
            payload = self._deflate.decompress(payload, fin, remaining)
        frag.size += len(payload)
        if limit is not None and frag.size > limit:
            raise ProtocolError(1009, "message too big")
        utf8 = frag.utf8
        if utf8 is not None:
            try:
                part: Any = utf8.decode(payload, fin)
            except UnicodeDecodeError:
                raise ProtocolError(1007, "text message is not valid UTF-8") from None
        else:
            part = payload
        if part:
            frag.parts.append(part)
        if not fin:
            return None
        self._frag = None
        if utf8 is not None:
            return Message("".join(frag.parts))
        return Message(b"".join(frag.parts))

    # -- output ------------------------------------------------------------------------

    def _frame(self, first: int, payload: bytes) -> bytes:
        if not self._mask_out and len(payload) < 126:
            return bytes((first, len(payload))) + payload
        if self._mask_out:
            key = _KEYS.next()
            out = _header(first, len(payload), True)
            out += key
            out += mask(payload, key)
            return bytes(out)
        out = _header(first, len(payload), False)
        out += payload
        return bytes(out)

    def send_message(
        self,
        data: str | bytes | bytearray | memoryview,
        *,
        binary: bool | None = None,
        fragment_size: int = 0,
    ) -> bytes:
        """The frame(s) of one data message.

        ``str`` is sent as text and bytes as binary unless ``binary`` says otherwise (text
        given as bytes must then be UTF-8).  With permessage-deflate the message is compressed.
        A positive ``fragment_size`` splits the (compressed) payload into frames of that size.
        """
        if self._close_sent:
            raise WebSocketClosedError("the close handshake has started")
        if type(data) is str and not binary and not self._mask_out and self._deflate is None:
            payload = data.encode("utf-8")  # a server's text message: the common case, first
            n = len(payload)
            if n < 126 and (fragment_size <= 0 or n <= fragment_size):
                return bytes((0x81, n)) + payload
            return self._fragments(0x1, payload, fragment_size)
        if isinstance(data, str):
            payload = data.encode("utf-8")
            if binary is None:
                binary = False
        else:
            payload = bytes(data)
            if binary is None:
                binary = True
        opcode = Opcode.BINARY if binary else Opcode.TEXT
        rsv1 = 0
        if self._deflate is not None:
            payload = self._deflate.compress(payload)
            rsv1 = 0x40
        return self._fragments(rsv1 | opcode, payload, fragment_size)

    def _fragments(self, first: int, payload: bytes, fragment_size: int) -> bytes:
        """``payload`` as one frame, or as frames of ``fragment_size`` (``first``: RSV1 and opcode)."""
        if fragment_size <= 0 or len(payload) <= fragment_size:
            return self._frame(0x80 | first, payload)
        chunks = [payload[i : i + fragment_size] for i in range(0, len(payload), fragment_size)]
        last = len(chunks) - 1
        out = [self._frame(first, chunks[0])]
        for i in range(1, last + 1):
            out.append(self._frame((0x80 if i == last else 0) | Opcode.CONTINUATION, chunks[i]))
        return b"".join(out)

    def _control_frame(self, opcode: int, payload: bytes | str) -> bytes:
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        if len(payload) > 125:
            raise ValueError("control frame payloads are limited to 125 bytes")
        if self._close_sent:
            raise WebSocketClosedError("the close handshake has started")
        return self._frame(0x80 | opcode, bytes(payload))

    def send_ping(self, payload: bytes | str = b"") -> bytes:
        return self._control_frame(Opcode.PING, payload)

    def send_pong(self, payload: bytes | str = b"") -> bytes:
        return self._control_frame(Opcode.PONG, payload)

    def send_close(self, code: int | None = 1000, reason: str = "") -> bytes:
        """Our close frame (``b""`` if one was already sent); ``None`` sends no code at all."""
        if self._close_sent:
            return b""
        if code is None:
            if reason:
                raise ValueError("a close reason needs a close code")
            payload = b""
        else:
            if not is_valid_close_code(code):
                raise ValueError(f"invalid close code {code}")
            payload = code.to_bytes(2, "big") + reason.encode("utf-8")
            if len(payload) > 125:
                raise ValueError("close reason longer than 123 bytes")
        self._close_sent = True
        return self._frame(0x80 | Opcode.CLOSE, payload)
