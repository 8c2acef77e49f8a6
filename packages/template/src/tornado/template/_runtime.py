"""Helpers the generated code calls while rendering; kept tiny because they run per expression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tornado.escape import SafeHTML, xhtml_escape


def to_str(value: Any) -> str:
    """Convert an expression value to text: bytes are UTF-8, everything else goes through str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _fast_xhtml(value: Any) -> str:
    # Same output as tornado.escape.xhtml_escape, minus the SafeHTML allocation for plain str.
    if value.__class__ is not str:
        if isinstance(value, SafeHTML):
            return value
        if value.__class__ is int:
            return str(value)
        value = to_str(value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _fast_path_matches() -> bool:
    probe = "".join(map(chr, range(1, 128))) + "\u00e9\u2028\U0001f600 &amp;"
    return str(xhtml_escape(probe)) == _fast_xhtml(probe)


_FAST_XHTML: Callable[[Any], str] | None = _fast_xhtml if _fast_path_matches() else None


def make_escaper(func: Callable[[Any], Any]) -> Callable[[Any], str]:
    """Wrap an autoescape function so SafeHTML passes through and every result is text."""
    if func is xhtml_escape and _FAST_XHTML is not None:
        return _FAST_XHTML
    if not callable(func):
        raise TypeError(f"autoescape function must be callable, got {type(func).__name__}")

    def escape(value: Any) -> str:
        if isinstance(value, SafeHTML):
            return value
        return to_str(func(to_str(value)))

    return escape
