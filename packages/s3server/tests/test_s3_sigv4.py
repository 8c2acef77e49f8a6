"""AWS Signature Version 4: AWS's published examples, boto3 with and without the right keys,
presigned URLs, clock skew, and aws-chunked bodies (signed chunks, unsigned trailers)."""

from __future__ import annotations

import base64
import calendar
import hashlib
import time
import urllib.error
import urllib.request
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tornado.httputil import HTTPHeaders
from tornado.s3server import S3Error
from tornado.s3server._body import BodyReceiver, BufferSink
from tornado.s3server._sigv4 import Verifier

# The examples of AWS's "Authenticating Requests (AWS Signature Version 4)" for S3.
DOC_AK = "AKIAIOSFODNN7EXAMPLE"
DOC_SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_NOW = calendar.timegm((2013, 5, 24, 0, 0, 0))
DOC_CREDENTIAL = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"


def doc_verifier(offset: float = 0.0) -> Verifier:
    return Verifier({DOC_AK: DOC_SK}, now=lambda: DOC_NOW + offset)


def headers(**values: str) -> HTTPHeaders:
    h = HTTPHeaders()
    for k, v in values.items():
        h[k.replace("_", "-")] = v
    return h


def doc_get_headers(
    signature: str = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
) -> HTTPHeaders:
    return headers(
        Host="examplebucket.s3.amazonaws.com",
        Range="bytes=0-9",
        x_amz_content_sha256=hashlib.sha256(b"").hexdigest(),
        x_amz_date="20130524T000000Z",
        Authorization=f"AWS4-HMAC-SHA256 Credential={DOC_CREDENTIAL},"
        f"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature={signature}",
    )


def code_of(call: Any) -> str:
    with pytest.raises(S3Error) as e:
        call()
    return e.value.code


def test_doc_example_get_object() -> None:
    ctx = doc_verifier().verify("GET", "/test.txt", "", doc_get_headers())
    assert ctx.access_key == DOC_AK
    bad = doc_get_headers("0" * 64)
    assert code_of(lambda: doc_verifier().verify("GET", "/test.txt", "", bad)) == "SignatureDoesNotMatch"
    # Anything signed that differs gives a different signature: method, path, a signed header.
    assert (
        code_of(lambda: doc_verifier().verify("HEAD", "/test.txt", "", doc_get_headers()))
        == "SignatureDoesNotMatch"
    )
    assert (
        code_of(lambda: doc_verifier().verify("GET", "/test.txt2", "", doc_get_headers()))
        == "SignatureDoesNotMatch"
    )
    changed = doc_get_headers()
    changed["Range"] = "bytes=0-10"
    assert code_of(lambda: doc_verifier().verify("GET", "/test.txt", "", changed)) == "SignatureDoesNotMatch"


def test_doc_example_clock_skew() -> None:
    assert (
        code_of(lambda: doc_verifier(16 * 60).verify("GET", "/test.txt", "", doc_get_headers()))
        == "RequestTimeTooSkewed"
    )
    assert (
        code_of(lambda: doc_verifier(-16 * 60).verify("GET", "/test.txt", "", doc_get_headers()))
        == "RequestTimeTooSkewed"
    )
    doc_verifier(14 * 60).verify("GET", "/test.txt", "", doc_get_headers())


def test_doc_example_presigned_url() -> None:
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    h = headers(Host="examplebucket.s3.amazonaws.com")
    doc_verifier().verify("GET", "/test.txt", query, h)
    doc_verifier(86399).verify("GET", "/test.txt", query, h)
    assert code_of(lambda: doc_verifier(86401).verify("GET", "/test.txt", query, h)) == "AccessDenied"
    tampered = query.replace("X-Amz-Expires=86400", "X-Amz-Expires=86401")
    assert code_of(lambda: doc_verifier().verify("GET", "/test.txt", tampered, h)) == "SignatureDoesNotMatch"
    assert code_of(lambda: doc_verifier().verify("GET", "/other.txt", query, h)) == "SignatureDoesNotMatch"


