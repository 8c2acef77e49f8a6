"""Multipart uploads: boto3's upload_file/download_file (20 MB, multipart above 8 MB) and the
individual calls with S3's rules on part order, ETags and sizes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MB = 1024 * 1024


def code(excinfo: Any) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def expected_etag(data: bytes, part_size: int) -> str:
    parts = [data[i : i + part_size] for i in range(0, len(data), part_size)]
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


@pytest.mark.parametrize("addressing", ["path", "virtual"])
def test_upload_and_download_file_20mb(signed_s3: Any, tmp_path: Path, addressing: str) -> None:
    s3 = signed_s3.client(addressing)
    s3.create_bucket(Bucket="files")
    data = os.urandom(20 * MB)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    calls: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **kw: calls.append(model.name))
    s3.upload_file(
        str(src),
        "files",
        "big/file.bin",
        ExtraArgs={"Metadata": {"origin": "test"}, "ContentType": "application/x-test"},
    )
    assert "CreateMultipartUpload" in calls and "CompleteMultipartUpload" in calls
    assert calls.count("UploadPart") == 3
    head = s3.head_object(Bucket="files", Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == expected_etag(data, 8 * MB)
    assert head["Metadata"] == {"origin": "test"}
    assert head["ContentType"] == "application/x-test"
    dst = tmp_path / "dst.bin"
    s3.download_file(
        "files",
        "big/file.bin",
        str(dst),
        Config=TransferConfig(multipart_threshold=4 * MB, multipart_chunksize=4 * MB),
    )
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert s3.list_multipart_uploads(Bucket="files").get("Uploads", []) == []
    assert not any((signed_s3.root / ".s3" / "tmp").iterdir())


def test_multipart_calls_and_rules(s3: Any) -> None:
    up = s3.create_multipart_upload(Bucket="test", Key="mp", Metadata={"a": "b"})
    uid = up["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="test")["Uploads"]] == [uid]
    p1 = os.urandom(5 * MB)
    p2 = b"tail"
    e1 = s3.upload_part(Bucket="test", Key="mp", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket="test", Key="mp", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    assert e1 == f'"{hashlib.md5(p1).hexdigest()}"'
    parts = s3.list_parts(Bucket="test", Key="mp", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, e1, len(p1)), (2, e2, 4)]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket="test",
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]},
        )
    assert code(e) == "InvalidPartOrder"
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket="test",
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00"'}]},
        )
    assert code(e) == "InvalidPart"
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket="test",
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 3, "ETag": e2}]},
        )
    assert code(e) == "InvalidPart"
    small = s3.create_multipart_upload(Bucket="test", Key="small")["UploadId"]
    es = [
        s3.upload_part(Bucket="test", Key="small", UploadId=small, PartNumber=n, Body=b"x")["ETag"]
        for n in (1, 2)
    ]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket="test",
            Key="small",
            UploadId=small,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": es[0]}, {"PartNumber": 2, "ETag": es[1]}]},
        )
    assert code(e) == "EntityTooSmall"
    with pytest.raises(ClientError):
        s3.head_object(Bucket="test", Key="mp")  # nothing is visible before Complete
    done = s3.complete_multipart_upload(
        Bucket="test",
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
    )
    assert done["ETag"] == expected_etag(p1 + p2, 5 * MB)
    got = s3.get_object(Bucket="test", Key="mp")
    assert got["Body"].read() == p1 + p2
    assert got["Metadata"] == {"a": "b"}
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket="test", Key="mp", UploadId=uid)
    assert code(e) == "NoSuchUpload"
    s3.abort_multipart_upload(Bucket="test", Key="small", UploadId=small)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket="test", Key="small", UploadId=small, PartNumber=1, Body=b"x")
    assert code(e) == "NoSuchUpload"
    assert s3.list_multipart_uploads(Bucket="test").get("Uploads", []) == []


def test_upload_ids_are_checked(s3: Any) -> None:
    uid = s3.create_multipart_upload(Bucket="test", Key="k")["UploadId"]
    for bad in ("../../etc", "0" * 32, uid.upper()):
        with pytest.raises(ClientError) as e:
            s3.upload_part(Bucket="test", Key="k", UploadId=bad, PartNumber=1, Body=b"x")
        assert code(e) == "NoSuchUpload"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket="test", Key="other-key", UploadId=uid, PartNumber=1, Body=b"x")
    assert code(e) == "NoSuchUpload"
    for number in (0, 10001):
        with pytest.raises(ClientError) as e:
            s3.upload_part(Bucket="test", Key="k", UploadId=uid, PartNumber=number, Body=b"x")
        assert code(e) == "InvalidArgument"


def test_upload_part_copy(s3: Any) -> None:
    data = os.urandom(6 * MB)
    s3.put_object(Bucket="test", Key="source", Body=data)
    uid = s3.create_multipart_upload(Bucket="test", Key="copied")["UploadId"]
    r1 = s3.upload_part_copy(
        Bucket="test",
        Key="copied",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": "test", "Key": "source"},
        CopySourceRange=f"bytes=0-{5 * MB - 1}",
    )
    r2 = s3.upload_part_copy(
        Bucket="test",
        Key="copied",
        UploadId=uid,
        PartNumber=2,
        CopySource={"Bucket": "test", "Key": "source"},
        CopySourceRange=f"bytes={5 * MB}-{6 * MB - 1}",
    )
    s3.complete_multipart_upload(
        Bucket="test",
        Key="copied",
        UploadId=uid,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket="test", Key="copied")["Body"].read() == data


def test_deleting_a_bucket_drops_its_uploads(s3: Any, s3server: Any) -> None:
    s3.create_multipart_upload(Bucket="test", Key="pending")
    s3.delete_bucket(Bucket="test")
    assert list((s3server.root / ".s3" / "uploads").iterdir()) == []
