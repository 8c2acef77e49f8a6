"""The shape of tornado.iostream: its modules import one another in one direction (none
imports the package, no cycle), and the read methods reach the stream kinds unwrapped."""

from __future__ import annotations

import ast
from pathlib import Path

import tornado.iostream
from tornado.iostream import BaseIOStream, IOStream, PipeIOStream, SSLIOStream
from tornado.iostream._reads import StreamReads

PACKAGE_DIR = Path(tornado.iostream.__file__).parent
READS = ["read_until", "read_until_regex", "read_bytes", "read_until_close", "read_into"]


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
            if node.module == "tornado.iostream":
                found.add("__init__")
            elif node.module.startswith("tornado.iostream."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update("__init__" for a in node.names if a.name == "tornado.iostream")
    return found - {path.stem}


def test_modules_import_one_another_without_a_cycle():
    graph = {p.stem: sibling_imports(p) for p in PACKAGE_DIR.glob("*.py")}
    assert {"_base", "_reads", "_stream"} <= set(graph)
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


def test_every_stream_kind_reads_with_the_same_functions():
    for name in READS:
        func = vars(StreamReads)[name]
        for cls in (BaseIOStream, IOStream, PipeIOStream, SSLIOStream):
            assert getattr(cls, name) is func, (cls.__name__, name)
