"""Object operations: Put/Get/Head/Copy/Delete and the multipart upload calls.

Each takes the handler, which has already routed the request, verified its signature and
set up the body receiver.  Bodies stream: a PUT writes into a temporary file as bytes arrive
(see ``_handler``), a GET larger than one read is sent in slices, each after the previous
one has drained.
"""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tornado.httputil import format_timestamp, parse_http_date

from . import _names, _xml
from ._errors import S3Error
from ._multipart import MAX_PARTS, Upload, copy_body, normalize_etag
from ._objfile import DEFAULT_CONTENT_TYPE, STORED_HEADERS, ObjectInfo
from ._store import TempFile

if TYPE_CHECKING:
    from ._handler import S3Handler

MAX_OBJECT_SIZE = 5 * 1024**3
MAX_METADATA = 2048
# A body up to this size is read and sent in one write; larger ones stream in READ_SIZE slices.
SMALL_BODY = 1024 * 1024
READ_SIZE = 256 * 1024
_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")
_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def _object_fields(h: S3Handler) -> tuple[str, dict[str, str], dict[str, str]]:
    """Content-Type, x-amz-meta-* and the other stored headers of the request."""
    headers = h.request.headers
    meta: dict[str, str] = {}
    size = 0
    for name, value in headers.get_all():
        lname = name.lower()
        if lname.startswith("x-amz-meta-"):
            short = lname[11:]
            meta[short] = meta[short] + "," + value if short in meta else value
            size += len(short) + len(value)
    if size > MAX_METADATA:
        raise S3Error("MetadataTooLarge", status=400, MaxSizeAllowed=str(MAX_METADATA))
    stored = {n: headers[n] for n in STORED_HEADERS if n in headers}
    ctype = headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    return ctype, meta, stored


def start_put(h: S3Handler, buffered: bool = False) -> TempFile:
    """Checks made before a PutObject/UploadPart body is accepted; returns the file it goes to.

    The bucket is opened once here (NoSuchBucket comes first) and held until the object is
    published; a ``buffered`` body (already in memory) creates its file only when complete.
    """
    temp = h.s3.storage.new_temp(h.bucket, buffered)
    try:
        _names.check_key(h.key)
        if h.has_arg("uploadId") or h.has_arg("partNumber"):
            _part_number(h)
            _upload(h)
        headers = h.request.headers
        length = headers.get("X-Amz-Decoded-Content-Length") or headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > MAX_OBJECT_SIZE:
            raise S3Error("EntityTooLarge", MaxSizeAllowed=str(MAX_OBJECT_SIZE))
    except BaseException:
        temp.discard()
        raise
    return temp


def put_object(h: S3Handler) -> None:
    ctype, meta, stored = _object_fields(h)
    h.body_done()
    temp = h.temp
    assert temp is not None
    info = ObjectInfo(temp.size, temp.md5.hexdigest(), time.time(), ctype, meta, stored)
    temp.finish(info)
    h.s3.storage.publish(temp, h.bucket, h.key)
    temp.discard()  # lets go of the bucket before the answer goes out
    h.set_header("ETag", f'"{info.etag}"')
    h.send_empty()


def _set_object_headers(h: S3Handler, info: ObjectInfo) -> None:
    h.set_header("Content-Type", info.content_type)
    h.set_header("ETag", f'"{info.etag}"')
    h.set_header("Last-Modified", format_timestamp(info.mtime))
    h.set_header("Accept-Ranges", "bytes")
    for name, value in info.headers.items():
        h.set_header(name, value)
    for name, value in info.metadata.items():
        h.set_header("x-amz-meta-" + name, value)


def _http_time(value: str) -> float | None:
    try:
        return parse_http_date(value).timestamp()
    except (ValueError, TypeError):
        return None


def _etag_matches(header: str, etag: str) -> bool:
    return any(c.strip() == "*" or normalize_etag(c) == etag for c in header.split(","))


