from __future__ import annotations

import codecs
import logging
from pathlib import Path

import pytest
import tornado.locale
from tornado.locale import CSVLocale, Locale


def test_utf8_csv_translates_plain_messages(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    es = tornado.locale.get("es")
    assert isinstance(es, CSVLocale)
    assert es.translate("Sign in") == "Iniciar sesión"
    assert es.translate("Not in the file") == "Not in the file"


def test_plural_rows_follow_count(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    es = tornado.locale.get("es")
    msg = "%(name)s liked this"
    assert es.translate(msg, msg, 1) == "A %(name)s le gustó esto"
    assert es.translate(msg, msg, 3) == "A %(name)s les gustó esto"
    assert es.translate(msg, msg, 0) == "A %(name)s les gustó esto"


def test_untranslated_plural_returns_form_for_count() -> None:
    en = tornado.locale.get("en_US")
    assert en.translate("A person liked this", "%(num)d people liked this", 1) == "A person liked this"
    assert en.translate("A person liked this", "%(num)d people liked this", 2) % {"num": 2} == (
        "2 people liked this"
    )


def test_plural_without_count_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="count"):
        tornado.locale.get().translate("one", "many")


def test_utf16_with_bom_is_detected(csv_dir: Path) -> None:
    assert (csv_dir / "fr_FR.csv").read_bytes().startswith(codecs.BOM_UTF16_LE)
    tornado.locale.load_translations(csv_dir)
    fr = tornado.locale.get("fr_FR")
    assert fr.translate("Sign in") == "Se connecter"
    assert fr.translate("Café") == "Café ☕"


def test_utf16_big_endian_and_utf8_bom(tmp_path: Path) -> None:
    (tmp_path / "it.csv").write_bytes(codecs.BOM_UTF16_BE + '"Sign in","Accedi è"\n'.encode("utf-16-be"))
    (tmp_path / "pt_BR.csv").write_bytes(codecs.BOM_UTF8 + '"Sign in","Olá"\n'.encode())
    tornado.locale.load_translations(tmp_path)
    assert tornado.locale.get("it").translate("Sign in") == "Accedi è"
    assert tornado.locale.get("pt_BR").translate("Sign in") == "Olá"


def test_explicit_encoding(tmp_path: Path) -> None:
    (tmp_path / "fr.csv").write_bytes('"Coffee","Café"\n'.encode("latin-1"))
    tornado.locale.load_translations(tmp_path, encoding="latin-1")
    assert tornado.locale.get("fr").translate("Coffee") == "Café"


def test_unknown_encoding_is_rejected(csv_dir: Path) -> None:
    with pytest.raises(ValueError, match="no-such-codec"):
        tornado.locale.load_translations(csv_dir, encoding="no-such-codec")


def test_missing_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        tornado.locale.load_translations(tmp_path / "nowhere")


def test_malformed_rows_are_logged_with_line_and_skipped(
    csv_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        tornado.locale.load_translations(csv_dir)
    errors = [r.getMessage() for r in caplog.records if r.name == "tornado.general"]
    de_errors = [e for e in errors if "de_DE.csv" in e]
    lines = sorted(int(e.split(" line ")[1].split(":")[0]) for e in de_errors)
    assert lines == [2, 3, 4, 5, 10]
    text = "\n".join(de_errors)
    assert "found 1" in text and "found 5" in text
    assert "'sometimes'" in text
    assert "not decodable" in text
    de = tornado.locale.get("de_DE")
    assert de.translate("Sign in") == "Anmelden"
    assert de.translate("Multi\nline") == "Mehr\nzeilig"
    assert de.translate("Password") == "Passwort"
    assert de.translate("Yes") == "Yes"
    assert not [e for e in errors if "es.csv" in e or "fr_FR.csv" in e]


def test_badly_named_file_is_logged_and_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "notes.csv").write_text('"a","b"\n')
    (tmp_path / "es.csv").write_text('"a","b"\n')
    (tmp_path / "readme.txt").write_text("not a translation")
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        tornado.locale.load_translations(tmp_path)
    assert any("notes" in r.getMessage() for r in caplog.records)
    assert tornado.locale.get_supported_locales() == {"es", "en_US"}


def test_empty_plural_column_means_unknown(tmp_path: Path) -> None:
    (tmp_path / "es.csv").write_text('  "Yes" , "Sí" , ""\n\n"No","No"\n')
    tornado.locale.load_translations(tmp_path)
    assert tornado.locale.get("es").translate("Yes") == "Sí"


def test_csv_pgettext_uses_context_column_then_plain_row(csv_dir: Path) -> None:
    tornado.locale.load_translations(csv_dir)
    es = tornado.locale.get("es")
    assert es.pgettext("direction", "right") == "derecha"
    assert es.pgettext("correctness", "right") == "correcto"
    assert es.translate("right") == "correcto"
    assert es.pgettext("shipping", "%(n)d box", "%(n)d boxes", 1) == "%(n)d caja"
    assert es.pgettext("shipping", "%(n)d box", "%(n)d boxes", 4) == "%(n)d cajas"
    assert es.pgettext("other", "%(n)d box", "%(n)d boxes", 4) == "%(n)d boxes"


def test_reload_replaces_translations_and_cache(tmp_path: Path) -> None:
    (tmp_path / "es.csv").write_text('"Yes","Sí"\n')
    tornado.locale.load_translations(tmp_path)
    first = Locale.get("es")
    assert first is Locale.get("es")
    (tmp_path / "es.csv").write_text('"Yes","Vale"\n')
    tornado.locale.load_translations(tmp_path)
    assert Locale.get("es").translate("Yes") == "Vale"
