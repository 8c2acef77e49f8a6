"""What the suite measures: the frameworks, and the scenarios each one serves.

Adding a scenario = one server file per framework, ``servers/<framework>_<server>.py``,
plus one ``Scenario`` entry below. A framework without a file for a scenario's server is
simply not run for it (no row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
SERVERS = BENCH / "servers"
WRK_SCRIPTS = BENCH / "wrk"


@dataclass(frozen=True)
class Framework:
    key: str  # file prefix in servers/ and the name shown in the tables
    venv: str  # which venv under bench/.venvs runs it (see envs.VENVS)
    what: str  # one line for the README / --list


FRAMEWORKS: list[Framework] = [
    Framework("ours", "ours", "this repository's packages (installed editable)"),
    Framework("tornado6", "tornado6", "Tornado 6, web.Application + RequestHandler"),
    Framework("tornado6raw", "tornado6", "Tornado 6, HTTPServer + HTTPServerConnectionDelegate"),
    Framework("aiohttp", "aiohttp", "aiohttp, web.Application + one route"),
    Framework("uvicorn", "uvicorn", "uvicorn with httptools, serving the same ASGI application as ours"),
]

BASELINE = "tornado6"  # every row's ratio is against this framework, same loop and scenario


# The ``name`` query argument of the page scenario: every character autoescape must handle.
PAGE_NAME = 'Ann <&> "O\'Brien"'


@dataclass(frozen=True)
class Scenario:
    name: str
    server: str  # servers/<framework>_<server>.py
    what: str
    path: str = "/"
    lua: str | None = None  # wrk script in bench/wrk/, sets method/headers
    expect_status: int = 200
    expect_body: bytes | None = b"Hello, world"  # None: the body is checked by pages.check_page
    login: str | None = None  # fetched once per server; its Set-Cookie is sent with every request

    def server_file(self, framework: str) -> Path:
        return SERVERS / f"{framework}_{self.server}.py"

    def lua_path(self) -> Path | None:
        return WRK_SCRIPTS / self.lua if self.lua else None


SCENARIOS: list[Scenario] = [
    Scenario("hello", "hello", "GET / with wrk's minimal request (Host only), 12-byte text body"),
    Scenario(
        "browser",
        "hello",
        "same server, request as a browser sends it: 14 headers incl. 5 cookies (wrk/browser.lua)",
        lua="browser.lua",
    ),
    Scenario(
        "webhello",
        "webhello",
        "web framework hello world: Application([(r'/', MainHandler)]), self.write('Hello, world')",
    ),
    Scenario(
        "page",
        "page",
        "GET /page?name=..., signed cookie 'user', template extending a base with a 20-item loop, autoescaped",
        path="/page?name=" + quote(PAGE_NAME, safe=""),
        expect_body=None,
        login="/login",
    ),
    Scenario(
        "post",
        "post",
        "POST /form, a 2 KB urlencoded form of 32 escaped fields (wrk/post.lua), each read with get_argument",
        path="/form",
        lua="post.lua",
        expect_body=b"fields=32 chars=1462",
    ),
    Scenario(
        "asgihello",
        "asgihello",
        "Starlette hello world (PlainTextResponse) as an ASGI application: ours = HTTPServer(ASGIContainer(app))",
    ),
]

# The idle-connection memory run uses this server for every framework that has it.
MEMORY_SERVER = "hello"
