"""The shape of tornado.web: its modules import each other without a cycle, and the public
names stay where users import them from.

Imports are read from the source (module level and inside functions alike); only those
under ``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import tornado.web

WEB_DIR = Path(tornado.web.__file__).parent
PACKAGE = "tornado.web"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def web_imports(source: str, modules: set[str]) -> set[str]:
    """The tornado.web modules (``__init__`` for the package itself) that ``source`` imports."""
    targets: set[str] = set()

    def add(dotted: str, names: list[str]) -> None:
        if dotted == PACKAGE:
            for name in names:
                targets.add(name if name in modules else "__init__")
        elif dotted.startswith(PACKAGE + "."):
            targets.add(dotted[len(PACKAGE) + 1 :].split(".")[0])

    for node in _runtime_imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, [])
                if alias.name == PACKAGE:
                    targets.add("__init__")
        elif node.level:  # relative: from . import x / from .x import y
            base = PACKAGE + ("." + node.module if node.module else "")
            add(base, [a.name for a in node.names])
        elif node.module == "tornado" and any(a.name == "web" for a in node.names):
            targets.add("__init__")
        elif node.module:
            add(node.module, [a.name for a in node.names])
    return targets


def import_graph() -> dict[str, set[str]]:
    files = {p.stem: p for p in WEB_DIR.glob("*.py")}
    modules = set(files)
    return {name: web_imports(path.read_text(), modules) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_between_web_modules():
    graph = import_graph()
    assert {"handler", "rendering", "decorators", "application", "static"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_nothing_but_the_package_imports_the_package():
    graph = import_graph()
    assert [name for name, deps in graph.items() if "__init__" in deps] == []


def test_the_import_reader_sees_every_form():
    modules = {"handler", "static", "errors", "signing"}
    source = (
        "from typing import TYPE_CHECKING\n"
        "import tornado.web.errors\n"
        "from tornado.web import signing, Application\n"
        "if TYPE_CHECKING:\n"
        "    from tornado.web.handler import RequestHandler\n"
        "def f():\n"
        "    from .static import StaticFileHandler\n"
    )
    assert web_imports(source, modules) == {"errors", "signing", "__init__", "static"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_public_names_are_importable_from_tornado_web():
    names = {
        "Application",
        "ErrorHandler",
        "FallbackHandler",
        "Finish",
        "GZipContentEncoding",
        "HTTPError",
        "MissingArgumentError",
        "RedirectHandler",
        "RequestHandler",
        "StaticFileHandler",
        "TemplateModule",
        "UIModule",
        "URLSpec",
        "addslash",
        "asynchronous",
        "authenticated",
        "create_signed_value",
        "decode_signed_value",
        "removeslash",
        "url",
    }
    assert names <= set(tornado.web.__all__)
    for name in names:
        assert getattr(tornado.web, name) is not None


class _BufferConnection:
    """A second server side, in memory: keeps what the application sends."""

    def __init__(self) -> None:
        self.parts: list[tuple[Any, ...]] = []
        self.closed = False

    def write_response(self, status, headers, body, reason, request, /):
        self.parts.append(("response", status, reason, dict(headers), body))

    def write_headers(self, status, headers, chunk, reason, /):
        self.parts.append(("headers", status, reason, dict(headers), chunk))

    def write(self, chunk, /):
        self.parts.append(("chunk", chunk))

    def finish(self, request, /):
        self.parts.append(("finish",))

    def flush(self):
        return None

    def set_close_callback(self, callback, /):
        pass

    def close(self):
        self.closed = True


class _PlainRequest:
    """The members of tornado.web._types.Request, and nothing from tornado.httpserver."""

    def __init__(self, uri: str, connection: _BufferConnection) -> None:
        from tornado.httputil import HTTPHeaders

        self.method, self.uri, self.version = "GET", uri, "HTTP/1.1"
        self.path, _, self.query = uri.partition("?")
        self.headers = HTTPHeaders({"Host": "example.test"})
        self.body, self.remote_ip, self.protocol, self.host = b"", "192.0.2.1", "http", "example.test"
        self.host_name = "example.test"
        self.query_arguments = {"name": [b"ann"]} if self.query else {}
        self.arguments = self.query_arguments
        self.body_arguments: dict[str, list[bytes]] = {}
        self.files: dict[str, list[Any]] = {}
        self.cookies: dict[str, Any] = {}
        self.connection = connection

    def full_url(self) -> str:
        return "http://example.test" + self.uri

    def request_time(self) -> float:
        return 0.001


def test_any_server_with_the_request_and_connection_members_can_run_an_application():
    class Hello(tornado.web.RequestHandler):
        def get(self):
            self.write("Hello, " + self.get_argument("name", "world"))

    class Streamed(tornado.web.RequestHandler):
        async def get(self):
            self.write("part one, ")
            await self.flush()
            self.write("part two")

    app = tornado.web.Application([(r"/", Hello), (r"/stream", Streamed)])
    conn = _BufferConnection()
    assert app(_PlainRequest("/?name=ann", conn)) is None
    ((kind, status, reason, headers, body),) = conn.parts
    assert (kind, status, reason, body) == ("response", 200, "OK", b"Hello, ann")
    assert headers["Content-Length"] == "10"

    import asyncio

    conn = _BufferConnection()
    asyncio.run(_serve(app, _PlainRequest("/stream", conn)))
    assert [p[0] for p in conn.parts] == ["headers", "chunk", "finish"]
    assert conn.parts[0][4] == b"part one, " and conn.parts[1] == ("chunk", b"part two")


async def _serve(app, request):
    await app(request)
