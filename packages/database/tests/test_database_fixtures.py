"""The MySQL test fixtures skip without a server, but fail under CI=true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def _run_mysql_test(ci: str | None) -> subprocess.CompletedProcess[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TORNADO_TEST_MYSQL"] = f"root@127.0.0.1:{port}/test"
    if ci is not None:
        env["CI"] = ci
    target = Path(__file__).with_name("test_database_mysql.py")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rs",
            "-q",
            "-k",
            "session_settings",
            str(target),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=100,
    )


@pytest.mark.parametrize("ci", [None, "false"])
def test_unreachable_server_skips_with_reason(ci: str | None) -> None:
    pytest.importorskip("MySQLdb")
    out = _run_mysql_test(ci)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 skipped" in out.stdout
    assert "MySQL not available: cannot connect to 127.0.0.1:" in out.stdout


def test_unreachable_server_fails_under_ci() -> None:
    pytest.importorskip("MySQLdb")
    out = _run_mysql_test("true")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 failed" in out.stdout or "1 error" in out.stdout
    assert "MySQL required when CI=true" in out.stdout
