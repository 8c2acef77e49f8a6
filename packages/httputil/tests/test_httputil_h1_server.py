"""The protocol core in the server role: bytes in, request events out, response bytes back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tornado.httputil import (
    NEED_DATA,
    PAUSED,
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    H1Connection,
    HTTPOutputError,
    ProtocolError,
    RequestHead,
    format_error_response,
)

Drain = Callable[[H1Connection], list[Event]]
Bytewise = Callable[[H1Connection, bytes], list[Event]]

GET = b"GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"


def body_of(events: list[Event]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


def test_simple_get(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    events = drain_events(c)
    head = events[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target, head.version) == ("GET", "/index.html?x=1", "HTTP/1.1")
    assert head.headers["host"] == "example.com"
    assert head.keep_alive and not head.expect_continue
    assert isinstance(events[1], EndOfMessage) and len(events) == 2
    assert c.next_event() is PAUSED


def test_byte_at_a_time_gives_same_events(feed_one_byte_at_a_time: Bytewise) -> None:
    data = GET + b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    c = H1Connection(SERVER)
    events = feed_one_byte_at_a_time(c, data)
    assert [type(e) for e in events] == [RequestHead, EndOfMessage]
    c.send_response(200, body=b"ok")
    c2 = list(data[len(GET) :])
    assert c2  # the POST is buffered but not parsed before the response is done
    rest = []
    while (ev := c.next_event()) not in (NEED_DATA, PAUSED):
        rest.append(ev)
    assert isinstance(rest[0], RequestHead) and rest[0].method == "POST"
    assert body_of(rest) == b"hello"


def test_chunked_body_bytewise_with_trailers(feed_one_byte_at_a_time: Bytewise) -> None:
    req = (
        b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    )
    c = H1Connection(SERVER)
    events = feed_one_byte_at_a_time(c, req)
    assert body_of(events) == b"hello world"
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert end.trailers is not None and end.trailers["x-checksum"] == "abc"


def test_chunked_body_in_one_piece(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(
        b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"
    )
    events = drain_events(c)
    assert body_of(events) == b"0123456789"
    assert isinstance(events[-1], EndOfMessage) and events[-1].trailers is None


def test_content_length_body_split_across_reads(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123")
    assert body_of(drain_events(c)) == b"0123"
    c.receive_data(b"456789GET")
    events = drain_events(c)
    assert body_of(events) == b"456789"
    assert isinstance(events[-1], EndOfMessage)
    assert c.buffered_size == 3


def test_leading_empty_lines_are_ignored(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"\r\n\r\n" + GET)
    assert isinstance(drain_events(c)[0], RequestHead)


def test_keep_alive_rules(drain_events: Drain) -> None:
    cases = [
        (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
        (b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", True),
    ]
    for raw, expected in cases:
        c = H1Connection(SERVER)
        c.receive_data(raw)
        head = drain_events(c)[0]
        assert isinstance(head, RequestHead)
        assert head.keep_alive is expected, raw
        assert c.keep_alive is expected


def test_http10_keep_alive_response_says_so(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    drain_events(c)
    out = c.send_response(200, body=b"x")
    assert b"Connection: keep-alive\r\n" in out and b"Content-Length: 1\r\n" in out
    assert c.keep_alive


def test_http10_without_length_is_close_delimited(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    drain_events(c)
    head = c.send_response_head(200, [("Content-Type", "text/plain")])
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert c.send_data(b"abc") == b"abc"
    assert c.send_end() == b""
    assert not c.keep_alive


def test_pipelining_waits_for_response(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET.replace(b"/index.html?x=1", b"/one") + GET.replace(b"/index.html?x=1", b"/two"))
    first = drain_events(c)
    assert [e.target for e in first if isinstance(e, RequestHead)] == ["/one"]
    assert c.next_event() is PAUSED
    c.send_response_head(200, {"Content-Length": "0"})
    assert c.next_event() is PAUSED  # response not finished yet
    c.send_end()
    second = drain_events(c)
    assert [e.target for e in second if isinstance(e, RequestHead)] == ["/two"]


def test_connection_close_stops_after_response(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + GET)
    drain_events(c)
    out = c.send_response(200, body=b"bye")
    assert b"Connection: close\r\n" in out
    assert c.next_event() is PAUSED  # the pipelined request is never parsed
    assert not c.keep_alive


def test_server_side_no_keep_alive_override(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    c.keep_alive = False
    assert b"Connection: close" in c.send_response(200)


def test_eof_between_requests_is_connection_closed(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    c.receive_data(b"")
    assert c.next_event() is PAUSED  # half-closed client still gets its answer
    c.send_response(200)
    assert isinstance(c.next_event(), ConnectionClosed)


def test_eof_in_the_middle_is_an_error(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
    drain_events(c)
    c.receive_data(b"")
    with pytest.raises(ProtocolError):
        c.next_event()
    c = H1Connection(SERVER)
    c.receive_data(b"GET / HTTP/1.1\r\nHo")
    c.receive_data(b"")
    with pytest.raises(ProtocolError):
        c.next_event()


def test_expect_100_continue(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    head = c.next_event()
    assert isinstance(head, RequestHead) and head.expect_continue
    assert c.next_event() is NEED_DATA
    assert c.send_continue() == b"HTTP/1.1 100 Continue\r\n\r\n"
    c.receive_data(b"abc")
    assert body_of(drain_events(c)) == b"abc"


def test_expect_without_body_and_in_http10(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n")
    head = drain_events(c)[0]
    assert isinstance(head, RequestHead) and not head.expect_continue
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nx")
    head = drain_events(c)[0]
    assert isinstance(head, RequestHead) and not head.expect_continue


def test_early_response_ends_keep_alive(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
    drain_events(c)
    out = c.send_response(413)
    assert b"Connection: close" in out and not c.keep_alive


def test_head_response_has_no_body(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n")
    drain_events(c)
    out = c.send_response(200, [("Content-Type", "text/plain")], b"would-be body")
    assert out.endswith(b"\r\n\r\n") and b"Content-Length: 13\r\n" in out
    assert b"would-be" not in out
    assert c.keep_alive


def test_bodiless_statuses(drain_events: Drain) -> None:
    for status in (204, 304):
        c = H1Connection(SERVER)
        c.receive_data(GET)
        drain_events(c)
        out = c.send_response(status)
        assert b"Content-Length" not in out and b"Transfer-Encoding" not in out
        assert out.endswith(b"\r\n\r\n")
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    with pytest.raises(HTTPOutputError):
        c.send_response_head(204, {"Content-Length": "5"})


def test_chunked_response_framing(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    out = c.send_response_head(200, [("Content-Type", "text/plain")], reason="Fine")
    assert out == b"HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert c.send_data(b"") == b""
    assert c.send_data(b"x" * 17) == b"11\r\n" + b"x" * 17 + b"\r\n"
    assert c.send_end({"X-Sum": "1"}) == b"0\r\nX-Sum: 1\r\n\r\n"


def test_content_length_response_is_enforced(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    c.send_response_head(200, {"Content-Length": "3"})
    with pytest.raises(HTTPOutputError, match="longer"):
        c.send_data(b"abcd")
    c.send_data(b"ab")
    with pytest.raises(HTTPOutputError, match="short"):
        c.send_end()


def test_output_validation(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    with pytest.raises(HTTPOutputError, match="no request"):
        c.send_response(200)
    c.receive_data(GET)
    drain_events(c)
    with pytest.raises(HTTPOutputError, match="invalid character"):
        c.send_response_head(200, {"X-Evil": "a\r\nSet-Cookie: x=1"})
    with pytest.raises(HTTPOutputError, match="header name"):
        c.send_response_head(200, {"Bad Name": "x"})
    with pytest.raises(HTTPOutputError, match="status"):
        c.send_response_head(42)
    with pytest.raises(TypeError):
        c.send_response(200, body="text")  # type: ignore[arg-type]


def test_send_continue_only_before_response(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    drain_events(c)
    c.send_response(200)
    with pytest.raises(HTTPOutputError):
        c.send_continue()


def test_max_body_size_can_change_per_request(drain_events: Drain) -> None:
    c = H1Connection(SERVER, max_body_size=4)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
    drain_events(c)
    c.send_response(200)
    c.max_body_size = 100
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\n" + b"x" * 50)
    assert len(body_of(drain_events(c))) == 50


def test_upgrade_101_switches_protocol(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(
        b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x00"
    )
    drain_events(c)
    out = c.send_response_head(101, [("Upgrade", "websocket"), ("Connection", "Upgrade")])
    assert out.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert c.next_event() is PAUSED
    assert c.trailing_data == (b"\x81\x00", False)


def test_format_error_response() -> None:
    assert format_error_response(431) == (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )


def test_lenient_mode_accepts_bare_lf(drain_events: Drain) -> None:
    c = H1Connection(SERVER, strict=False)
    c.receive_data(b"POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n")
    events = drain_events(c)
    assert isinstance(events[0], RequestHead) and events[0].headers["Host"] == "h"
    assert body_of(events) == b"abc"
    assert isinstance(events[-1], EndOfMessage)


def test_constructor_validation() -> None:
    with pytest.raises(TypeError):
        H1Connection("server")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_header_size"):
        H1Connection(SERVER, max_header_size=0)
    with pytest.raises(ValueError, match="max_body_size"):
        H1Connection(SERVER, max_body_size=-1)


def test_data_after_eof_is_a_usage_error() -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"")
    with pytest.raises(RuntimeError, match="end of input"):
        c.receive_data(b"x")


def test_raw_response_bookkeeping(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET + GET)
    drain_events(c)
    c.end_raw_response(keep_alive=True)
    assert isinstance(c.next_event(), RequestHead)  # the pipelined request is released
    drain_events(c)
    c.end_raw_response(keep_alive=False)
    assert c.next_event() is PAUSED and not c.keep_alive
    with pytest.raises(HTTPOutputError):
        c.end_raw_response(keep_alive=True)


def test_awaiting_input_says_when_only_more_bytes_can_give_an_event(drain_events: Drain) -> None:
    c = H1Connection(SERVER)
    assert not c.awaiting_input  # no request read yet
    c.receive_data(GET)
    assert not c.awaiting_input
    drain_events(c)
    assert c.awaiting_input  # the GET is read to its end, nothing else arrived
    c.send_response(200, body=b"ok")
    assert c.awaiting_input and c.next_event() is NEED_DATA
    c.receive_data(GET[:10])  # part of a pipelined request: something to parse
    assert not c.awaiting_input
    c.receive_data(GET[10:])
    assert isinstance(c.next_event(), RequestHead) and isinstance(c.next_event(), EndOfMessage)
    c.send_response(200, body=b"ok")
    c.receive_data(b"")  # the peer closed: that is an event to report
    assert not c.awaiting_input
    assert isinstance(c.next_event(), ConnectionClosed)


@pytest.mark.parametrize("value", [["a", "b"], {"x": 1}, b"bytes", None, 1.5])
def test_a_header_value_of_another_type_is_refused_clearly(value: object) -> None:
    c = H1Connection(SERVER)
    c.receive_data(GET)
    while c.next_event() not in (NEED_DATA, PAUSED):
        pass
    c.send_response(200, [("X-Ok", "1")], body=b"")  # a cached line first
    c.receive_data(GET)
    while c.next_event() not in (NEED_DATA, PAUSED):
        pass
    with pytest.raises(HTTPOutputError, match="X-Ok must be str"):
        c.send_response(200, [("X-Ok", value)], body=b"")  # type: ignore[list-item]
