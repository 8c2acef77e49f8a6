"""Objects through boto3: Put/Get/Head/Delete/Copy, metadata, ranges, digests, conditions."""

from __future__ import annotations

import base64
import hashlib
import http.client
from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_code(excinfo: Any) -> tuple[str, int]:
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def raw_request(
    server: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_put_get_head_round_trip_metadata(s3: Any) -> None:
    body = b"hello world"
    put = s3.put_object(
        Bucket="test",
        Key="docs/hello.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        Metadata={"Author": "ada", "note": "x y"},
        CacheControl="max-age=60",
        ContentDisposition='attachment; filename="h.txt"',
        ContentLanguage="en",
    )
    md5 = hashlib.md5(body).hexdigest()
    assert put["ETag"] == f'"{md5}"'
    got = s3.get_object(Bucket="test", Key="docs/hello.txt")
    assert got["Body"].read() == body
    assert got["ETag"] == f'"{md5}"'
    assert got["ContentType"] == "text/plain; charset=utf-8"
    assert got["Metadata"] == {"author": "ada", "note": "x y"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="h.txt"'
    assert got["ContentLanguage"] == "en"
    assert got["ContentLength"] == len(body)
    head = s3.head_object(Bucket="test", Key="docs/hello.txt")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == f'"{md5}"'
    assert head["LastModified"] == got["LastModified"]
    assert head["Metadata"] == {"author": "ada", "note": "x y"}


def test_default_content_type_and_empty_object(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="empty", Body=b"")
    got = s3.get_object(Bucket="test", Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_overwrite_replaces_body_and_metadata(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="k", Body=b"one", Metadata={"a": "1"})
    s3.put_object(Bucket="test", Key="k", Body=b"two!")
    got = s3.get_object(Bucket="test", Key="k")
    assert got["Body"].read() == b"two!"
    assert got["Metadata"] == {}


def test_missing_key_and_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="nope")
    assert error_code(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="no-such-bucket", Key="k")
    assert error_code(e) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    assert error_code(e) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="test", Key="nope")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_error_body_is_s3_xml(s3server: Any, s3: Any) -> None:
    status, headers, body = raw_request(s3server, "GET", "/test/missing")
    assert status == 404
    assert headers["content-type"] == "application/xml"
    assert b"<Error><Code>NoSuchKey</Code>" in body
    assert b"<Key>missing</Key>" in body
    assert b"<Resource>/test/missing</Resource>" in body
    assert headers["x-amz-request-id"].encode() in body


def test_delete_object_is_idempotent(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="gone", Body=b"x")
    assert s3.delete_object(Bucket="test", Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket="test", Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.head_object(Bucket="test", Key="gone")


def test_content_md5_checked(s3: Any) -> None:
    good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket="test", Key="ok", Body=b"data", ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="test", Key="bad", Body=b"data", ContentMD5=bad)
    assert error_code(e) == ("BadDigest", 400)
    with pytest.raises(ClientError):
        s3.head_object(Bucket="test", Key="bad")
    # A refused overwrite loses nothing: the stored object is untouched.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="test", Key="ok", Body=b"replacement", ContentMD5=bad)
    assert error_code(e) == ("BadDigest", 400)
    assert s3.get_object(Bucket="test", Key="ok")["Body"].read() == b"data"


def test_invalid_content_md5(s3server: Any, s3: Any) -> None:
    status, _, body = raw_request(s3server, "PUT", "/test/k", b"x", {"Content-MD5": "not base64!"})
    assert status == 400
    assert b"<Code>InvalidDigest</Code>" in body


def test_content_sha256_mismatch_is_refused(s3server: Any, s3: Any) -> None:
    status, _, body = raw_request(s3server, "PUT", "/test/k", b"abc", {"x-amz-content-sha256": "0" * 64})
    assert status == 400
    assert b"XAmzContentSHA256Mismatch" in body
    status, _, _ = raw_request(s3server, "GET", "/test/k")
    assert status == 404


def test_checksum_crc32_header_checked(s3server: Any, s3: Any) -> None:
    status, _, body = raw_request(s3server, "PUT", "/test/k", b"hello", {"x-amz-checksum-crc32": "AAAAAA=="})
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    status, _, _ = raw_request(s3server, "PUT", "/test/k", b"hello", {"x-amz-checksum-crc32": "NhCmhg=="})
    assert status == 200


def test_ranges(s3: Any) -> None:
    data = bytes(range(256)) * 4
    s3.put_object(Bucket="test", Key="r", Body=data)
    got = s3.get_object(Bucket="test", Key="r", Range="bytes=10-19")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes 10-19/{len(data)}"
    assert got["Body"].read() == data[10:20]
    assert s3.get_object(Bucket="test", Key="r", Range="bytes=1000-")["Body"].read() == data[1000:]
    assert s3.get_object(Bucket="test", Key="r", Range="bytes=-5")["Body"].read() == data[-5:]
    assert s3.get_object(Bucket="test", Key="r", Range="bytes=1020-5000")["Body"].read() == data[1020:]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="r", Range=f"bytes={len(data)}-")
    assert error_code(e) == ("InvalidRange", 416)


