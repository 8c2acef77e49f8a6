"""Body bytes pass through the HTTP/1.1 core without being copied into its buffer and out.

A ``bytes`` piece given to ``receive_data`` is held as it is: body bytes leave as the piece
itself (when all of it is body) or as a slice of it (``bytes``, or a read-only
``memoryview`` with ``data_views=True``).  These tests check that this changes nothing a
caller can see besides the copies: the same events wherever the input is cut, pipelined
bytes kept for the next message, limits enforced, views that stay valid.
"""

from __future__ import annotations

from typing import Any

import h1_messages as M
import pytest
from h1_messages import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from tornado.httputil import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    H1Connection,
    InformationalResponse,
    ProtocolError,
    RequestHead,
    ResponseHead,
)

BODY = bytes(range(256)) * 4  # 1 KiB, every byte value

POST = b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(BODY)
CHUNKED = (
    b"PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;name=value\r\nhello\r\n" + b"%x\r\n" % len(BODY) + BODY + b"\r\n0\r\nX-Sum: 42\r\n\r\n"
)
GET = b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
STREAM = POST + BODY + CHUNKED + GET + POST + BODY


def outcome(role: Any, pieces: list[bytes], views: bool = False, method: str = "GET", **kw: Any) -> list[Any]:
    """Every event of feeding ``pieces`` (then end of input), in a comparable form.

    Adjacent Data events are merged: how a body is cut into events depends on how it
    arrived, what it holds must not.  The server side answers each request with an empty
    200, so pipelined requests are parsed in turn.
    """
    conn = H1Connection(role, data_views=views, **kw)
    out: list[Any] = []
    try:
        for piece in [*(p for p in pieces if p), b""]:  # b"" only at the end: end of input
            if role is CLIENT and piece and not conn.response_started:
                conn.send_request(method, "/", {"Host": "h"})
            conn.receive_data(piece)
            while True:
                ev = conn.next_event()
                if ev is NEED_DATA:
                    break
                if ev is PAUSED:
                    if role is SERVER and conn.message_done and not conn.response_started:
                        conn.send_response(200, body=b"")
                        continue
                    break
                if isinstance(ev, Data):
                    assert ev.data, "an empty Data event"
                    assert type(ev.data) is (memoryview if views and type(ev.data) is not bytes else bytes)
                    if out and out[-1][0] == "data":
                        out[-1] = ("data", out[-1][1] + bytes(ev.data))
                    else:
                        out.append(("data", bytes(ev.data)))
                elif isinstance(ev, RequestHead):
                    out.append(("request", ev.method, ev.target, list(ev.headers.get_all())))
                elif isinstance(ev, ResponseHead):
                    kind = "informational" if isinstance(ev, InformationalResponse) else "response"
                    out.append((kind, ev.status_code, ev.reason, list(ev.headers.get_all())))
                elif isinstance(ev, EndOfMessage):
                    out.append(("end", list(ev.trailers.get_all()) if ev.trailers else []))
                else:
                    assert isinstance(ev, ConnectionClosed)
                    out.append(("closed",))
                    return out
    except ProtocolError as e:
        out.append(("error", e.status_code))
    return out


def drain(conn: H1Connection) -> list[Any]:
    events = []
    while (ev := conn.next_event()) is not NEED_DATA and ev is not PAUSED:
        events.append(ev)
    return events


# ------------------------------------------------------------------ pass-through


@pytest.mark.parametrize("views", [False, True])
def test_a_piece_that_is_all_body_is_handed_out_as_it_is(views: bool) -> None:
    conn = H1Connection(SERVER, data_views=views)
    conn.receive_data(POST)
    assert isinstance(drain(conn)[0], RequestHead)
    piece = BODY[:600]
    conn.receive_data(piece)
    (ev,) = drain(conn)
    assert isinstance(ev, Data) and ev.data is piece
    rest = BODY[600:]
    conn.receive_data(rest)
    data, end = drain(conn)
    assert isinstance(data, Data) and data.data is rest and isinstance(end, EndOfMessage)
    assert conn.buffered_size == 0


