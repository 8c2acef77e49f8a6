"""Run mypy over every package's ``src`` as one ``tornado`` namespace, then over test folders.

The distribution that ships ``tornado/__init__.py`` is checked on its own: next to it, mypy
would take ``tornado`` for a regular package found in that one folder and miss the others.

Test folders are not packages: each has its own top-level ``conftest`` (and helpers such as
``authhelp`` that its tests import by bare name), so they would collide in one mypy run. Each
folder gets a run of its own with the folder on MYPYPATH next to the src dirs. The runs share
mypy's incremental cache, so the src modules are analysed once, not once per folder.

    python tools/typecheck.py                      # src, then every listed test folder
    python tools/typecheck.py web tests "demos/*"  # src, then these (packages, folders, globs)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
# Every package's tests/ is checked (a package whose tests are not ready can be left out here).
TESTED_PACKAGES = sorted(p.parent.name for p in (ROOT / "packages").glob("*/tests") if p.is_dir())
# Folders outside packages/ checked the same way, relative to the repository root.
TESTED_DIRS = ["tests", "demos/*"]
# The distribution that ships tornado/__init__.py needs a cache of its own: with it, ``tornado``
# is a regular package, and sharing entries with the namespace runs would invalidate them all.
INIT_CACHE = ROOT / ".mypy_cache" / "with-init"

all_srcs = sorted(p for p in (ROOT / "packages").glob("*/src") if (p / "tornado").is_dir())
init_srcs = [p for p in all_srcs if (p / "tornado" / "__init__.py").exists()]
ns_srcs = [p for p in all_srcs if p not in init_srcs]


def mypy(targets: list[str], path: list[Path], cache: Path | None = None) -> tuple[int, str]:
    """Exit status and output of one mypy run over ``targets`` with ``path`` as MYPYPATH."""
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(CONFIG)]
    if cache is not None:
        cmd += ["--cache-dir", str(cache)]
    env = dict(os.environ, MYPYPATH=os.pathsep.join(str(p) for p in path))
    r = subprocess.run([*cmd, *targets], env=env, cwd=ROOT, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def check_src() -> tuple[int, str]:
    mods = sorted(
        {
            f.stem
            for s in ns_srcs
            for f in (s / "tornado").iterdir()
            if (f.suffix == ".py" or f.is_dir()) and not f.name.startswith(("_", "."))
        }
    )
    rc, out = mypy([a for m in mods for a in ("-p", f"tornado.{m}")], ns_srcs) if mods else (0, "")
    for src in init_srcs:
        rc_init, out_init = mypy(["-p", "tornado"], [src], INIT_CACHE)
        rc, out = rc or rc_init, out + out_init
    return rc, out


def folders_for(name: str) -> list[Path]:
    """``web`` -> packages/web/tests; anything else is a folder (or a glob such as ``demos/*``)
    relative to the root."""
    if "*" in name:
        return sorted(d for d in ROOT.glob(name) if d.is_dir() and d.name != "__pycache__")
    folder = ROOT / "packages" / name / "tests" if "/" not in name and name != "tests" else ROOT / name
    if not folder.is_dir():
        sys.exit(f"typecheck: no test folder {folder}")
    return [folder]


def check_tests(folder: Path, cache: Path | None = None) -> tuple[int, str]:
    """One mypy run over every module in ``folder``, which is on MYPYPATH with the src dirs."""
    files = sorted(
        str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f)
        for f in folder.rglob("*.py")
        if "__pycache__" not in f.parts
    )
    if not files:
        return 0, ""
    # The package that ships tornado/__init__.py is tested against its own src alone.
    own_src = folder.parent / "src"
    if own_src in init_srcs:
        return mypy(files, [own_src, folder], cache or INIT_CACHE)
    return mypy(files, [*ns_srcs, folder], cache)


class Report:
    """Prints mypy's output, each error once: a test run also reports the errors of the src
    modules it imports, which the src run has shown already."""

    def __init__(self) -> None:
        self.shown: set[str] = set()

    def show(self, output: str) -> None:
        repeated = 0
        for line in output.splitlines():
            if line in self.shown:
                repeated += ": error: " in line
                continue
            print(line)
            if ": error: " in line or ": note: " in line:
                self.shown.add(line)
        if repeated:
            print(f"({repeated} of these errors are shown above)")
        sys.stdout.flush()


def main(argv: list[str]) -> int:
    names = argv or [*TESTED_PACKAGES, *TESTED_DIRS]
    folders = [f for name in names for f in folders_for(name)]
    started = time.monotonic()
    report = Report()
    print("typecheck: packages/*/src", flush=True)
    rc, out = check_src()
    report.show(out)
    for folder in folders:
        print(f"typecheck: {folder.relative_to(ROOT)}", flush=True)
        rc_tests, out = check_tests(folder)
        report.show(out)
        rc = rc or rc_tests
    print(f"typecheck: src and {len(folders)} test folders in {time.monotonic() - started:.1f}s")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
