#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.10+ (and pip when venv lacks ensurepip).

    python3 dev.py demo [--port=N] # serve the hello-world demo from the whole stack
    python3 dev.py test [ENV...]   # run every test env of tox.ini (or the named ones)
    python3 dev.py install NAME    # pip-install packages/NAME and its sibling deps into this Python

The first two create ``.venv/`` on first use and keep it up to date.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
MAIN_DEMO = ROOT / "demos" / "helloworld" / "helloworld.py"
DEV_TOOLS = ["uv", "tox>=4.20", "tox-uv>=1.11"]

sys.path.insert(0, str(ROOT / "tools"))
import localpkgs  # noqa: E402


def run(*args: object, **kw: object) -> None:
    cmd = [str(a) for a in args]
    r = subprocess.run(cmd, cwd=ROOT, **kw)  # type: ignore[call-overload]
    if r.returncode:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}")


def make_venv() -> None:
    if PY.exists():
        return
    r = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
    if r.returncode or not PY.exists():
        # Debian's python3 without python3-venv: fall back to virtualenv from PyPI.
        run(sys.executable, "-m", "pip", "install", "--user", "--quiet", "virtualenv")
        run(sys.executable, "-m", "virtualenv", VENV)


def ensure(stamp: str, reqs: list[str]) -> None:
    """Install ``reqs`` into .venv unless the same set is already there."""
    make_venv()
    digest = hashlib.sha256("\n".join(reqs).encode()).hexdigest()
    mark = VENV / f".{stamp}"
    if mark.exists() and mark.read_text() == digest and imports_ok(reqs):
        return
    if not (BIN / "uv").exists():
        run(PY, "-m", "pip", "install", "--quiet", "uv")
    # --reinstall for our own folders: an editable install whose path hook went missing
    # would otherwise be taken as up to date.
    own = [f"--reinstall-package={pkgs.dist}" for pkgs in localpkgs.load().values()]
    run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, *own, *reqs)
    mark.write_text(digest)


def imports_ok(reqs: list[str]) -> bool:
    """True when every tornado module among ``reqs`` imports in .venv."""
    pkgs = localpkgs.load()
    mods = [
        f"tornado.{m}" if m else "tornado"
        for n in pkgs
        if n != localpkgs.META and str(pkgs[n].path) in reqs
        for m in (pkgs[n].modules or [""])
    ]
    if not mods:
        return True
    code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
    return subprocess.run([str(PY), "-c", code, *mods], capture_output=True).returncode == 0


def stack_reqs() -> list[str]:
    pkgs = localpkgs.load()
    out: list[str] = []
    for n in localpkgs.closure(pkgs, localpkgs.META):
        out += ["-e", str(pkgs[n].path)]
    return out


def main(argv: list[str]) -> int:
    cmd, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if cmd == "demo":
        ensure("stack", DEV_TOOLS + stack_reqs())
        port = next((a.split("=", 1)[1] for a in rest if a.startswith("--port=")), "8888")
        print(
            f"{MAIN_DEMO.relative_to(ROOT)}: serving http://localhost:{port}/ (Ctrl-C stops it)", flush=True
        )
        return subprocess.call([str(PY), str(MAIN_DEMO), *rest], cwd=MAIN_DEMO.parent)
    if cmd == "test":
        ensure("tools", DEV_TOOLS)
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        select = ["-e", ",".join(rest)] if rest else []  # default: tox.ini's env_list
        return subprocess.call([str(PY), "-m", "tox", "run", *select], cwd=ROOT, env=env)
    if cmd == "install" and len(rest) == 1:
        pkgs = localpkgs.load()
        if rest[0] not in pkgs:
            names = ", ".join(sorted(pkgs))
            print(f"dev.py install: no package named {rest[0]!r} (known: {names})", file=sys.stderr)
            return 2
        paths = [str(pkgs[n].path) for n in localpkgs.closure(pkgs, rest[0])]
        return subprocess.call([sys.executable, "-m", "pip", "install", *paths])
    print(__doc__)
    return 0 if cmd in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