def _check_conditions(h: S3Handler, info: ObjectInfo, prefix: str = "") -> int | None:
    """Status for S3's conditional headers: 412, 304 or None to go on (RFC 7232 precedence)."""
    headers = h.request.headers
    mtime = int(info.mtime)
    if_match = headers.get(prefix + "If-Match")
    if if_match is not None:
        if not _etag_matches(if_match, info.etag):
            return 412
    else:
        t = headers.get(prefix + "If-Unmodified-Since")
        when = _http_time(t) if t else None
        if when is not None and mtime > when:
            return 412
    if_none = headers.get(prefix + "If-None-Match")
    if if_none is not None:
        if _etag_matches(if_none, info.etag):
            return 304
    else:
        t = headers.get(prefix + "If-Modified-Since")
        when = _http_time(t) if t else None
        if when is not None and mtime <= when:
            return 304
    return None


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single byte range; None to send the whole body."""
    m = _RANGE_RE.fullmatch(value.strip())
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if not first and not last:
        return None
    if not first:
        n = int(last)
        if n == 0:
            raise S3Error("InvalidRange", ActualObjectSize=str(size), RangeRequested=value)
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise S3Error("InvalidRange", ActualObjectSize=str(size), RangeRequested=value)
    return start, min(end, size - 1)


def get_object(h: S3Handler, head: bool) -> Any:
    _names.check_key(h.key)
    fd, info = h.s3.storage.open_object(h.bucket, h.key)
    # The object's file is closed before the response is finished (or handed to _stream,
    # which does the same): a client that has its answer finds no descriptor left open.
    try:
        span = _answer_headers(h, info, head)
        if span is not None and span[1] > SMALL_BODY:
            stream_fd, fd = fd, -1
            return _stream(h, stream_fd, *span)
        data = os.pread(fd, span[1], span[0]) if span is not None else None
    finally:
        if fd >= 0:
            os.close(fd)
    if data is None:
        h.finish()
    else:
        h.finish(data)
    return None


def _answer_headers(h: S3Handler, info: ObjectInfo, head: bool) -> tuple[int, int] | None:
    """Status and headers of a GET/HEAD; the (start, length) of the body to send, if any."""
    status = _check_conditions(h, info)
    if status == 412:
        raise S3Error("PreconditionFailed", Condition="If-Match")
    _set_object_headers(h, info)
    if status == 304:
        for name in ("Content-Type", "Content-Length"):
            h.clear_header(name)
        h.set_status(304)
        return None
    if not head:
        for arg, header in _RESPONSE_OVERRIDES.items():
            value = h.arg(arg)
            if value is not None:
                h.set_header(header, value)
    start, end = 0, info.size - 1
    rng = h.request.headers.get("Range")
    if rng:
        parsed = _parse_range(rng, info.size)
        if parsed is not None:
            start, end = parsed
            h.set_status(206)
            h.set_header("Content-Range", f"bytes {start}-{end}/{info.size}")
    length = end - start + 1
    h.set_header("Content-Length", str(length))
    if head or length <= 0:
        return None
    return start, length


async def _stream(h: S3Handler, fd: int, start: int, length: int) -> None:
    """Send the body in slices, each once the previous has drained; the file is closed before
    the last slice goes out, so a client that has the whole body finds no descriptor open."""
    offset, end = start, start + length
    conn = h.request.connection
    try:
        while True:
            if conn is not None and getattr(conn, "closed", False):
                return
            data = os.pread(fd, min(READ_SIZE, end - offset), offset)
            if not data:
                raise S3Error("InternalError", "The object file is shorter than recorded.")
            offset += len(data)
            if offset >= end:
                break
            h.write(data)
            await h.flush()
    finally:
        os.close(fd)
    h.finish(data)


def delete_object(h: S3Handler) -> None:
    _names.check_key(h.key)
    h.s3.storage.delete_object(h.bucket, h.key)
    h.send_empty(204)


def _copy_source(h: S3Handler) -> tuple[str, str]:
    source = h.request.headers["X-Amz-Copy-Source"]
    source = source.partition("?")[0]
    try:
        source = unquote(source, errors="strict")
    except UnicodeDecodeError:
        raise S3Error(
            "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
        ) from None
    bucket, _, key = source.lstrip("/").partition("/")
    if not bucket or not key:
        raise S3Error(
            "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
        )
    return bucket, key


def copy_object(h: S3Handler) -> None:
    src_bucket, src_key = _copy_source(h)
    storage = h.s3.storage
    storage.bucket(h.bucket)
    _names.check_key(h.key)
    directive = (h.request.headers.get("X-Amz-Metadata-Directive") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.")
    if (src_bucket, src_key) == (h.bucket, h.key) and directive == "COPY":
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without "
            "changing the object's metadata, storage class, website redirect location or encryption attributes.",
        )
    fd, src = storage.open_object(src_bucket, src_key)
    temp = storage.new_temp()
    try:
        status = _check_conditions(h, src, "X-Amz-Copy-Source-")
        if status is not None:
            raise S3Error("PreconditionFailed", Condition="x-amz-copy-source conditions")
        copy_body(fd, src.size, temp)
        if directive == "REPLACE":
            ctype, meta, stored = _object_fields(h)
        else:
            ctype, meta, stored = src.content_type, src.metadata, src.headers
        info = ObjectInfo(
            temp.size, src.etag if "-" in src.etag else temp.md5.hexdigest(), time.time(), ctype, meta, stored
        )
        temp.finish(info)
        storage.publish(temp, h.bucket, h.key)
    finally:
        os.close(fd)
        temp.discard()
    h.set_header("ETag", f'"{info.etag}"')
    h.send_xml(
        "CopyObjectResult",
        [_xml.element("LastModified", _xml.iso8601(info.mtime)), _xml.element("ETag", f'"{info.etag}"')],
    )


# ---------------------------------------------------------------------- multipart


def _upload(h: S3Handler) -> Upload:
    upload_id = h.arg("uploadId") or ""
    return h.s3.uploads.get(upload_id, h.bucket, h.key)


def create_upload(h: S3Handler) -> None:
    h.s3.storage.bucket(h.bucket)
    _names.check_key(h.key)
    h.xml_body()
    ctype, meta, stored = _object_fields(h)
    upload = h.s3.uploads.create(Upload("", h.bucket, h.key, 0.0, ctype, meta, stored))
    h.send_xml(
        "InitiateMultipartUploadResult",
        [
            _xml.element("Bucket", h.bucket),
            _xml.element("Key", h.key),
            _xml.element("UploadId", upload.upload_id),
        ],
    )


def _part_number(h: S3Handler) -> int:
    value = h.arg("partNumber") or ""
    if not value.isdigit() or not 1 <= int(value) <= MAX_PARTS:
        raise S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
    return int(value)


def upload_part(h: S3Handler) -> None:
    number = _part_number(h)
    upload = _upload(h)
    if "X-Amz-Copy-Source" in h.request.headers:
        return _upload_part_copy(h, upload, number)
    h.body_done()
    temp = h.temp
    assert temp is not None
    info = h.s3.uploads.put_part(upload, number, temp)
    temp.discard()  # lets go of the bucket before the answer goes out
    h.set_header("ETag", f'"{info.etag}"')
    h.send_empty()
    return None


def _upload_part_copy(h: S3Handler, upload: Upload, number: int) -> None:
    src_bucket, src_key = _copy_source(h)
    storage = h.s3.storage
    fd, src = storage.open_object(src_bucket, src_key)
    temp = storage.new_temp()
    try:
        start, end = 0, src.size - 1
        rng = h.request.headers.get("X-Amz-Copy-Source-Range")
        if rng:
            m = _RANGE_RE.fullmatch(rng.strip())
            if (
                m is None
                or not m.group(1)
                or not m.group(2)
                or int(m.group(2)) < int(m.group(1))
                or int(m.group(2)) >= src.size
            ):
                raise S3Error(
                    "InvalidArgument",
                    "The x-amz-copy-source-range value must be of the form bytes=first-last within the object.",
                )
            start, end = int(m.group(1)), int(m.group(2))
        copy_body(fd, end - start + 1, temp, start)
        info = h.s3.uploads.put_part(upload, number, temp)
    finally:
        os.close(fd)
        temp.discard()
    h.send_xml(
        "CopyPartResult",
        [_xml.element("LastModified", _xml.iso8601(info.mtime)), _xml.element("ETag", f'"{info.etag}"')],
    )


def complete_upload(h: S3Handler) -> None:
    upload = _upload(h)
    requested = _xml.parse_complete(h.xml_body())
    info = h.s3.uploads.complete(upload, requested)
    location = f"{h.request.protocol}://{h.request.host}/{h.bucket}/{h.key}"
    h.send_xml(
        "CompleteMultipartUploadResult",
        [
            _xml.element("Location", location),
            _xml.element("Bucket", h.bucket),
            _xml.element("Key", h.key),
            _xml.element("ETag", f'"{info.etag}"'),
        ],
    )


def abort_upload(h: S3Handler) -> None:
    h.s3.uploads.abort(_upload(h))
    h.send_empty(204)


def list_parts(h: S3Handler) -> None:
    upload = _upload(h)
    marker_text = h.arg("part-number-marker") or "0"
    max_text = h.arg("max-parts") or "1000"
    if not marker_text.isdigit() or not max_text.isdigit():
        raise S3Error("InvalidArgument", "part-number-marker and max-parts must be integers")
    marker, max_parts = int(marker_text), min(int(max_text), 1000)
    parts = [(n, info) for n, info in h.s3.uploads.parts(upload) if n > marker]
    truncated = len(parts) > max_parts
    parts = parts[:max_parts]
    owner = h.s3.owner_xml()
    children = [
        _xml.element("Bucket", h.bucket),
        _xml.element("Key", h.key),
        _xml.element("UploadId", upload.upload_id),
        "<Initiator>" + owner[7:-8] + "</Initiator>",
        owner,
        _xml.element("StorageClass", "STANDARD"),
        _xml.element("PartNumberMarker", marker),
        _xml.element("NextPartNumberMarker", parts[-1][0] if parts else marker),
        _xml.element("MaxParts", max_parts),
        _xml.element("IsTruncated", truncated),
    ]
    for n, info in parts:
        children.append(
            "<Part>"
            + _xml.element("PartNumber", n)
            + _xml.element("LastModified", _xml.iso8601(info.mtime))
            + _xml.element("ETag", f'"{info.etag}"')
            + _xml.element("Size", info.size)
            + "</Part>"
        )
    h.send_xml("ListPartsResult", children)
