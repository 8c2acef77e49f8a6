"""main() and ``python -m tornado.testing``: unittest's runner with tornado.options parsing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SAMPLE = """
import asyncio
import unittest
from tornado.testing import AsyncTestCase, gen_test


class Sample(AsyncTestCase):
    @gen_test
    async def test_passes(self):
        await asyncio.sleep(0)

    def test_also_passes(self):
        self.io_loop.add_callback(self.stop, "done")
        self.assertEqual(self.wait(), "done")
"""

FAILING = """
import unittest


class Failing(unittest.TestCase):
    def test_fails(self):
        self.assertEqual(1, 2)
"""


def run(tmp_path: Path, *args: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("ASYNC_TEST_TIMEOUT", None)
    cmd = [sys.executable, str(tmp_path / script)] if script else [sys.executable, "-m", "tornado.testing"]
    return subprocess.run([*cmd, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    (tmp_path / "sample_tests.py").write_text(SAMPLE)
    (tmp_path / "failing_tests.py").write_text(FAILING)
    return tmp_path


def test_python_m_tornado_testing_runs_the_named_module(modules: Path) -> None:
    done = run(modules, "sample_tests")
    assert done.returncode == 0, done.stderr
    assert "Ran 2 tests" in done.stderr and "OK" in done.stderr


def test_a_failure_gives_a_nonzero_status(modules: Path) -> None:
    done = run(modules, "sample_tests", "failing_tests")
    assert done.returncode == 1
    assert "Ran 3 tests" in done.stderr and "FAILED (failures=1)" in done.stderr


def test_verbose_option_lists_each_test(modules: Path) -> None:
    done = run(modules, "--verbose", "sample_tests.Sample.test_passes")
    assert done.returncode == 0, done.stderr
    assert "test_passes (sample_tests.Sample" in done.stderr
    assert "Ran 1 test" in done.stderr


def test_failfast_option_stops_at_the_first_failure(modules: Path) -> None:
    (modules / "two_failures.py").write_text(
        FAILING + "\n    def test_fails_too(self):\n        self.assertEqual(3, 4)\n"
    )
    done = run(modules, "--failfast", "two_failures")
    assert done.returncode == 1
    assert "Ran 1 test" in done.stderr


def test_an_unknown_option_is_an_error_naming_it(modules: Path) -> None:
    done = run(modules, "--no-such-option", "sample_tests")
    assert done.returncode != 0
    assert "no_such_option" in done.stderr or "no-such-option" in done.stderr


def test_a_script_with_all_runs_that_suite(tmp_path: Path) -> None:
    (tmp_path / "sample_tests.py").write_text(SAMPLE)
    (tmp_path / "runtests.py").write_text(
        textwrap.dedent(
            """
            import unittest
            import tornado.testing

            def all():
                return unittest.defaultTestLoader.loadTestsFromName("sample_tests.Sample.test_passes")

            if __name__ == "__main__":
                tornado.testing.main(verbosity=2)
            """
        )
    )
    done = run(tmp_path, script="runtests.py")
    assert done.returncode == 0, done.stderr
    assert "Ran 1 test" in done.stderr and "test_passes" in done.stderr


def test_nothing_to_run_says_how_to_name_tests(tmp_path: Path) -> None:
    done = run(tmp_path)
    assert done.returncode == 2
    assert "no tests to run" in done.stderr and "all()" in done.stderr
