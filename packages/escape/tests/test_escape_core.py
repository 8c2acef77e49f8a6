"""Tests for the text/bytes helpers, XHTML, JSON and URL escaping of tornado.escape."""

from __future__ import annotations

import html.entities
import json
import subprocess
import sys
import textwrap
import types

import pytest
from tornado import escape
from tornado.escape import (
    SafeHTML,
    json_decode,
    json_encode,
    native_str,
    recursive_unicode,
    squeeze,
    to_basestring,
    to_unicode,
    url_escape,
    url_unescape,
    utf8,
    xhtml_escape,
    xhtml_unescape,
)

# -- utf8 / to_unicode ------------------------------------------------------


def test_utf8_encodes_str_and_passes_bytes_and_none() -> None:
    assert utf8("caf\u00e9") == b"caf\xc3\xa9"
    b = b"\xff raw"
    assert utf8(b) is b
    assert utf8(None) is None


@pytest.mark.parametrize("bad", [3.0, 5, ["a"], bytearray(b"x")])
def test_utf8_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError, match="utf8.*" + type(bad).__name__):
        utf8(bad)  # type: ignore[call-overload]


def test_to_unicode_decodes_bytes_and_passes_str_and_none() -> None:
    assert to_unicode(b"caf\xc3\xa9") == "caf\u00e9"
    s = "text"
    assert to_unicode(s) is s
    assert to_unicode(None) is None


def test_to_unicode_aliases() -> None:
    assert to_basestring is to_unicode
    assert native_str is to_unicode
    assert native_str(b"abc") == "abc"


def test_to_unicode_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="to_unicode.*int"):
        to_unicode(12)  # type: ignore[call-overload]


def test_invalid_utf8_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="not valid UTF-8"):
        to_unicode(b"ok \xff\xfe")
    with pytest.raises(UnicodeDecodeError):
        to_unicode(b"\xc3")


def test_recursive_unicode_walks_containers() -> None:
    data = {b"k": [b"a", (b"b", 1, None)], "s": {b"x": b"y"}}
    out = recursive_unicode(data)
    assert out == {"k": ["a", ("b", 1, None)], "s": {"x": "y"}}
    assert isinstance(out["k"], list)
    assert isinstance(out["k"][1], tuple)
    assert recursive_unicode(5) == 5


def test_recursive_unicode_invalid_utf8() -> None:
    with pytest.raises(ValueError, match="recursive_unicode"):
        recursive_unicode([b"\xff"])


def test_squeeze() -> None:
    assert squeeze("  a \t\n b   c  ") == "a b c"
    assert squeeze("") == ""
    assert squeeze("one") == "one"
    with pytest.raises(TypeError, match="squeeze"):
        squeeze(b"a  b")  # type: ignore[arg-type]


# -- xhtml --------------------------------------------------------------------


def test_xhtml_escape_all_five_characters() -> None:
    out = xhtml_escape("<a href=\"x\" title='y'>Tom & Jerry</a>")
    assert out == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;"
    assert type(out) is SafeHTML


def test_xhtml_escape_bytes() -> None:
    out = xhtml_escape(b"caf\xc3\xa9 <b>")
    assert out == "caf\u00e9 &lt;b&gt;"
    assert isinstance(out, SafeHTML)
    with pytest.raises(ValueError, match="xhtml_escape"):
        xhtml_escape(b"\xff")


def test_xhtml_escape_passes_safe_html_through() -> None:
    markup = SafeHTML("<b>bold</b> &amp;")
    assert xhtml_escape(markup) is markup


def test_xhtml_escape_never_double_escapes() -> None:
    once = xhtml_escape("a & b")
    assert xhtml_escape(once) == "a &amp; b"
    assert xhtml_escape(xhtml_escape(once)) == "a &amp; b"


def test_xhtml_escape_str_subclass_is_escaped() -> None:
    class Name(str):
        pass

    out = xhtml_escape(Name("<x>"))
    assert out == "&lt;x&gt;"
    assert type(out) is SafeHTML


@pytest.mark.parametrize("bad", [5, None, 1.5, ["<"]])
def test_xhtml_escape_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError, match="xhtml_escape.*" + type(bad).__name__):
        xhtml_escape(bad)  # type: ignore[arg-type]


def test_safe_html_concatenation_with_str_is_plain_str() -> None:
    joined = SafeHTML("<b>") + "x"
    assert type(joined) is str


def test_xhtml_unescape_named_decimal_hex() -> None:
    assert xhtml_unescape("&lt;&gt;&amp;&quot;&#39;&apos;") == "<>&\"''"
    assert xhtml_unescape("&copy; &eacute; &nbsp;") == "\u00a9 \u00e9 \u00a0"
    assert xhtml_unescape("&#65;&#x42;&#X43;&#x1F600;") == "AB\u0043\U0001f600"
    assert type(xhtml_unescape("&amp;")) is str


def test_xhtml_unescape_leaves_unknown_and_invalid_references() -> None:
    s = "&nosuch; &#99999999999; &#xZZ; & alone &amp"
    assert xhtml_unescape(s) == s


def test_xhtml_unescape_bytes_and_types() -> None:
    assert xhtml_unescape(b"&lt;x&gt;") == "<x>"
    with pytest.raises(TypeError, match="xhtml_unescape"):
        xhtml_unescape(7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["", "plain", "<script>alert('x & y')</script>", "\"quoted\" 'single'", "&amp; already", "\u00e9\u4e2d"],
)
def test_xhtml_round_trip(text: str) -> None:
    assert xhtml_unescape(xhtml_escape(text)) == text


