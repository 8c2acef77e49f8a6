"""Fuzzing the protocol core: whatever it is fed, parsing ends, memory stays bounded, and
nothing but ProtocolError escapes; every valid message stream round-trips exactly."""

from __future__ import annotations

import zlib

from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.websocket import (
    CLIENT,
    NEED_DATA,
    SERVER,
    Close,
    DeflateParams,
    Message,
    PerMessageDeflate,
    Ping,
    ProtocolError,
    WebSocketProtocol,
)

LIMIT = 1000


def make(role, deflate: bool, limit: int | None = LIMIT) -> WebSocketProtocol:
    codec = PerMessageDeflate(role is SERVER, DeflateParams()) if deflate else None
    return WebSocketProtocol(role, max_message_size=limit, deflate=codec)


def consume(ws: WebSocketProtocol, chunks: list[bytes]) -> None:
    fed = 0
    try:
        for chunk in chunks:
            ws.receive_data(chunk)
            fed += len(chunk)
            for _ in range(len(chunk) + 2):  # each event consumes at least one frame header
                ev = ws.next_event()
                # Inflated or reassembled data never exceeds the limit beyond the raw input held.
                assert ws.buffered <= fed + LIMIT
                if ev is NEED_DATA:
                    break
            else:
                raise AssertionError("more events than input could produce")
        ws.receive_data(b"")
        for _ in range(3):
            if ws.next_event() is NEED_DATA:
                break
        else:
            raise AssertionError("events after end of input did not stop")
    except ProtocolError as e:
        assert e.code in (1002, 1007, 1009)


roles = st.sampled_from([SERVER, CLIENT])


@settings(max_examples=300, deadline=None)
@given(roles, st.booleans(), st.lists(st.binary(min_size=1, max_size=64), max_size=8))
def test_random_bytes(role, deflate, chunks):
    consume(make(role, deflate), chunks)


def _frame(opcode: int, payload: bytes, fin: bool, rsv: int, mask: bytes | None, length: int | None) -> bytes:
    n = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if mask is not None else 0
    if n < 126:
        head = bytes([first, mbit | n])
    elif n < 1 << 16:
        head = bytes([first, mbit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first, mbit | 127]) + (n & ((1 << 64) - 1)).to_bytes(8, "big")
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return (c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


payloads = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=60).map(lambda t: t.encode("utf-8")),
    st.binary(max_size=50).map(_deflated),
    st.integers(0, 5000).map(lambda n: _deflated(bytes(n))),  # inflates past LIMIT
    st.sampled_from(
        [b"\x03\xe8", b"\x03\xe8ok", b"\x03", b"\x00\x00", b"\x0f\xa0", b"\xce", b"\xed\xa0\x80"]
    ),
)
frames = st.builds(
    _frame,
    st.sampled_from([0, 1, 2, 8, 9, 10, 3, 0xB]),
    payloads,
    st.booleans(),
    st.sampled_from([0, 0, 0, 4, 2, 1]),
    st.one_of(st.none(), st.binary(min_size=4, max_size=4)),
    st.one_of(st.none(), st.none(), st.integers(0, 70000), st.sampled_from([1 << 63, (1 << 64) - 1])),
)


@settings(max_examples=500, deadline=None)
@given(roles, st.booleans(), st.lists(frames, max_size=10), st.integers(1, 40))
def test_frame_soup(role, deflate, fs, step):
    data = b"".join(fs)
    consume(make(role, deflate), [data[i : i + step] for i in range(0, len(data), step)])


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.lists(frames, min_size=1, max_size=6), st.integers(0, 400), st.integers(0, 255))
def test_mutated_stream(deflate, fs, pos, byte):
    data = bytearray(b"".join(fs))
    if data:
        data[pos % len(data)] = byte
    consume(make(SERVER, deflate), [bytes(data)])


messages = st.lists(
    st.one_of(st.text(max_size=300), st.binary(max_size=300), st.just("é€😀" * 40)), min_size=1, max_size=8
)
params = st.builds(
    DeflateParams,
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(9, 15)),
    st.one_of(st.none(), st.integers(9, 15)),
)


@settings(max_examples=300, deadline=None)
@given(
    messages,
    st.one_of(st.none(), params),
    st.integers(0, 50),
    st.integers(1, 97),
    st.booleans(),
    st.booleans(),
)
def test_valid_messages_round_trip(msgs, deflate, fragment_size, step, client_sends, pings):
    def side(role):
        codec = None if deflate is None else PerMessageDeflate(role is SERVER, deflate)
        return WebSocketProtocol(role, max_message_size=None, deflate=codec)

    sender, receiver = (side(CLIENT), side(SERVER)) if client_sends else (side(SERVER), side(CLIENT))
    wire = b""
    for i, m in enumerate(msgs):
        wire += sender.send_message(m, fragment_size=fragment_size)
        if pings:
            wire += sender.send_ping(str(i))
    wire += sender.send_close(1000, "bye")
    got = []
    for i in range(0, len(wire), step):
        receiver.receive_data(wire[i : i + step])
        got.extend(receiver.events())
    want: list[object] = []
    for i, m in enumerate(msgs):
        want.append(Message(m))
        if pings:
            want.append(("ping", str(i).encode()))
    want.append(("close", 1000, "bye"))
    norm = [
        ("ping", e.payload)
        if isinstance(e, Ping)
        else ("close", e.code, e.reason)
        if isinstance(e, Close)
        else e
        for e in got
    ]
    assert norm == want


def _events_of(role, deflate: bool, chunks: list[bytes]) -> list[object]:
    ws = make(role, deflate)
    out: list[object] = []
    try:
        for chunk in chunks:
            ws.receive_data(chunk)
            while (ev := ws.next_event()) is not NEED_DATA:
                if isinstance(ev, Message):
                    out.append(ev)
                elif isinstance(ev, Close):
                    out.append(("close", ev.code, ev.reason))
                else:
                    out.append((type(ev).__name__, ev.payload))  # type: ignore[union-attr]
    except ProtocolError as e:
        out.append(("error", e.code))
    return out


@settings(max_examples=400, deadline=None)
@given(roles, st.booleans(), st.lists(frames, max_size=10))
def test_one_read_and_byte_by_byte_agree(role, deflate, fs):
    """Whole small messages are taken off a read in one pass, anything else goes through the
    full parser: the events (and the error, if any) must not depend on which path ran."""
    data = b"".join(fs)
    whole = _events_of(role, deflate, [data] if data else [])
    assert whole == _events_of(role, deflate, [data[i : i + 1] for i in range(len(data))])
