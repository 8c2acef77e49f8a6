"""The object file: the body, then a JSON trailer with the object's ETag and metadata.

Body and metadata live in one file so that a single ``rename`` publishes both at once: a
reader sees the old object or the new one, never a body without its metadata.  The trailer
comes last because the ETag (the body's MD5) is only known once the body has been written;
the file ends with the trailer's length and a magic marker.  A plain file without a trailer
(dropped into a bucket by hand) is served as an object whose ETag is computed from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

MAGIC = b"TS3\x01"
_TAIL = struct.Struct(">I4s")
MAX_TRAILER = 1 << 20
_TAIL_READ = 4096
# Headers S3 stores with an object and sends back on GET/HEAD.
STORED_HEADERS = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
DEFAULT_CONTENT_TYPE = "binary/octet-stream"


@dataclass
class ObjectInfo:
    """What S3 says about an object besides its body."""

    size: int
    etag: str  # unquoted: hex MD5, or "hex-N" for a multipart object
    mtime: float
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: dict[str, str] = field(default_factory=dict)  # x-amz-meta-<name> (lower case) -> value
    headers: dict[str, str] = field(default_factory=dict)  # STORED_HEADERS present on the object

    def trailer(self) -> bytes:
        if not self.metadata and not self.headers and type(self.mtime) is float:
            # The usual PUT: the same bytes json.dumps gives, without its encoder's overhead.
            text = (
                '{"etag":'
                + _quote(self.etag)
                + ',"mtime":'
                + float.__repr__(self.mtime)
                + ',"type":'
                + _quote(self.content_type)
                + "}"
            )
            data = text.encode("ascii")
            return data + _TAIL.pack(len(data), MAGIC)
        doc: dict[str, Any] = {"etag": self.etag, "mtime": self.mtime, "type": self.content_type}
        if self.metadata:
            doc["meta"] = self.metadata
        if self.headers:
            doc["headers"] = self.headers
        data = json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        return data + _TAIL.pack(len(data), MAGIC)


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def read_info(fd: int, st: os.stat_result | None = None) -> ObjectInfo:
    """The metadata of the object file open on ``fd`` (a regular file; ``st`` its fstat, if known)."""
    if st is None:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileNotFoundError("not a regular file")
    total = st.st_size
    if total >= _TAIL.size:
        # One read usually brings the whole trailer along with its length and marker.
        tail = os.pread(fd, min(total, _TAIL_READ), total - min(total, _TAIL_READ))
        length, magic = (
            _TAIL.unpack_from(tail, len(tail) - _TAIL.size) if len(tail) >= _TAIL.size else (0, b"")
        )
        if magic == MAGIC and length <= MAX_TRAILER and length + _TAIL.size <= total:
            if length + _TAIL.size <= len(tail):
                raw = tail[len(tail) - _TAIL.size - length : len(tail) - _TAIL.size]
            else:
                raw = os.pread(fd, length, total - _TAIL.size - length)
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("etag"), str):
                mtime = doc.get("mtime")
                ctype = doc.get("type")
                return ObjectInfo(
                    size=total - _TAIL.size - length,
                    etag=doc["etag"],
                    mtime=float(mtime) if isinstance(mtime, (int, float)) else st.st_mtime,
                    content_type=ctype if isinstance(ctype, str) else DEFAULT_CONTENT_TYPE,
                    metadata=_str_dict(doc.get("meta")),
                    headers=_str_dict(doc.get("headers")),
                )
    # A plain file: its whole content is the body.
    md5 = hashlib.md5()
    offset = 0
    while offset < total:
        chunk = os.pread(fd, min(1 << 20, total - offset), offset)
        if not chunk:
            break
        md5.update(chunk)
        offset += len(chunk)
    return ObjectInfo(size=total, etag=md5.hexdigest(), mtime=st.st_mtime)


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_IOV_MAX = min(os.sysconf("SC_IOV_MAX"), 1024) if hasattr(os, "sysconf") else 16


def writev_all(fd: int, pieces: list[bytes | memoryview]) -> None:
    """Write ``pieces`` in order, as few ``writev`` calls as the system allows."""
    i = 0
    while i < len(pieces):
        batch = pieces[i : i + _IOV_MAX]
        n = os.writev(fd, batch)
        total = sum(len(p) for p in batch)
        if n < total:  # a short write: finish this batch piece by piece
            for p in batch:
                if n >= len(p):
                    n -= len(p)
                    continue
                write_all(fd, memoryview(p)[n:])
                n = 0
        i += len(batch)
