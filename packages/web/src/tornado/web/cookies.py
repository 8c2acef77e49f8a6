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
    if type(value) is float or type(value) is int:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"cookie {what} must be a number, got {value!r}")
    return float(value)


# How Morsel.OutputString writes each attribute name; it writes them in sorted key order.
_DISPLAY = {
    "comment": "Comment",
    "domain": "Domain",
    "expires": "expires",
    "httponly": "HttpOnly",
    "max-age": "Max-Age",
    "partitioned": "Partitioned",
    "path": "Path",
    "samesite": "SameSite",
    "secure": "Secure",
    "version": "Version",
}
_ENCODE = http.cookies.SimpleCookie().value_encode  # (value, quoted value) as the stdlib quotes it


def cookie_parts(
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
) -> tuple[str, str, dict[str, str | bool]]:
    """Name, value and attributes (``{morsel key: text or True}``), every part validated.

    ``set_cookie``'s arguments; ``ValueError`` names the bad part.
    """
    name = to_unicode(name) if isinstance(name, bytes) else name
    value = to_unicode(value) if isinstance(value, bytes) else value
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError("cookie name and value must be str or bytes")
    if not _NAME.fullmatch(name) or name.lower() in _RESERVED:
        raise ValueError(f"invalid cookie name {name!r}")
    _checked(value, "value")
    attrs: dict[str, str | bool] = {}
    if domain:
        attrs["domain"] = _checked(domain, "domain", _UNSAFE_DOMAIN)
    if expires_days is not None and not expires:
        expires = time.time() + _number(expires_days, "expires_days") * 86400
    if expires:
        if not isinstance(expires, datetime.datetime):
            expires = _number(expires, "expires")
        attrs["expires"] = format_timestamp(expires)
    if path:
        attrs["path"] = _checked(path, "path")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            raise ValueError(f"cookie max_age must be an int, got {max_age!r}")
        attrs["max-age"] = str(max_age)
    if secure:
        attrs["secure"] = True
    if httponly:
        attrs["httponly"] = True
    if samesite:
        if not isinstance(samesite, str) or samesite.lower() not in _SAMESITE:
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', got {samesite!r}")
        attrs["samesite"] = samesite
    for key, attr_value in attributes.items():
        attr = key.replace("_", "-").lower()
        if attr not in _RESERVED:
            raise TypeError(f"set_cookie() got an unknown cookie attribute {key!r}")
        if attr in _FLAGS:
            if attr_value:
                attrs[attr] = True
            else:
                attrs.pop(attr, None)
        elif isinstance(attr_value, int) and not isinstance(attr_value, bool):
            attrs[attr] = str(attr_value)
        else:
            attrs[attr] = _checked(attr_value, attr)
    return name, value, attrs


def make_morsel(name: str | bytes, value: str | bytes, **kwargs: Any) -> http.cookies.Morsel[str]:
    """The cookie as a Morsel (arguments as :func:`cookie_parts`), every part validated."""
    name, value, attrs = cookie_parts(name, value, **kwargs)
    morsel: http.cookies.Morsel[str] = http.cookies.Morsel()
    morsel.set(name, value, _ENCODE(value)[1])
    for key, attr_value in attrs.items():
        morsel[key] = attr_value
    return morsel


def format_cookie(name: str | bytes, value: str | bytes, **kwargs: Any) -> tuple[str, str]:
    """``(name, Set-Cookie header value)`` (arguments as :func:`cookie_parts`)."""
    name, value, attrs = cookie_parts(name, value, **kwargs)
    return name, header_value(name, value, attrs)


def header_value(name: str, value: str, attrs: dict[str, str | bool]) -> str:
    """The Set-Cookie text of checked parts: what ``make_morsel(...).OutputString()`` gives.

    Written directly, not through a Morsel: a Morsel is a dict of every attribute there is,
    made and sorted per cookie, and building one cost more than a whole small response.
    """
    out = name + "=" + _ENCODE(value)[1]
    for key in sorted(attrs):
        attr_value = attrs[key]
        if attr_value is True:
            out += "; " + _DISPLAY[key]
        elif attr_value:
            if key == "comment":
                attr_value = _ENCODE(attr_value)[1]
            out += "; " + _DISPLAY[key] + "=" + attr_value
    return out
