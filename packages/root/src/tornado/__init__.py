"""The ``tornado`` package itself: ``import tornado`` then ``tornado.web.Application``.

Every other distribution ships only ``tornado/<module>/``; without this file ``tornado`` is a
plain namespace package.  With it, ``__path__`` still spans every installed distribution's
``tornado`` directory (regular, editable or zipped installs alike), submodules are imported
on first attribute access, and :data:`version_info` tells libraries which Tornado API the
stack provides.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from types import ModuleType

# The Tornado API level these distributions implement (their own releases are numbered
# separately).  Libraries compare ``tornado.version_info >= (6, 3)`` and the like.
version = "6.5"
version_info = (6, 5, 0, 0)

__path__ = pkgutil.extend_path(__path__, __name__)


def _portions() -> list[str]:
    """Every directory that holds part of ``tornado``: on sys.path and from import hooks.

    Import hooks matter for editable installs done with a meta-path finder instead of a
    ``.pth`` path entry.
    """
    found = list(pkgutil.extend_path(list(__path__), __name__))
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        try:
            spec = find_spec(__name__, None)
        except Exception:
            continue
        for entry in getattr(spec, "submodule_search_locations", None) or ():
            if entry not in found and os.path.isdir(entry):
                found.append(entry)
    return found


def _refresh_path() -> None:
    """Pick up distributions installed (or sys.path entries added) after the first import."""
    for entry in _portions():
        if entry not in __path__:
            __path__.append(entry)


_refresh_path()


def __getattr__(name: str) -> ModuleType:
    # Called only for names not yet set: import ``tornado.<name>`` on first use.
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    full = f"{__name__}.{name}"
    for attempt in range(2):
        try:
            return importlib.import_module(full)
        except ModuleNotFoundError as e:
            if e.name != full:
                raise  # the submodule exists but something it imports is missing
            if attempt == 0:
                _refresh_path()
                importlib.invalidate_caches()
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r} (no installed distribution ships {full})"
    )


def __dir__() -> list[str]:
    names = set(globals())
    names.update(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return sorted(names)


__all__: list[str] = ["version", "version_info"]
