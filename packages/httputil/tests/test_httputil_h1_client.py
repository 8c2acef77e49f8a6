"""The protocol core in the client role: request bytes out, response events in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tornado.httputil import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    H1Connection,
    HTTPOutputError,
    InformationalResponse,
    ProtocolError,
    ResponseHead,
)

Drain = Callable[[H1Connection], list[Event]]
Bytewise = Callable[[H1Connection, bytes], list[Event]]


def body_of(events: list[Event]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


def test_request_bytes() -> None:
    c = H1Connection(CLIENT)
    out = c.send_request("GET", "/a?b=1", [("Host", "example.com"), ("Accept", "*/*")])
    assert out == b"GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
    c2 = H1Connection(CLIENT)
    out = c2.send_request("POST", "/", {"Host": "h"}, b"data")
    assert out == b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\ndata"


def test_streamed_chunked_request() -> None:
    c = H1Connection(CLIENT)
    head = c.send_request_head("PUT", "/f", {"Host": "h", "Transfer-Encoding": "chunked"})
    assert head.endswith(b"Transfer-Encoding: chunked\r\n\r\n")
    assert c.send_data(b"abc") == b"3\r\nabc\r\n"
    assert c.send_end() == b"0\r\n\r\n"


def test_request_without_length_has_no_body() -> None:
    c = H1Connection(CLIENT)
    c.send_request_head("GET", "/", {"Host": "h"})
    with pytest.raises(HTTPOutputError):
        c.send_data(b"x")


def test_request_validation() -> None:
    c = H1Connection(CLIENT)
    with pytest.raises(HTTPOutputError, match="Host"):
        c.send_request("GET", "/", {})
    with pytest.raises(HTTPOutputError, match="target"):
        c.send_request("GET", "/a b", {"Host": "h"})
    with pytest.raises(HTTPOutputError, match="method"):
        c.send_request("GE T", "/", {"Host": "h"})
    with pytest.raises(HTTPOutputError, match="server role"):
        c.send_response(200)


def test_content_length_response_bytewise(feed_one_byte_at_a_time: Bytewise) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    events = feed_one_byte_at_a_time(c, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello")
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert (head.status_code, head.reason, head.version) == (200, "OK", "HTTP/1.1")
    assert head.headers["x"] == "y"
    assert body_of(events) == b"hello"
    assert isinstance(events[-1], EndOfMessage)
    assert c.keep_alive


def test_chunked_response(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n")
    events = drain_events(c)
    assert body_of(events) == b"abcd"
    assert isinstance(events[-1], EndOfMessage)


def test_read_until_close(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart1")
    events = drain_events(c)
    assert isinstance(events[0], ResponseHead) and not events[0].keep_alive
    assert body_of(events) == b"part1"
    c.receive_data(b"part2")
    assert body_of(drain_events(c)) == b"part2"
    c.receive_data(b"")
    assert isinstance(c.next_event(), EndOfMessage)
    assert c.next_event() is PAUSED
    assert not c.keep_alive


def test_head_and_bodiless_responses(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("HEAD", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    events = drain_events(c)
    assert isinstance(events[-1], EndOfMessage) and body_of(events) == b""
    for status in (b"204 No Content", b"304 Not Modified"):
        c = H1Connection(CLIENT)
        c.send_request("GET", "/", {"Host": "h"})
        c.receive_data(b"HTTP/1.1 " + status + b"\r\nContent-Length: 10\r\n\r\n")
        assert isinstance(drain_events(c)[-1], EndOfMessage)


def test_keep_alive_cycle_and_connection_closed(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    for i in range(3):
        c.send_request("GET", f"/{i}", {"Host": "h"})
        c.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n%d" % i)
        events = drain_events(c)
        assert body_of(events) == str(i).encode()
    c.receive_data(b"")
    assert isinstance(c.next_event(), ConnectionClosed)


def test_connection_close_response(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    head = drain_events(c)[0]
    assert isinstance(head, ResponseHead) and not head.keep_alive
    assert c.next_event() is PAUSED


def test_100_continue_then_final(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request_head("POST", "/", {"Host": "h", "Content-Length": "3", "Expect": "100-continue"})
    c.receive_data(b"HTTP/1.1 100 Continue\r\n\r\n")
    events = drain_events(c)
    assert isinstance(events[0], InformationalResponse) and events[0].status_code == 100
    c.send_data(b"abc")
    c.send_end()
    c.receive_data(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    events = drain_events(c)
    assert isinstance(events[0], ResponseHead) and events[0].status_code == 201


def test_101_switching(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/ws", {"Host": "h", "Upgrade": "websocket", "Connection": "Upgrade"})
    c.receive_data(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nframes")
    events = drain_events(c)
    assert isinstance(events[0], InformationalResponse) and events[0].status_code == 101
    assert c.next_event() is PAUSED
    assert c.trailing_data == (b"frames", False)


def test_client_protocol_errors() -> None:
    bad = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"HTTP/1.1 2000 OK\r\n\r\n", 400),
        (b"HTTP/3.0 200 OK\r\n\r\n", 505),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        (b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", 400),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ]
    for raw, status in bad:
        c = H1Connection(CLIENT)
        c.send_request("GET", "/", {"Host": "h"})
        c.receive_data(raw)
        with pytest.raises(ProtocolError) as info:
            while c.next_event() is not NEED_DATA:
                pass
        assert info.value.status_code == status, raw


def test_response_before_request_is_an_error() -> None:
    c = H1Connection(CLIENT)
    c.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")
    with pytest.raises(ProtocolError, match="before a request"):
        c.next_event()


def test_eof_before_response_is_an_error() -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"")
    with pytest.raises(ProtocolError, match="closed"):
        c.next_event()


def test_response_with_unknown_final_coding_is_read_until_close(drain_events: Drain) -> None:
    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz")
    events = drain_events(c)
    assert body_of(events) == b"xyz" and not c.keep_alive
