from __future__ import annotations

from pathlib import Path

import pytest
import tornado.locale
from tornado.locale import LOCALE_NAMES, CSVLocale, Locale


def test_default_is_en_us_when_nothing_loaded() -> None:
    assert tornado.locale.get_supported_locales() == {"en_US"}
    assert tornado.locale.get().code == "en_US"
    assert tornado.locale.get("fr_FR", "de").code == "en_US"


def test_closest_match(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    assert tornado.locale.get_supported_locales() == {"es", "fr_FR", "de_DE", "en_US"}
    assert tornado.locale.get("es_GT").code == "es"
    assert tornado.locale.get("fr-fr").code == "fr_FR"
    assert tornado.locale.get("FR_fr").code == "fr_FR"
    assert tornado.locale.get("ja_JP", "de-DE", "es").code == "de_DE"
    assert tornado.locale.get("fr").code == "en_US"  # only fr_FR is supported, not bare fr
    assert tornado.locale.get(None, "", "en_US_POSIX_X").code == "en_US"
    assert Locale.get_closest("es_MX").code == "es"


def test_set_default_locale(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    tornado.locale.set_default_locale("pt-br")
    assert "pt_BR" in tornado.locale.get_supported_locales()
    assert tornado.locale.get("ja").code == "pt_BR"
    assert tornado.locale.get("es_AR").code == "es"


def test_set_default_locale_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="not a locale"):
        tornado.locale.set_default_locale("english please")
    with pytest.raises(TypeError, match="str"):
        tornado.locale.set_default_locale(3)  # type: ignore[arg-type]


def test_locale_get_is_cached_and_refuses_unsupported() -> None:
    assert Locale.get("en_US") is Locale.get("en_US")
    with pytest.raises(ValueError, match="ja_JP"):
        Locale.get("ja_JP")


def test_names_and_rtl() -> None:
    en = tornado.locale.get("en_US")
    assert en.name == "English (US)" and not en.rtl
    ar = CSVLocale("ar_AR", {})
    assert ar.name == "العربية" and ar.name_en == "Arabic" and ar.rtl
    for code in ("fa_IR", "he_IL", "ur_PK", "ar"):
        assert CSVLocale(code, {}).rtl, code
    for code in ("fr_FR", "zh_CN", "es"):
        assert not CSVLocale(code, {}).rtl, code
    assert CSVLocale("es_GT", {}).name == "Español"
    assert CSVLocale("ja", {}).name == "日本語"
    assert CSVLocale("xx_YY", {}).name == "Unknown"


def test_locale_names_table() -> None:
    assert len(LOCALE_NAMES) >= 60
    for code, names in LOCALE_NAMES.items():
        assert set(names) == {"name", "name_en"}, code
        assert names["name"] and names["name_en"], code
    assert LOCALE_NAMES["de_DE"] == {"name_en": "German", "name": "Deutsch"}
