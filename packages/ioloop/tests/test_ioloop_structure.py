"""The shape of tornado.ioloop: the public names are importable from the package, and its
modules import one another in one direction (none imports the package, no cycle)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import tornado.ioloop

PACKAGE_DIR = Path(tornado.ioloop.__file__).parent


def sibling_imports(path: Path) -> set[str]:
    """The modules of this package that ``path`` imports (``__init__`` for the package).

    Imports under ``if TYPE_CHECKING:`` are left out: they never run.
    """
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.add(node.module.split(".")[0] if node.module else "__init__")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tornado.ioloop":
                found.add("__init__")
            elif node.module.startswith("tornado.ioloop."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update("__init__" for a in node.names if a.name == "tornado.ioloop")
    return found - {path.stem}


def test_public_names_come_from_the_package():
    for name in tornado.ioloop.__all__:
        obj = getattr(tornado.ioloop, name)
        module = getattr(obj, "__module__", None) or "tornado.ioloop"
        if module.startswith("tornado.ioloop."):
            assert getattr(importlib.import_module(module), name) is obj
    assert tornado.ioloop.EVENT_LOOP_ENV == "TORNADO_EVENT_LOOP"


def test_modules_import_one_another_without_a_cycle():
    graph = {p.stem: sibling_imports(p) for p in PACKAGE_DIR.glob("*.py")}
    assert {"_loop", "_periodic", "_callbacks", "_loopkind"} <= set(graph)
    assert [name for name, deps in graph.items() if "__init__" in deps] == []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name not in done:
            for dep in graph.get(name, ()):
                visit(dep, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())
