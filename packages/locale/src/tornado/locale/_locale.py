"""Locale objects: message lookup plus the date, list and number formats that depend on language."""

from __future__ import annotations

import datetime
import gettext
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from ._csvfile import CONTEXT_SEPARATOR, Table
from ._names import RTL_LANGUAGES, names_for

_CODE_RE = re.compile(r"[a-z]{2,3}(_[A-Z0-9]{2,4})?\Z")

# Locales that read the clock in 12 hours with am/pm; the rest use a 24-hour clock.
_TWELVE_HOUR = frozenset({"en", "en_US", "en_CA", "en_AU", "en_NZ", "en_PH", "en_IN"})

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _Registry:
    """What the loaders configured; every Locale is built from it."""

    def __init__(self) -> None:
        self.default = "en_US"
        self.translations: dict[str, Any] = {}
        self.use_gettext = False
        self.supported: frozenset[str] = frozenset({self.default})

    def refresh(self) -> None:
        self.supported = frozenset([*self.translations, self.default])
        Locale._cache.clear()


registry = _Registry()


def normalize_code(code: str) -> str:
    """``en-us``/``EN_us`` -> ``en_US``: browsers and users disagree on case and separator."""
    if not isinstance(code, str):
        raise TypeError(f"locale code must be a str, not {type(code).__name__}")
    parts = code.strip().replace("-", "_").split("_")
    if len(parts) == 1:
        return parts[0].lower()
    return parts[0].lower() + "_" + "_".join(p.upper() for p in parts[1:])


def is_valid_code(code: str) -> bool:
    return bool(_CODE_RE.match(code))


