from __future__ import annotations

import pytest
from tornado.httputil import (
    HTTPFile,
    HTTPHeaders,
    HTTPInputError,
    parse_body_arguments,
    parse_cookie,
    parse_qs_bytes,
    url_concat,
)


def test_url_concat() -> None:
    assert url_concat("http://a/b", {"x": "1"}) == "http://a/b?x=1"
    assert url_concat("http://a/b?y=2", {"x": "1"}) == "http://a/b?y=2&x=1"
    assert url_concat("http://a/b?", [("x", "1"), ("x", "2")]) == "http://a/b?x=1&x=2"
    assert url_concat("/p", {"x": ["1", "2"]}) == "/p?x=1&x=2"
    assert url_concat("/p#frag", {"a": "b c"}) == "/p?a=b+c#frag"
    assert url_concat("/p", None) == "/p"
    assert url_concat("/p", {}) == "/p"
    with pytest.raises(TypeError):
        url_concat("/p", "x=1")  # type: ignore[arg-type]


def test_parse_qs_bytes_keeps_raw_bytes() -> None:
    qs = "a=1&a=2&b=%C3%A9&c=%FF&empty="
    assert parse_qs_bytes(qs) == {"a": [b"1", b"2"], "b": ["é".encode()], "c": [b"\xff"]}
    assert parse_qs_bytes(qs, keep_blank_values=True)["empty"] == [b""]
    assert parse_qs_bytes(b"x=%20y") == {"x": [b" y"]}
    with pytest.raises(TypeError):
        parse_qs_bytes(5)  # type: ignore[arg-type]


def test_urlencoded_body() -> None:
    args: dict[str, list[bytes]] = {"a": [b"0"]}
    files: dict[str, list[HTTPFile]] = {}
    parse_body_arguments("application/x-www-form-urlencoded; charset=utf-8", b"a=1&b=two+words", args, files)
    assert args == {"a": [b"0", b"1"], "b": [b"two words"]}
    assert files == {}


MULTIPART = (
    b"--BOUND\r\n"
    b'Content-Disposition: form-data; name="title"\r\n'
    b"\r\n"
    b"hello\r\n"
    b"--BOUND\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="a;b \\"q\\".txt"\r\n'
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"line1\r\nline2\r\n"
    b"--BOUND--\r\n"
)


def test_multipart_body() -> None:
    args: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    parse_body_arguments('multipart/form-data; boundary="BOUND"', MULTIPART, args, files)
    assert args == {"title": [b"hello"]}
    f = files["upload"][0]
    assert f.filename == 'a;b "q".txt'
    assert f["body"] == b"line1\r\nline2"
    assert f.content_type == "text/plain"


def test_multipart_errors() -> None:
    with pytest.raises(HTTPInputError, match="boundary"):
        parse_body_arguments("multipart/form-data", MULTIPART, {}, {})
    with pytest.raises(HTTPInputError, match="final boundary"):
        parse_body_arguments("multipart/form-data; boundary=BOUND", MULTIPART[:-12], {}, {})
    bad = b"--B\r\nContent-Disposition: attachment\r\n\r\nx\r\n--B--\r\n"
    with pytest.raises(HTTPInputError, match="Content-Disposition"):
        parse_body_arguments("multipart/form-data; boundary=B", bad, {}, {})


def test_other_content_types_ignored_and_encoding_rejected() -> None:
    args: dict[str, list[bytes]] = {}
    parse_body_arguments("application/json", b'{"a": 1}', args, {})
    assert args == {}
    with pytest.raises(HTTPInputError, match="Content-Encoding"):
        parse_body_arguments(
            "application/x-www-form-urlencoded", b"a=1", args, {}, HTTPHeaders({"Content-Encoding": "gzip"})
        )


def test_parse_cookie_tolerant() -> None:
    assert parse_cookie("a=1; b=2") == {"a": "1", "b": "2"}
    assert parse_cookie('q="quoted value"; x=1') == {"q": "quoted value", "x": "1"}
    # Characters SimpleCookie refuses, and a chunk without "=".
    assert parse_cookie('keebler=E=mc2; L="ab\\"c"; fudge; =empty') == {
        "keebler": "E=mc2",
        "L": 'ab"c',
        "": "empty",
    }
    assert parse_cookie("a=1; a=2") == {"a": "2"}
    assert parse_cookie("") == {}
    with pytest.raises(TypeError):
        parse_cookie(b"a=1")  # type: ignore[arg-type]
