"""Fail when a package's code or tests import a ``tornado.*`` module it does not declare.

A package may import its own module and the modules of the sibling distributions listed in
its ``[project].dependencies``; anything else would work in the monorepo but break for a
user who installed only that package.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from localpkgs import INIT_PKG, META, load, owners  # noqa: E402


def tornado_imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "tornado" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "tornado":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(a.name for a in node.names)
    return found


def main() -> int:
    pkgs = load()
    who = owners(pkgs)
    errors = []
    for name, pkg in pkgs.items():
        if name == META:
            continue
        # A package may import the modules it ships and those its declared dependencies ship
        # (a dependency's own dependencies are not enough: declare what you import).
        direct = {name, *pkg.local_deps}
        allowed = direct | {m for d in direct for m in pkgs[d].provides}
        for f in sorted(pkg.path.rglob("*.py")):
            used = tornado_imports(ast.parse(f.read_text(), str(f)))
            for mod in sorted(used - allowed):
                where = ", ".join(f"tornado-{o}" for o in who.get(mod, [])) or "no package"
                errors.append(
                    f"{f.relative_to(pkg.path.parent.parent)}: imports tornado.{mod} (shipped by {where}), "
                    f"which {pkg.dist} does not declare in its dependencies"
                )
        if pkg.ships_init and name != INIT_PKG:
            errors.append(
                f"{pkg.dist} ships tornado/__init__.py: only tornado-{INIT_PKG} may; for every other "
                "distribution tornado is a namespace package"
            )
    for e in errors:
        print(e)
    if not errors:
        print(f"imports match declared dependencies in {len(pkgs)} packages")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
