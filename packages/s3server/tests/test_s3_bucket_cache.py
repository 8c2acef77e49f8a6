"""The parsed .bucket file is reused only while the file is the same one: a rewritten file, a
recreated bucket or a planted symlink is read again."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tornado.s3server import S3Error
from tornado.s3server._store import Storage


def test_bucket_info_follows_changes_of_its_file(tmp_path: Path) -> None:
    store = Storage(str(tmp_path), bucket_depth=2)
    try:
        store.create_bucket("photos")
        assert store.bucket("photos").depth == 2
        assert store.bucket("photos").depth == 2  # from the cache
        meta = tmp_path / "photos" / ".bucket"
        doc = json.loads(meta.read_text())
        meta.write_text(json.dumps({**doc, "depth": 3}) + " ")  # another size: another file state
        assert store.bucket("photos").depth == 3

        store.delete_bucket("photos")
        store.bucket_depth = 0
        store.create_bucket("photos")
        assert store.bucket("photos").depth == 0
    finally:
        store.close()


def test_a_symlinked_bucket_file_is_never_followed(tmp_path: Path) -> None:
    store = Storage(str(tmp_path), bucket_depth=1)
    try:
        store.create_bucket("docs")
        assert store.bucket("docs").depth == 1
        outside = tmp_path.parent / "planted.json"
        outside.write_text(json.dumps({"created": 1.0, "depth": 5}))
        meta = tmp_path / "docs" / ".bucket"
        meta.unlink()
        os.symlink(outside, meta)
        for _ in range(2):
            assert store.bucket("docs").depth == 0  # read as a hand-made (flat) bucket, not depth 5
    finally:
        store.close()


def test_an_invalid_bucket_name_is_refused_whatever_is_cached(tmp_path: Path) -> None:
    store = Storage(str(tmp_path))
    try:
        store.create_bucket("photos")
        assert store.bucket("photos").depth == 0
        (tmp_path / "Photos").mkdir()  # a directory whose name is not a bucket name
        for bad in ("Photos", "ph", "../photos"):
            try:
                store.bucket(bad)
            except S3Error as e:
                assert e.code == "InvalidBucketName", bad
            else:
                raise AssertionError(f"{bad!r} was accepted")
    finally:
        store.close()
