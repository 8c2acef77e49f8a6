"""HTTP header containers and start lines (the grammar itself is in :mod:`._grammar`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, NamedTuple, Union

from ._errors import HTTPInputError, HTTPOutputError, ProtocolError
from ._grammar import (
    TOKEN_RE,
    check_field_name,
    normalize_header_name,
    parse_version,
    split_request_line,
    split_status_line,
)

__all__ = [
    "TOKEN_RE",
    "HTTPInputError",
    "HTTPOutputError",
    "HTTPHeaders",
    "RequestStartLine",
    "ResponseStartLine",
    "parse_request_start_line",
    "parse_response_start_line",
    "normalize_header_name",
]


HeaderSource = Union["HTTPHeaders", Mapping[str, str], Iterable[tuple[str, str]]]


class HTTPHeaders(MutableMapping[str, str]):
    """A case-insensitive dict of header names to values that also keeps repeated headers.

    ``h["Set-Cookie"]`` gives the values joined with commas; ``get_list`` gives each one.
    Assigning replaces every value of that name; ``add`` appends one more.
    """

    __slots__ = ("_dict",)

    def __init__(self, *args: HeaderSource, **kwargs: str) -> None:
        self._dict: dict[str, list[str]] = {}
        if len(args) > 1:
            raise TypeError(f"HTTPHeaders expected at most 1 positional argument, got {len(args)}")
        if args:
            self.update_from(args[0])
        for k, v in kwargs.items():
            self.add(k, v)

    def update_from(self, source: HeaderSource) -> None:
        """Add every header of ``source`` (HTTPHeaders, mapping or (name, value) pairs)."""
        if isinstance(source, HTTPHeaders):
            for k, v in source.get_all():
                self.add(k, v)
        elif isinstance(source, Mapping):
            for k, v in source.items():
                self.add(k, v)
        else:
            for k, v in source:
                self.add(k, v)

    def add(self, name: str, value: str) -> None:
        """Append a value for ``name`` without removing earlier ones."""
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"header name and value must be str, got {type(name).__name__}, {type(value).__name__}"
            )
        norm = normalize_header_name(name)
        lst = self._dict.get(norm)
        if lst is None:
            self._dict[norm] = [value]
        else:
            lst.append(value)

    def get_list(self, name: str) -> list[str]:
        """Every value of ``name`` in arrival order (empty when absent)."""
        return list(self._dict.get(normalize_header_name(name), ()))

    def get_all(self) -> Iterator[tuple[str, str]]:
        """Each (name, value) pair, repeated names yielded once per value."""
        for name, values in self._dict.items():
            for v in values:
                yield name, v

    def parse_line(self, line: str) -> None:
        """Add one ``Name: value`` line; a line starting with whitespace continues the last value.

        This is the lenient parser for stored or hand-written headers; the wire parser in
        :mod:`tornado.httputil.h1` is strict and rejects continuation lines.
        """
        if line[:1] in (" ", "\t"):
            if not self._dict:
                raise HTTPInputError(f"first header line cannot be a continuation: {line!r}")
            last = self._dict[next(reversed(self._dict))]
            last[-1] = (last[-1] + " " + line.strip(" \t")).strip()
            return
        name, sep, value = line.partition(":")
        if not sep or not name:
            raise HTTPInputError(f"malformed header line: {line!r}")
        try:
            check_field_name(name)
        except ProtocolError:
            raise HTTPInputError(f"malformed header line: {line!r}") from None
        self.add(name, value.strip(" \t\r"))

    @classmethod
    def parse(cls, text: str | bytes) -> HTTPHeaders:
        """Build headers from a block of ``Name: value`` lines (CRLF or LF separated)."""
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        elif not isinstance(text, str):
            raise TypeError(f"HTTPHeaders.parse expects str or bytes, got {type(text).__name__}")
        h = cls()
        # Continuation lines are collected and joined once per field: appending each to
        # the growing value would copy it every time (quadratic in the number of lines).
        pending: list[str] = []
        for line in text.split("\n"):
            line = line.rstrip("\r")
            if not line:
                continue
            if line[:1] in (" ", "\t"):
                if not pending:
                    raise HTTPInputError(f"first header line cannot be a continuation: {line!r}")
                piece = line.strip()
                if piece:
                    pending.append(piece)
                continue
            if len(pending) > 1:
                h._join_continuation(pending)
            pending = []
            h.parse_line(line)
            pending.append("")
        if len(pending) > 1:
            h._join_continuation(pending)
        return h

    def _join_continuation(self, pieces: list[str]) -> None:
        last = self._dict[next(reversed(self._dict))]
        pieces[0] = last[-1]
        last[-1] = " ".join(p for p in pieces if p).strip()

    def copy(self) -> HTTPHeaders:
        """An independent copy (lists are not shared)."""
        h = HTTPHeaders()
        h._dict = {k: list(v) for k, v in self._dict.items()}
        return h

    __copy__ = copy

    # MutableMapping interface
    def __getitem__(self, name: str) -> str:
        values = self._dict[normalize_header_name(name)]
        return values[0] if len(values) == 1 else ",".join(values)

    def __setitem__(self, name: str, value: str) -> None:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"header name and value must be str, got {type(name).__name__}, {type(value).__name__}"
            )
        self._dict[normalize_header_name(name)] = [value]

    def __delitem__(self, name: str) -> None:
        del self._dict[normalize_header_name(name)]

    def __contains__(self, name: object) -> bool:
        d = self._dict
        return name in d or (isinstance(name, str) and normalize_header_name(name) in d)

    def get(self, name: str, default: Any = None) -> Any:
        """The (comma-joined) value of ``name``, or ``default``."""
        values = self._dict.get(name)
        if values is None:
            values = self._dict.get(normalize_header_name(name))
            if values is None:
                return default
        return values[0] if len(values) == 1 else ",".join(values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HTTPHeaders):
            return self._dict == other._dict
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __str__(self) -> str:
        return "".join(f"{k}: {v}\r\n" for k, v in self.get_all())

    def __repr__(self) -> str:
        return f"HTTPHeaders({list(self.get_all())!r})"


class RequestStartLine(NamedTuple):
    method: str
    path: str
    version: str


class ResponseStartLine(NamedTuple):
    version: str
    code: int
    reason: str


def parse_request_start_line(line: str) -> RequestStartLine:
    """Split ``GET /path HTTP/1.1``; raises HTTPInputError when it is not one (or not HTTP/1.x)."""
    method, path, version = split_request_line(line)
    parse_version(version)
    return RequestStartLine(method, path, version)


def parse_response_start_line(line: str) -> ResponseStartLine:
    """Split ``HTTP/1.1 200 OK``; raises HTTPInputError when it is not one (or not HTTP/1.x)."""
    version, code, reason = split_status_line(line)
    parse_version(version)
    return ResponseStartLine(version, code, reason)
