"""Run mypy over every package's ``src`` as one ``tornado`` namespace.

The distribution that ships ``tornado/__init__.py`` is checked on its own: next to it, mypy
would take ``tornado`` for a regular package found in that one folder and miss the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
all_srcs = sorted(p for p in (ROOT / "packages").glob("*/src") if (p / "tornado").is_dir())
init_srcs = [str(p) for p in all_srcs if (p / "tornado" / "__init__.py").exists()]
srcs = [str(p) for p in all_srcs if str(p) not in init_srcs]
mods = sorted(
    {
        f.stem
        for s in srcs
        for f in Path(s, "tornado").iterdir()
        if (f.suffix == ".py" or f.is_dir()) and not f.name.startswith(("_", "."))
    }
)
mypy = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
args = list(mypy)
for m in mods:
    args += ["-p", f"tornado.{m}"]
rc = subprocess.call(args, env=dict(os.environ, MYPYPATH=os.pathsep.join(srcs)), cwd=ROOT) if mods else 0
for src in init_srcs:
    rc = rc or subprocess.call([*mypy, "-p", "tornado"], env=dict(os.environ, MYPYPATH=src), cwd=ROOT)
sys.exit(rc)
