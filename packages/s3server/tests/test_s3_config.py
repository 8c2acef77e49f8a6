"""A wrong S3Application argument is refused at construction, by an error naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tornado.s3server import S3Application


@pytest.mark.parametrize("depth", [-1, 9, "2", 1.5, True, None])
def test_bucket_depth_must_be_a_small_int(tmp_path: Path, depth: Any) -> None:
    with pytest.raises(ValueError, match="bucket_depth"):
        S3Application(str(tmp_path), depth)


def test_root_directory_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="root_directory"):
        S3Application(str(tmp_path / "missing"))
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="root_directory"):
        S3Application(str(tmp_path / "file"))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"access_key": "AK"}, "access_key and secret_key"),
        ({"secret_key": "SK"}, "access_key and secret_key"),
        ({"access_key": "", "secret_key": "SK"}, "must not be empty"),
        ({"domains": "localhost"}, "domains"),
        ({"domains": ["localhost", ""]}, "domains"),
        ({"region": ""}, "region"),
    ],
)
def test_credentials_domains_and_region_are_checked(
    tmp_path: Path, kwargs: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        S3Application(str(tmp_path), **kwargs)


def test_depths_0_to_8_are_accepted(tmp_path: Path) -> None:
    for depth in (0, 8):
        app = S3Application(str(tmp_path), depth)
        assert app.storage.bucket_depth == depth
        assert not app.authenticated
        app.storage.close()
    app = S3Application(str(tmp_path), access_key="AK", secret_key="SK")
    assert app.authenticated
    app.storage.close()


def test_command_line_logging_keeps_its_format_and_skips_unused_fields() -> None:
    import subprocess
    import sys

    code = """
import logging
from tornado.s3server.__main__ import configure_logging
configure_logging()
seen = []
logging.getLogger().handlers[0].addFilter(lambda r: seen.append(r) or True)
logging.getLogger("tornado.access").info("%d %s %.2fms", 200, "GET /b/k (127.0.0.1)", 0.5)
r = seen[0]
print(r.funcName, r.threadName, r.processName, r.process)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["(unknown", "function)", "None", "None", "None"]
    line = out.stderr.strip()
    date, time, rest = line.split(" ", 2)
    assert (
        len(date) == 10 and len(time) == 12 and rest == "INFO tornado.access: 200 GET /b/k (127.0.0.1) 0.50ms"
    )
