"""Bucket operations: List/Create/Delete/Head buckets, listing objects, multi-object delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import _xml
from ._errors import S3Error
from ._listing import decode_token, encode_token, list_page, parse_max_keys
from ._names import check_bucket_name

if TYPE_CHECKING:
    from ._handler import S3Handler


def list_buckets(h: S3Handler) -> None:
    items = [
        "<Bucket>"
        + _xml.element("Name", b.name)
        + _xml.element("CreationDate", _xml.iso8601(b.created))
        + "</Bucket>"
        for b in h.s3.storage.buckets()
    ]
    h.send_xml("ListAllMyBucketsResult", [h.s3.owner_xml(), "<Buckets>", *items, "</Buckets>"])


def create_bucket(h: S3Handler) -> None:
    check_bucket_name(h.bucket)
    body = h.xml_body()
    if body.strip():
        _xml.parse(body, "CreateBucketConfiguration")
    h.s3.storage.create_bucket(h.bucket)
    h.set_header("Location", "/" + h.bucket)
    h.send_empty()


def delete_bucket(h: S3Handler) -> None:
    h.s3.storage.delete_bucket(h.bucket)
    h.s3.uploads.abort_bucket(h.bucket)
    h.send_empty(204)


def head_bucket(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    h.set_header("x-amz-bucket-region", h.s3.region)
    h.send_empty()


def get_location(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    region = "" if h.s3.region == "us-east-1" else h.s3.region
    h.send_xml("LocationConstraint", [_xml.escape(region)])


def get_versioning(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    h.send_xml("VersioningConfiguration", [])


def _encoder(h: S3Handler) -> Callable[[str], str]:
    encoding = h.arg("encoding-type")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise S3Error(
            "InvalidArgument", "Invalid Encoding Method specified in Request", ArgumentName="encoding-type"
        )
    return lambda text: quote(text, safe="/")


def list_objects(h: S3Handler, v2: bool) -> None:
    """ListObjects (v1: marker/NextMarker) and ListObjectsV2 (continuation-token/start-after)."""
    prefix = h.arg("prefix") or ""
    delimiter = h.arg("delimiter") or ""
    max_keys = parse_max_keys(h.arg("max-keys"))
    enc = _encoder(h)
    token = h.arg("continuation-token") if v2 else None
    start_after = (h.arg("start-after") or "") if v2 else ""
    if v2:
        marker = decode_token(token) if token is not None else start_after.encode("utf-8")
    else:
        marker = (h.arg("marker") or "").encode("utf-8")
    entries = h.s3.storage.list_entries(h.bucket, prefix.encode("utf-8"), marker)
    page = list_page(entries, prefix.encode("utf-8"), delimiter.encode("utf-8"), marker, max_keys)
    fetch_owner = not v2 or (h.arg("fetch-owner") or "").lower() == "true"
    owner = h.s3.owner_xml() if fetch_owner else ""
    out = [_xml.element("Name", h.bucket), _xml.element("Prefix", enc(prefix))]
    if v2:
        if token is not None:
            out.append(_xml.element("ContinuationToken", token))
        if start_after:
            out.append(_xml.element("StartAfter", enc(start_after)))
        out.append(_xml.element("KeyCount", len(page.contents) + len(page.common_prefixes)))
    else:
        out.append(_xml.element("Marker", enc(marker.decode("utf-8"))))
    out.append(_xml.element("MaxKeys", max_keys))
    if delimiter:
        out.append(_xml.element("Delimiter", enc(delimiter)))
    if h.arg("encoding-type") is not None:
        out.append(_xml.element("EncodingType", "url"))
    out.append(_xml.element("IsTruncated", page.truncated))
    if page.truncated and page.next_marker is not None:
        if v2:
            out.append(_xml.element("NextContinuationToken", encode_token(page.next_marker)))
        else:
            out.append(_xml.element("NextMarker", enc(page.next_marker.decode("utf-8"))))
    storage = h.s3.storage
    for entry in page.contents:
        info = storage.entry_info(h.bucket, entry)
        if info is None:
            continue
        out.append(
            "<Contents>"
            + _xml.element("Key", enc(entry.key))
            + _xml.element("LastModified", _xml.iso8601(info.mtime))
            + _xml.element("ETag", f'"{info.etag}"')
            + _xml.element("Size", info.size)
            + _xml.element("StorageClass", "STANDARD")
            + owner
            + "</Contents>"
        )
    for cp in page.common_prefixes:
        out.append("<CommonPrefixes>" + _xml.element("Prefix", enc(cp.decode("utf-8"))) + "</CommonPrefixes>")
    h.send_xml("ListBucketResult", out)


def list_uploads(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    prefix = h.arg("prefix") or ""
    uploads = [u for u in h.s3.uploads.list(h.bucket) if u.key.startswith(prefix)]
    owner = h.s3.owner_xml()
    out = [
        _xml.element("Bucket", h.bucket),
        _xml.element("KeyMarker", ""),
        _xml.element("UploadIdMarker", ""),
        _xml.element("Prefix", prefix),
        _xml.element("MaxUploads", 1000),
        _xml.element("IsTruncated", False),
    ]
    for u in uploads[:1000]:
        out.append(
            "<Upload>"
            + _xml.element("Key", u.key)
            + _xml.element("UploadId", u.upload_id)
            + "<Initiator>"
            + owner[7:-8]
            + "</Initiator>"
            + owner
            + _xml.element("StorageClass", "STANDARD")
            + _xml.element("Initiated", _xml.iso8601(u.initiated))
            + "</Upload>"
        )
    h.send_xml("ListMultipartUploadsResult", out)


def delete_objects(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    keys, quiet = _xml.parse_delete(h.xml_body())
    out = []
    for key in keys:
        try:
            h.s3.storage.delete_object(h.bucket, key)
        except S3Error as e:
            out.append(
                "<Error>"
                + _xml.element("Key", key)
                + _xml.element("Code", e.code)
                + _xml.element("Message", e.message)
                + "</Error>"
            )
            continue
        if not quiet:
            out.append("<Deleted>" + _xml.element("Key", key) + "</Deleted>")
    h.send_xml("DeleteResult", out)