def test_every_named_entity_unescapes() -> None:
    for name, code in html.entities.name2codepoint.items():
        assert xhtml_unescape(f"&{name};") == chr(code)
        assert xhtml_unescape(f"&#{code};") == chr(code)
        assert xhtml_unescape(f"&#x{code:x};") == chr(code)


# -- json ---------------------------------------------------------------------


def test_json_encode_is_script_safe() -> None:
    out = json_encode({"html": "</script><script>alert(1)</script>"})
    assert "</" not in out
    assert json.loads(out) == {"html": "</script><script>alert(1)</script>"}
    assert type(out) is str


def test_json_encode_plain_values() -> None:
    assert json_decode(json_encode([1, "a", None, True, {"k": 2.5}])) == [1, "a", None, True, {"k": 2.5}]
    assert json_encode("caf\u00e9") == '"caf\\u00e9"'


def test_json_decode_str_and_bytes() -> None:
    assert json_decode('{"a": [1, 2]}') == {"a": [1, 2]}
    assert json_decode(b'{"name": "caf\xc3\xa9"}') == {"name": "caf\u00e9"}


def test_json_decode_errors() -> None:
    with pytest.raises(TypeError, match="json_decode.*int"):
        json_decode(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="json_decode"):
        json_decode(b'"\xff"')
    with pytest.raises(ValueError):
        json_decode("{not json")


def test_json_module_is_stdlib_without_simplejson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "simplejson", None)  # makes "import simplejson" fail
    assert escape._load_json_module() is json


def _fake_simplejson() -> types.ModuleType:
    fake = types.ModuleType("simplejson")
    fake.loads = lambda s: ("fake-loads", s)  # type: ignore[attr-defined]
    fake.dumps = lambda v: "fake-dumps</"  # type: ignore[attr-defined]
    return fake


def test_simplejson_is_chosen_when_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_simplejson()
    monkeypatch.setitem(sys.modules, "simplejson", fake)
    assert escape._load_json_module() is fake


def test_import_with_simplejson_routes_json_calls() -> None:
    # A fresh interpreter, so re-importing does not replace classes other tests hold.
    code = textwrap.dedent(
        """
        import sys, types
        fake = types.ModuleType("simplejson")
        fake.loads = lambda s: ("fake-loads", s)
        fake.dumps = lambda v: "fake-dumps</"
        sys.modules["simplejson"] = fake
        from tornado import escape
        assert escape.json_module is fake
        assert escape.json_decode(b"[1]") == ("fake-loads", "[1]")
        assert escape.json_encode(1) == "fake-dumps<\\\\/", escape.json_encode(1)
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_real_simplejson_when_installed() -> None:
    simplejson = pytest.importorskip("simplejson")
    assert escape._load_json_module() is simplejson


# -- urls ---------------------------------------------------------------------


def test_url_escape_plus_on_and_off() -> None:
    assert url_escape("a b/c&d=e") == "a+b%2Fc%26d%3De"
    assert url_escape("a b/c&d=e", plus=False) == "a%20b/c%26d%3De"
    assert url_escape("caf\u00e9") == "caf%C3%A9"
    assert url_escape(b"caf\xc3\xa9 x") == "caf%C3%A9+x"
    assert url_escape("a+b") == "a%2Bb"


def test_url_unescape_plus_on_and_off() -> None:
    assert url_unescape("a+b%20c%2Bd") == "a b c+d"
    assert url_unescape("a+b%20c", plus=False) == "a+b c"
    assert url_unescape(b"caf%C3%A9") == "caf\u00e9"


def test_url_unescape_bytes_output() -> None:
    out = url_unescape("caf%C3%A9+%FF", encoding=None)
    assert out == b"caf\xc3\xa9 \xff"
    assert url_unescape(b"%2B+", encoding=None, plus=False) == b"++"


def test_url_unescape_other_encoding_and_invalid() -> None:
    assert url_unescape("caf%E9", encoding="latin-1") == "caf\u00e9"
    with pytest.raises(ValueError, match="url_unescape.*utf-8"):
        url_unescape("%FF")


def test_url_round_trip() -> None:
    for text in ["", "a b+c/d?e=f&g#h", "\u00e9\u4e2d \U0001f600", "100%"]:
        assert url_unescape(url_escape(text)) == text
        assert url_unescape(url_escape(text, plus=False), plus=False) == text


def test_parse_qs_bytes_keeps_values_as_bytes() -> None:
    # Values of any charset survive byte for byte; names are their Latin-1 text.
    assert escape.parse_qs_bytes(b"a=1&b=%C3%A9&a=2&c=%FF+x") == {
        "a": [b"1", b"2"],
        "b": [b"\xc3\xa9"],
        "c": [b"\xff x"],
    }
    assert escape.parse_qs_bytes("%C3%A9=v") == {"\u00c3\u00a9": [b"v"]}
    assert escape.parse_qs_bytes(b"a=&b") == {}
    assert escape.parse_qs_bytes(b"a=&b", keep_blank_values=True) == {"a": [b""], "b": [b""]}


def test_parse_qs_bytes_limits_and_strictness() -> None:
    assert len(escape.parse_qs_bytes(b"a=1&b=2&c=3", max_num_fields=3)) == 3
    with pytest.raises(ValueError, match="Max number of fields"):
        escape.parse_qs_bytes(b"a=1&b=2&c=3", max_num_fields=2)
    with pytest.raises(ValueError):
        escape.parse_qs_bytes(b"a=1&b", strict_parsing=True)
    with pytest.raises(TypeError, match="parse_qs_bytes"):
        escape.parse_qs_bytes(5)  # type: ignore[arg-type]


def test_url_functions_reject_other_types() -> None:
    with pytest.raises(TypeError, match="url_escape"):
        url_escape(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="url_unescape"):
        url_unescape(None)  # type: ignore[call-overload]
