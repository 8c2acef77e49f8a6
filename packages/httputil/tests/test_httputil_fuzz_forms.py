"""Fuzzing multipart/form-data and Cookie parsing.

Valid inputs, built from RFC 7578 and RFC 6265 with generated names and values, must parse
back to exactly what was encoded; any input at all must either parse or raise the
documented error (HTTPInputError for form bodies; parse_cookie never fails on a str).
Bounded runs, derandomized without an example database under ``CI=true``.
"""

from __future__ import annotations

from typing import Any

from h1_messages import FUZZ
from hypothesis import assume, given
from hypothesis import strategies as st
from tornado.httputil import (
    HTTPFile,
    HTTPInputError,
    count_body_fields,
    parse_body_arguments,
    parse_cookie,
    parse_multipart_form_data,
)

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
boundaries = st.text(TCHAR + "()+_,-./:=?", min_size=1, max_size=40)
# Field names and file names travel inside quoted strings: anything but quotes, backslashes
# and line breaks (browsers percent-encode those), non-ASCII included (sent as UTF-8).
names = st.text(st.characters(blacklist_characters='"\\\r\n', blacklist_categories=["Cs", "Cc"]), max_size=16)
content_types = st.sampled_from(["text/plain", "application/octet-stream", "image/png", "text/x-a+b"])


@st.composite
def multipart(draw: st.DrawFn) -> tuple[bytes, bytes, list[tuple[str, str | None, str, bytes]]]:
    """(boundary, body, parts): each part is (name, filename or None, content type, value)."""
    boundary = draw(boundaries).encode()
    delimiter = b"--" + boundary
    values = st.binary(max_size=200).filter(lambda v: delimiter not in v)
    parts = draw(
        st.lists(
            st.tuples(names, st.one_of(st.none(), names), content_types, values),
            min_size=1,
            max_size=6,
        )
    )
    body = b""
    for name, filename, ctype, value in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        body += delimiter + b"\r\nContent-Disposition: " + disposition.encode()
        if filename is not None:
            body += f"\r\nContent-Type: {ctype}".encode()
        body += b"\r\n\r\n" + value + b"\r\n"
    body += delimiter + b"--\r\n"
    # A sender picks a boundary found nowhere in the content (names included).
    assume(body.count(delimiter) == len(parts) + 1)
    return boundary, body, parts


@FUZZ
@given(multipart())
def test_multipart_round_trip(example: tuple[bytes, bytes, list[Any]]) -> None:
    boundary, body, parts = example
    arguments: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    parse_multipart_form_data(boundary, body, arguments, files)
    want_args: dict[str, list[bytes]] = {}
    want_files: dict[str, list[HTTPFile]] = {}
    for name, filename, ctype, value in parts:
        if filename is None:
            want_args.setdefault(name, []).append(value)
        else:
            want_files.setdefault(name, []).append(HTTPFile(filename, value, ctype))
    assert arguments == want_args
    assert files == want_files
    ctype = f'multipart/form-data; boundary="{boundary.decode()}"'
    assert count_body_fields(ctype, body) == len(parts)
    again_args: dict[str, list[bytes]] = {}
    again_files: dict[str, list[HTTPFile]] = {}
    parse_body_arguments(ctype, body, again_args, again_files)
    assert (again_args, again_files) == (arguments, files)


@FUZZ
@given(multipart(), st.integers(min_value=1, max_value=5))
def test_multipart_part_limit(example: tuple[bytes, bytes, list[Any]], limit: int) -> None:
    boundary, body, parts = example
    arguments: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    try:
        parse_multipart_form_data(boundary, body, arguments, files, max_parts=limit)
    except HTTPInputError as e:
        assert len(parts) > limit and "parts" in str(e)
        assert arguments == {} and files == {}  # refused before anything was parsed
    else:
        assert len(parts) <= limit


def mutate(data: bytes, ops: list[tuple[int, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for pos, drop, insert in ops:
        pos %= len(buf) + 1
        buf[pos : pos + drop] = insert
    return bytes(buf)


@FUZZ
@given(
    multipart(),
    st.lists(
        st.tuples(
            st.integers(0, 5000),
            st.integers(0, 4),
            st.sampled_from([b"", b"\r\n", b"--", b'"', b";", b"\r\n\r\n", b"\x00", b"="])
            | st.binary(max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_multipart_raises_only_http_input_error(example: tuple[bytes, bytes, Any], ops: Any) -> None:
    boundary, body, _ = example
    arguments: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    try:
        parse_multipart_form_data(boundary, mutate(body, ops), arguments, files, max_parts=100)
    except HTTPInputError:
        return
    for values in arguments.values():
        assert all(isinstance(v, bytes) for v in values)
    for lst in files.values():
        assert all(isinstance(f["body"], bytes) and isinstance(f["filename"], str) for f in lst)


@FUZZ
@given(st.text(max_size=300), st.binary(max_size=300))
def test_any_form_body_raises_only_http_input_error(content_type: str, body: bytes) -> None:
    for ctype in (content_type, "multipart/form-data; " + content_type, "application/x-www-form-urlencoded"):
        try:
            parse_body_arguments(ctype, body, {}, {}, max_arguments=50, max_parts=50)
        except HTTPInputError:
            pass
        assert count_body_fields(ctype, body) >= 0


# --------------------------------------------------------------------------- cookies

cookie_names = st.text(TCHAR, min_size=1, max_size=12)
# cookie-octet (RFC 6265 4.1.1): visible ASCII but DQUOTE, comma, semicolon and backslash.
cookie_octets = st.text(
    "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\'),
    max_size=20,
)


def quote(value: str) -> str:
    """Quote like http.cookies: backslash escapes, and \\ooo for anything that could split."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 < ord(ch) < 0x7F and ch not in ";,":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):03o}")
    return '"' + "".join(out) + '"'


@FUZZ
@given(st.lists(st.tuples(cookie_names, cookie_octets), min_size=1, max_size=8), st.sampled_from(["; ", ";"]))
def test_cookie_round_trip(pairs: list[tuple[str, str]], sep: str) -> None:
    header = sep.join(f"{n}={v}" for n, v in pairs)
    assert parse_cookie(header) == dict(pairs)  # a later duplicate wins


@FUZZ
@given(st.lists(st.tuples(cookie_names, st.text(st.characters(max_codepoint=255), max_size=20)), max_size=6))
def test_quoted_cookie_values_round_trip(pairs: list[tuple[str, str]]) -> None:
    header = "; ".join(f"{n}={quote(v)}" for n, v in pairs)
    assert parse_cookie(header) == dict(pairs)


@FUZZ
@given(st.text(max_size=400))
def test_any_cookie_header_parses(header: str) -> None:
    cookies = parse_cookie(header)
    for name, value in cookies.items():
        assert isinstance(name, str) and isinstance(value, str)
        assert ";" not in name and name == name.strip()
    assert len(cookies) <= header.count(";") + 1
