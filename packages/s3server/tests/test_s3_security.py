"""No key, bucket name or planted symlink reaches outside the root; bucket names follow S3's rules."""

from __future__ import annotations

import http.client
import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tornado.s3server._names import (
    bucket_name_error,
    is_continuation_name,
    is_object_name,
    key_to_parts,
    name_to_key_bytes,
)

NASTY_KEYS = [
    "..",
    ".",
    "../outside",
    "../../../../etc/passwd",
    "a/../../b",
    "/absolute/path",
    "//double",
    "back\\slash\\..\\..\\x",
    "nul\x00byte",
    ".hidden",
    "trailing/",
    "~tilde~",
    "%2e%2e/%2e%2e/escaped",
    "..\\..\\windows",
]


def files_outside(root: Path, before: set[str]) -> set[str]:
    """Every entry of root's parent that is new: anything a request created outside the root."""
    return {p for p in os.listdir(root.parent)} - before


def raw(server: Any, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_names_are_single_safe_components() -> None:
    for key in [*NASTY_KEYS, "\u00e9\u4e2d", "x" * 1024, "\u00e9" * 512, "." * 300]:
        parts = key_to_parts(key)
        for i, part in enumerate(parts):
            assert part not in (".", "..") and not part.startswith(".")
            assert "/" not in part and "\\" not in part and "\x00" not in part
            assert len(part.encode()) <= 255
            if i < len(parts) - 1:
                assert is_continuation_name(part) and not is_object_name(part)
            else:
                assert is_object_name(part) and not is_continuation_name(part)
        decoded = b"".join(name_to_key_bytes(p.rstrip("~")) for p in parts)
        assert decoded == key.encode("utf-8")


@pytest.mark.parametrize("bucket_depth", [0, 1])
def test_nasty_keys_stay_inside_the_bucket(start_s3: Any, bucket_depth: int) -> None:
    server = start_s3(bucket_depth=bucket_depth)
    s3 = server.client()
    s3.create_bucket(Bucket="safe")
    before = set(os.listdir(server.root.parent))
    for key in NASTY_KEYS:
        s3.put_object(Bucket="safe", Key=key, Body=key.encode())
    for key in NASTY_KEYS:
        assert s3.get_object(Bucket="safe", Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="safe")["Contents"]]
    assert sorted(listed) == sorted(NASTY_KEYS)
    assert files_outside(server.root, before) == set()
    bucket_dir = (server.root / "safe").resolve()
    for path in server.root.rglob("*"):
        assert path.resolve().is_relative_to(server.root.resolve())
        if path.is_file() and not path.name.startswith(".") and ".s3" not in path.parts:
            assert path.resolve().is_relative_to(bucket_dir)
    for key in NASTY_KEYS:
        s3.delete_object(Bucket="safe", Key=key)
    s3.delete_bucket(Bucket="safe")


def test_raw_traversal_paths_are_refused_or_confined(s3server: Any, s3: Any, tmp_path: Path) -> None:
    secret = s3server.root.parent / "secret.txt"
    secret.write_text("top secret")
    targets = [
        "/test/../secret.txt",
        "/test/%2e%2e/secret.txt",
        "/test/..%2fsecret.txt",
        "/test/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/test/..%5csecret.txt",
        "/test/%00",
        "/test//" + str(secret),
        "/" + str(secret),
    ]
    for target in targets:
        status, body = raw(s3server, "GET", target)
        assert status in (400, 404), (target, status)
    for target in targets:
        status, body = raw(s3server, "PUT", target, b"overwritten")
        assert status in (200, 400, 404), (target, status)
    for target in targets:
        status, body = raw(s3server, "GET", target)
        assert (status, body) == (200, b"overwritten") or status in (400, 404), (target, status)
    assert secret.read_text() == "top secret"
    assert not (s3server.root.parent / "secret.txt.tmp").exists()


def test_planted_symlinks_are_not_followed(s3server: Any, s3: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "loot").write_text("outside data")
    s3.put_object(Bucket="test", Key="real", Body=b"inside")
    root = s3server.root
    os.symlink(outside, root / "linked")  # a bucket that is a symlink
    os.symlink(outside / "loot", root / "test" / "loot")  # an object that is a symlink
    os.symlink(outside, root / "test" / "dir~")  # a continuation directory that is a symlink
    os.mkfifo(root / "test" / "fifo")  # opening it must not block the server
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="linked", Key="loot")
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="linked", Key="new", Body=b"x")
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="loot")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="fifo")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert "linked" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="test")["Contents"]] == ["real"]
    s3.put_object(Bucket="test", Key="loot", Body=b"replaced")  # replaces the link, not its target
    assert (outside / "loot").read_text() == "outside data"
    assert s3.get_object(Bucket="test", Key="loot")["Body"].read() == b"replaced"
    s3.delete_object(Bucket="test", Key="real")
    assert os.listdir(outside) == ["loot"]


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Upper",
        "under_score",
        "-start",
        "end-",
        ".start",
        "end.",
        "a..b",
        "a.-b",
        "a-.b",
        "192.168.1.1",
        "xn--abc",
        "bucket-s3alias",
        "sp ace",
        "..",
        "caf\u00e9",
    ],
)
def test_invalid_bucket_names(s3server: Any, name: str) -> None:
    assert bucket_name_error(name) is not None
    status, body = raw(s3server, "PUT", "/" + name.replace(" ", "%20").replace("\u00e9", "%C3%A9"))
    assert status == 400
    assert b"<Code>InvalidBucketName</Code>" in body


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my-bucket.example", "1bucket", "a-b-c", "192.168.1.1a"])
def test_valid_bucket_names(name: str) -> None:
    assert bucket_name_error(name) is None
