"""Parsing attacks over a raw socket: escape-laden cookies, field floods, malformed parts."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest


def roundtrip(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        out = b""
        while b"\r\n\r\n" not in out or not out.endswith(b"|end"):
            d = s.recv(65536)
            if not d:
                break
            out += d
        return out


def test_cookie_full_of_escapes_is_answered_in_linear_time(serve: Any) -> None:
    def cb(request: Any) -> None:
        request.respond(b"%d|end" % len(request.cookies["c"].value))

    st = serve(cb, max_header_size=1 << 20)

    def timed(n: int) -> float:
        value = b'"' + b"\\\\" * n + b'"'
        req = b"GET / HTTP/1.1\r\nHost: h\r\nCookie: c=" + value + b"\r\n\r\n"
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            assert roundtrip(st.port, req).endswith(b"\r\n\r\n%d|end" % n)
            best = min(best, time.perf_counter() - t0)
        return best

    timed(100)
    assert timed(32000) / timed(8000) < 9  # about 4 when linear (or less: fixed costs), 16 when quadratic


def _count_calls(serve: Any, **settings: Any) -> tuple[Any, list[Any]]:
    calls: list[Any] = []

    def cb(request: Any) -> None:
        calls.append((len(request.query_arguments), len(request.body_arguments)))
        request.respond(b"ok")

    return serve(cb, **settings), calls


def _form(n: int) -> bytes:
    body = b"&".join(b"f%d=v" % i for i in range(n))
    return (
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def _raw_form(body: bytes) -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def _multipart(n: int) -> bytes:
    body = b'--XX\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n' * n + b"--XX--\r\n"
    return (
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XX\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def _query(n: int) -> bytes:
    return b"GET /?" + b"&".join(b"q%d=1" % i for i in range(n)) + b" HTTP/1.1\r\nHost: h\r\n\r\n"


@pytest.mark.parametrize(
    "setting,make",
    [("max_query_arguments", _query), ("max_body_arguments", _form), ("max_multipart_parts", _multipart)],
)
def test_field_floods_get_400_at_once(
    serve: Any, client_factory: Any, caplog: pytest.LogCaptureFixture, setting: str, make: Any
) -> None:
    st, calls = _count_calls(serve, **{setting: 50})
    c = client_factory(st.port)
    c.send(make(50))
    assert c.response()[0].status_code == 200
    with caplog.at_level(logging.INFO, logger="tornado.general"):
        c.send(make(51))
        raw = c.read_raw()
    assert raw.startswith(b"HTTP/1.1 400 ") and b"Connection: close\r\n" in raw
    assert len(calls) == 1
    assert any("more than 50" in r.getMessage() for r in caplog.records)
    c2 = client_factory(st.port)
    c2.send(make(3))
    assert c2.response()[0].status_code == 200


@pytest.mark.parametrize(
    "setting,request_bytes",
    [
        ("max_body_arguments", _raw_form(b"&&&&")),  # 4 bytes, 5 (empty) fields
        ("max_query_arguments", b"GET /?&&&& HTTP/1.1\r\nHost: h\r\n\r\n"),  # 4 separators
    ],
)
def test_the_shortest_flood_over_a_limit_is_refused(
    serve: Any, client_factory: Any, setting: str, request_bytes: bytes
) -> None:
    """Forms and queries no longer than their limit are not scanned: the edge still holds."""
    st, calls = _count_calls(serve, **{setting: 4})
    c = client_factory(st.port)
    c.send(request_bytes)
    assert c.read_raw().startswith(b"HTTP/1.1 400 ")
    assert calls == []


@pytest.mark.parametrize("make", [_query, _form, _multipart])
def test_default_limits_refuse_a_flood_of_fields(serve: Any, client_factory: Any, make: Any) -> None:
    st, calls = _count_calls(serve, max_header_size=1 << 20)
    c = client_factory(st.port)
    c.send(make(1001))
    assert c.read_raw().startswith(b"HTTP/1.1 400 ")
    c = client_factory(st.port)
    c.send(make(1000))
    assert c.response()[0].status_code == 200
    assert len(calls) == 1


def test_malformed_multipart_parts_log_one_line_per_request(
    serve: Any, client_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def cb(request: Any) -> None:
        request.respond(b"%d" % len(request.body_arguments))

    st = serve(cb)
    bad = b"--XX\r\nContent-Disposition: attachment\r\n\r\nv\r\n" * 500 + b"--XX\r\nno-headers\r\n" * 400
    body = bad + b"--XX--\r\n"
    c = client_factory(st.port)
    with caplog.at_level(logging.INFO):
        c.send(
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XX\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        assert c.response()[1] == b"0"
    lines = [r for r in caplog.records if r.name.startswith("tornado")]
    assert len(lines) == 1, [r.getMessage()[:80] for r in lines]
