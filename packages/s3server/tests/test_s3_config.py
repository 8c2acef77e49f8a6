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
