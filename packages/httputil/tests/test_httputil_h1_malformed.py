"""Every kind of ambiguous or broken input is a ProtocolError with the status to answer."""

from __future__ import annotations

import pytest
from tornado.httputil import NEED_DATA, PAUSED, SERVER, H1Connection, ProtocolError

H = b"Host: h\r\n"

CASES: list[tuple[str, bytes, int]] = [
    (
        "cl and te",
        b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
    ),
    ("differing cl", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    ("differing cl list", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3, 4\r\n\r\nabcd", 400),
    ("non-digit cl", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3a\r\n\r\nabc", 400),
    ("signed cl", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +3\r\n\r\nabc", 400),
    ("unicode digit cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ²\r\n\r\n".encode("latin-1"), 400),
    ("bad chunk size", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ("negative chunk", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
    (
        "huge chunk size",
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + b"f" * 17 + b"\r\n",
        400,
    ),
    (
        "chunk missing crlf",
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        400,
    ),
    (
        "bare lf in chunk line",
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n",
        400,
    ),
    ("bare lf head", b"GET / HTTP/1.1\nHost: h\n\n", 400),
    ("bare lf one line", b"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400),
    ("bare cr", b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n  continued\r\n\r\n", 400),
    ("obs-fold with colon", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n\tb: c\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\n" + H + b"X-A : a\r\n\r\n", 400),
    ("bad header name", b"GET / HTTP/1.1\r\n" + H + b"X(A): a\r\n\r\n", 400),
    ("empty header name", b"GET / HTTP/1.1\r\n" + H + b": a\r\n\r\n", 400),
    ("no colon", b"GET / HTTP/1.1\r\n" + H + b"garbage\r\n\r\n", 400),
    ("control char in value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x01b\r\n\r\n", 400),
    ("nul in value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", 400),
    ("del in value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x7fb\r\n\r\n", 400),
    ("bad method", b"G@T / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("space in target", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("double space", b"GET  / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("missing version", b"GET /\r\n" + H + b"\r\n", 400),
    ("malformed version", b"GET / HTTP/x.y\r\n" + H + b"\r\n", 400),
    ("http2 version", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("http0.9-like", b"GET / HTTP/0.9\r\n" + H + b"\r\n", 505),
    ("unknown te", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ("te not chunked", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: identity\r\n\r\n", 501),
    ("chunked twice", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
    ("te in http/1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    ("missing host", b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
    ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (
        "unknown expectation",
        b"POST / HTTP/1.1\r\n" + H + b"Expect: teapot\r\nContent-Length: 1\r\n\r\nx",
        417,
    ),
    ("cl over max body", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1001\r\n\r\n", 413),
    ("cl absurdly large", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: " + b"9" * 30 + b"\r\n\r\n", 413),
    ("chunked over max body", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3e9\r\n", 413),
    ("header too large", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 3000 + b"\r\n\r\n", 431),
    ("header never ends", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 3000, 431),
    (
        "trailer obs-fold",
        b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
        400,
    ),
]


def run(data: bytes) -> None:
    c = H1Connection(SERVER, max_header_size=2048, max_body_size=1000)
    c.receive_data(data)
    while c.next_event() not in (NEED_DATA, PAUSED):
        pass


@pytest.mark.parametrize("name,data,status", CASES, ids=[c[0] for c in CASES])
def test_rejected_with_status(name: str, data: bytes, status: int) -> None:
    with pytest.raises(ProtocolError) as info:
        run(data)
    assert info.value.status_code == status


@pytest.mark.parametrize("name,data,status", CASES, ids=[c[0] for c in CASES])
def test_rejected_when_fed_byte_by_byte(name: str, data: bytes, status: int) -> None:
    c = H1Connection(SERVER, max_header_size=2048, max_body_size=1000)
    with pytest.raises(ProtocolError) as info:
        for i in range(len(data)):
            c.receive_data(data[i : i + 1])
            while c.next_event() not in (NEED_DATA, PAUSED):
                pass
    assert info.value.status_code == status


def test_connection_stays_failed_after_error() -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"BAD REQUEST LINE HERE\r\n\r\n")
    with pytest.raises(ProtocolError):
        c.next_event()
    assert not c.keep_alive
    with pytest.raises(ProtocolError, match="error state"):
        c.next_event()


def test_identical_duplicate_content_length_is_accepted() -> None:
    c = H1Connection(SERVER)
    c.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
    assert c.next_event().headers.get_list("Content-Length") == ["3", "3"]  # type: ignore[union-attr]
