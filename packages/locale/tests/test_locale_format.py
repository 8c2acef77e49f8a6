from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import tornado.locale
from tornado.locale import CSVLocale

NOW = datetime.datetime(2024, 3, 15, 12, 0, 0)  # a Friday, UTC


def ago(**kw: float) -> datetime.datetime:
    return NOW - datetime.timedelta(**kw)


@pytest.fixture
def en() -> tornado.locale.Locale:
    return tornado.locale.get("en_US")


@pytest.mark.parametrize(
    "delta, expected",
    [
        ({"seconds": 0}, "1 second ago"),
        ({"seconds": 1}, "1 second ago"),
        ({"seconds": 30}, "30 seconds ago"),
        ({"seconds": 65}, "1 minute ago"),
        ({"minutes": 2}, "2 minutes ago"),
        ({"minutes": 49}, "49 minutes ago"),
        ({"minutes": 50}, "1 hour ago"),
        ({"hours": 3, "minutes": 10}, "3 hours ago"),
        ({"hours": 23}, "23 hours ago"),
    ],
)
def test_relative_within_a_day(en: tornado.locale.Locale, delta: dict[str, float], expected: str) -> None:
    assert en.format_date(ago(**delta), now=NOW) == expected


def test_yesterday_weekday_month_and_year(en: tornado.locale.Locale) -> None:
    assert en.format_date(datetime.datetime(2024, 3, 14, 3, 0), now=NOW) == "yesterday at 3:00 am"
    assert en.format_date(datetime.datetime(2024, 3, 14, 3, 0), now=NOW, shorter=True) == "yesterday"
    # 40 hours ago is two calendar days back: a weekday, not "yesterday"
    assert en.format_date(datetime.datetime(2024, 3, 13, 20, 0), now=NOW) == "Wednesday at 8:00 pm"
    assert en.format_date(datetime.datetime(2024, 3, 12, 15, 0), now=NOW) == "Tuesday at 3:00 pm"
    assert en.format_date(datetime.datetime(2024, 3, 12, 15, 0), now=NOW, shorter=True) == "Tuesday"
    assert en.format_date(datetime.datetime(2024, 3, 5, 15, 0), now=NOW) == "March 5 at 3:00 pm"
    assert en.format_date(datetime.datetime(2024, 3, 5, 15, 0), now=NOW, shorter=True) == "March 5"
    assert en.format_date(datetime.datetime(2023, 3, 5, 0, 5), now=NOW) == "March 5, 2023 at 12:05 am"
    assert en.format_date(datetime.datetime(2023, 3, 5), now=NOW, shorter=True) == "March 5, 2023"


def test_not_relative_and_full_format(en: tornado.locale.Locale) -> None:
    assert en.format_date(ago(hours=3), now=NOW, relative=False) == "9:00 am"
    assert (
        en.format_date(datetime.datetime(2024, 3, 14, 3, 0), now=NOW, relative=False) == "Thursday at 3:00 am"
    )
    assert en.format_date(ago(minutes=2), now=NOW, full_format=True) == "March 15, 2024 at 11:58 am"


def test_future_dates(en: tornado.locale.Locale) -> None:
    assert en.format_date(NOW + datetime.timedelta(seconds=20), now=NOW) == "1 second ago"
    assert en.format_date(NOW + datetime.timedelta(days=1), now=NOW) == "March 16, 2024 at 12:00 pm"


def test_gmt_offset_in_minutes(en: tornado.locale.Locale) -> None:
    date = datetime.datetime(2024, 3, 5, 15, 0)
    assert en.format_date(date, gmt_offset=300, now=NOW) == "March 5 at 10:00 am"
    assert en.format_date(date, gmt_offset=-60, now=NOW) == "March 5 at 4:00 pm"
    assert (
        en.format_date(datetime.datetime(2024, 3, 5, 2, 0), gmt_offset=300, now=NOW) == "March 4 at 9:00 pm"
    )


def test_timestamps_and_aware_datetimes(en: tornado.locale.Locale) -> None:
    utc = datetime.timezone.utc
    now_ts = NOW.replace(tzinfo=utc).timestamp()
    assert en.format_date(now_ts - 120, now=now_ts) == "2 minutes ago"
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    aware = datetime.datetime(2024, 3, 5, 17, 0, tzinfo=plus_two)
    assert en.format_date(aware, now=NOW) == "March 5 at 3:00 pm"
    assert en.format_day(datetime.datetime(2024, 1, 22, tzinfo=utc).timestamp()) == "Monday, January 22"


def test_default_now_is_the_current_time(en: tornado.locale.Locale) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    assert en.format_date(now - datetime.timedelta(days=400), shorter=True).endswith(
        str((now - datetime.timedelta(days=400)).year)
    )


def test_bad_date_type(en: tornado.locale.Locale) -> None:
    with pytest.raises(TypeError, match="date"):
        en.format_date("yesterday", now=NOW)  # type: ignore[arg-type]


def test_24_hour_clock_and_translations(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    es = tornado.locale.get("es")
    assert es.format_date(datetime.datetime(2024, 3, 5, 15, 7), now=NOW) == "5 de marzo a las 15:07"
    assert es.format_date(ago(minutes=2), now=NOW) == "hace 2 minutos"
    assert es.format_date(ago(minutes=1), now=NOW) == "hace 1 minuto"
    assert (
        CSVLocale("de_DE", {}).format_date(datetime.datetime(2024, 3, 12, 9, 5), now=NOW) == "Tuesday at 9:05"
    )


def test_chinese_clock() -> None:
    zh = CSVLocale("zh_CN", {})
    assert zh.format_date(datetime.datetime(2024, 3, 12, 15, 0), now=NOW) == "Tuesday at 下午3:00"
    assert zh.format_date(datetime.datetime(2024, 3, 12, 0, 30), now=NOW) == "Tuesday at 上午12:30"


def test_format_day(en: tornado.locale.Locale, csv_dir: Path) -> None:
    assert en.format_day(datetime.datetime(2024, 1, 22)) == "Monday, January 22"
    assert en.format_day(datetime.datetime(2024, 1, 22), dow=False) == "January 22"
    assert en.format_day(datetime.datetime(2024, 1, 22, 2, 0), gmt_offset=300) == "Sunday, January 21"
    tornado.locale.load_translations(csv_dir)
    assert tornado.locale.get("es").format_day(datetime.datetime(2024, 1, 22)) == "lunes 22 de enero"


def test_list(en: tornado.locale.Locale, csv_dir: Path) -> None:
    assert en.list([]) == ""
    assert en.list(["A"]) == "A"
    assert en.list(["A", "B"]) == "A and B"
    assert en.list(["A", "B", "C"]) == "A, B and C"
    tornado.locale.load_translations(csv_dir)
    assert tornado.locale.get("es").list(["A", "B", "C"]) == "A, B y C"
    assert tornado.locale.get("fr_FR").list(["A", "B"]) == "A et B"
    assert CSVLocale("fa_IR", {}).list(["A", "B", "C"]) == "A \u0648 B and C"
    with pytest.raises(TypeError, match="sequence"):
        en.list("ABC")


def test_friendly_number(en: tornado.locale.Locale) -> None:
    assert en.friendly_number(1000000) == "1,000,000"
    assert en.friendly_number(999) == "999"
    assert en.friendly_number(-1234) == "-1,234"
    assert CSVLocale("en_GB", {}).friendly_number(12345) == "12,345"
    assert CSVLocale("es", {}).friendly_number(1000000) == "1000000"
    with pytest.raises(TypeError, match="int"):
        en.friendly_number("1000")  # type: ignore[arg-type]