def test_unsatisfiable_range_reports_size(s3server: Any, s3: Any) -> None:
    s3.put_object(Bucket="test", Key="r", Body=b"12345")
    status, headers, body = raw_request(s3server, "GET", "/test/r", headers={"Range": "bytes=9-"})
    assert status == 416
    assert headers["content-range"] == "bytes */5"
    assert b"<Code>InvalidRange</Code>" in body


def test_large_object_streams_back(s3: Any) -> None:
    data = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32 + 7)
    s3.put_object(Bucket="test", Key="big", Body=data)
    got = s3.get_object(Bucket="test", Key="big")
    assert got["Body"].read() == data
    part = s3.get_object(Bucket="test", Key="big", Range="bytes=1048570-2097160")["Body"].read()
    assert part == data[1048570:2097161]


def test_conditional_get(s3: Any) -> None:
    etag = s3.put_object(Bucket="test", Key="c", Body=b"v1")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="c", IfNoneMatch=etag)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="test", Key="c", IfMatch='"0000"')
    assert error_code(e) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="test", Key="c", IfMatch=etag)["Body"].read() == b"v1"


def test_response_header_overrides(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket="test", Key="o", ResponseContentType="application/json", ResponseContentDisposition="inline"
    )
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "inline"


def test_copy_object_copies_or_replaces_metadata(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="src", Body=b"payload", ContentType="text/x-src", Metadata={"m": "1"})
    s3.create_bucket(Bucket="other")
    r = s3.copy_object(Bucket="other", Key="dst", CopySource={"Bucket": "test", "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"payload").hexdigest()}"'
    got = s3.get_object(Bucket="other", Key="dst")
    assert got["Body"].read() == b"payload"
    assert got["ContentType"] == "text/x-src"
    assert got["Metadata"] == {"m": "1"}
    s3.copy_object(
        Bucket="test",
        Key="src",
        CopySource={"Bucket": "test", "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"m": "2"},
        ContentType="text/new",
    )
    got = s3.get_object(Bucket="test", Key="src")
    assert got["Body"].read() == b"payload"
    assert got["Metadata"] == {"m": "2"}
    assert got["ContentType"] == "text/new"


def test_copy_to_itself_without_replace_is_refused(s3: Any) -> None:
    s3.put_object(Bucket="test", Key="self", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket="test", Key="self", CopySource={"Bucket": "test", "Key": "self"})
    assert error_code(e) == ("InvalidRequest", 400)


def test_copy_missing_source(s3: Any) -> None:
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket="test", Key="dst", CopySource={"Bucket": "test", "Key": "absent"})
    assert error_code(e) == ("NoSuchKey", 404)


def test_delete_objects(s3: Any) -> None:
    for k in ("a", "b", "c"):
        s3.put_object(Bucket="test", Key=k, Body=b"x")
    r = s3.delete_objects(Bucket="test", Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "b", "never"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="test").get("Contents", [])]
    assert keys == ["c"]
    r = s3.delete_objects(Bucket="test", Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in r
    assert s3.list_objects_v2(Bucket="test")["KeyCount"] == 0


def test_malformed_xml(s3server: Any, s3: Any) -> None:
    status, _, body = raw_request(s3server, "POST", "/test?delete", b"<Delete><Object>")
    assert status == 400 and b"MalformedXML" in body
    doc = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>'
    status, _, body = raw_request(s3server, "POST", "/test?delete", doc)
    assert status == 400 and b"MalformedXML" in body


def test_unimplemented_subresource(s3server: Any, s3: Any) -> None:
    status, _, body = raw_request(s3server, "GET", "/test?policy")
    assert status == 501 and b"<Code>NotImplemented</Code>" in body
    status, _, _ = raw_request(s3server, "GET", "/test")
    assert status == 200


def test_server_keeps_serving_after_bad_requests(s3server: Any, s3: Any) -> None:
    for path in ("/test/%ff%fe", "/..", "/UPPER/k", "/test?max-keys=abc"):
        status, _, _ = raw_request(s3server, "GET", path)
        assert 400 <= status < 500, path
    s3.put_object(Bucket="test", Key="still", Body=b"ok")
    assert s3.get_object(Bucket="test", Key="still")["Body"].read() == b"ok"
