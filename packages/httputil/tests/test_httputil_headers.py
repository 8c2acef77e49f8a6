from __future__ import annotations

import copy
import datetime
import email.utils
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httputil import (
    HTTPHeaders,
    HTTPInputError,
    RequestStartLine,
    ResponseStartLine,
    format_timestamp,
    parse_http_date,
    parse_request_start_line,
    parse_response_start_line,
    responses,
)


def test_case_insensitive_and_normalized() -> None:
    h = HTTPHeaders()
    h["content-type"] = "text/html"
    assert h["Content-Type"] == "text/html"
    assert h["CONTENT-TYPE"] == "text/html"
    assert "content-TYPE" in h
    assert list(h) == ["Content-Type"]


def test_multi_values() -> None:
    h = HTTPHeaders()
    h.add("Set-Cookie", "a=1")
    h.add("set-cookie", "b=2")
    assert h.get_list("SET-COOKIE") == ["a=1", "b=2"]
    assert h["Set-Cookie"] == "a=1,b=2"
    assert list(h.get_all()) == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    assert h.get_list("missing") == []


def test_setitem_replaces_all_values() -> None:
    h = HTTPHeaders()
    h.add("X", "1")
    h.add("X", "2")
    h["x"] = "3"
    assert h.get_list("X") == ["3"]
    del h["X"]
    assert "X" not in h and len(h) == 0


def test_parse_and_continuation_lines() -> None:
    h = HTTPHeaders.parse("Content-Type: text/html\r\nX-Long: a\r\n  b\r\nX-Long: c\r\n\r\n")
    assert h["content-type"] == "text/html"
    assert h.get_list("X-Long") == ["a b", "c"]
    h2 = HTTPHeaders.parse(b"A: 1\nB: 2\n")
    assert dict(h2) == {"A": "1", "B": "2"}


def test_parse_rejects_garbage() -> None:
    with pytest.raises(HTTPInputError):
        HTTPHeaders.parse("no colon here\r\n")
    with pytest.raises(HTTPInputError):
        HTTPHeaders.parse(" starts with space: x\r\n")
    with pytest.raises(TypeError):
        HTTPHeaders.parse(12)  # type: ignore[arg-type]


def test_copy_is_independent() -> None:
    h = HTTPHeaders({"A": "1"})
    c = h.copy()
    c.add("A", "2")
    assert h.get_list("A") == ["1"]
    assert copy.copy(h) == h


def test_constructor_sources_and_type_errors() -> None:
    assert HTTPHeaders([("a", "1"), ("a", "2")]).get_list("A") == ["1", "2"]
    assert HTTPHeaders(HTTPHeaders(b="x"))["B"] == "x"
    with pytest.raises(TypeError):
        HTTPHeaders()["A"] = 1  # type: ignore[assignment]
    with pytest.raises(TypeError):
        HTTPHeaders().add("A", None)  # type: ignore[arg-type]


def test_str_renders_wire_format() -> None:
    h = HTTPHeaders()
    h.add("a-b", "1")
    h.add("A-B", "2")
    assert str(h) == "A-B: 1\r\nA-B: 2\r\n"


def test_start_lines() -> None:
    assert parse_request_start_line("GET /foo?x=1 HTTP/1.1") == RequestStartLine(
        "GET", "/foo?x=1", "HTTP/1.1"
    )
    assert parse_response_start_line("HTTP/1.1 404 Not Found") == ResponseStartLine(
        "HTTP/1.1", 404, "Not Found"
    )
    assert parse_response_start_line("HTTP/1.0 200") == ResponseStartLine("HTTP/1.0", 200, "")
    for bad in ["GET /", "GET  / HTTP/1.1", "G(T / HTTP/1.1", "GET / HTTP/2.0x"]:
        with pytest.raises(HTTPInputError):
            parse_request_start_line(bad)
    with pytest.raises(HTTPInputError):
        parse_response_start_line("HTTP/1.1 OK")


def test_responses_reasons() -> None:
    assert responses[200] == "OK"
    assert responses[404] == "Not Found"


def test_format_timestamp_all_input_types() -> None:
    expected = "Sun, 06 Nov 1994 08:49:37 GMT"
    ts = 784111777
    assert format_timestamp(ts) == expected
    assert format_timestamp(float(ts)) == expected
    assert format_timestamp(time.gmtime(ts)) == expected
    assert format_timestamp(tuple(time.gmtime(ts))) == expected
    assert format_timestamp(datetime.datetime(1994, 11, 6, 8, 49, 37)) == expected
    aware = datetime.datetime(1994, 11, 6, 9, 49, 37, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert format_timestamp(aware) == expected
    with pytest.raises(TypeError):
        format_timestamp("yesterday")  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.one_of(st.integers(-(10**10), 10**11), st.floats(-1e10, 1e11, allow_nan=False)))
def test_format_timestamp_of_numbers_is_email_utils_formatdate(ts: float) -> None:
    """The fast path for numbers (and its one-second cache) writes what the stdlib writes."""
    expected = email.utils.formatdate(math.floor(ts), usegmt=True)
    assert format_timestamp(ts) == expected
    assert format_timestamp(ts) == expected  # from the cache
    assert format_timestamp(math.floor(ts) + 0.999) == expected


def test_parse_http_date_round_trip() -> None:
    dt = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")
    assert dt == datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=datetime.timezone.utc)
    with pytest.raises(ValueError):
        parse_http_date("not a date")


def test_http_date_now_is_this_seconds_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from tornado.httputil import http_date_now

    clock = [1_700_000_000.2]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    first = http_date_now()
    assert first == "Tue, 14 Nov 2023 22:13:20 GMT" == format_timestamp(1_700_000_000)
    clock[0] = 1_700_000_000.9
    assert http_date_now() is first  # the same second: not formatted again
    clock[0] = 1_700_000_001.0
    assert http_date_now() == "Tue, 14 Nov 2023 22:13:21 GMT"
