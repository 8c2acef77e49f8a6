"""Result rows that read like objects (``row.title``) and like dicts (``row["title"]``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

_lookup = object.__getattribute__


class Row(dict[str, Any]):
    """A dict whose keys are also attributes, so templates can write ``entry.title``.

    The names of the class (dict's methods such as ``get`` and ``items``) win over keys of the
    same name, as they always have.  Attribute access reads the key directly instead of
    failing the ordinary lookup first (which builds an AttributeError before ``__getattr__``
    is tried): a template reads many columns per page, and that failure cost ~5 times the read.
    """

    __slots__ = ()
    _class_names: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._class_names = frozenset(dir(cls))

    def __getattribute__(self, name: str) -> Any:
        if name in type(self)._class_names:
            return _lookup(self, name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


Row._class_names = frozenset(dir(Row))


def make_rows(description: Sequence[Sequence[Any]] | None, rows: Sequence[Sequence[Any]]) -> list[Row]:
    """Pair column names from a DB-API ``cursor.description`` with each result tuple."""
    if description is None:
        return []
    names = [d[0] for d in description]
    return [Row(zip(names, r, strict=True)) for r in rows]
