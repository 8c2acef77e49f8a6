"""parse_qs_bytes decodes forms and query strings by urllib's parse_qsl rules, on bytes.

Its bulk decoding (the fields joined with NUL, every escape decoded in one codec call, then
split on NUL) must give the same pairs as parse_qsl field by field, including malformed
escapes, escapes next to a field boundary, backslashes, raw non-ASCII bytes and NULs of the
form's own (raw or ``%00``), which must not be taken for the joining NUL.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httputil import HTTPInputError, parse_qs_bytes


def reference(data: bytes, keep_blank_values: bool, strict_parsing: bool) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    pairs = parse_qsl(
        data.decode("latin-1"),
        keep_blank_values=keep_blank_values,
        strict_parsing=strict_parsing,
        encoding="latin-1",
    )
    for name, value in pairs:
        out.setdefault(name.encode("latin-1").decode("utf-8", "replace"), []).append(value.encode("latin-1"))
    return out


def outcome(fn: object, *args: object) -> object:
    try:
        return fn(*args)  # type: ignore[operator]
    except ValueError:
        return "ValueError"


ALPHABET = st.sampled_from(list(b"ab=&+%2CcF0;\xc3\xa9 \x00\\xN{}u"))


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(ALPHABET, max_size=48).map(bytes), st.booleans(), st.booleans())
def test_same_pairs_as_parse_qsl(data: bytes, keep_blank: bool, strict: bool) -> None:
    assert outcome(parse_qs_bytes, data, keep_blank, strict) == outcome(reference, data, keep_blank, strict)


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"a=%41%42&b=x+y", {"a": [b"AB"], "b": [b"x y"]}),
        (b"%a=a", {"%a": [b"a"]}),  # a malformed escape must not borrow the next part's bytes
        (b"a=%2&b=%26", {"a": [b"%2"], "b": [b"&"]}),  # an encoded '&' is data, not a separator
        (b"k=a%3Db%3D", {"k": [b"a=b="]}),
        (b"n%C3%A9=%E2%82%AC", {"n\u00e9": [b"\xe2\x82\xac"]}),
        (b"back=%5C%5Cx41&raw=\\x41", {"back": [b"\\\\x41"], "raw": [b"\\x41"]}),
        (b"a=1&a=2&&b", {"a": [b"1", b"2"]}),
        (b"a=x%00y&b=%2B", {"a": [b"x\x00y"], "b": [b"+"]}),  # a decoded NUL is data
        (b"a=x\x00y&b=+", {"a": [b"x\x00y"], "b": [b" "]}),  # so is a raw one
        (b"n%00m=1&z=2", {"n\x00m": [b"1"], "z": [b"2"]}),
        (b"a%3D=1&a%3D=2&b=3", {"a=": [b"1", b"2"], "b": [b"3"]}),
    ],
)
def test_examples(data: bytes, expected: dict[str, list[bytes]]) -> None:
    assert parse_qs_bytes(data) == expected


def test_str_input_and_blank_values() -> None:
    assert parse_qs_bytes("a=&b", keep_blank_values=True) == {"a": [b""], "b": [b""]}
    assert parse_qs_bytes("x=%E9") == {"x": [b"\xe9"]}


def test_field_limit_is_checked_before_parsing() -> None:
    with pytest.raises(HTTPInputError, match="more than 3 fields"):
        parse_qs_bytes(b"a=1&b=2&c=3&d=4", max_fields=3)
