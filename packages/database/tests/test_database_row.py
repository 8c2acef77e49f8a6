"""Row: keys read as attributes, dict methods kept, and rows that copy and pickle as dicts do."""

from __future__ import annotations

import copy
import pickle

import pytest
from tornado.database import Row


class Entry(Row):
    __slots__ = ()

    def headline(self) -> str:
        return str(self.title).upper()


def test_keys_are_attributes_and_dict_methods_win_over_keys() -> None:
    row = Row(title="Hello", get="a column named get", items=3)
    assert row.title == row["title"] == "Hello"
    assert row.get("title") == "Hello"  # the method, though a column has its name
    assert row["get"] == "a column named get" and callable(row.items)
    row.title = "Changed"
    row.extra = 1
    assert row == {"title": "Changed", "get": "a column named get", "items": 3, "extra": 1}
    del row.extra
    assert "extra" not in row
    with pytest.raises(AttributeError, match="missing"):
        _ = row.missing
    with pytest.raises(AttributeError):
        del row.missing
    assert getattr(row, "missing", None) is None and not hasattr(row, "missing") and hasattr(row, "title")
    assert isinstance(row.__class__, type) and row.__class__ is Row


def test_subclasses_keep_their_own_methods() -> None:
    entry = Entry(title="news", headline="a column")
    assert entry.headline() == "NEWS"
    assert entry.title == "news"


def test_rows_copy_and_pickle_like_dicts() -> None:
    row = Row(a=1, b=[2])
    for other in (copy.copy(row), copy.deepcopy(row), pickle.loads(pickle.dumps(row))):
        assert type(other) is Row and other == row and other.b == [2]
    assert copy.deepcopy(row).b is not row.b
