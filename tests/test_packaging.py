"""Every distribution builds a wheel that keeps ``tornado`` a namespace package."""

from __future__ import annotations

import ast
import sys
import zipfile
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_imports  # noqa: E402
import localpkgs  # noqa: E402

PKGS = localpkgs.load()
MODULES = sorted(n for n in PKGS if n != localpkgs.META)


@pytest.mark.parametrize("name", MODULES)
def test_wheel_ships_module_and_marker_but_no_namespace_init(name: str, tmp_path: Path) -> None:
    wheel = next(
        iter(WheelBuilder(str(PKGS[name].path)).build(directory=str(tmp_path), versions=["standard"]))
    )
    files = zipfile.ZipFile(wheel).namelist()
    assert "tornado/__init__.py" not in files
    assert f"tornado/{name}/__init__.py" in files, files
    # PEP 561: in a namespace package the marker sits in each distribution's own subpackage, so
    # installing or removing one distribution never touches another's files.
    assert f"tornado/{name}/py.typed" in files
    assert all(f.startswith((f"tornado/{name}/", f"tornado_{name}-")) for f in files), files
    meta = zipfile.ZipFile(wheel).read(next(f for f in files if f.endswith("METADATA"))).decode()
    for dep in PKGS[name].local_deps:
        assert f"Requires-Dist: tornado-{dep}" in meta


def test_meta_distribution_depends_on_every_package() -> None:
    assert set(PKGS[localpkgs.META].local_deps) == set(MODULES)


def test_closure_lists_dependencies_before_dependents() -> None:
    order = localpkgs.closure(PKGS, "httpserver")
    assert order[-1] == "httpserver"
    assert order.index("escape") < order.index("httputil")
    assert order.index("ioloop") < order.index("iostream")


def test_import_check_sees_every_import_form() -> None:
    src = (
        "import tornado.web\n"
        "import tornado.escape as e\n"
        "from tornado.ioloop import IOLoop\n"
        "from tornado import httputil, locale\n"
        "from . import sibling\n"
        "import tornadoish\n"
    )
    assert check_imports.tornado_imports(ast.parse(src)) == {"web", "escape", "ioloop", "httputil", "locale"}


def test_tox_ini_is_generated_from_current_metadata() -> None:
    assert (ROOT / "tox.ini").read_text() == localpkgs.render_tox(PKGS)
