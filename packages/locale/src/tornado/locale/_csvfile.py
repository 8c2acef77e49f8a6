"""Reading one CSV translation file, tolerating bad rows so one typo never hides a language.

Row format (fields are stripped of surrounding whitespace)::

    "original","translation"
    "original","translation","plural"|"singular"|"unknown"
    "original","translation","plural"|"singular"|"unknown","context"

The optional fourth column is a message context for ``Locale.pgettext``.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging

gen_log = logging.getLogger("tornado.general")

PLURAL_TAGS = ("plural", "singular", "unknown")
CONTEXT_SEPARATOR = "\x04"

# Translations of one locale: plural tag -> original (possibly "context\x04original") -> translation.
Table = dict[str, dict[str, str]]

_UNDECODABLE = "tornado.locale.undecodable"


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    # A lone surrogate can never come out of a strict decode, so it safely marks bad bytes
    # and lets the reader blame the exact row instead of rejecting the whole file.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "\udc00", exc.end


codecs.register_error(_UNDECODABLE, _mark_undecodable)


def _has_undecodable(field: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in field)


def detect_encoding(head: bytes) -> str:
    """UTF-16 when the file starts with its byte order mark, UTF-8 (BOM optional) otherwise."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def read_csv_file(path: str, encoding: str | None = None) -> Table:
    """Parse the translation rows of ``path``; malformed rows are logged and skipped."""
    with open(path, "rb") as f:
        data = f.read()
    if encoding is None:
        encoding = detect_encoding(data[:2])
    text = data.decode(encoding, errors=_UNDECODABLE)
    if text.startswith("\ufeff"):
        text = text[1:]
    table: Table = {tag: {} for tag in PLURAL_TAGS}
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    while True:
        first_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            gen_log.error("Unparsable CSV in %s line %d: %s; skipped", path, first_line, e)
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        problem = _add_row(table, [field.strip() for field in row])
        if problem:
            gen_log.error("Malformed translation in %s line %d: %s; row skipped", path, first_line, problem)
    return table


def _add_row(table: Table, row: list[str]) -> str | None:
    """Store one row; return why it was rejected, or None."""
    if not 2 <= len(row) <= 4:
        return f"expected 2 to 4 columns, found {len(row)}"
    if any(_has_undecodable(field) for field in row):
        return "bytes not decodable in the file's encoding"
    original, translation = row[0], row[1]
    plural = (row[2] if len(row) > 2 else "") or "unknown"
    context = row[3] if len(row) > 3 else ""
    if plural not in PLURAL_TAGS:
        return f"unknown plural tag {plural!r} (expected one of {', '.join(PLURAL_TAGS)})"
    if not original:
        return "empty original message"
    key = f"{context}{CONTEXT_SEPARATOR}{original}" if context else original
    table[plural][key] = translation
    return None
