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
    mods = PKGS[name].modules
    if name == localpkgs.INIT_PKG:
        # The one distribution that owns the package itself: __init__.py and its marker, nothing else.
        assert mods == []
        assert sorted(f for f in files if not f.startswith("tornado_")) == [
            "tornado/__init__.py",
            "tornado/py.typed",
        ]
        return
    assert "tornado/__init__.py" not in files
    # Named after its module, or after the concern its modules share (net: netutil, tcpserver, ...).
    assert mods, f"{name} ships no tornado module"
    src = PKGS[name].path / "src" / "tornado"
    for m in mods:
        if (src / m / "__init__.py").exists():
            shipped = [m]
        else:
            # A namespace directory shared with other distributions (tornado.platform): no
            # __init__.py of its own, each subpackage in it is this distribution's.
            assert f"tornado/{m}/__init__.py" not in files, files
            shipped = [
                f"{m}/{sub.name}" for sub in sorted((src / m).iterdir()) if (sub / "__init__.py").exists()
            ]
            assert shipped, f"namespace directory tornado/{m} ships no subpackage"
        for pkg in shipped:
            assert f"tornado/{pkg}/__init__.py" in files, files
            # PEP 561: in a namespace package the marker sits in each distribution's own subpackage, so
            # installing or removing one distribution never touches another's files.
            assert f"tornado/{pkg}/py.typed" in files, files
    own = tuple(f"tornado/{m}/" for m in mods) + tuple(f"tornado/{m}.py" for m in mods)
    assert all(f.startswith((*own, f"tornado_{name}-")) for f in files), files
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


def test_only_the_init_distribution_ships_tornado_init() -> None:
    assert [n for n, p in PKGS.items() if p.ships_init] == [localpkgs.INIT_PKG]
    assert localpkgs.owners(PKGS)["version_info"] == [localpkgs.INIT_PKG]


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


def test_dev_install_of_unknown_package_names_it() -> None:
    import subprocess

    r = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "install", "nosuchpkg"], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "no package named 'nosuchpkg'" in r.stderr
    assert "Traceback" not in r.stderr


def test_multi_module_distribution_owns_each_module(tmp_path: Path) -> None:
    owners = localpkgs.owners(PKGS)
    for name in MODULES:
        for m in PKGS[name].modules:
            assert name in owners[m]