def test_body_after_a_head_is_a_slice_of_the_same_piece() -> None:
    piece = POST + BODY
    conn = H1Connection(SERVER, data_views=True)
    conn.receive_data(piece)
    head, data, end = drain(conn)
    assert isinstance(data, Data) and isinstance(data.data, memoryview)
    assert data.data.obj is piece and data.data.readonly  # a view of the input, not a copy
    assert bytes(data.data) == BODY and isinstance(end, EndOfMessage)

    conn = H1Connection(SERVER)
    conn.receive_data(piece)
    head, data, end = drain(conn)
    assert type(data.data) is bytes and data.data == BODY


def test_a_body_after_a_head_split_across_pieces_is_still_passed_through() -> None:
    for i in range(1, len(POST)):
        conn = H1Connection(SERVER, data_views=True)
        conn.receive_data(POST[:i])
        assert drain(conn) == []
        piece = POST[i:] + BODY
        conn.receive_data(piece)
        head, data, end = drain(conn)
        assert isinstance(head, RequestHead) and isinstance(end, EndOfMessage)
        assert isinstance(data.data, memoryview) and data.data.obj is piece, i
        assert bytes(data.data) == BODY


@pytest.mark.parametrize("views", [False, True])
def test_empty_lines_before_a_request_split_across_pieces(views: bool) -> None:
    """The end of a head may seem to straddle two pieces when it is empty lines before one."""
    expected = [("request", "GET", "/next", [("Host", "h")]), ("end", []), ("closed",)]
    assert outcome(SERVER, [b"\r\n", b"\r\n" + GET], views) == expected
    assert outcome(SERVER, [b"\r\n\r", b"\n" + GET], views) == expected
    assert outcome(SERVER, [b"\r", b"\n\r\n" + GET[:5], GET[5:]], views) == expected
    # Without waiting for more input: the request is there already.
    conn = H1Connection(SERVER, data_views=views)
    conn.receive_data(b"\r")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"\n\r\n" + GET)
    head, end = drain(conn)
    assert isinstance(head, RequestHead) and head.target == "/next" and isinstance(end, EndOfMessage)


@pytest.mark.parametrize("views", [False, True])
def test_pipelined_request_after_a_passed_through_body(views: bool) -> None:
    conn = H1Connection(SERVER, data_views=views)
    conn.receive_data(POST)
    assert isinstance(drain(conn)[0], RequestHead)
    conn.receive_data(BODY + GET)
    data, end = drain(conn)
    assert bytes(data.data) == BODY and isinstance(end, EndOfMessage)
    # The next request waits, whole, until the first one is answered.
    assert conn.next_event() is PAUSED and conn.buffered_size == len(GET)
    conn.send_response(200, body=b"ok")
    head, end = drain(conn)
    assert isinstance(head, RequestHead) and head.target == "/next" and isinstance(end, EndOfMessage)
    assert conn.buffered_size == 0


@pytest.mark.parametrize("views", [False, True])
def test_pipelined_requests_after_a_chunked_body_in_one_piece(views: bool) -> None:
    events = outcome(SERVER, [CHUNKED + GET + POST + BODY], views)
    assert events == [
        ("request", "PUT", "/c", [("Host", "h"), ("Transfer-Encoding", "chunked")]),
        ("data", b"hello" + BODY),
        ("end", [("X-Sum", "42")]),
        ("request", "GET", "/next", [("Host", "h")]),
        ("end", []),
        ("request", "POST", "/up", [("Host", "h"), ("Content-Length", str(len(BODY)))]),
        ("data", BODY),
        ("end", []),
        ("closed",),
    ]


