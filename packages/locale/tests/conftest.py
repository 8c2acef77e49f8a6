"""Shared fixtures: locale state isolation and a small .po -> .mo compiler."""

from __future__ import annotations

import ast
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.locale import _locale

TRANSLATIONS = Path(__file__).parent / "translations"
CSV_DIR = TRANSLATIONS / "csv"
PO_DIR = TRANSLATIONS / "gettext"
DOMAIN = "tornado_test"


@pytest.fixture(autouse=True)
def fresh_locales() -> Iterator[None]:
    """Each test starts with nothing loaded and en_US as the default."""
    reg = _locale.registry
    saved = (reg.default, reg.translations, reg.use_gettext)
    reg.default, reg.translations, reg.use_gettext = "en_US", {}, False
    reg.refresh()
    yield
    reg.default, reg.translations, reg.use_gettext = saved
    reg.refresh()


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def parse_po(text: str) -> dict[bytes, bytes]:
    """Catalogue entries of a .po file, keyed the way .mo files store them."""
    entries: dict[bytes, bytes] = {}
    current: dict[str, object] = {}
    last: str | None = None

    def flush() -> None:
        if "msgid" not in current:
            return
        key = str(current["msgid"])
        if "msgid_plural" in current:
            key += "\0" + str(current["msgid_plural"])
            forms = current.get("msgstr_forms", {})
            assert isinstance(forms, dict)
            value = "\0".join(forms[i] for i in sorted(forms))
        else:
            value = str(current.get("msgstr", ""))
        if "msgctxt" in current:
            key = f"{current['msgctxt']}\x04{key}"
        entries[key.encode()] = value.encode()
        current.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            piece = ast.literal_eval(line)
            if last == "msgstr_forms":
                forms = current["msgstr_forms"]
                assert isinstance(forms, dict)
                idx = max(forms)
                forms[idx] += piece
            else:
                assert last is not None
                current[last] = str(current[last]) + piece
            continue
        m = _KEYWORD.match(line)
        if not m:
            raise ValueError(f"unparsable .po line: {line!r}")
        word, index, quoted = m.groups()
        value = ast.literal_eval(quoted)
        if word in ("msgctxt", "msgid") and ("msgstr" in current or "msgstr_forms" in current):
            flush()
        if index is not None:
            forms = current.setdefault("msgstr_forms", {})
            assert isinstance(forms, dict)
            forms[int(index)] = value
            last = "msgstr_forms"
        else:
            current[word] = value
            last = word
    flush()
    return entries


def write_mo(entries: dict[bytes, bytes], path: Path) -> None:
    """Write a GNU .mo file (little-endian, no hash table)."""
    keys = sorted(entries)
    n = len(keys)
    originals_at = 28
    translations_at = originals_at + 8 * n
    data_at = translations_at + 8 * n
    blob = b""
    orig_table: list[int] = []
    trans_table: list[int] = []
    for table, strings in ((orig_table, keys), (trans_table, [entries[k] for k in keys])):
        for s in strings:
            table += [len(s), data_at + len(blob)]
            blob += s + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, originals_at, translations_at, 0, data_at)
    path.write_bytes(header + struct.pack(f"<{4 * n}I", *orig_table, *trans_table) + blob)


@pytest.fixture
def gettext_dir(tmp_path: Path) -> Path:
    """A copy of the gettext fixtures with every .po compiled to .mo by write_mo."""
    root = tmp_path / "gettext"
    shutil.copytree(PO_DIR, root)
    for po in root.rglob("*.po"):
        write_mo(parse_po(po.read_text("utf-8")), po.with_suffix(".mo"))
    return root


@pytest.fixture
def csv_dir() -> Path:
    return CSV_DIR


@pytest.fixture
def po_dir() -> Path:
    return PO_DIR


@pytest.fixture
def domain() -> str:
    return DOMAIN
