"""Cookie header parsing that forgives what browsers forgive."""

from __future__ import annotations

from http.cookies import _unquote

__all__ = ["parse_cookie"]


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
