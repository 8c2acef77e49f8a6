"""Machine and venv set-up: wrk and taskset from Debian, one venv per peer under bench/.venvs.

Venvs are reused when their requirement list has not changed (a stamp file holds its hash).
Our own packages are installed editable, so a venv built before they landed picks them up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from scenarios import BENCH

ROOT = BENCH.parent
VENVS_DIR = BENCH / ".venvs"

# Top-level packages of ours the servers import; their sibling closure is installed too.
OURS_TOP = ["httpserver", "web", "asgi"]
# Third-party packages our servers import besides our own (the ASGI scenario's application).
OURS_EXTRA = ["uvloop", "starlette"]

PEER_REQS: dict[str, list[str]] = {
    "tornado6": ["tornado>=6,<7", "uvloop"],
    "aiohttp": ["aiohttp", "jinja2", "uvloop"],
    "uvicorn": ["uvicorn", "httptools", "starlette", "uvloop"],
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_tools() -> None:
    """wrk and taskset are what the numbers depend on; install them when missing."""
    missing = [pkg for tool, pkg in (("wrk", "wrk"), ("taskset", "util-linux")) if not shutil.which(tool)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {', '.join(missing)}: run `apt-get install -y {' '.join(missing)}` as root")
    log(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def _uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    local = ROOT / ".venv" / "bin" / "uv"
    return str(local) if local.exists() else None


def venv_python(name: str) -> Path:
    return VENVS_DIR / name / "bin" / "python"


def ours_closure(tops: list[str] | None = None) -> list[str]:
    """Our packages that ``tops`` (default OURS_TOP) need, in install order (tools/localpkgs.py)."""
    names: list[str] = []
    for top in OURS_TOP if tops is None else tops:
        if not (ROOT / "packages" / top).is_dir():
            continue
        out = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "localpkgs.py"), "closure", top],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        names += [n for n in out if n not in names]
    return names


def editable(tops: list[str], *extra: str) -> list[str]:
    """pip arguments installing our ``tops`` and their closure editable, then ``extra``."""
    return [x for n in ours_closure(tops) for x in ("-e", str(ROOT / "packages" / n))] + list(extra)


def requirements(name: str) -> list[str]:
    if name == "ours":
        reqs: list[str] = []
        for pkg in ours_closure():
            reqs += ["-e", str(ROOT / "packages" / pkg)]
        return reqs + OURS_EXTRA
    return PEER_REQS[name]


def _ours_fingerprint() -> list[str]:
    """What an editable install bakes in: each package's metadata and its top-level modules.

    A package whose module appears after it was installed (or whose deps change) needs a
    reinstall to be importable, so these go into the venv's stamp.
    """
    out = []
    for pkg in ours_closure():
        src = ROOT / "packages" / pkg
        out.append(hashlib.sha256((src / "pyproject.toml").read_bytes()).hexdigest())
        out += sorted(p.name for p in (src / "src" / "tornado").iterdir() if p.name != "__pycache__")
    return out


def ensure_venv(name: str) -> Path:
    """Create or refresh bench/.venvs/<name>; return its python."""
    reqs = requirements(name)
    py = venv_python(name)
    stamp = VENVS_DIR / name / ".bench-reqs"
    extra = _ours_fingerprint() if name == "ours" else []
    digest = hashlib.sha256("\n".join(reqs + extra).encode()).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text() == digest:
        return py
    log(f"preparing venv bench/.venvs/{name}: {' '.join(r for r in reqs if r != '-e')}")
    uv = _uv()
    if uv:
        if not py.exists():
            subprocess.run(
                [uv, "venv", "--quiet", "--python", sys.executable, str(py.parent.parent)], check=True
            )
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--reinstall", "--python", str(py), *reqs], check=True
        )
    else:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(py.parent.parent)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--force-reinstall", *reqs], check=True)
    stamp.write_text(digest)
    return py
