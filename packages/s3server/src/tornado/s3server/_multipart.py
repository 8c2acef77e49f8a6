"""Multipart uploads: parts kept apart until CompleteMultipartUpload joins them into one object.

An upload lives in ``.s3/uploads/<id>/``: ``upload.json`` (bucket, key, the object's
metadata) and one object file per part, named by its number.  Upload IDs are random hex
and are checked against that form before they touch the file system.  Complete copies
the listed parts into a temporary file and publishes it like any PutObject; the ETag is
S3's: the MD5 of the parts' binary MD5s, a dash, and the number of parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field

from ._errors import S3Error
from ._objfile import ObjectInfo, read_info, write_all
from ._store import Storage, TempFile, ensure_dir, open_dir, open_file

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10000
_ID_RE = re.compile(r"[0-9a-f]{32}")
_COPY_CHUNK = 1 << 20


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def multipart_etag(part_etags: list[str]) -> str:
    joined = b"".join(bytes.fromhex(e) for e in part_etags)
    return f"{hashlib.md5(joined).hexdigest()}-{len(part_etags)}"


def normalize_etag(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    return etag.strip('"')


class Uploads:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def _open(self, upload_id: str) -> int:
        if not _ID_RE.fullmatch(upload_id):
            raise S3Error("NoSuchUpload", UploadId=upload_id)
        try:
            return open_dir(upload_id, self.storage.uploads_fd)
        except OSError:
            raise S3Error("NoSuchUpload", UploadId=upload_id) from None

    def create(self, upload: Upload) -> Upload:
        self.storage.bucket(upload.bucket)
        upload.upload_id = secrets.token_hex(16)
        upload.initiated = time.time()
        fd = ensure_dir(upload.upload_id, self.storage.uploads_fd)
        try:
            doc = {
                "bucket": upload.bucket,
                "key": upload.key,
                "initiated": upload.initiated,
                "type": upload.content_type,
                "meta": upload.metadata,
                "headers": upload.headers,
            }
            mfd = os.open(
                "upload.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd
            )
            try:
                write_all(mfd, json.dumps(doc).encode("utf-8"))
            finally:
                os.close(mfd)
        finally:
            os.close(fd)
        return upload

    def _load(self, upload_id: str, fd: int) -> Upload:
        try:
            mfd = open_file("upload.json", fd)
        except OSError:
            raise S3Error("NoSuchUpload", UploadId=upload_id) from None
        try:
            chunks = []
            while True:
                data = os.read(mfd, 65536)
                if not data:
                    break
                chunks.append(data)
        finally:
            os.close(mfd)
        try:
            doc = json.loads(b"".join(chunks))
            return Upload(
                upload_id,
                str(doc["bucket"]),
                str(doc["key"]),
                float(doc["initiated"]),
                str(doc["type"]),
                dict(doc.get("meta") or {}),
                dict(doc.get("headers") or {}),
            )
        except (ValueError, KeyError, TypeError):
            raise S3Error("NoSuchUpload", UploadId=upload_id) from None

    def get(self, upload_id: str, bucket: str, key: str) -> Upload:
        """The upload, which must belong to ``bucket``/``key``; NoSuchUpload otherwise."""
        self.storage.bucket(bucket)
        fd = self._open(upload_id)
        try:
            upload = self._load(upload_id, fd)
        finally:
            os.close(fd)
        if upload.bucket != bucket or upload.key != key:
            raise S3Error("NoSuchUpload", UploadId=upload_id)
        return upload

    def put_part(self, upload: Upload, number: int, temp: TempFile) -> ObjectInfo:
        """Store a received part (its body already in ``temp``); returns its metadata."""
        info = ObjectInfo(size=temp.size, etag=temp.md5.hexdigest(), mtime=time.time())
        temp.finish(info)
        fd = self._open(upload.upload_id)
        try:
            os.rename(temp.name, f"{number:05d}", src_dir_fd=self.storage.tmp_fd, dst_dir_fd=fd)
            temp.name = ""
        finally:
            os.close(fd)
        return info

    def parts(self, upload: Upload) -> list[tuple[int, ObjectInfo]]:
        fd = self._open(upload.upload_id)
        out = []
        try:
            for entry in os.scandir(fd):
                if len(entry.name) == 5 and entry.name.isdigit():
                    try:
                        pfd = open_file(entry.name, fd)
                    except OSError:
                        continue
                    try:
                        out.append((int(entry.name), read_info(pfd)))
                    finally:
                        os.close(pfd)
        finally:
            os.close(fd)
        out.sort(key=lambda p: p[0])
        return out

    def complete(self, upload: Upload, requested: list[tuple[int, str]]) -> ObjectInfo:
        """Join the requested parts into the object; checks S3's rules on order, ETags and sizes."""
        previous = 0
        for number, _ in requested:
            if number <= previous:
                raise S3Error("InvalidPartOrder", UploadId=upload.upload_id)
            previous = number
        have = dict(self.parts(upload))
        chosen: list[tuple[int, ObjectInfo]] = []
        for number, etag in requested:
            info = have.get(number)
            if info is None or normalize_etag(etag) != info.etag:
                raise S3Error("InvalidPart", UploadId=upload.upload_id, PartNumber=str(number))
            chosen.append((number, info))
        for _, info in chosen[:-1]:
            if info.size < MIN_PART_SIZE:
                raise S3Error(
                    "EntityTooSmall", ProposedSize=str(info.size), MinSizeAllowed=str(MIN_PART_SIZE)
                )
        temp = self.storage.new_temp()
        try:
            fd = self._open(upload.upload_id)
            try:
                for number, info in chosen:
                    pfd = open_file(f"{number:05d}", fd)
                    try:
                        copy_body(pfd, info.size, temp)
                    finally:
                        os.close(pfd)
            finally:
                os.close(fd)
            result = ObjectInfo(
                size=temp.size,
                etag=multipart_etag([info.etag for _, info in chosen]),
                mtime=time.time(),
                content_type=upload.content_type,
                metadata=upload.metadata,
                headers=upload.headers,
            )
            temp.finish(result)
            self.storage.publish(temp, upload.bucket, upload.key)
        finally:
            temp.discard()
        self._remove(upload.upload_id)
        return result

    def abort(self, upload: Upload) -> None:
        self._remove(upload.upload_id)

    def _remove(self, upload_id: str) -> None:
        try:
            fd = self._open(upload_id)
        except S3Error:
            return
        try:
            for entry in list(os.scandir(fd)):
                try:
                    os.unlink(entry.name, dir_fd=fd)
                except OSError:
                    pass
        finally:
            os.close(fd)
        try:
            os.rmdir(upload_id, dir_fd=self.storage.uploads_fd)
        except OSError:
            pass

    def list(self, bucket: str) -> list[Upload]:
        out = []
        for entry in os.scandir(self.storage.uploads_fd):
            if not _ID_RE.fullmatch(entry.name):
                continue
            try:
                fd = self._open(entry.name)
            except S3Error:
                continue
            try:
                upload = self._load(entry.name, fd)
            except S3Error:
                continue
            finally:
                os.close(fd)
            if upload.bucket == bucket:
                out.append(upload)
        out.sort(key=lambda u: (u.key.encode("utf-8"), u.initiated))
        return out

    def abort_bucket(self, bucket: str) -> None:
        for upload in self.list(bucket):
            self._remove(upload.upload_id)


def copy_body(src: int, size: int, temp: TempFile, start: int = 0) -> None:
    """Copy ``size`` body bytes from ``src`` at ``start`` into ``temp`` (CopyObject, UploadPartCopy)."""
    offset = start
    end = start + size
    while offset < end:
        data = os.pread(src, min(_COPY_CHUNK, end - offset), offset)
        if not data:
            raise S3Error("InternalError", "A stored object is shorter than recorded.")
        temp.write(data)
        offset += len(data)