def test_presigned_url_clock_skew_and_expiry_bounds() -> None:
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    h = headers(Host="examplebucket.s3.amazonaws.com")
    # Signed by a clock up to 15 minutes ahead of the server's: accepted; further ahead: not yet valid.
    doc_verifier(-14 * 60).verify("GET", "/test.txt", query, h)
    with pytest.raises(S3Error) as e:
        doc_verifier(-16 * 60).verify("GET", "/test.txt", query, h)
    assert (e.value.code, e.value.status) == ("AccessDenied", 403)
    assert "not valid yet" in str(e.value)
    # X-Amz-Expires outside 1 second .. 7 days is refused before the signature is looked at.
    for expires in ("0", "604801", "soon"):
        bad = query.replace("X-Amz-Expires=86400", f"X-Amz-Expires={expires}")
        with pytest.raises(S3Error) as e:
            doc_verifier().verify("GET", "/test.txt", bad, h)
        assert (e.value.code, e.value.status) == ("AuthorizationQueryParametersError", 400), expires


def test_unknown_key_and_missing_signature() -> None:
    v = Verifier({"OTHER": "x"}, now=lambda: DOC_NOW)
    assert code_of(lambda: v.verify("GET", "/test.txt", "", doc_get_headers())) == "InvalidAccessKeyId"
    assert code_of(lambda: v.verify("GET", "/test.txt", "", headers(Host="h"))) == "AccessDenied"
    v2 = headers(Host="h", Authorization="AWS AKID:sig")
    assert code_of(lambda: v.verify("GET", "/test.txt", "", v2)) == "InvalidRequest"


