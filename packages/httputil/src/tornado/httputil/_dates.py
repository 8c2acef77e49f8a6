"""HTTP dates (RFC 7231 IMF-fixdate)."""

from __future__ import annotations

import calendar
import datetime
import email.utils
import math
import numbers
import time
from typing import Union

__all__ = ["format_timestamp", "http_date_now", "parse_http_date"]

Timestamp = Union[float, int, tuple, time.struct_time, datetime.datetime]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The last whole second formatted, and its text: cookies and Expires headers of one second
# repeat it (a 1-entry cache; replacing the tuple is atomic, so threads may share it).
_last: tuple[int | None, str] = (None, "")


def format_timestamp(ts: Timestamp) -> str:
    """Format a POSIX timestamp, UTC time tuple or datetime as ``Sun, 06 Nov 1994 08:49:37 GMT``.

    Naive datetimes are taken as UTC, as HTTP dates always are.
    """
    global _last
    if type(ts) is float or type(ts) is int:  # the common case: seconds, often this second's
        whole = math.floor(ts)
        last = _last
        if last[0] == whole:
            return last[1]
        try:
            t = time.gmtime(whole)
        except (OverflowError, OSError, ValueError):
            pass  # out of gmtime's range: the general path below decides
        else:
            text = (
                f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
            )
            _last = (whole, text)
            return text
    if isinstance(ts, bool):
        raise TypeError("format_timestamp does not accept bool")
    if isinstance(ts, numbers.Real):
        secs = float(ts)
    elif isinstance(ts, (tuple, time.struct_time)):
        secs = float(calendar.timegm(tuple(ts)))
    elif isinstance(ts, datetime.datetime):
        if ts.tzinfo is None:
            secs = float(calendar.timegm(ts.utctimetuple()))
        else:
            secs = ts.timestamp()
    else:
        raise TypeError(f"unknown timestamp type: {type(ts).__name__}")
    return email.utils.formatdate(secs, usegmt=True)


_now: tuple[int | None, str] = (None, "")  # http_date_now's own second: cookies' dates differ


def http_date_now() -> str:
    """The ``Date`` header value for now, formatted at most once a second (every response needs it)."""
    global _now
    whole = int(time.time())
    now = _now
    if now[0] != whole:
        now = _now = (whole, format_timestamp(whole))
    return now[1]


def parse_http_date(value: str) -> datetime.datetime:
    """Parse any of the three HTTP date formats into an aware UTC datetime."""
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as e:
        raise ValueError(f"invalid HTTP date: {value!r}") from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)
