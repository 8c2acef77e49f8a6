"""``import tornado`` with and without tornado-root, in fresh venvs built with uv.

Without tornado-root, ``tornado`` is a namespace package: the standalone distributions work
with ``import tornado.<module>`` and the package has no version.  With it, ``tornado`` is a
regular package whose submodules load on attribute access, whether the other distributions
are installed as wheels or editable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = REPO_ROOT / "packages"
INSTALL_TIMEOUT = 300


def _uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("uv not found (python3 dev.py installs it into .venv)")
    pytest.skip("uv not found (python3 dev.py installs it into .venv)")


def _venv(tmp_path: Path, name: str, *install: str) -> Path:
    uv = _uv()
    root = tmp_path / name
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(root)], check=True, timeout=60)
    python = root / "bin" / "python"
    args = [uv, "pip", "install", "--quiet", "--python", str(python), *install]
    subprocess.run(args, check=True, timeout=INSTALL_TIMEOUT, cwd=REPO_ROOT)
    return python


def _run(python: Path, code: str, cwd: Path) -> str:
    r = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, cwd=cwd
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _editable(*names: str) -> list[str]:
    return [a for n in names for a in ("-e", str(PACKAGES / n))]


STANDALONE = ["escape", "template", "locale", "util", "options"]

LAZY_CHECK = """
    import sys
    import tornado
    assert tornado.version_info >= (6, 0), tornado.version_info
    assert "tornado.template" not in sys.modules
    page = tornado.template.Template("{{ x }} {{ _('Sign in') }}").generate(
        x="<b>", _=tornado.locale.get("en_US").translate)
    assert page == b"&lt;b&gt; Sign in", page
    assert "tornado.template" in sys.modules
    tornado.options.define("port", default=8888)
    assert tornado.options.options.port == 8888
    assert {"escape", "locale", "options", "template", "util", "log"} <= set(dir(tornado))
    try:
        tornado.web
    except AttributeError as e:
        assert "tornado.web" in str(e)
    else:
        raise AssertionError("tornado.web is not installed here")
    print(tornado.__file__)
"""


def test_standalone_distributions_without_root(tmp_path: Path) -> None:
    python = _venv(tmp_path, "plain", *_editable(*STANDALONE))
    out = _run(
        python,
        """
        import tornado.escape, tornado.template, tornado.locale, tornado.options, tornado.log
        import tornado
        assert tornado.__file__ is None, tornado.__file__   # a namespace package
        assert not hasattr(tornado, "version_info")
        print(tornado.template.Template("{{ x }}").generate(x="<b>").decode())
        """,
        tmp_path,
    )
    assert out.strip() == "&lt;b&gt;"


def test_root_with_editable_installs(tmp_path: Path) -> None:
    python = _venv(tmp_path, "editable", *_editable("root", *STANDALONE))
    out = _run(python, LAZY_CHECK, tmp_path)
    assert out.strip() == str(PACKAGES / "root" / "src" / "tornado" / "__init__.py")


def test_root_as_a_wheel_with_editable_siblings(tmp_path: Path) -> None:
    # tornado/__init__.py in site-packages, the other distributions on .pth path entries.
    python = _venv(tmp_path, "mixed", str(PACKAGES / "root"), *_editable(*STANDALONE))
    out = _run(python, LAZY_CHECK, tmp_path)
    assert "site-packages" in out


def test_all_as_wheels(tmp_path: Path) -> None:
    python = _venv(tmp_path, "wheels", *(str(PACKAGES / n) for n in ["root", *STANDALONE]))
    out = _run(python, LAZY_CHECK, tmp_path)
    assert "site-packages" in out