def doc_chunked() -> tuple[HTTPHeaders, bytes]:
    """AWS's chunked-upload example: 64 KiB and 1 KiB of 'a', each chunk signed in a chain."""
    h = headers(
        Host="s3.amazonaws.com",
        x_amz_date="20130524T000000Z",
        x_amz_storage_class="REDUCED_REDUNDANCY",
        x_amz_content_sha256="STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        Content_Encoding="aws-chunked",
        x_amz_decoded_content_length="66560",
        Content_Length="66824",
        Authorization=f"AWS4-HMAC-SHA256 Credential={DOC_CREDENTIAL},SignedHeaders=content-encoding;content-length;"
        "host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    )
    body = (
        b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
        + b"a" * 65536
        + b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
        + b"a" * 1024
        + b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
    )
    assert len(body) == 66824
    return h, body


@pytest.mark.parametrize("piece", [1, 7, 4096, 100000])
def test_doc_example_signed_chunks(piece: int) -> None:
    h, body = doc_chunked()
    ctx = doc_verifier().verify("PUT", "/examplebucket/chunkObject.txt", "", h)
    sink = BufferSink()
    receiver = BodyReceiver(h, sink, 10**6, ctx)
    for i in range(0, len(body), piece):
        receiver.feed(body[i : i + piece])
    receiver.finish()
    assert sink.getvalue() == b"a" * 66560


def test_tampered_chunk_is_refused() -> None:
    h, body = doc_chunked()
    ctx = doc_verifier().verify("PUT", "/examplebucket/chunkObject.txt", "", h)
    receiver = BodyReceiver(h, BufferSink(), 10**6, ctx)
    bad = body.replace(b"a" * 1024, b"b" + b"a" * 1023)
    with pytest.raises(S3Error) as e:
        receiver.feed(bad)
        receiver.finish()
    assert e.value.code == "SignatureDoesNotMatch"


def test_truncated_chunked_body_is_incomplete() -> None:
    h, body = doc_chunked()
    ctx = doc_verifier().verify("PUT", "/examplebucket/chunkObject.txt", "", h)
    receiver = BodyReceiver(h, BufferSink(), 10**6, ctx)
    receiver.feed(body[: 70000 - 4000])
    with pytest.raises(S3Error) as e:
        receiver.finish()
    assert e.value.code == "IncompleteBody"


def test_unsigned_chunked_body_with_crc32_trailer() -> None:
    data = b"hello, trailer" * 1000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    h = headers(
        x_amz_content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        Content_Encoding="aws-chunked",
        x_amz_trailer="x-amz-checksum-crc32",
        x_amz_decoded_content_length=str(len(data)),
    )
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n" % (5000, data[:5000], len(data) - 5000, data[5000:])
    good = body + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    sink = BufferSink()
    r = BodyReceiver(h, sink, 10**6)
    r.feed(good)
    r.finish()
    assert sink.getvalue() == data
    r = BodyReceiver(h, BufferSink(), 10**6)
    r.feed(body + b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n")
    with pytest.raises(S3Error) as e:
        r.finish()
    assert e.value.code == "BadDigest"


# ---------------------------------------------------------------------- live, through boto3


@pytest.fixture
def signed(signed_s3: Any) -> Any:
    return signed_s3


@pytest.mark.parametrize("addressing", ["path", "virtual"])
def test_boto3_with_the_right_keys(signed: Any, addressing: str) -> None:
    s3 = signed.client(addressing)
    s3.create_bucket(Bucket="sig")
    s3.put_object(Bucket="sig", Key="dir/with space+plus/\u00e9", Body=b"signed body", Metadata={"k": "v"})
    got = s3.get_object(Bucket="sig", Key="dir/with space+plus/\u00e9")
    assert got["Body"].read() == b"signed body"
    listed = s3.list_objects_v2(Bucket="sig", Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["dir/with space+plus/"]
    s3.delete_objects(Bucket="sig", Delete={"Objects": [{"Key": "dir/with space+plus/\u00e9"}]})
    s3.delete_bucket(Bucket="sig")


def test_wrong_secret_or_key_is_refused(signed: Any) -> None:
    signed.client().create_bucket(Bucket="sig")
    with pytest.raises(ClientError) as e:
        signed.client(secret_key="wrong").list_objects_v2(Bucket="sig")
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as e:
        signed.client(secret_key="wrong").put_object(Bucket="sig", Key="k", Body=b"x")
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        signed.client(access_key="NOBODY").list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    with pytest.raises(urllib.error.HTTPError) as he:
        urllib.request.urlopen(signed.url + "/sig")
    assert he.value.code == 403 and b"<Code>AccessDenied</Code>" in he.value.read()
    assert "k" not in [o["Key"] for o in signed.client().list_objects_v2(Bucket="sig").get("Contents", [])]


def test_server_clock_skew(signed: Any) -> None:
    s3 = signed.client()
    s3.create_bucket(Bucket="sig")
    signed.app.s3.verifier._now = lambda: time.time() + 3600
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket="sig")
    assert e.value.response["Error"]["Code"] == "RequestTimeTooSkewed"


def test_presigned_urls(signed: Any) -> None:
    s3 = signed.client()
    s3.create_bucket(Bucket="sig")
    s3.put_object(Bucket="sig", Key="shared file.txt", Body=b"for your eyes")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "sig", "Key": "shared file.txt"}, ExpiresIn=300
    )
    with urllib.request.urlopen(url) as resp:
        assert resp.read() == b"for your eyes"
    with pytest.raises(urllib.error.HTTPError) as he:
        urllib.request.urlopen(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    assert he.value.code == 403 and b"SignatureDoesNotMatch" in he.value.read()
    signed.app.s3.verifier._now = lambda: time.time() + 301
    with pytest.raises(urllib.error.HTTPError) as he:
        urllib.request.urlopen(url)
    assert he.value.code == 403 and b"Request has expired" in he.value.read()
    signed.app.s3.verifier._now = time.time
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "sig", "Key": "uploaded"}, ExpiresIn=60
    )
    req = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    assert s3.get_object(Bucket="sig", Key="uploaded")["Body"].read() == b"via presigned put"
