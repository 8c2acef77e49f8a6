"""Turning option strings into typed values: the parsing rules for each supported type."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any


class Error(Exception):
    """An option was unknown, defined twice, or given a value it cannot take."""


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def parse_bool(text: str) -> bool:
    """Accept the usual spellings of yes/no, case-insensitively."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected a boolean (true/false, yes/no, on/off, 1/0), got {text!r}")


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H:%M",
    "%Y%m%d",
    "%a %b %d %H:%M:%S %Y",  # the format of time.ctime()
    "%d %b %Y %H:%M:%S",
    "%d %b %Y",
    "%H:%M:%S",
    "%H:%M",
)


def parse_datetime(text: str) -> datetime.datetime:
    """Accept ISO 8601 (with optional offset), ctime() output and a few other common forms."""
    text = text.strip()
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognized date/time {text!r} (try e.g. '2010-09-10 14:30:00')")


_UNIT_SECONDS: dict[str, float] = {}
for _names, _seconds in (
    (("us", "usec", "usecs", "microsecond", "microseconds"), 1e-6),
    (("ms", "msec", "msecs", "millisecond", "milliseconds"), 1e-3),
    (("", "s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    (("w", "wk", "wks", "week", "weeks"), 604800.0),
):
    for _name in _names:
        _UNIT_SECONDS[_name] = _seconds

_TIMEDELTA_PART = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*,?")


def parse_timedelta(text: str) -> datetime.timedelta:
    """Accept a sum of amounts with units: "5s", "2h", "1.5 minutes", "1h 30m". No unit is seconds."""
    pos = 0
    total = 0.0
    stripped = text.strip()
    if not stripped:
        raise ValueError("expected a duration like '5s', '2h' or '1.5 minutes', got an empty string")
    while pos < len(stripped):
        m = _TIMEDELTA_PART.match(stripped, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"unrecognized duration {text!r} (try e.g. '5s', '2h', '1.5 minutes')")
        unit = m.group(2).lower()
        if not unit and m.end() < len(stripped):
            raise ValueError(f"missing time unit after {m.group(1)!r} in {text!r}")
        if unit not in _UNIT_SECONDS:
            raise ValueError(f"unknown time unit {m.group(2)!r} in {text!r}")
        total += float(m.group(1)) * _UNIT_SECONDS[unit]
        pos = m.end()
    return datetime.timedelta(seconds=total)


def parse_str(text: str) -> str:
    return text


def parser_for(type_: type) -> Callable[[str], Any]:
    """The function that converts one command-line word to a value of ``type_``."""
    if type_ is bool:
        return parse_bool
    if type_ is datetime.datetime:
        return parse_datetime
    if type_ is datetime.timedelta:
        return parse_timedelta
    if type_ is str:
        return parse_str
    return type_  # int, float and any user type whose constructor accepts a string


def parse_multiple(text: str, type_: type) -> list[Any]:
    """Split a comma list; for int options "a:b" expands to the inclusive range a..b."""
    convert = parser_for(type_)
    values: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if type_ is int and ":" in part:
            lo, _, hi = part.partition(":")
            start, stop = int(lo), int(hi)
            if start > stop:
                raise ValueError(f"range {part!r} runs backwards")
            values.extend(range(start, stop + 1))
        else:
            values.append(convert(part))
    return values
