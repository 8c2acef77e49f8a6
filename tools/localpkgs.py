"""The monorepo's package graph, read from each ``packages/<name>/pyproject.toml``.

One source of truth for which sibling distributions a package needs: ``tox.ini`` is
generated from it (``sync``), ``check`` verifies that tox.ini is current, and ``dev.py``
uses it to install the whole stack.  Sibling dependencies are always installed from
their folders, never from a package index.

    python tools/localpkgs.py list            # packages in dependency order
    python tools/localpkgs.py closure NAME    # NAME and its local deps, in install order
    python tools/localpkgs.py sync            # rewrite tox.ini
    python tools/localpkgs.py check           # fail if tox.ini is stale
    python tools/localpkgs.py upstream        # fail unless Tornado is PyPI's, none of ours
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
PREFIX = "tornado-"
META = "full"  # the meta distribution: depends on everything, has no module
# The one distribution that ships tornado/__init__.py (``import tornado``, lazy submodules,
# version_info); without it ``tornado`` is a namespace package.  It has no module of its own,
# only these attributes of the package.
INIT_PKG = "root"
INIT_NAMES = ["version", "version_info"]
# Packages whose tests run a second time with uvloop installed and selected.
UVLOOP_SUITES = [
    n
    for n in ("ioloop", "iostream", "net", "httpserver", "web", "websocket")
    if (PACKAGES / n / "pyproject.toml").exists()
]
# Demo test suites written against Tornado 6's API alone: the integration env runs them on this
# stack, the cross-check env runs the same files on Tornado 6 from PyPI (and none of ours).
CROSSCHECK_SUITES = [d for d in ("demos/tornado6app",) if (ROOT / d).is_dir()]
CROSSCHECK_ENV = "tornado6-crosscheck"
# Tornado 6 and the pytest plugin its users know, for the demos' pytest-style tests.
CROSSCHECK_DEPS = ["tornado>=6.5,<7", "pytest-tornasync"]


@dataclass
class Package:
    name: str  # folder name == module name (tornado.<name>)
    dist: str  # distribution name
    local_deps: list[str]  # sibling folder names, declared in [project].dependencies
    test_extras: list[str] = field(default_factory=list)
    test_deps: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return PACKAGES / self.name

    @property
    def ships_init(self) -> bool:
        return (self.path / "src" / "tornado" / "__init__.py").exists()

    @property
    def provides(self) -> list[str]:
        """What ``from tornado import X`` may name from this distribution: its modules, or the
        package attributes when it is the one that ships ``tornado/__init__.py``."""
        return self.modules + (INIT_NAMES if self.name == INIT_PKG else [])

    @property
    def modules(self) -> list[str]:
        """The top-level ``tornado.*`` names this distribution ships (``src/tornado/<x>``).

        Usually just ``[name]``; a distribution may ship several (httpclient ships
        ``simple_httpclient`` too) or a subpackage directory such as ``platform``.
        """
        src = self.path / "src" / "tornado"
        if not src.is_dir():
            return []
        return sorted(
            f.stem
            for f in src.iterdir()
            if (f.suffix == ".py" and f.name != "__init__.py")
            or (f.is_dir() and not f.name.startswith(("_", ".")))
        )


def _req_name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", req.strip(), maxsplit=1)[0].lower()


def load() -> dict[str, Package]:
    pkgs: dict[str, Package] = {}
    for pp in sorted(PACKAGES.glob("*/pyproject.toml")):
        data = tomllib.loads(pp.read_text())
        proj = data["project"]
        local = []
        for req in proj.get("dependencies", []):
            n = _req_name(req)
            if n.startswith(PREFIX):
                local.append(n[len(PREFIX) :])
        test = data.get("tool", {}).get("tornado", {}).get("test", {})
        pkgs[pp.parent.name] = Package(
            pp.parent.name,
            proj["name"],
            local,
            list(test.get("extras", [])),
            list(test.get("deps", [])),
        )
    for p in pkgs.values():
        for d in p.local_deps:
            if d not in pkgs:
                sys.exit(f"{p.dist} depends on tornado-{d}, which has no folder packages/{d}")
    return pkgs


def order(pkgs: dict[str, Package]) -> list[str]:
    """All package names, each after its dependencies (stable, alphabetical otherwise)."""
    done: list[str] = []

    def visit(n: str, stack: tuple[str, ...]) -> None:
        if n in done:
            return
        if n in stack:
            sys.exit("dependency cycle: " + " -> ".join(stack + (n,)))
        for d in sorted(pkgs[n].local_deps):
            visit(d, stack + (n,))
        done.append(n)

    for n in sorted(pkgs):
        visit(n, ())
    return done


def closure(pkgs: dict[str, Package], name: str) -> list[str]:
    need: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        if n not in need:
            need.add(n)
            todo.extend(pkgs[n].local_deps)
    return [n for n in order(pkgs) if n in need]


def closure_all(pkgs: dict[str, Package], names: list[str]) -> list[str]:
    need = {d for n in names for d in closure(pkgs, n)}
    return [n for n in order(pkgs) if n in need]


def owners(pkgs: dict[str, Package]) -> dict[str, list[str]]:
    """Map each ``tornado.<module>`` to the distributions that ship it (a namespace dir may have several)."""
    out: dict[str, list[str]] = {}
    for n, p in pkgs.items():
        for m in p.provides:
            out.setdefault(m, []).append(n)
    return out


def _install_lines(pkgs: dict[str, Package], names: list[str], extras_for: str | None) -> list[str]:
    lines = []
    for n in names:
        extras = pkgs[n].test_extras if (extras_for is None or n == extras_for) else []
        suffix = f"[{','.join(extras)}]" if extras else ""
        lines.append(f"-e {{toxinidir}}/packages/{n}{suffix}")
    return lines


def render_tox(pkgs: dict[str, Package]) -> str:
    names = [n for n in order(pkgs) if n != META]
    out = [
        "# Generated by `python tools/localpkgs.py sync` from packages/*/pyproject.toml; do not edit",
        "# the package sections by hand.  Each package env installs only that package and the",
        "# sibling distributions it declares (from their folders), then runs its tests.",
        "[tox]",
        "env_list =",
        "    lint",
        "    deps",
        *(f"    {n}" for n in names),
        "    uvloop",
        "    integration",
        *([f"    {CROSSCHECK_ENV}"] if CROSSCHECK_SUITES else []),
        "",
        "[testenv]",
        "package = skip",
        "pass_env =",
        "    CI",
        "    TORNADO_TEST_*",
        "    HOME",
        "set_env =",
        "    PYTHONDONTWRITEBYTECODE = 1",
        "base_deps =",
        "    pytest>=8",
        "    pytest-timeout",
        "",
    ]
    for n in names:
        p = pkgs[n]
        deps = ["{[testenv]base_deps}", *p.test_deps, *_install_lines(pkgs, closure(pkgs, n), n)]
        out += [
            f"[testenv:{n}]",
            f"description = {p.dist} alone, with its declared dependencies",
            "deps =",
            *(f"    {d}" for d in deps),
            f"commands = pytest {{toxinidir}}/packages/{n}/tests {{posargs}}",
            "",
        ]
    every = _install_lines(pkgs, names, None)
    every_test = sorted({d for n in names for d in pkgs[n].test_deps})
    out += [
        "[testenv:all]",
        "description = the whole stack in one env: every package's tests and the integration tests",
        "deps =",
        "    {[testenv]base_deps}",
        "    {[testenv:integration]extra_deps}",
        *(f"    {d}" for d in every_test),
        *(f"    {d}" for d in every),
        "commands = pytest {toxinidir}/packages {toxinidir}/tests {posargs}",
        "",
        "[testenv:uvloop]",
        "description = the event-loop packages' tests again, on uvloop",
        "deps =",
        "    {[testenv]base_deps}",
        "    uvloop",
        *(f"    {d}" for d in sorted({d for n in UVLOOP_SUITES for d in pkgs[n].test_deps})),
        *(f"    {d}" for d in _install_lines(pkgs, closure_all(pkgs, UVLOOP_SUITES), "")),
        "set_env =",
        "    TORNADO_EVENT_LOOP = uvloop",
        "commands = pytest "
        + " ".join(f"{{toxinidir}}/packages/{n}/tests" for n in UVLOOP_SUITES)
        + " {posargs}",
        "",
        "[testenv:integration]",
        "description = cross-package and end-to-end tests against the installed stack",
        "extra_deps =",
        "    jinja2",
        "    hatchling",
        "    playwright",
        "    markdown",
        "    nh3",
        "    feedparser",
        "    redis",
        "    mypy",
        "deps =",
        "    {[testenv]base_deps}",
        "    {[testenv:integration]extra_deps}",
        *(f"    {d}" for d in every),
        "commands = pytest {toxinidir}/tests"
        + "".join(f" {{toxinidir}}/{d}" for d in CROSSCHECK_SUITES)
        + " {posargs}",
        "",
        *_crosscheck_env(),
        "[testenv:lint]",
        "description = ruff and mypy over every package",
        "deps =",
        "    ruff",
        "    mypy",
        # Typed libraries the type-checked tests use (the rest are Any to mypy).
        "    pytest>=8",
        "    hypothesis",
        "    trustme",
        "commands =",
        "    ruff check {toxinidir}",
        "    ruff format --check {toxinidir}",
        "    python {toxinidir}/tools/typecheck.py",
        "",
        "[testenv:deps]",
        "description = the dependency graph: no package imports an undeclared tornado module",
        "deps =",
        "commands =",
        "    python {toxinidir}/tools/localpkgs.py check",
        "    python {toxinidir}/tools/check_imports.py",
        "",
    ]
    return "\n".join(out)


def _crosscheck_env() -> list[str]:
    if not CROSSCHECK_SUITES:
        return []
    return [
        f"[testenv:{CROSSCHECK_ENV}]",
        "description = the Tornado 6 demos' tests on Tornado 6 from PyPI, none of this repository's packages",
        "deps =",
        "    {[testenv]base_deps}",
        *(f"    {d}" for d in CROSSCHECK_DEPS),
        "commands =",
        "    python {toxinidir}/tools/localpkgs.py upstream",
        "    pytest " + " ".join(f"{{toxinidir}}/{d}" for d in CROSSCHECK_SUITES) + " {posargs}",
        "",
    ]


def upstream() -> int:
    """Check that this Python has Tornado from PyPI and none of this repository's distributions."""
    from importlib import metadata

    ours = sorted(
        d.metadata["Name"] for d in metadata.distributions() if d.metadata["Name"].lower().startswith(PREFIX)
    )
    if ours:
        print(f"{CROSSCHECK_ENV}: this repository's distributions are installed: {', '.join(ours)}")
        return 1
    try:
        version = metadata.version("tornado")
    except metadata.PackageNotFoundError:
        print(f"{CROSSCHECK_ENV}: tornado from PyPI is not installed")
        return 1
    print(f"{CROSSCHECK_ENV}: Tornado {version} from PyPI")
    return 0


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "list"
    if cmd == "upstream":
        return upstream()
    pkgs = load()
    if cmd == "list":
        print("\n".join(order(pkgs)))
    elif cmd == "closure":
        print("\n".join(closure(pkgs, argv[1])))
    elif cmd == "sync":
        (ROOT / "tox.ini").write_text(render_tox(pkgs))
    elif cmd == "check":
        if (ROOT / "tox.ini").read_text() != render_tox(pkgs):
            print("tox.ini is out of date with packages/*/pyproject.toml: run python tools/localpkgs.py sync")
            return 1
        print(f"tox.ini matches {len(pkgs)} packages")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