def test_bytes_after_a_response_stay_for_the_caller_to_see() -> None:
    conn = H1Connection(CLIENT, data_views=True)
    conn.send_request("GET", "/", {"Host": "h"})
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA")
    head, data, end = conn.next_event(), conn.next_event(), conn.next_event()
    assert isinstance(head, ResponseHead) and isinstance(data, Data) and isinstance(end, EndOfMessage)
    assert bytes(data.data) == b"abc" and conn.buffered_size == 5
    with pytest.raises(ProtocolError, match="before a request was sent"):
        conn.next_event()


# ------------------------------------------------------- the same events however cut


@pytest.mark.parametrize("views", [False, True])
def test_requests_split_at_every_offset_give_the_same_events(views: bool) -> None:
    whole = outcome(SERVER, [STREAM], views)
    assert whole[-1] == ("closed",) and len(whole) == 12
    for i in range(len(STREAM) + 1):
        assert outcome(SERVER, [STREAM[:i], STREAM[i:]], views) == whole, i


def test_chunked_request_split_at_every_pair_of_offsets_gives_the_same_events() -> None:
    data = (
        b"PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n" + GET
    )
    whole = outcome(SERVER, [data], True)
    assert ("data", b"abcde") in whole and ("end", [("T", "1")]) in whole
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1):
            assert outcome(SERVER, [data[:i], data[i:j], data[j:]], True) == whole, (i, j)


@pytest.mark.parametrize("views", [False, True])
def test_one_byte_at_a_time_gives_the_same_events(views: bool) -> None:
    whole = outcome(SERVER, [STREAM], views)
    assert outcome(SERVER, [STREAM[i : i + 1] for i in range(len(STREAM))], views) == whole


RESPONSES = {
    "counted": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-A: 1\r\n\r\n" % len(BODY) + BODY,
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"%x\r\n" % len(BODY)
    + BODY
    + b"\r\n1\r\nz\r\n0\r\n\r\n",
    "until close": b"HTTP/1.0 200 OK\r\nServer: s\r\n\r\n" + BODY,
    "continue first": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-B: 2\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(RESPONSES))
@pytest.mark.parametrize("views", [False, True])
def test_responses_split_at_every_offset_give_the_same_events(name: str, views: bool) -> None:
    data = RESPONSES[name]
    whole = outcome(CLIENT, [data], views)
    assert whole[0][0] in ("response", "informational") and ("error", 400) not in whole
    for i in range(len(data) + 1):
        assert outcome(CLIENT, [data[:i], data[i:]], views) == whole, i


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


cut_lists = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@FUZZ
@given(st.lists(M.requests(version="HTTP/1.1"), min_size=1, max_size=3), cut_lists)
def test_pipelined_requests_cut_anywhere_give_the_same_events_in_both_modes(
    msgs: Any, cuts: list[int]
) -> None:
    data = b"".join(m.encode() for m in msgs)
    whole = outcome(SERVER, [data])
    assert len([e for e in whole if e[0] == "request"]) == len(msgs)
    assert outcome(SERVER, cut(data, cuts)) == whole
    assert outcome(SERVER, cut(data, cuts), views=True) == whole


@FUZZ
@given(M.responses(), cut_lists)
def test_responses_cut_anywhere_give_the_same_events_in_both_modes(msg: Any, cuts: list[int]) -> None:
    data = msg.encode()
    whole = outcome(CLIENT, [data], method=msg.request_method)
    assert whole[0][0] == "response"
    assert outcome(CLIENT, cut(data, cuts), method=msg.request_method) == whole
    assert outcome(CLIENT, cut(data, cuts), views=True, method=msg.request_method) == whole


# ---------------------------------------------------------------------- views


