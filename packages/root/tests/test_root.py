"""The tornado package: version, lazy submodules, a __path__ spanning every distribution."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tornado


def test_version() -> None:
    assert tornado.version == "6.5"
    assert tornado.version_info == (6, 5, 0, 0)
    assert tornado.version_info >= (6, 3)
    assert tornado.__file__ is not None  # a regular package, not a namespace


@pytest.fixture
def portion(tmp_path: Path) -> Iterator[Path]:
    """A second ``tornado`` directory on sys.path, as another distribution would install it."""
    pkg = tmp_path / "tornado" / "lazydemo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("LOADED = True\n")
    (tmp_path / "tornado" / "broken").mkdir()
    (tmp_path / "tornado" / "broken" / "__init__.py").write_text("import no_such_dependency_xyz\n")
    sys.path.append(str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ["tornado.lazydemo", "tornado.broken"]:
        sys.modules.pop(name, None)
    for name in ["lazydemo", "broken"]:
        tornado.__dict__.pop(name, None)
    if str(tmp_path / "tornado") in tornado.__path__:
        tornado.__path__.remove(str(tmp_path / "tornado"))


def test_submodule_of_a_later_path_entry_is_imported_on_attribute_access(portion: Path) -> None:
    assert "tornado.lazydemo" not in sys.modules
    module = tornado.lazydemo
    assert module.LOADED is True
    assert sys.modules["tornado.lazydemo"] is module
    assert str(portion / "tornado") in tornado.__path__
    assert "lazydemo" in dir(tornado)


def test_missing_submodule_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no installed distribution ships tornado.nosuchmodule"):
        tornado.nosuchmodule  # noqa: B018
    assert getattr(tornado, "nosuchmodule", None) is None
    with pytest.raises(AttributeError):
        tornado._private  # noqa: B018


def test_error_inside_a_submodule_is_not_hidden(portion: Path) -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        tornado.broken  # noqa: B018
