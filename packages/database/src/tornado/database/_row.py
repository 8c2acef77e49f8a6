"""Result rows that read like objects (``row.title``) and like dicts (``row["title"]``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Row(dict[str, Any]):
    """A dict whose keys are also attributes, so templates can write ``entry.title``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
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


def make_rows(description: Sequence[Sequence[Any]] | None, rows: Sequence[Sequence[Any]]) -> list[Row]:
    """Pair column names from a DB-API ``cursor.description`` with each result tuple."""
    if description is None:
        return []
    names = [d[0] for d in description]
    return [Row(zip(names, r, strict=True)) for r in rows]
