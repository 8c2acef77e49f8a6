"""Run mypy over every package's ``src`` as one ``tornado`` namespace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
srcs = sorted(str(p) for p in (ROOT / "packages").glob("*/src") if (p / "tornado").is_dir())
mods = sorted(
    {
        f.stem
        for s in srcs
        for f in Path(s, "tornado").iterdir()
        if (f.suffix == ".py" or f.is_dir()) and not f.name.startswith(("_", "."))
    }
)
env = dict(os.environ, MYPYPATH=os.pathsep.join(srcs))
args = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
for m in mods:
    args += ["-p", f"tornado.{m}"]
sys.exit(subprocess.call(args, env=env, cwd=ROOT) if mods else 0)
