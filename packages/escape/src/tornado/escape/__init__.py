"""Escaping and unescaping for XHTML, JSON, URLs, plus byte/text conversion helpers.

Everything here is pure and synchronous, so templates, handlers and scripts can share it.
HTML that must not be escaped again is marked with :class:`SafeHTML`.
"""

from __future__ import annotations

import html.entities
import json
import re
import urllib.parse
from collections.abc import Callable
from types import ModuleType
from typing import Any, overload

__all__ = [
    "SafeHTML",
    "escape_text",
    "json_decode",
    "json_encode",
    "json_module",
    "linkify",
    "native_str",
    "parse_qs_bytes",
    "recursive_unicode",
    "squeeze",
    "to_basestring",
    "to_unicode",
    "url_escape",
    "url_unescape",
    "utf8",
    "xhtml_escape",
    "xhtml_unescape",
]


class SafeHTML(str):
    """Text that is already HTML markup; autoescaping passes it through unchanged."""

    __slots__ = ()


def _load_json_module() -> ModuleType:
    """Prefer simplejson (faster on old interpreters, same API) when it is importable."""
    try:
        import simplejson
    except ImportError:
        return json
    return simplejson


#: The module behind :func:`json_decode`/:func:`json_encode`: ``simplejson`` when it is
#: installed, the standard library's ``json`` otherwise. Chosen once, at import.
json_module: ModuleType = _load_json_module()


# ---------------------------------------------------------------------------
# bytes <-> str


@overload
def utf8(value: None) -> None: ...
@overload
def utf8(value: str | bytes) -> bytes: ...
def utf8(value: str | bytes | None) -> bytes | None:
    """Return ``value`` as UTF-8 bytes; bytes and None pass through unchanged."""
    if isinstance(value, bytes) or value is None:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"utf8() expected str, bytes or None, not {type(value).__name__}")


