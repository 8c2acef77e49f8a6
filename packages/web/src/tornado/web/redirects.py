"""Redirect targets that stay on this host, judged the way a browser reads a ``Location``.

Browsers remove tab, CR and LF anywhere in a URL, strip C0 controls and spaces at its ends,
and treat ``\\`` as ``/`` in http(s) URLs; http(s) also skip any run of slashes after the
scheme. So ``/\\evil.example``, ``/<TAB>/evil.example``, ``\\\\evil.example`` and
``https:evil.example`` all name another host. Checking the string as written is not
enough: the check has to read it as the browser will.
"""

from __future__ import annotations

import re
import string

_REMOVED = re.compile(r"[\t\r\n]")
_ENDS = "".join(map(chr, range(0x21)))  # C0 controls and space
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_SPECIAL = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
_LEADING_SLASHES = re.compile(r"^[\x00-\x20/\\]+")
# In a value substituted into a URL: what a browser would drop or reinterpret, sent as data.
_UNSAFE_IN_VALUE = re.compile(r"[\x00-\x20\x7f\\]")


def browser_view(url: str) -> str:
    """``url`` as a browser's URL parser sees it before splitting it into parts."""
    return _REMOVED.sub("", url.strip(_ENDS)).replace("\\", "/")


def _authority(rest: str) -> str:
    for i, c in enumerate(rest):
        if c in "/?#":
            return rest[:i].lower()
    return rest.lower()


def origin(url: str) -> tuple[str, str | None]:
    """``(scheme, authority)`` a browser takes from ``url``; ``("", None)`` means this host.

    A scheme without an authority (``mailto:``, ``javascript:``) gives ``(scheme, None)``.
    """
    view = browser_view(url)
    m = _SCHEME.match(view)
    if m is not None:
        scheme = m.group()[:-1].lower()
        rest = view[m.end() :]
        if scheme in _SPECIAL:
            return scheme, _authority(rest.lstrip("/"))
        if rest.startswith("//"):
            return scheme, _authority(rest[2:])
        return scheme, None
    if view.startswith("//"):
        return "", _authority(view[2:])
    return "", None


def local_path(path: str) -> str:
    """``path`` as a ``Location`` on this host: a leading run of slashes, backslashes and
    controls (``//host``, ``/\\host``, ``/<TAB>/host``) collapses to a single ``/``."""
    return _LEADING_SLASHES.sub("/", path, count=1)


def quote_value(value: object) -> object:
    """A URL-group value with controls, spaces and backslashes percent-encoded, so that it
    stays data inside the target instead of being dropped or read as ``/`` by a browser."""
    if not isinstance(value, str):
        return value
    return _UNSAFE_IN_VALUE.sub(lambda m: f"%{ord(m.group()):02X}", value)


def template_prefix(template: str) -> str:
    """The literal text of a ``str.format`` template before its first placeholder."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            break
    return "".join(parts)


def same_origin(target: str, reference: str) -> bool:
    """True when a browser sends ``target`` to the same scheme and host as ``reference``."""
    return origin(target) == origin(reference)
