"""Matchers: what part of a request a rule looks at (path, host, nothing at all)."""

from __future__ import annotations

import re
from typing import Any, Union
from urllib.parse import quote, unquote_to_bytes

from tornado.httputil import HTTPServerRequest

__all__ = ["Matcher", "AnyMatches", "HostMatches", "DefaultHostMatches", "PathMatches"]

_REGEX_SPECIALS = frozenset(".^$*+?{}[]\\|()")
Pattern = Union[str, "re.Pattern[str]"]


class Matcher:
    """Decides whether a request matches, and with which parameters for the rule's target."""

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        """A dict of keyword arguments for the target when ``request`` matches, else None."""
        raise NotImplementedError()

    def reverse(self, *args: Any) -> str | None:
        """The URL this matcher would match for ``args``; None when it cannot say."""
        return None


class AnyMatches(Matcher):
    """Matches every request."""

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        return {}


def _anchored(pattern: Pattern, what: str) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str):
        raise TypeError(f"{what} pattern must be a str or compiled regex, got {type(pattern).__name__}")
    if not pattern.endswith("$"):
        pattern += "$"
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ValueError(f"invalid {what} pattern {pattern!r}: {e}") from None


class HostMatches(Matcher):
    """Matches requests whose host (``request.host_name``: lower case, no port) fits a regex."""

    def __init__(self, host_pattern: Pattern) -> None:
        self.host_pattern = _anchored(host_pattern, "host")

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        if self.host_pattern.match(request.host_name):
            return {}
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.host_pattern.pattern!r})"


class DefaultHostMatches(Matcher):
    """Matches when ``application.default_host`` fits the pattern, for requests that did not
    come through a proxy (no ``X-Real-Ip``): the fallback host of an Application."""

    def __init__(self, application: Any, host_pattern: Pattern) -> None:
        self.application = application
        self.host_pattern = _anchored(host_pattern, "host")

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        if "X-Real-Ip" not in request.headers:
            default = self.application.default_host
            if default and self.host_pattern.match(default):
                return {}
        return None


def _unquote_or_none(s: str | None) -> bytes | None:
    """A path group as raw bytes, percent-escapes undone (None for a group that did not take part)."""
    if s is None:
        return None
    return unquote_to_bytes(s)


class PathMatches(Matcher):
    """Matches request paths against a regex (anchored at both ends).

    Groups become the target's ``path_args`` (or ``path_kwargs`` when named), as bytes with
    percent-escapes undone; a RequestHandler decodes them.  A pattern without regex syntax is
    ``literal``: it matches exactly one path, which routers look up in a dict.
    """

    def __init__(self, path_pattern: Pattern) -> None:
        self.regex = _anchored(path_pattern, "URL")
        pattern = self.regex.pattern
        body = pattern[1:] if pattern.startswith("^") else pattern
        body = body[:-1] if body.endswith("$") else body
        self.literal: str | None = None if _REGEX_SPECIALS & set(body) else body
        self._path, self._group_count = self._find_groups()

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        m = self.regex.match(request.path)
        if m is None:
            return None
        if not self.regex.groups:
            return {}
        if self.regex.groupindex:
            return {
                "path_args": [],
                "path_kwargs": {str(k): _unquote_or_none(v) for k, v in m.groupdict().items()},
            }
        return {"path_args": [_unquote_or_none(g) for g in m.groups()], "path_kwargs": {}}

    def reverse(self, *args: Any) -> str | None:
        """The path for these group values (each percent-escaped, ``/`` included)."""
        if self._path is None:
            raise ValueError(f"cannot reverse URL pattern {self.regex.pattern!r}")
        if len(args) != self._group_count:
            raise ValueError(
                f"URL pattern {self.regex.pattern!r} needs {self._group_count} arguments, got {len(args)}"
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

    def _find_groups(self) -> tuple[str | None, int]:
        """The pattern as a ``%s`` format string for reverse(), when it is simple enough."""
        pattern = self.regex.pattern
        if pattern.startswith("^"):
            pattern = pattern[1:]
        if pattern.endswith("$"):
            pattern = pattern[:-1]
        groups = self.regex.groups
        if groups != pattern.count("("):
            return None, groups  # nested or non-capturing groups: not reversible
        pieces: list[str] = []
        depth = 0
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\" and depth == 0:
                if i + 1 < len(pattern) and pattern[i + 1] not in "dwsDWSbB":
                    pieces.append(pattern[i + 1].replace("%", "%%"))
                    i += 2
                    continue
                return None, groups
            if c == "(":
                if depth == 0:
                    pieces.append("%s")
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0:
                if c in _REGEX_SPECIALS:
                    return None, groups
                pieces.append(c.replace("%", "%%"))
            i += 1
        return "".join(pieces), groups

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.regex.pattern!r})"