@overload
def to_unicode(value: None) -> None: ...
@overload
def to_unicode(value: str | bytes) -> str: ...
def to_unicode(value: str | bytes | None) -> str | None:
    """Return ``value`` as text, decoding bytes as UTF-8; str and None pass through."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bytes):
        return _decode_utf8(value, "to_unicode")
    raise TypeError(f"to_unicode() expected str, bytes or None, not {type(value).__name__}")


def _decode_utf8(value: bytes, where: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnicodeDecodeError(
            e.encoding, e.object, e.start, e.end, f"{where}() input is not valid UTF-8 ({e.reason})"
        ) from None


#: On Python 3 the native string type is text; these aliases keep 1.0-era code working.
to_basestring = to_unicode
native_str = to_unicode


def recursive_unicode(obj: Any) -> Any:
    """Decode every bytes value inside nested dicts, lists and tuples (e.g. parsed arguments)."""
    if isinstance(obj, dict):
        return {recursive_unicode(k): recursive_unicode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [recursive_unicode(i) for i in obj]
    if isinstance(obj, tuple):
        return tuple(recursive_unicode(i) for i in obj)
    if isinstance(obj, bytes):
        return _decode_utf8(obj, "recursive_unicode")
    return obj


def squeeze(value: str) -> str:
    """Collapse every run of whitespace to a single space and strip both ends."""
    if not isinstance(value, str):
        raise TypeError(f"squeeze() expected str, not {type(value).__name__}")
    return " ".join(value.split())


# ---------------------------------------------------------------------------
# XHTML


def escape_text(value: str) -> str:
    """The escaping of :func:`xhtml_escape` as a plain ``str``, for callers (the template
    engine) that track markup safety themselves and want no :class:`SafeHTML` per value."""
    # Chained str.replace measured faster than str.translate and re.sub for typical
    # template values (short strings, mostly nothing to escape).
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def xhtml_escape(value: str | bytes) -> SafeHTML:
    """Escape ``& < > " '`` so text can go in element content or a quoted attribute.

    A :class:`SafeHTML` argument is returned unchanged, so escaping twice is harmless.
    """
    if type(value) is str:
        return SafeHTML(escape_text(value))
    if isinstance(value, SafeHTML):
        return value
    if isinstance(value, bytes):
        value = _decode_utf8(value, "xhtml_escape")
    elif not isinstance(value, str):
        raise TypeError(f"xhtml_escape() expected str or bytes, not {type(value).__name__}")
    return xhtml_escape(str(value))


_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);")
_NAMED_ENTITIES: dict[str, str] = {n: chr(c) for n, c in html.entities.name2codepoint.items()}
_NAMED_ENTITIES["apos"] = "'"


def _replace_entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] != "#":
        return _NAMED_ENTITIES.get(ref, m.group(0))
    try:
        code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
        return chr(code)
    except (ValueError, OverflowError):
        return m.group(0)  # out of range: leave the text as it was


def xhtml_unescape(value: str | bytes) -> str:
    """Replace named (``&amp;``), decimal (``&#39;``) and hex (``&#x27;``) references.

    Unknown or out-of-range references are left as they are.
    """
    if isinstance(value, bytes):
        value = _decode_utf8(value, "xhtml_unescape")
    elif not isinstance(value, str):
        raise TypeError(f"xhtml_unescape() expected str or bytes, not {type(value).__name__}")
    if "&" not in value:
        return str(value)
    return _ENTITY_RE.sub(_replace_entity, value)


# ---------------------------------------------------------------------------
# JSON


def json_encode(value: Any) -> str:
    """JSON-encode ``value`` so the result is also safe inside an HTML ``<script>`` block.

    ``</`` is written ``<\\/`` (equivalent JSON) so the text can never close the script element.
    """
    return json_module.dumps(value).replace("</", "<\\/")


def json_decode(value: str | bytes) -> Any:
    """Parse a JSON document given as text or UTF-8 bytes."""
    if isinstance(value, bytes):
        value = _decode_utf8(value, "json_decode")
    elif not isinstance(value, str):
        raise TypeError(f"json_decode() expected str or bytes, not {type(value).__name__}")
    return json_module.loads(value)


# ---------------------------------------------------------------------------
# URLs


def url_escape(value: str | bytes, plus: bool = True) -> str:
    """Percent-encode ``value`` (UTF-8) for use in a URL.

    With ``plus=True`` (for query strings) spaces become ``+`` and ``/`` is encoded; with
    ``plus=False`` (for paths) spaces become ``%20`` and ``/`` is kept.
    """
    if not isinstance(value, (str, bytes)):
        raise TypeError(f"url_escape() expected str or bytes, not {type(value).__name__}")
    if plus:
        return urllib.parse.quote_plus(utf8(value))
    return urllib.parse.quote(utf8(value))


@overload
def url_unescape(value: str | bytes, encoding: None, plus: bool = True) -> bytes: ...
@overload
def url_unescape(value: str | bytes, encoding: str = "utf-8", plus: bool = True) -> str: ...
def url_unescape(value: str | bytes, encoding: str | None = "utf-8", plus: bool = True) -> str | bytes:
    """Decode a percent-encoded URL component.

    ``plus=True`` also turns ``+`` into a space (query strings). With ``encoding=None`` the
    raw bytes are returned; otherwise they are decoded strictly with ``encoding``.
    """
    if not isinstance(value, (str, bytes)):
        raise TypeError(f"url_unescape() expected str or bytes, not {type(value).__name__}")
    raw = utf8(value)
    if plus:
        raw = raw.replace(b"+", b" ")
    data = urllib.parse.unquote_to_bytes(raw)
    if encoding is None:
        return data
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise UnicodeDecodeError(
            e.encoding,
            e.object,
            e.start,
            e.end,
            f"url_unescape() result is not valid {encoding} ({e.reason})",
        ) from None


def parse_qs_bytes(
    qs: str | bytes,
    keep_blank_values: bool = False,
    strict_parsing: bool = False,
    *,
    max_num_fields: int | None = None,
) -> dict[str, list[bytes]]:
    """``urllib.parse.parse_qs`` with the values left as bytes, for input of unknown charset.

    Percent escapes are decoded as Latin-1, which maps each byte to one character and back,
    so no byte is lost; names become that Latin-1 text (as in Tornado 6).  ``max_num_fields``
    and ``strict_parsing`` raise ValueError as ``parse_qs`` does.
    """
    if isinstance(qs, bytes):
        qs = qs.decode("latin-1")
    elif not isinstance(qs, str):
        raise TypeError(f"parse_qs_bytes() expected str or bytes, not {type(qs).__name__}")
    parsed = urllib.parse.parse_qs(
        qs, keep_blank_values, strict_parsing, encoding="latin-1", max_num_fields=max_num_fields
    )
    return {name: [v.encode("latin-1") for v in values] for name, values in parsed.items()}


# ---------------------------------------------------------------------------
# linkify

# A candidate URL: a scheme followed by one to three slashes, or a bare "www." host, then
# anything up to whitespace or a character that cannot be part of a URL in running text.
# Trailing punctuation is trimmed afterwards in _trim_url, where parentheses are balanced.
_LINK_RE = re.compile(r"""\b(?:([A-Za-z][A-Za-z0-9+\-]*):/{1,3}|www\.)[^\s<>"`]+""")
_TRAILING_PUNCT = ".,;:!?'*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_SHORTEN_TO = 30


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a URL."""
    while url:
        last = url[-1]
        if last in _TRAILING_PUNCT:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        else:
            break
    return url


def _shorten(url: str, proto: str | None) -> str:
    """Abbreviate a long URL for display: drop the scheme, then cut with "..."."""
    if len(url) <= _SHORTEN_TO:
        return url
    display = url.split(":", 1)[1].lstrip("/") if proto else url
    if len(display) <= _SHORTEN_TO:
        return display
    # Prefer to cut right after a path separator so the host stays readable.
    cut = display.rfind("/", _SHORTEN_TO // 2, _SHORTEN_TO)
    if cut == -1:
        cut = _SHORTEN_TO
    else:
        cut += 1
    return display[:cut] + "..."


def linkify(
    text: str | bytes,
    shorten: bool = False,
    extra_params: str | Callable[[str], str] = "",
    require_protocol: bool = False,
    permitted_protocols: list[str] | tuple[str, ...] = ("http", "https"),
) -> SafeHTML:
    """Escape ``text`` and turn the URLs in it into ``<a href>`` links.

    ``extra_params`` is extra attribute text for each link, or a function of the link's URL
    returning it (e.g. to add ``rel="nofollow"`` only to external links). URLs without a
    scheme (``www.example.com``) are linked as ``http://`` unless ``require_protocol`` is
    set. Only schemes in ``permitted_protocols`` are linked, so ``javascript:`` never is.
    ``shorten`` abbreviates long link text and puts the full URL in a ``title`` attribute.
    """
    if isinstance(text, bytes):
        text = _decode_utf8(text, "linkify")
    elif not isinstance(text, str):
        raise TypeError(f"linkify() expected str or bytes, not {type(text).__name__}")
    if not (isinstance(extra_params, str) or callable(extra_params)):
        raise TypeError("linkify() extra_params must be a str or a callable(url) -> str")
    if isinstance(permitted_protocols, str):
        raise TypeError("linkify() permitted_protocols must be a list of scheme names, not a str")
    permitted = {p.lower() for p in permitted_protocols}

    out: list[str] = []
    pos = 0
    for m in _LINK_RE.finditer(text):
        url = _trim_url(m.group(0))
        proto = m.group(1)
        if proto is not None and proto.lower() not in permitted:
            continue
        if proto is None and require_protocol:
            continue
        if proto is not None and url.endswith((":", "/")) and url.rstrip("/").endswith(":"):
            continue  # only a scheme and slashes: nothing to link to
        start = m.start()
        out.append(xhtml_escape(text[pos:start]))
        href = url if proto is not None else "http://" + url
        if callable(extra_params):
            params = extra_params(href).strip()
        else:
            params = extra_params.strip()
        attrs = f' href="{xhtml_escape(href)}"'
        if params:
            attrs += " " + params
        display = url
        if shorten:
            display = _shorten(url, proto)
            if display != url:
                attrs += f' title="{xhtml_escape(href)}"'
        out.append(f"<a{attrs}>{xhtml_escape(display)}</a>")
        pos = start + len(url)
    out.append(xhtml_escape(text[pos:]))
    return SafeHTML("".join(out))
