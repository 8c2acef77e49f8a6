from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
import tornado.locale
from tornado.locale import CSVLocale, GettextLocale


def test_gettext_translate_and_plural(gettext_dir: Path, domain: str) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    assert tornado.locale.get_supported_locales() == {"es", "pl", "en_US"}
    es = tornado.locale.get("es_ES")
    assert isinstance(es, GettextLocale)
    assert es.translate("Sign in") == "Iniciar sesión"
    assert es.translate("Unknown message") == "Unknown message"
    one, many = "%(num)d person liked this", "%(num)d people liked this"
    assert es.translate(one, many, 1) % {"num": 1} == "A 1 persona le gustó esto"
    assert es.translate(one, many, 5) % {"num": 5} == "A 5 personas les gustó esto"


def test_gettext_locale_exposes_the_catalogue_lookups(gettext_dir: Path, domain: str) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    es = tornado.locale.get("es_ES")
    assert isinstance(es, GettextLocale)
    assert es.gettext("Sign in") == "Iniciar sesión"
    one, many = "%(num)d person liked this", "%(num)d people liked this"
    assert es.ngettext(one, many, 5) % {"num": 5} == "A 5 personas les gustó esto"
    pl = tornado.locale.get("pl_PL")
    assert isinstance(pl, GettextLocale)
    assert pl.ngettext("%(n)d file", "%(n)d files", 22) % {"n": 22} == "22 pliki"


def test_gettext_plural_rules_from_catalogue(gettext_dir: Path, domain: str) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    pl = tornado.locale.get("pl_PL")
    forms = {n: pl.translate("%(n)d file", "%(n)d files", n) % {"n": n} for n in (1, 3, 5, 22, 25)}
    assert forms == {1: "1 plik", 3: "3 pliki", 5: "5 plików", 22: "22 pliki", 25: "25 plików"}


def test_gettext_pgettext(gettext_dir: Path, domain: str) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    es = tornado.locale.get("es")
    assert es.pgettext("direction", "right") == "derecha"
    assert es.pgettext("correctness", "right") == "correcto"
    assert es.pgettext("nothing", "right") == "right"
    assert es.pgettext("organization", "club", "clubs", 1) == "club"
    assert es.pgettext("organization", "club", "clubs", 2) == "clubes"
    assert es.pgettext("stick", "club", "clubs", 1) == "palo"
    assert es.pgettext("stick", "club", "clubs", 2) == "palos"
    assert es.pgettext("nothing", "club", "clubs", 2) == "clubs"


def test_gettext_feeds_dates(gettext_dir: Path, domain: str) -> None:
    import datetime

    tornado.locale.load_gettext_translations(gettext_dir, domain)
    es = tornado.locale.get("es")
    assert es.format_day(datetime.datetime(2024, 1, 22)) == "lunes 22 de enero"


def test_locale_without_catalogue_is_passthrough(gettext_dir: Path, domain: str) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    en = tornado.locale.get("en_US")
    assert isinstance(en, CSVLocale)
    assert en.translate("Sign in") == "Sign in"


def test_other_domain_or_stray_files_are_ignored(gettext_dir: Path, domain: str) -> None:
    (gettext_dir / ".hidden").mkdir()
    (gettext_dir / "stray.txt").write_text("x")
    tornado.locale.load_gettext_translations(gettext_dir, "another_domain")
    assert tornado.locale.get_supported_locales() == {"en_US"}


def test_corrupt_catalogue_is_logged_and_skipped(
    gettext_dir: Path, domain: str, caplog: pytest.LogCaptureFixture
) -> None:
    (gettext_dir / "pl" / "LC_MESSAGES" / f"{domain}.mo").write_bytes(b"not a catalogue")
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        tornado.locale.load_gettext_translations(gettext_dir, domain)
    assert any("pl" in r.getMessage() and ".mo" in r.getMessage() for r in caplog.records)
    assert tornado.locale.get_supported_locales() == {"es", "en_US"}


def test_csv_after_gettext_switches_back(gettext_dir: Path, domain: str, csv_dir: Path) -> None:
    tornado.locale.load_gettext_translations(gettext_dir, domain)
    tornado.locale.load_translations(csv_dir)
    assert isinstance(tornado.locale.get("es"), CSVLocale)
    assert "pl" not in tornado.locale.get_supported_locales()


def test_bad_domain_is_rejected(gettext_dir: Path) -> None:
    with pytest.raises(ValueError, match="domain"):
        tornado.locale.load_gettext_translations(gettext_dir, "")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
def test_catalogue_compiled_by_gnu_msgfmt(tmp_path: Path, po_dir: Path, domain: str) -> None:
    root = tmp_path / "gnu"
    shutil.copytree(po_dir, root)
    for po in root.rglob("*.po"):
        subprocess.run(["msgfmt", str(po), "-o", str(po.with_suffix(".mo"))], check=True, timeout=30)
    tornado.locale.load_gettext_translations(root, domain)
    es = tornado.locale.get("es")
    assert es.translate("Sign in") == "Iniciar sesión"
    assert es.pgettext("stick", "club", "clubs", 2) == "palos"
    assert tornado.locale.get("pl").translate("%(n)d file", "%(n)d files", 5) == "%(n)d plików"
