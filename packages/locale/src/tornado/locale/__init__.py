"""Translation and localization: pick the user's language, translate messages, format dates.

Load translations once at start-up, then ask for the closest supported locale::

    tornado.locale.load_translations("translations")   # es_GT.csv, fr_FR.csv, ...
    user_locale = tornado.locale.get("es_GT", "en_US")
    user_locale.translate("Sign out")
    user_locale.translate("%(n)d person liked this", "%(n)d people liked this", n) % {"n": n}

Translations come either from CSV files (:func:`load_translations`) or from gettext
catalogues (:func:`load_gettext_translations`); the most recent call wins.
"""

from __future__ import annotations

import codecs
import gettext
import logging
import os

from ._csvfile import CONTEXT_SEPARATOR, PLURAL_TAGS, Table, read_csv_file
from ._locale import CSVLocale, GettextLocale, Locale, is_valid_code, normalize_code, registry
from ._names import LOCALE_NAMES

__all__ = [
    "CONTEXT_SEPARATOR",
    "CSVLocale",
    "GettextLocale",
    "LOCALE_NAMES",
    "Locale",
    "PLURAL_TAGS",
    "get",
    "get_supported_locales",
    "load_gettext_translations",
    "load_translations",
    "set_default_locale",
]

gen_log = logging.getLogger("tornado.general")


def get(*locale_codes: str | None) -> Locale:
    """The closest supported locale to the given codes, in order of preference.

    ``es_GT`` gives ``es`` when only ``es`` is supported; when nothing matches the
    default locale (``en_US`` unless changed with :func:`set_default_locale`) is used.
    """
    return Locale.get_closest(*locale_codes)


def set_default_locale(code: str) -> None:
    """Use ``code`` when no requested locale is supported; it is always supported itself."""
    if not isinstance(code, str):
        raise TypeError(f"default locale must be a str, not {type(code).__name__}")
    normalized = normalize_code(code)
    if not is_valid_code(normalized):
        raise ValueError(f"default locale {code!r} is not a locale code like 'en_US'")
    registry.default = normalized
    registry.refresh()


def get_supported_locales() -> frozenset[str]:
    """Codes of every loaded translation, plus the default locale."""
    return registry.supported


def _check_directory(directory: str, function: str) -> None:
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"{function}: directory must be a path, not {type(directory).__name__}")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{function}: translations directory {os.fspath(directory)!r} does not exist")


def load_translations(directory: str | os.PathLike[str], encoding: str | None = None) -> None:
    """Load every ``<locale>.csv`` in ``directory`` (e.g. ``es_GT.csv``).

    Each row is ``"original","translation"``, optionally followed by a plural tag
    (``plural``, ``singular`` or ``unknown``) and a message context for
    :meth:`Locale.pgettext`. ``translate(singular, plural, count)`` looks up the
    ``singular`` rows when ``count == 1`` and the ``plural`` rows otherwise; plain
    ``translate(message)`` uses the ``unknown`` rows. With ``encoding=None`` a file
    starting with a UTF-16 byte order mark is read as UTF-16, anything else as UTF-8.
    Rows that cannot be used are logged on ``tornado.general`` with file and line,
    and skipped.
    """
    _check_directory(os.fspath(directory), "load_translations")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"load_translations: unknown encoding {encoding!r}") from None
    translations: dict[str, Table] = {}
    for filename in sorted(os.listdir(directory)):
        if not filename.endswith(".csv"):
            continue
        code = filename[: -len(".csv")]
        path = os.path.join(directory, filename)
        if not is_valid_code(code):
            gen_log.error("Unrecognized locale %r (path: %s): name the file like es_GT.csv", code, path)
            continue
        translations[code] = read_csv_file(path, encoding)
        gen_log.debug("Loaded translations for %s from %s", code, path)
    registry.translations = dict(translations)
    registry.use_gettext = False
    registry.refresh()
    gen_log.debug("Supported locales: %s", sorted(registry.supported))


def load_gettext_translations(directory: str | os.PathLike[str], domain: str) -> None:
    """Load ``<directory>/<locale>/LC_MESSAGES/<domain>.mo`` for every locale folder.

    Catalogues are compiled from ``.po`` files with ``msgfmt``, e.g.
    ``msgfmt es_GT/LC_MESSAGES/mydomain.po -o es_GT/LC_MESSAGES/mydomain.mo``.
    Message contexts for :meth:`Locale.pgettext` are gettext's ``msgctxt``.
    """
    _check_directory(os.fspath(directory), "load_gettext_translations")
    if not isinstance(domain, str) or not domain:
        raise ValueError("load_gettext_translations: domain must be a non-empty str")
    translations: dict[str, gettext.NullTranslations] = {}
    for code in sorted(os.listdir(directory)):
        if code.startswith("."):
            continue
        mo_path = os.path.join(directory, code, "LC_MESSAGES", domain + ".mo")
        if not os.path.isfile(mo_path):
            continue
        if not is_valid_code(code):
            gen_log.error("Unrecognized locale %r (path: %s)", code, mo_path)
            continue
        try:
            with open(mo_path, "rb") as f:
                translations[code] = gettext.GNUTranslations(f)
        except (OSError, UnicodeError, ValueError) as e:
            gen_log.error("Cannot load translation %s: %s", mo_path, e)
            continue
    registry.translations = dict(translations)
    registry.use_gettext = True
    registry.refresh()
    gen_log.debug("Supported locales: %s", sorted(registry.supported))
