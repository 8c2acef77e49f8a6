"""Input that used to cost quadratic time now costs linear time (N vs 4N), and form limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tornado.httputil import (
    NEED_DATA,
    SERVER,
    H1Connection,
    HTTPHeaders,
    HTTPInputError,
    RequestHead,
    count_body_fields,
    parse_body_arguments,
    parse_cookie,
    parse_multipart_form_data,
    parse_qs_bytes,
)

# Linear work grows 4x from n to 4n and quadratic work 16x; the bound leaves room for noise.
LINEAR = 9.0
Ratio = Callable[..., float]


def test_cookie_full_of_escapes_parses_in_linear_time(scaling_ratio: Ratio) -> None:
    def run(n: int) -> None:
        value = '"' + "\\\\" * n + "\\042" * n + '"'
        assert parse_cookie("a=" + value)["a"] == "\\" * n + '"' * n

    assert scaling_ratio(run, 10000, repeats=3) < LINEAR


def test_cookie_unquoting_matches_the_standard_library() -> None:
    from http.cookies import _unquote

    for v in ['"a\\"b"', '"\\101\\102c"', '"\\\\"', '"x\\', '"\\477"', "plain", '"unterminated', '""']:
        assert parse_cookie("k=" + v)["k"] == _unquote(v)


def test_head_trickled_in_small_pieces_parses_in_linear_time(scaling_ratio: Ratio) -> None:
    def run(n: int) -> None:
        c = H1Connection(SERVER, max_header_size=1 << 24)
        data = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: b\r\n" * n + b"\r\n"
        ev: object = NEED_DATA
        for i in range(0, len(data), 16):
            c.receive_data(data[i : i + 16])
            ev = c.next_event()
        assert isinstance(ev, RequestHead)

    assert scaling_ratio(run, 8000, repeats=3) < LINEAR


def test_repeated_header_lines_parse_in_linear_time(scaling_ratio: Ratio) -> None:
    def run(n: int) -> None:
        c = H1Connection(SERVER, max_header_size=1 << 24)
        c.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n" + b"Cookie: a=b\r\nX-A: b\r\n" * n + b"\r\n")
        head = c.next_event()
        assert isinstance(head, RequestHead)
        assert len(head.headers.get_list("Cookie")) == n
        assert len(head.headers["X-A"]) == 2 * n - 1

    assert scaling_ratio(run, 10000, repeats=3) < LINEAR


def test_continuation_lines_in_stored_headers_parse_in_linear_time(scaling_ratio: Ratio) -> None:
    def run(n: int) -> None:
        h = HTTPHeaders.parse("X-A: a\r\n" + (" " + "b" * 50 + "\r\n") * n + "X-B: c\r\n")
        assert len(h["X-A"]) == 51 * n + 1 and h["X-B"] == "c"

    assert scaling_ratio(run, 3000, repeats=3) < LINEAR


def test_continuation_lines_keep_their_meaning() -> None:
    h = HTTPHeaders.parse("A: 1\r\n  two  \r\n\tthree\r\n \r\nB: x\r\n y\r\nA: 4\r\n")
    assert h.get_list("A") == ["1 two three", "4"]
    assert h["B"] == "x y"


def test_query_and_body_field_limits() -> None:
    assert parse_qs_bytes("a=1&b=2&c=3", max_fields=3) == {"a": [b"1"], "b": [b"2"], "c": [b"3"]}
    with pytest.raises(HTTPInputError, match="more than 2 fields"):
        parse_qs_bytes("a=1&b=2&c=3", max_fields=2)
    args: dict[str, list[bytes]] = {}
    with pytest.raises(HTTPInputError, match="more than 5 fields"):
        parse_body_arguments("application/x-www-form-urlencoded", b"a=1&" * 10, args, {}, max_arguments=5)
    assert args == {}


def _multipart(n: int) -> bytes:
    part = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
    return part * n + b"--B--\r\n"


def test_multipart_part_limit() -> None:
    args: dict[str, list[bytes]] = {}
    parse_multipart_form_data(b"B", _multipart(3), args, {}, max_parts=3)
    assert args == {"f": [b"v"] * 3}
    with pytest.raises(HTTPInputError, match="more than 2 parts"):
        parse_multipart_form_data(b"B", _multipart(3), {}, {}, max_parts=2)
    with pytest.raises(HTTPInputError, match="parts"):
        parse_body_arguments("multipart/form-data; boundary=B", _multipart(3), {}, {}, max_parts=2)


def test_count_body_fields() -> None:
    assert count_body_fields("application/x-www-form-urlencoded", b"a=1&b=2") == 2
    assert count_body_fields("application/x-www-form-urlencoded; charset=utf-8", b"") == 0
    assert count_body_fields('multipart/form-data; boundary="B"', _multipart(4)) == 4
    assert count_body_fields("multipart/form-data", _multipart(4)) == 0
    assert count_body_fields("text/plain", b"a&b&c") == 0


def test_parsing_many_fields_is_linear(scaling_ratio: Ratio) -> None:
    def run(n: int) -> None:
        args: dict[str, list[bytes]] = {}
        parse_body_arguments("multipart/form-data; boundary=B", _multipart(n), args, {})
        parse_body_arguments("application/x-www-form-urlencoded", b"a=1&" * n, args, {})
        assert len(args["f"]) == n

    assert scaling_ratio(run, 2000, repeats=3) < LINEAR
