"""Building ``Set-Cookie`` values that carry exactly the attributes asked for.

A cookie value or attribute that smuggles in ``;``, CR, LF or another control character
would let whoever controls it add attributes (``Domain=``, ``Path=``, ``SameSite=None``) or,
with CR/LF, whole headers. Every part is checked here before it reaches the header, and a
bad one raises ``ValueError``: nothing is silently quoted or dropped.
"""

from __future__ import annotations

import datetime
import http.cookies
import numbers
import re
import time
from typing import Any

from tornado.escape import to_unicode
from tornado.httputil import format_timestamp

# RFC 6265 cookie-name is an RFC 7230 token; ':' is accepted too, as the stdlib's Morsel does.
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z:]+")
# C0 controls, DEL, C1 controls, and the attribute separator.
_UNSAFE_VALUE = re.compile(r"[\x00-\x1f\x7f-\x9f;]")
# A domain has no spaces or commas either (a comma separated cookies in old Set-Cookie syntax).
_UNSAFE_DOMAIN = re.compile(r"[\x00-\x20\x7f-\x9f;,]")
_SAMESITE = ("strict", "lax", "none")
# The attribute names Morsel knows (its keys), and which of them are bare flags.
_RESERVED = frozenset(http.cookies.Morsel())
_FLAGS = frozenset({"secure", "httponly", "partitioned"}) & _RESERVED


def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        value = to_unicode(value)
    if not isinstance(value, str):
        raise ValueError(f"cookie {what} must be a str, got {type(value).__name__}")
    return value


def _checked(value: Any, what: str, unsafe: re.Pattern[str] = _UNSAFE_VALUE) -> str:
    text = _text(value, what)
    if unsafe.search(text):
        raise ValueError(f"invalid cookie {what} {text!r} (';' or control characters)")
    return text


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"cookie {what} must be a number, got {value!r}")
    return float(value)


def make_morsel(
    name: str | bytes,
    value: str | bytes,
    domain: str | None = None,
    expires: float | datetime.datetime | None = None,
    path: str | None = "/",
    expires_days: float | None = None,
    max_age: int | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    **attributes: Any,
) -> http.cookies.Morsel[str]:
    """The cookie as a Morsel, every part validated; ``ValueError`` names the bad part."""
    name = to_unicode(name) if isinstance(name, bytes) else name
    value = to_unicode(value) if isinstance(value, bytes) else value
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError("cookie name and value must be str or bytes")
    if not _NAME.fullmatch(name) or name.lower() in _RESERVED:
        raise ValueError(f"invalid cookie name {name!r}")
    _checked(value, "value")
    morsel: http.cookies.Morsel[str] = http.cookies.Morsel()
    morsel.set(name, value, http.cookies.SimpleCookie().value_encode(value)[1])
    if domain:
        morsel["domain"] = _checked(domain, "domain", _UNSAFE_DOMAIN)
    if expires_days is not None and not expires:
        expires = time.time() + _number(expires_days, "expires_days") * 86400
    if expires:
        if not isinstance(expires, datetime.datetime):
            expires = _number(expires, "expires")
        morsel["expires"] = format_timestamp(expires)
    if path:
        morsel["path"] = _checked(path, "path")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            raise ValueError(f"cookie max_age must be an int, got {max_age!r}")
        morsel["max-age"] = str(max_age)
    if secure:
        morsel["secure"] = True
    if httponly:
        morsel["httponly"] = True
    if samesite:
        if not isinstance(samesite, str) or samesite.lower() not in _SAMESITE:
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', got {samesite!r}")
        morsel["samesite"] = samesite
    for key, attr_value in attributes.items():
        attr = key.replace("_", "-").lower()
        if attr not in morsel:
            raise TypeError(f"set_cookie() got an unknown cookie attribute {key!r}")
        if attr in _FLAGS:
            morsel[attr] = bool(attr_value)
        elif isinstance(attr_value, int) and not isinstance(attr_value, bool):
            morsel[attr] = str(attr_value)
        else:
            morsel[attr] = _checked(attr_value, attr)
    return morsel
