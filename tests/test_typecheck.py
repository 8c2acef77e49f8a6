"""tools/typecheck.py: test folders are type-checked one mypy run each, under the repository's policy
(tests may leave defs unannotated but their bodies are checked; unused ignores are errors)."""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import typecheck  # noqa: E402


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mypy cache of this module's own, so its throwaway modules stay out of the shared one."""
    if importlib.util.find_spec("mypy") is None:
        reason = "mypy is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return tmp_path_factory.mktemp("mypy-cache")


def folder(base: Path, name: str, files: dict[str, str]) -> Path:
    d = base / name
    for rel, text in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(textwrap.dedent(text))
    return d


def test_unannotated_test_code_is_checked_and_helpers_import_by_bare_name(
    tmp_path: Path, cache: Path
) -> None:
    tests = folder(
        tmp_path,
        "tests",
        {
            "conftest.py": "import pytest\n",
            "helper.py": "def shout(text: str) -> str:\n    return text.upper()\n",
            "test_overview.py": """\
                from helper import shout
                from tornado.escape import xhtml_escape

                class MainHandler:
                    def get(self):
                        self.write(xhtml_escape(shout("<b>")))

                    def write(self, chunk):
                        return shout(len(chunk))
                """,
        },
    )
    rc, out = typecheck.check_tests(tests, cache)
    assert rc == 1, out
    # The unannotated defs are allowed; the int passed where a str is wanted is not.
    assert "no-untyped-def" not in out
    assert 'test_overview.py:9: error: Argument 1 to "shout" has incompatible type "int"' in out
    assert "Found 1 error in 1 file" in out


def test_unused_ignore_is_an_error(tmp_path: Path, cache: Path) -> None:
    tests = folder(tmp_path, "tests", {"test_ignores.py": "count: int = 1  # type: ignore[assignment]\n"})
    rc, out = typecheck.check_tests(tests, cache)
    assert rc == 1
    assert 'test_ignores.py:1: error: Unused "type: ignore" comment' in out


def test_folders_with_their_own_conftest_each_pass(tmp_path: Path, cache: Path) -> None:
    # Both define top-level ``conftest`` and ``helper`` modules, with different signatures: in one
    # mypy run they would collide, in runs of their own each is consistent.
    one = folder(
        tmp_path,
        "one",
        {
            "conftest.py": "LIMIT = 1\n",
            "helper.py": "def make() -> int:\n    return 1\n",
            "test_one.py": "from helper import make\n\nvalue: int = make()\n",
        },
    )
    two = folder(
        tmp_path,
        "two",
        {
            "conftest.py": "LIMIT = 'two'\n",
            "helper.py": "def make() -> str:\n    return 'two'\n",
            "test_two.py": "from helper import make\n\nvalue: str = make()\n",
        },
    )
    assert typecheck.check_tests(one, cache) == (0, "Success: no issues found in 3 source files\n")
    assert typecheck.check_tests(two, cache) == (0, "Success: no issues found in 3 source files\n")


def test_tornado_modules_must_be_annotated(tmp_path: Path, cache: Path) -> None:
    tests = folder(
        tmp_path,
        "tests",
        {
            "tornado/policydemo/__init__.py": "def helper(x):\n    return x\n",
            "test_policy.py": "def test_it(x):\n    return x\n",
        },
    )
    rc, out = typecheck.check_tests(tests, cache)
    assert rc == 1
    assert "tornado/policydemo/__init__.py:1: error: Function is missing a type annotation" in out
    assert "test_policy.py" not in out


def test_report_shows_an_error_once(capsys: pytest.CaptureFixture[str]) -> None:
    error = 'packages/x/src/tornado/x.py:3: error: Unused "type: ignore" comment  [unused-ignore]'
    report = typecheck.Report()
    report.show(f"{error}\nFound 1 error in 1 file (checked 9 source files)\n")
    report.show(f"{error}\nFound 1 error in 1 file (checked 4 source files)\n")
    assert capsys.readouterr().out.splitlines() == [
        error,
        "Found 1 error in 1 file (checked 9 source files)",
        "Found 1 error in 1 file (checked 4 source files)",
        "(1 of these errors are shown above)",
    ]


def test_names_map_to_folders() -> None:
    assert typecheck.folders_for("escape") == [ROOT / "packages" / "escape" / "tests"]
    assert typecheck.folders_for("tests") == [ROOT / "tests"]
    demos = typecheck.folders_for("demos/*")
    assert ROOT / "demos" / "helloworld" in demos and all(d.parent == ROOT / "demos" for d in demos)
    with pytest.raises(SystemExit, match="no test folder"):
        typecheck.folders_for("no-such-package")