def _to_utc_naive(value: datetime.datetime | float | int, what: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).replace(tzinfo=None)
    raise TypeError(f"{what} must be a datetime or a Unix timestamp, not {type(value).__name__}")


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Locale:
    """A language the application speaks; get one with :meth:`get` or :func:`tornado.locale.get`."""

    _cache: ClassVar[dict[str, Locale]] = {}

    @classmethod
    def get_closest(cls, *locale_codes: str | None) -> Locale:
        """The first supported code, trying each code's bare language too, else the default."""
        for raw in locale_codes:
            if not raw:
                continue
            code = normalize_code(raw)
            parts = code.split("_")
            if len(parts) > 2:
                continue
            if code in registry.supported:
                return cls.get(code)
            if parts[0] in registry.supported:
                return cls.get(parts[0])
        return cls.get(registry.default)

    @classmethod
    def get(cls, code: str) -> Locale:
        """The (cached) locale for a supported ``code``."""
        if not isinstance(code, str):
            raise TypeError(f"locale code must be a str, not {type(code).__name__}")
        locale = cls._cache.get(code)
        if locale is None:
            if code not in registry.supported:
                raise ValueError(
                    f"unsupported locale {code!r}; supported: {', '.join(sorted(registry.supported))}"
                )
            translations = registry.translations.get(code)
            if translations is None:
                locale = CSVLocale(code, {})
            elif registry.use_gettext:
                locale = GettextLocale(code, translations)
            else:
                locale = CSVLocale(code, translations)
            cls._cache[code] = locale
        return locale

    def __init__(self, code: str) -> None:
        self.code = code
        names = names_for(code)
        self.name: str = names["name"] if names else "Unknown"
        self.name_en: str = names["name_en"] if names else "Unknown"
        self.rtl: bool = code.split("_")[0] in RTL_LANGUAGES
        _ = self.translate
        self._months = [_(m) for m in _MONTHS]
        self._weekdays = [_(d) for d in _WEEKDAYS]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"

    def translate(self, message: str, plural_message: str | None = None, count: int | None = None) -> str:
        """``message`` in this language; with ``plural_message``, the form that fits ``count``."""
        raise NotImplementedError

    def pgettext(
        self, context: str, message: str, plural_message: str | None = None, count: int | None = None
    ) -> str:
        """Like :meth:`translate`, for a message whose meaning depends on ``context``."""
        raise NotImplementedError

    def format_date(
        self,
        date: datetime.datetime | float | int,
        gmt_offset: int = 0,
        relative: bool = True,
        shorter: bool = False,
        full_format: bool = False,
        *,
        now: datetime.datetime | float | int | None = None,
    ) -> str:
        """Say when ``date`` (UTC) was, as people write it: "2 minutes ago", "yesterday at 3:00 pm".

        ``gmt_offset`` is the reader's offset in minutes *behind* UTC (JavaScript's
        ``getTimezoneOffset()``), ``now`` pins the present for reproducible output.
        """
        date = _to_utc_naive(date, "date")
        now = _utcnow() if now is None else _to_utc_naive(now, "now")
        if date > now:
            if relative and (date - now).total_seconds() < 60:
                date = now  # a little clock skew between machines: treat as "now"
            else:
                full_format = True
        offset = datetime.timedelta(minutes=gmt_offset)
        local_date = date - offset
        local_now = now - offset
        delta = now - date
        days, seconds = delta.days, delta.seconds
        _ = self.translate
        template: str | None = None
        if not full_format:
            if relative and days == 0:
                if seconds < 50:
                    seconds = max(seconds, 1)
                    return _("1 second ago", "%(seconds)d seconds ago", seconds) % {"seconds": seconds}
                if seconds < 50 * 60:
                    minutes = round(seconds / 60)
                    return _("1 minute ago", "%(minutes)d minutes ago", minutes) % {"minutes": minutes}
                hours = round(seconds / 3600)
                return _("1 hour ago", "%(hours)d hours ago", hours) % {"hours": hours}
            yesterday = (local_now - datetime.timedelta(days=1)).date()
            if days == 0:
                template = _("%(time)s")
            elif days == 1 and relative and local_date.date() == yesterday:
                template = _("yesterday") if shorter else _("yesterday at %(time)s")
            elif days < 5:
                template = _("%(weekday)s") if shorter else _("%(weekday)s at %(time)s")
            elif days < 334:  # within roughly eleven months the year goes without saying
                template = _("%(month_name)s %(day)s") if shorter else _("%(month_name)s %(day)s at %(time)s")
        if template is None:
            template = (
                _("%(month_name)s %(day)s, %(year)s")
                if shorter
                else _("%(month_name)s %(day)s, %(year)s at %(time)s")
            )
        return template % {
            "month_name": self._months[local_date.month - 1],
            "weekday": self._weekdays[local_date.weekday()],
            "day": str(local_date.day),
            "year": str(local_date.year),
            "time": self._clock(local_date),
        }

    def _clock(self, when: datetime.datetime) -> str:
        hour12 = when.hour % 12 or 12
        if self.code == "zh_CN":
            return f"{'下午' if when.hour >= 12 else '上午'}{hour12}:{when.minute:02d}"
        if self.code in _TWELVE_HOUR:
            return f"{hour12}:{when.minute:02d} {'pm' if when.hour >= 12 else 'am'}"
        return f"{when.hour}:{when.minute:02d}"

    def format_day(self, date: datetime.datetime | float | int, gmt_offset: int = 0, dow: bool = True) -> str:
        """The calendar day of ``date``: "Monday, January 22" (or "January 22" without ``dow``)."""
        local_date = _to_utc_naive(date, "date") - datetime.timedelta(minutes=gmt_offset)
        _ = self.translate
        values = {
            "month_name": self._months[local_date.month - 1],
            "weekday": self._weekdays[local_date.weekday()],
            "day": str(local_date.day),
        }
        if dow:
            return _("%(weekday)s, %(month_name)s %(day)s") % values
        return _("%(month_name)s %(day)s") % values

    def list(self, parts: Sequence[str]) -> str:
        """Join ``parts`` the way this language enumerates: "A, B and C"."""
        if isinstance(parts, str):
            raise TypeError("list() takes a sequence of strings, not a single str")
        parts = [str(p) for p in parts]
        if not parts:
            return ""
        if len(parts) == 1:
            return parts[0]
        comma = " \u0648 " if self.code.startswith("fa") else ", "
        return self.translate("%(commas)s and %(last)s") % {
            "commas": comma.join(parts[:-1]),
            "last": parts[-1],
        }

    def friendly_number(self, value: int | float) -> str:
        """Digit grouping for English ("1,000,000"); other languages get plain digits."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"friendly_number() needs an int or float, not {type(value).__name__}")
        if self.code.split("_")[0] == "en":
            return f"{value:,}"
        return str(value)


def _check_plural(plural_message: str | None, count: int | None) -> None:
    if plural_message is not None and count is None:
        raise TypeError("count is required when plural_message is given")


class CSVLocale(Locale):
    """A locale whose messages come from a CSV file (see :func:`tornado.locale.load_translations`).

    :meth:`pgettext` looks for a row whose fourth column is the context; when there is none
    it uses the context-free translation of the message.
    """

    def __init__(self, code: str, translations: Table) -> None:
        self.translations = translations
        super().__init__(code)

    def _lookup(self, key: str, plural_message: str | None, count: int | None) -> str | None:
        if plural_message is not None:
            tag = "singular" if count == 1 else "plural"
        else:
            tag = "unknown"
        return self.translations.get(tag, {}).get(key)

    def translate(self, message: str, plural_message: str | None = None, count: int | None = None) -> str:
        _check_plural(plural_message, count)
        chosen = plural_message if plural_message is not None and count != 1 else message
        found = self._lookup(chosen, plural_message, count)
        return chosen if found is None else found

    def pgettext(
        self, context: str, message: str, plural_message: str | None = None, count: int | None = None
    ) -> str:
        _check_plural(plural_message, count)
        chosen = plural_message if plural_message is not None and count != 1 else message
        found = self._lookup(f"{context}{CONTEXT_SEPARATOR}{chosen}", plural_message, count)
        if found is None:
            return self.translate(message, plural_message, count)
        return found


class GettextLocale(Locale):
    """A locale backed by a compiled gettext catalogue (``.mo``), plural rules included."""

    def __init__(self, code: str, translations: gettext.NullTranslations) -> None:
        self.translations = translations
        super().__init__(code)

    # The catalogue's own lookups, which Tornado 6 exposes on the locale.
    @property
    def gettext(self) -> Callable[[str], str]:
        return self.translations.gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return self.translations.ngettext

    def translate(self, message: str, plural_message: str | None = None, count: int | None = None) -> str:
        _check_plural(plural_message, count)
        if plural_message is not None:
            assert count is not None
            return self.translations.ngettext(message, plural_message, count)
        return self.translations.gettext(message)

    def pgettext(
        self, context: str, message: str, plural_message: str | None = None, count: int | None = None
    ) -> str:
        """Contexts are stored gettext's way, as ``context + "\\x04" + message``."""
        _check_plural(plural_message, count)
        if plural_message is not None:
            assert count is not None
            return self.translations.npgettext(context, message, plural_message, count)
        return self.translations.pgettext(context, message)
