"""Buckets and listings through boto3: ListObjects v1/v2 with every parameter, sort order,
encoding-type=url, and path-style and virtual-host addressing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def code(excinfo: Any) -> tuple[str, int]:
    r = excinfo.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("addressing", ["path", "virtual"])
@pytest.mark.parametrize("bucket_depth", [0, 2])
def test_bucket_lifecycle(start_s3: Any, addressing: str, bucket_depth: int) -> None:
    server = start_s3(bucket_depth=bucket_depth)
    s3 = server.client(addressing)
    seen: list[str] = []
    s3.meta.events.register(
        "before-send.s3",
        lambda request, **kw: seen.append(
            request.headers["Host"] if addressing == "virtual" else request.url
        ),
    )
    s3.create_bucket(Bucket="alpha")
    s3.create_bucket(Bucket="beta.two")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == ["alpha", "beta.two"]
    s3.head_bucket(Bucket="alpha")
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="alpha")
    assert code(e) == ("BucketAlreadyOwnedByYou", 409)
    s3.put_object(Bucket="alpha", Key="x/y", Body=b"1")
    assert s3.get_object(Bucket="alpha", Key="x/y")["Body"].read() == b"1"
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket="alpha")
    assert code(e) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket="alpha", Key="x/y")
    s3.delete_bucket(Bucket="alpha")
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket="alpha")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["beta.two"]
    if addressing == "virtual":
        assert any(h.startswith("alpha.localhost:") for h in seen), seen
    else:
        assert any("/alpha/x/y" in u for u in seen), seen


def test_bucket_depth_spreads_objects(start_s3: Any) -> None:
    server = start_s3(bucket_depth=2)
    s3 = server.client()
    s3.create_bucket(Bucket="deep")
    s3.put_object(Bucket="deep", Key="one", Body=b"1")
    files = [p for p in (server.root / "deep").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) == 1
    rel = files[0].relative_to(server.root / "deep").parts
    assert len(rel) == 3 and all(len(p) == 2 for p in rel[:2])
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="deep")["Contents"]] == ["one"]


def test_a_bucket_keeps_its_depth(start_s3: Any, tmp_path: Any) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    first = start_s3(root=root, bucket_depth=2)
    s3 = first.client()
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"v")
    second = start_s3(root=root, bucket_depth=0)
    assert second.client().get_object(Bucket="kept", Key="k")["Body"].read() == b"v"


def test_get_bucket_location(s3: Any) -> None:
    assert s3.get_bucket_location(Bucket="test")["LocationConstraint"] is None


@pytest.fixture
def listing(s3: Any) -> Any:
    keys = ["a", "a/", "a/b", "a/b/c", "a/c", "b/1", "b/2", "c", "z\u00e9", "z\u4e2d", "zz", "Z"]
    for k in keys:
        s3.put_object(Bucket="test", Key=k, Body=k.encode())
    return s3


def test_flat_keys_sorted_by_utf8_bytes(listing: Any) -> None:
    keys = [o["Key"] for o in listing.list_objects_v2(Bucket="test")["Contents"]]
    expected = sorted(
        ["a", "a/", "a/b", "a/b/c", "a/c", "b/1", "b/2", "c", "z\u00e9", "z\u4e2d", "zz", "Z"],
        key=lambda k: k.encode(),
    )
    assert keys == expected
    assert keys[0] == "Z"  # upper case sorts before lower case in bytes
    assert listing.get_object(Bucket="test", Key="a/")["Body"].read() == b"a/"
    assert listing.get_object(Bucket="test", Key="a/b")["Body"].read() == b"a/b"
    assert listing.get_object(Bucket="test", Key="a/b/c")["Body"].read() == b"a/b/c"


def test_prefix_and_delimiter(listing: Any) -> None:
    r = listing.list_objects_v2(Bucket="test", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["Z", "a", "c", "zz", "z\u00e9", "z\u4e2d"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/"]
    assert r["KeyCount"] == 8
    r = listing.list_objects_v2(Bucket="test", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/", "a/b", "a/c"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    r = listing.list_objects(Bucket="test", Prefix="b/")
    assert [o["Key"] for o in r["Contents"]] == ["b/1", "b/2"]
    assert r["Contents"][0]["Owner"]["DisplayName"] == "tornado"


def test_v1_pagination_with_marker(listing: Any) -> None:
    r = listing.list_objects(Bucket="test", MaxKeys=3, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["Z", "a"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/"]
    assert r["IsTruncated"] is True
    assert r["NextMarker"] == "a/"
    r = listing.list_objects(Bucket="test", MaxKeys=3, Delimiter="/", Marker="a/")
    assert [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["b/"]
    assert [o["Key"] for o in r["Contents"]] == ["c", "zz"]
    r = listing.list_objects(Bucket="test", Marker="z\u00e9")
    assert [o["Key"] for o in r["Contents"]] == ["z\u4e2d"]
    r = listing.list_objects(Bucket="test", Marker="z\u4e2d")
    assert "Contents" not in r and r["IsTruncated"] is False


def test_paginators_see_every_key_once(listing: Any) -> None:
    for op in ("list_objects", "list_objects_v2"):
        pages = listing.get_paginator(op).paginate(Bucket="test", PaginationConfig={"PageSize": 2})
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
        assert len(keys) == 12 and len(set(keys)) == 12, op
        pages = listing.get_paginator(op).paginate(
            Bucket="test", Delimiter="/", PaginationConfig={"PageSize": 2}
        )
        prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
        assert prefixes == ["a/", "b/"], op


def test_v2_start_after_and_continuation(listing: Any) -> None:
    r = listing.list_objects_v2(Bucket="test", StartAfter="b/1", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["b/2", "c"]
    assert r["StartAfter"] == "b/1"
    assert r["IsTruncated"] and r["NextContinuationToken"]
    r2 = listing.list_objects_v2(Bucket="test", ContinuationToken=r["NextContinuationToken"], MaxKeys=2)
    assert [o["Key"] for o in r2["Contents"]] == ["zz", "z\u00e9"]
    assert r2["ContinuationToken"] == r["NextContinuationToken"]
    assert "Owner" not in r2["Contents"][0]
    r3 = listing.list_objects_v2(Bucket="test", FetchOwner=True, MaxKeys=1)
    assert r3["Contents"][0]["Owner"]["DisplayName"] == "tornado"
    with pytest.raises(ClientError) as e:
        listing.list_objects_v2(Bucket="test", ContinuationToken="garbage!")
    assert code(e) == ("InvalidArgument", 400)


def test_max_keys_zero_and_invalid(listing: Any, s3server: Any) -> None:
    r = listing.list_objects_v2(Bucket="test", MaxKeys=0)
    assert r["KeyCount"] == 0 and "Contents" not in r
    with pytest.raises(ClientError) as e:
        listing.list_objects(Bucket="test", MaxKeys=-1)
    assert code(e) == ("InvalidArgument", 400)


def test_encoding_type_url(s3server: Any, s3: Any) -> None:
    import urllib.request

    key = "sp ace/+plus&amp\u00e9\x01"
    s3.put_object(Bucket="test", Key=key, Body=b"x")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="test")["Contents"]] == [key]
    with urllib.request.urlopen(s3server.url + "/test?list-type=2&encoding-type=url") as resp:
        body = resp.read().decode()
    assert "<Key>sp%20ace/%2Bplus%26amp%C3%A9%01</Key>" in body
    assert "<EncodingType>url</EncodingType>" in body
    with urllib.request.urlopen(s3server.url + "/test?list-type=2") as resp:
        body = resp.read().decode()
    assert "<Key>sp ace/+plus&amp;amp\u00e9&#x1;</Key>" in body


def test_long_keys(s3: Any) -> None:
    long_a = "x" * 1024
    long_b = "\u00e9" * 512  # 1024 UTF-8 bytes, 3072 escaped characters
    for k in (long_a, long_b, "x" * 200 + "/tail"):
        s3.put_object(Bucket="test", Key=k, Body=k.encode())
    for k in (long_a, long_b, "x" * 200 + "/tail"):
        assert s3.get_object(Bucket="test", Key=k)["Body"].read() == k.encode()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="test")["Contents"]]
    assert keys == sorted([long_a, long_b, "x" * 200 + "/tail"], key=lambda k: k.encode())
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="test", Prefix="x" * 201)["Contents"]] == [long_a]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="test", Key="y" * 1025, Body=b"")
    assert code(e) == ("KeyTooLongError", 400)
    for k in (long_a, long_b, "x" * 200 + "/tail"):
        s3.delete_object(Bucket="test", Key=k)
    s3.delete_bucket(Bucket="test")
