"""Malformed input gets a status, Connection: close and a log line; others keep being served."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest

H = b"Host: h\r\n"

MALFORMED: list[tuple[str, bytes, int]] = [
    (
        "cl and te",
        b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
        400,
    ),
    ("differing cl", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    ("non-digit cl", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1x\r\n\r\nab", 400),
    ("bad chunk size", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    ("bare lf", b"GET / HTTP/1.1\nHost: h\n\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\n" + H + b"X : a\r\n\r\n", 400),
    ("bad header name", b"GET / HTTP/1.1\r\n" + H + b"X@Y: a\r\n\r\n", 400),
    ("control char", b"GET / HTTP/1.1\r\n" + H + b"X: a\x01\r\n\r\n", 400),
    ("bad method", b"G<T / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("space in target", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("no host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("bad version", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("unknown te", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
]


@pytest.mark.parametrize("name,data,status", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_request(
    serve: Any,
    client_factory: Any,
    hello: Any,
    caplog: pytest.LogCaptureFixture,
    name: str,
    data: bytes,
    status: int,
) -> None:
    st = serve(hello)
    c = client_factory(st.port)
    with caplog.at_level(logging.INFO, logger="tornado.general"):
        c.send(data)
        raw = c.read_raw()
    assert raw.startswith(b"HTTP/1.1 %d " % status)
    assert b"Connection: close\r\n" in raw and b"Traceback" not in raw
    assert any(r.name == "tornado.general" and "Malformed" in r.getMessage() for r in caplog.records)
    # The server still serves a following connection.
    c2 = client_factory(st.port)
    c2.send(b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c2.response()[1] == b"You requested /next\n"


def test_header_too_large_431(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, max_header_size=1024)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\n")
    assert c.read_raw().startswith(b"HTTP/1.1 431 ")
    c2 = client_factory(st.port)
    c2.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c2.response()[0].status_code == 200


def test_body_too_large_413(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, max_body_size=100)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n")
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")
    c = client_factory(st.port)
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + b"x" * 64 + b"\r\n"
        b"40\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n"
    )
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")


def test_expect_continue_over_limit_gets_413_without_100(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, max_body_size=10)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
    raw = c.read_raw()
    assert raw.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in raw


def test_idle_connection_timeout_closes(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, idle_connection_timeout=0.05)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[0].status_code == 200
    assert c.is_closed_by_server()


def test_header_timeout_closes_slow_head(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, header_timeout=0.05)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost:")
    assert c.is_closed_by_server()


def test_body_timeout_closes_slow_body(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello, body_timeout=0.05)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
    assert c.is_closed_by_server()


def test_long_running_request_is_not_timed_out(serve: Any, client_factory: Any) -> None:
    import asyncio

    async def cb(request: Any) -> None:
        await asyncio.sleep(0.3)
        request.respond(b"slow but fine")

    st = serve(cb, idle_connection_timeout=0.05, header_timeout=0.05)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"slow but fine"


def test_client_closing_mid_request_does_not_break_server(
    serve: Any, client_factory: Any, hello: Any
) -> None:
    st = serve(hello)
    s = socket.create_connection(("127.0.0.1", st.port))
    s.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc")
    s.close()
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[0].status_code == 200


def test_half_closed_client_still_gets_answer(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello)
    c = client_factory(st.port)
    c.send(b"GET /half HTTP/1.1\r\nHost: h\r\n\r\n")
    c.sock.shutdown(socket.SHUT_WR)
    assert c.read_raw().endswith(b"You requested /half\n")
