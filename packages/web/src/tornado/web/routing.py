"""URL specifications: a compiled pattern, the handler class it selects and how to reverse it."""

from __future__ import annotations

import importlib
import re
from typing import Any
from urllib.parse import quote

_REGEX_SPECIALS = set(".^$*+?{}[]\\|()")


def import_object(name: str) -> Any:
    """Import ``package.module.Name`` and return ``Name``; lets routes name handlers as strings."""
    if not isinstance(name, str) or "." not in name:
        raise ValueError(f"handler name must be a dotted 'module.Class' string, got {name!r}")
    module_name, _, attr = name.rpartition(".")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(f"module {module_name!r} has no attribute {attr!r}") from None


class URLSpec:
    """Maps a URL regex to a handler class, with ``initialize`` kwargs and an optional name.

    Patterns are anchored at both ends; groups become handler method arguments
    (positional, or keyword when the groups are named).
    """

    __slots__ = ("pattern", "regex", "handler_class", "kwargs", "name", "literal", "_path", "_group_count")

    def __init__(
        self, pattern: str, handler: Any, kwargs: dict[str, Any] | None = None, name: str | None = None
    ) -> None:
        if not isinstance(pattern, str):
            raise TypeError(f"URL pattern must be a str, got {type(pattern).__name__}")
        if not pattern.endswith("$"):
            pattern += "$"
        self.pattern = pattern
        try:
            self.regex = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"invalid URL pattern {pattern!r}: {e}") from None
        if isinstance(handler, str):
            handler = import_object(handler)
        if not isinstance(handler, type):
            raise TypeError(f"handler for {pattern!r} must be a RequestHandler class, got {handler!r}")
        self.handler_class = handler
        self.kwargs = kwargs or {}
        self.name = name
        self._path, self._group_count = self._find_path()
        # A pattern without regex syntax matches exactly one path: the router looks it up in a dict.
        body = pattern[1:] if pattern.startswith("^") else pattern
        body = body[:-1]
        self.literal: str | None = body if not (_REGEX_SPECIALS & set(body)) else None

    def _find_path(self) -> tuple[str | None, int]:
        """Turn the pattern into a ``%s`` format string for reverse_url, when it is simple enough."""
        pattern = self.pattern
        if pattern.startswith("^"):
            pattern = pattern[1:]
        if pattern.endswith("$"):
            pattern = pattern[:-1]
        if self.regex.groups != pattern.count("("):
            return None, self.regex.groups  # nested or non-capturing groups: not reversible
        pieces: list[str] = []
        depth = 0
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\" and depth == 0:
                if i + 1 < len(pattern) and pattern[i + 1] not in "dwsDWSbB":
                    pieces.append(pattern[i + 1])
                    i += 2
                    continue
                return None, self.regex.groups
            if c == "(":
                if depth == 0:
                    pieces.append("%s")
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0:
                if c in _REGEX_SPECIALS:
                    return None, self.regex.groups
                pieces.append(c.replace("%", "%%"))
            i += 1
        return "".join(pieces), self.regex.groups

    def reverse(self, *args: Any) -> str:
        """The path this spec matches for the given group values (URL-escaped)."""
        if self._path is None:
            raise ValueError(f"cannot reverse URL pattern {self.pattern!r}")
        if len(args) != self._group_count:
            raise ValueError(
                f"URL pattern {self.pattern!r} needs {self._group_count} arguments, got {len(args)}"
            )
        if not args:
            return self._path
        converted = []
        for a in args:
            if isinstance(a, bytes):
                a = a.decode("utf-8")
            elif not isinstance(a, str):
                a = str(a)
            converted.append(quote(a, safe=""))
        return self._path % tuple(converted)

    def __repr__(self) -> str:
        return f"URLSpec({self.pattern!r}, {self.handler_class.__name__}, kwargs={self.kwargs!r}, name={self.name!r})"


url = URLSpec
