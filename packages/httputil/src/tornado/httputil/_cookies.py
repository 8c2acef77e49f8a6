"""Cookie header parsing that forgives what browsers forgive."""

from __future__ import annotations

import re

__all__ = ["parse_cookie"]

_ESCAPE_RE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))", re.S)


def _unescape(m: re.Match[str]) -> str:
    octal = m.group(1)
    return chr(int(octal, 8)) if octal is not None else m.group(2)


def _unquote(value: str) -> str:
    """Undo the quoting of :mod:`http.cookies` (``"..."`` with ``\\ooo`` and ``\\c`` escapes).

    One regex pass, linear in the value: the standard library's own unquoting was
    quadratic in the number of escapes (a Cookie header full of backslashes took seconds).
    """
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE_RE.sub(_unescape, inner)


def parse_cookie(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` request header into ``{name: value}``.

    Like browsers (and unlike :class:`http.cookies.SimpleCookie`) it does not give up on
    the first odd cookie: chunks without ``=`` become a cookie with an empty name, quoted
    values are unquoted, and a later duplicate name wins.
    """
    if not isinstance(header, str):
        raise TypeError(f"parse_cookie expects str, got {type(header).__name__}")
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        if "=" in chunk:
            key, val = chunk.split("=", 1)
        else:
            key, val = "", chunk
        key, val = key.strip(), val.strip()
        if key or val:
            cookies[key] = _unquote(val)
    return cookies
