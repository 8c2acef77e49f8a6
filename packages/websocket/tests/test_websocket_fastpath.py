"""The short ways through the connection: a read that is one small message, and the replies to
a read of several messages written at once (in order, with control frames in their place)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from conftest import Raw
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.websocket import (
    CLIENT,
    SERVER,
    Message,
    ProtocolError,
    WebSocketClosedError,
    WebSocketConnection,
    WebSocketProtocol,
)

# -- the protocol core: take_message ---------------------------------------------------------


def test_take_message_takes_one_whole_small_frame() -> None:
    ws = WebSocketProtocol(SERVER)
    assert ws.take_message(Raw.cframe(1, "héllo".encode())) == "héllo"
    assert ws.take_message(Raw.cframe(2, b"\x00\xff")) == b"\x00\xff"
    assert ws.take_message(Raw.cframe(1, b"")) == ""
    assert ws.take_message(Raw.cframe(1, b"x" * 125)) == "x" * 125
    client = WebSocketProtocol(CLIENT)
    assert client.take_message(Raw.frame(1, b"plain")) == "plain"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(Raw.cframe(1, b"a") + Raw.cframe(1, b"b"), id="two frames"),
        pytest.param(Raw.cframe(1, b"abc")[:-1], id="partial frame"),
        pytest.param(Raw.cframe(9, b"ping"), id="ping"),
        pytest.param(Raw.cframe(8, b"\x03\xe8"), id="close"),
        pytest.param(Raw.frame(1, b"unmasked"), id="unmasked from a client"),
        pytest.param(Raw.cframe(1, b"rsv", rsv=4), id="RSV1"),
        pytest.param(Raw.cframe(1, b"frag", fin=False), id="first fragment"),
        pytest.param(Raw.cframe(0, b"cont"), id="continuation"),
        pytest.param(Raw.cframe(3, b"reserved"), id="reserved opcode"),
        pytest.param(Raw.cframe(1, b"x" * 126), id="126 bytes"),
        pytest.param(Raw.cframe(1, b"\xff\xfe"), id="invalid UTF-8"),
        pytest.param(b"\x81", id="one byte"),
    ],
)
def test_take_message_leaves_everything_else_to_the_full_parser(data: bytes) -> None:
    ws = WebSocketProtocol(SERVER)
    assert ws.take_message(data) is None
    assert ws.buffered == 0  # untouched: receive_data gets it next


def test_take_message_respects_the_size_limit_and_pending_state() -> None:
    assert WebSocketProtocol(SERVER, max_message_size=3).take_message(Raw.cframe(1, b"four")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(Raw.cframe(1, b"frag", fin=False))
    assert Raw.events(ws) == []
    # A new data frame while a fragmented message is open breaks a rule: not taken.
    assert ws.take_message(Raw.cframe(1, b"new")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(Raw.cframe(1, b"abc")[:3])  # a partial frame is buffered
    assert ws.take_message(Raw.cframe(1, b"next")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(Raw.cframe(8, b"\x03\xe8"))
    Raw.events(ws)
    assert ws.take_message(Raw.cframe(1, b"after close")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(Raw.frame(1, b"unmasked"))  # a rule broken: the error stays
    with pytest.raises(ProtocolError):
        ws.next_event()
    assert ws.take_message(Raw.cframe(1, b"after an error")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(b"")
    assert ws.take_message(Raw.cframe(1, b"after the end")) is None
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(Raw.cframe(1, b"first"))  # parsed but not yet handed out
    assert ws.take_message(Raw.cframe(1, b"second")) is None
    assert Raw.events(ws) == [Message("first")]
    assert ws.take_message(Raw.cframe(1, b"second")) == "second"  # all handed out: taken again


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=140), st.binary(min_size=4, max_size=4), st.sampled_from([1, 2]))
def test_take_message_agrees_with_the_full_parser(payload: bytes, key: bytes, opcode: int) -> None:
    data = Raw.frame(opcode, payload, mask=key)
    taken = WebSocketProtocol(SERVER).take_message(data)
    full = WebSocketProtocol(SERVER)
    try:
        events = Raw.events(full, data)
    except Exception:
        events = None
    if taken is not None:
        assert events == [Message(taken)]
    else:
        assert len(payload) > 125 or events is None


# -- the connection: one write per read --------------------------------------------------------


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        assert not self.closed, "write after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (16384, 65536)

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Echo:
    """An owner that echoes, or closes on "close", or pings on "ping"."""

    def __init__(self) -> None:
        self.wsc: WebSocketConnection | None = None
        self.got: list[Any] = []
        self.errors: list[BaseException] = []

    def on_message(self, data: str | bytes) -> None:
        assert self.wsc is not None
        self.got.append(data)
        if data == "close":
            self.wsc.close(1000)
            try:
                self.wsc.write_message("too late")
            except WebSocketClosedError as e:
                self.errors.append(e)
        elif data == "ping":
            self.wsc.ping(b"p")
        else:
            self.wsc.write_message(data, binary=isinstance(data, bytes))

    def _ws_ping(self, data: bytes) -> None:
        self.got.append(("ping", data))

    def _ws_pong(self, data: bytes) -> None:
        pass

    def _ws_closed(self) -> None:
        pass


def connected(**kw: Any) -> tuple[WebSocketConnection, FakeTransport, Echo]:
    transport, owner = FakeTransport(), Echo()
    wsc = WebSocketConnection(WebSocketProtocol(SERVER, **kw), transport, owner)
    owner.wsc = wsc
    wsc.start()
    return wsc, transport, owner


def frames(data: bytes) -> list[tuple[int, bytes]]:
    """The (first byte, payload) of each unmasked frame in ``data``."""
    out = []
    while data:
        n = data[1]
        assert n < 126
        out.append((data[0], data[2 : 2 + n]))
        data = data[2 + n :]
    return out


def run(fn: Any) -> Any:
    async def main() -> Any:
        return fn()

    return asyncio.run(main())


def test_one_message_per_read_is_answered_at_once() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        for word in ("one", "two"):
            wsc.data_received(Raw.cframe(1, word.encode()))
        wsc.data_received(Raw.cframe(2, b"\x00bin"))
        assert transport.writes == [b"\x81\x03one", b"\x81\x03two", b"\x82\x04\x00bin"]
        assert owner.got == ["one", "two", b"\x00bin"]

    run(body)


def test_replies_to_one_read_go_out_in_one_write_in_order() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        data = b"".join(Raw.cframe(1, w.encode()) for w in ("a", "bb", "ccc"))
        data += Raw.cframe(9, b"hi") + Raw.cframe(1, b"ping") + Raw.cframe(2, b"\x01")
        wsc.data_received(data)
        assert len(transport.writes) == 1
        assert frames(transport.writes[0]) == [
            (0x81, b"a"),
            (0x81, b"bb"),
            (0x81, b"ccc"),
            (0x8A, b"hi"),  # the pong, in its place
            (0x89, b"p"),  # the handler's ping
            (0x82, b"\x01"),
        ]
        # Afterwards writes go straight out again.
        wsc.write_message("later")
        assert transport.writes[1:] == [b"\x81\x05later"]

    run(body)


def test_a_close_inside_a_batch_is_written_after_the_replies_before_the_transport_closes() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        wsc.data_received(Raw.cframe(1, b"x") + Raw.cframe(1, b"close") + Raw.cframe(1, b"y"))
        assert [frames(w) for w in transport.writes] == [[(0x81, b"x"), (0x88, b"\x03\xe8")]]
        assert len(owner.errors) == 1  # write_message after close() still fails
        with pytest.raises(WebSocketClosedError):
            wsc.write_message("after")
        # The peer answers our close: the server closes the transport, with nothing left unsent.
        wsc.data_received(Raw.cframe(8, b"\x03\xe8"))
        assert transport.closed
        assert owner.got == ["x", "close", "y"]

    run(body)


def test_a_protocol_error_in_a_batch_sends_the_replies_then_the_close() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        wsc.data_received(Raw.cframe(1, b"ok") + Raw.frame(1, b"unmasked"))
        assert [frames(w) for w in transport.writes] == [
            [(0x81, b"ok"), (0x88, b"\x03\xea" + b"client frames must be masked")]
        ]
        assert transport.closed

    run(body)


def test_a_long_batch_is_written_in_bounded_pieces_in_order() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        words = [str(i).encode() for i in range(200)]
        big = os.urandom(3000)
        data = b"".join(Raw.cframe(1, w) for w in words[:100]) + Raw.cframe(2, big)
        data += b"".join(Raw.cframe(1, w) for w in words[100:])
        wsc.data_received(data)
        assert 1 < len(transport.writes) < 10
        out = b"".join(transport.writes)
        replies = []
        while out:
            n, pos = out[1], 2
            if n == 126:
                n, pos = int.from_bytes(out[2:4], "big"), 4
            replies.append(out[pos : pos + n])
            out = out[pos + n :]
        assert replies == words[:100] + [big] + words[100:]

    run(body)


def test_write_after_the_connection_is_lost_raises() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        wsc.connection_lost(None)
        with pytest.raises(WebSocketClosedError):
            wsc.write_message("gone")
        assert transport.writes == []

    run(body)


# -- what an idle connection holds -------------------------------------------------------------


def test_an_idle_connection_holds_no_input_buffer_or_keep_alive_state() -> None:
    def body() -> None:
        wsc, transport, owner = connected()
        assert wsc.ws._buf == b"" and wsc._pinger is None
        # A message through the full parser (two frames in one read, the second split) leaves
        # no buffer behind once it is whole.
        second = Raw.cframe(1, b"x" * 300)
        wsc.data_received(Raw.cframe(1, b"a") + second[:10])
        assert len(wsc.ws._buf) == 10
        wsc.data_received(second[10:])
        assert owner.got == ["a", "x" * 300]
        assert type(wsc.ws._buf) is bytes and not wsc.ws._buf

    run(body)