def test_a_view_handed_out_is_not_invalidated_by_later_input() -> None:
    conn = H1Connection(SERVER, data_views=True)
    first = POST + BODY[:700]
    conn.receive_data(first)
    head, data = drain(conn)
    view = data.data
    assert isinstance(view, memoryview)
    # More input, some of which must wait in the core's buffer (a partial head after the
    # body): the buffer grows while the view is alive, and the view keeps its bytes.
    conn.receive_data(BODY[700:] + GET[:10])
    rest, end = drain(conn)
    assert conn.next_event() is PAUSED
    conn.send_response(200, body=b"")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(bytearray(GET[10:]))
    conn.receive_data(b"x" * 5000)  # the start of another head, moved into the buffer
    head, end = drain(conn)
    assert isinstance(head, RequestHead) and head.target == "/next"
    conn.send_response(200, body=b"")
    assert conn.next_event() is NEED_DATA and conn.buffered_size == 5000
    assert bytes(view) == BODY[:700]
    assert bytes(rest.data) == BODY[700:]


def test_a_mutable_buffer_given_to_receive_data_is_copied() -> None:
    conn = H1Connection(SERVER, data_views=True)
    conn.receive_data(POST)
    drain(conn)
    piece = bytearray(BODY)
    conn.receive_data(piece)
    piece[:] = b"\0" * len(piece)  # the caller reuses its buffer
    data, end = drain(conn)
    assert bytes(data.data) == BODY


def test_data_views_is_off_unless_asked_for() -> None:
    conn = H1Connection(SERVER)
    assert conn.data_views is False
    conn.receive_data(POST + BODY)
    head, data, end = drain(conn)
    assert type(data.data) is bytes


# --------------------------------------------------------------------- limits


@pytest.mark.parametrize("views", [False, True])
def test_a_chunk_over_max_body_size_is_refused_before_any_of_it_is_handed_out(views: bool) -> None:
    data = b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n400\r\n" + BODY
    events = outcome(SERVER, [data], views, max_body_size=1000)
    assert events[1:] == [("data", b"hello"), ("error", 413)]


@pytest.mark.parametrize("views", [False, True])
def test_a_close_delimited_body_over_max_body_size_in_one_piece_is_refused(views: bool) -> None:
    data = b"HTTP/1.1 200 OK\r\n\r\n" + BODY
    assert outcome(CLIENT, [data], views, max_body_size=1000)[1:] == [("error", 413)]
    assert outcome(CLIENT, [data], views, max_body_size=1024)[1:] == [("data", BODY), ("end", [])]


def test_an_endless_chunk_size_line_in_a_held_piece_is_refused() -> None:
    conn = H1Connection(SERVER)
    conn.receive_data(b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    drain(conn)
    conn.receive_data(b"1" * 3000)
    assert conn.next_event() is NEED_DATA and conn.buffered_size == 3000
    conn.receive_data(b"1" * 100_000)
    with pytest.raises(ProtocolError, match="chunk size line too long"):
        conn.next_event()


def test_an_endless_head_in_a_held_piece_is_refused() -> None:
    conn = H1Connection(SERVER, max_header_size=1024)
    conn.receive_data(b"GET / HTTP/1.1\r\nX: " + b"a" * 100_000)
    with pytest.raises(ProtocolError) as e:
        conn.next_event()
    assert e.value.status_code == 431


def test_waiting_for_data_keeps_only_what_the_limits_allow() -> None:
    """NEED_DATA never leaves a held piece behind: what waits is bounded by the limits."""
    data = CHUNKED + GET
    for i in range(1, len(data) + 1):
        conn = H1Connection(SERVER, data_views=True)
        conn.receive_data(data[:i])
        while (ev := conn.next_event()) is not NEED_DATA:
            if ev is PAUSED:
                conn.send_response(200, body=b"")
        assert conn.buffered_size <= 4098, i
        assert not conn._in, i


def test_trailing_data_after_a_switch_includes_the_held_piece() -> None:
    conn = H1Connection(CLIENT)
    conn.send_request("GET", "/ws", {"Host": "h", "Upgrade": "websocket", "Connection": "Upgrade"})
    conn.receive_data(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi")
    (ev,) = drain(conn)
    assert isinstance(ev, InformationalResponse) and ev.status_code == 101
    assert conn.trailing_data == (b"\x81\x02hi", False)
    assert conn.buffered_size == 4
