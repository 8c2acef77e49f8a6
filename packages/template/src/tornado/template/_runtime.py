"""Helpers the generated code calls while rendering; kept tiny because they run per expression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tornado.escape import SafeHTML, escape_text, xhtml_escape


def to_str(value: Any) -> str:
    """Convert an expression value to text: bytes are UTF-8, everything else goes through str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _fast_xhtml(value: Any) -> str:
    # xhtml_escape without a SafeHTML allocation per plain str value.
    if value.__class__ is not str:
        if isinstance(value, SafeHTML):
            return value
        if value.__class__ is int:
            return str(value)
        value = to_str(value)
    return escape_text(value)


def make_escaper(func: Callable[[Any], Any]) -> Callable[[Any], str]:
    """Wrap an autoescape function so SafeHTML passes through and every result is text."""
    if func is xhtml_escape:
        return _fast_xhtml
    if not callable(func):
        raise TypeError(f"autoescape function must be callable, got {type(func).__name__}")

    def escape(value: Any) -> str:
        if isinstance(value, SafeHTML):
            return value
        return to_str(func(to_str(value)))

    return escape
