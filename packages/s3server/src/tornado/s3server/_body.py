"""Request bodies as they arrive: aws-chunked decoding and every integrity check S3 makes.

:class:`BodyReceiver` takes the raw body in pieces of any size (all at once, or chunk by
chunk from a streaming handler) and passes the decoded bytes to a sink.  It checks what the
request declared: the ``x-amz-content-sha256`` hash, the chunk signatures of a signed
aws-chunked body, ``Content-MD5`` and ``x-amz-checksum-*`` (as a header or an aws-chunked
trailer), the decoded length.  Nothing is published before :meth:`BodyReceiver.finish`
has passed, so a body that fails a check never becomes an object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from typing import Any, Protocol

from . import _sigv4
from ._errors import S3Error

_MAX_LINE = 4096
_CHECKSUMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")


class Sink(Protocol):
    md5: Any

    def write(self, data: bytes | memoryview) -> None: ...


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | memoryview) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def _checksum_hasher(algorithm: str) -> Any:
    if algorithm == "crc32":
        return _Crc32()
    if algorithm in ("sha1", "sha256"):
        return hashlib.new(algorithm)
    return None  # crc32c and crc64nvme: accepted, not computed (no stdlib implementation)


def parse_content_md5(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise S3Error("InvalidDigest", Content_MD5=value)
    return digest


class BodyReceiver:
    """Decodes and checks one request body; call :meth:`feed` with raw bytes, then :meth:`finish`."""

    def __init__(
        self, headers: Any, sink: Sink, limit: int, signing: _sigv4.SigningContext | None = None
    ) -> None:
        self.sink = sink
        self.limit = limit
        self.size = 0
        get = headers.get
        declared = get("X-Amz-Content-SHA256") or (signing.payload_hash if signing else None)
        encoding = (get("Content-Encoding") or "").lower()
        self.chunked = (declared or "").startswith("STREAMING-") or "aws-chunked" in encoding
        self._sha256: Any = None
        self._expected_sha256 = ""
        if declared and len(declared) == 64 and not self.chunked:
            try:
                bytes.fromhex(declared)
            except ValueError:
                raise S3Error(
                    "InvalidArgument",
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA-256 hex digest",
                ) from None
            self._sha256 = hashlib.sha256()
            self._expected_sha256 = declared.lower()
        self._content_md5 = parse_content_md5(get("Content-MD5"))
        self._checksums: dict[str, tuple[Any, str | None]] = {}
        for alg in _CHECKSUMS:
            value = get("X-Amz-Checksum-" + alg)
            if value is not None:
                self._checksums[alg] = (_checksum_hasher(alg), value.strip())
        self._decoded_length: int | None = None
        if self.chunked:
            dl = get("X-Amz-Decoded-Content-Length")
            if dl is not None:
                try:
                    self._decoded_length = int(dl)
                except ValueError:
                    raise S3Error("InvalidArgument", "x-amz-decoded-content-length is not a number") from None
            for name in (get("X-Amz-Trailer") or "").lower().split(","):
                name = name.strip()
                if name.startswith("x-amz-checksum-") and name[15:] in _CHECKSUMS:
                    self._checksums.setdefault(name[15:], (_checksum_hasher(name[15:]), None))
        self._signed = (
            signing
            if self.chunked and declared in (_sigv4.STREAMING_SIGNED, _sigv4.STREAMING_SIGNED_TRAILER)
            else None
        )
        self._previous_sig = signing.seed_signature if signing else ""
        # aws-chunked parser state
        self._buf = bytearray()
        self._remaining = -1  # bytes of chunk data still expected; -1: reading a size line
        self._chunk_sig = ""
        self._chunk_hash: Any = None
        self._need_crlf = False
        self._trailer_lines: list[bytes] | None = None
        self._done = False

    # ------------------------------------------------------------------ input

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if not self.chunked:
            self._emit(data)
            return
        if self._done:
            raise S3Error("InvalidRequest", "Data after the end of an aws-chunked body.")
        self._buf += data
        self._parse()

    def _emit(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise S3Error("EntityTooLarge", MaxSizeAllowed=str(self.limit))
        if self._sha256 is not None:
            self._sha256.update(data)
        for hasher, _ in self._checksums.values():
            if hasher is not None:
                hasher.update(data)
        self.sink.write(data)

    def _line(self) -> bytes | None:
        i = self._buf.find(b"\r\n")
        if i < 0:
            if len(self._buf) > _MAX_LINE:
                raise S3Error("InvalidRequest", "Malformed aws-chunked body.")
            return None
        line = bytes(self._buf[:i])
        del self._buf[: i + 2]
        return line

    def _parse(self) -> None:
        buf = self._buf
        while buf and not self._done:
            if self._trailer_lines is not None:
                line = self._line()
                if line is None:
                    return
                if line == b"":
                    self._done = True
                    if buf:
                        raise S3Error("InvalidRequest", "Data after the end of an aws-chunked body.")
                    return
                self._trailer_lines.append(line)
                continue
            if self._need_crlf:
                if len(buf) < 2:
                    return
                if buf[:2] != b"\r\n":
                    raise S3Error("InvalidRequest", "Malformed aws-chunked body.")
                del buf[:2]
                self._need_crlf = False
                continue
            if self._remaining < 0:
                line = self._line()
                if line is None:
                    return
                self._start_chunk(line)
                continue
            take = min(self._remaining, len(buf))
            piece = bytes(buf[:take])
            del buf[:take]
            self._remaining -= take
            if self._chunk_hash is not None:
                self._chunk_hash.update(piece)
            self._emit(piece)
            if self._remaining == 0:
                self._end_chunk()

    def _start_chunk(self, line: bytes) -> None:
        size_text, _, ext = line.partition(b";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            raise S3Error("InvalidRequest", "Malformed aws-chunked body.") from None
        self._chunk_sig = ""
        if ext.startswith(b"chunk-signature="):
            self._chunk_sig = ext[16:].decode("ascii", "replace").strip()
        if self._signed is not None:
            if not self._chunk_sig:
                raise S3Error(
                    "SignatureDoesNotMatch", "A chunk of a signed aws-chunked body has no signature."
                )
            self._chunk_hash = hashlib.sha256()
        self._remaining = size
        if size == 0:
            self._end_chunk()
            self._trailer_lines = []

    def _end_chunk(self) -> None:
        if self._signed is not None:
            expected = self._signed.chunk_signature(self._previous_sig, self._chunk_hash.hexdigest())
            if not hmac.compare_digest(expected, self._chunk_sig):
                raise S3Error(
                    "SignatureDoesNotMatch", "A chunk signature of the aws-chunked body does not match."
                )
            self._previous_sig = expected
        self._chunk_hash = None
        if self._remaining == 0 and self._trailer_lines is None:
            self._remaining = -1
            self._need_crlf = True

    # ------------------------------------------------------------------ checks

    def finish(self) -> None:
        """Check everything the request declared; raises S3Error when the body does not match."""
        if self.chunked:
            if not self._done:
                raise S3Error("IncompleteBody", "The aws-chunked body ended early.")
            self._check_trailer()
            if self._decoded_length is not None and self._decoded_length != self.size:
                raise S3Error("IncompleteBody")
        if self._sha256 is not None and self._sha256.hexdigest() != self._expected_sha256:
            raise S3Error("XAmzContentSHA256Mismatch", ClientComputedContentSHA256=self._expected_sha256)
        if self._content_md5 is not None and self.sink.md5.digest() != self._content_md5:
            raise S3Error("BadDigest", ExpectedDigest=base64.b64encode(self._content_md5).decode())
        for alg, (hasher, value) in self._checksums.items():
            if hasher is None or value is None:
                continue
            if base64.b64encode(hasher.digest()).decode() != value:
                raise S3Error(
                    "BadDigest", f"The {alg.upper()} you specified did not match the calculated checksum."
                )

    def _check_trailer(self) -> None:
        lines = self._trailer_lines or []
        signature = None
        text = b""
        for line in lines:
            name, sep, value = line.partition(b":")
            lname = name.strip().lower().decode("ascii", "replace")
            if lname == "x-amz-trailer-signature":
                signature = value.strip().decode("ascii", "replace")
                continue
            text += name.strip().lower() + b":" + value.strip() + b"\n"
            if lname.startswith("x-amz-checksum-") and lname[15:] in _CHECKSUMS:
                alg = lname[15:]
                hasher = self._checksums.get(alg, (_checksum_hasher(alg), None))[0]
                self._checksums[alg] = (hasher, value.strip().decode("ascii", "replace"))
        if self._signed is not None and self._signed.payload_hash == _sigv4.STREAMING_SIGNED_TRAILER:
            if signature is None:
                raise S3Error("SignatureDoesNotMatch", "The trailer of the aws-chunked body is not signed.")
            expected = self._signed.trailer_signature(self._previous_sig, text)
            if not hmac.compare_digest(expected, signature):
                raise S3Error(
                    "SignatureDoesNotMatch", "The trailer signature of the aws-chunked body does not match."
                )


class BufferSink:
    """Collects a small body (an XML document) in memory."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5()
        self.parts: list[bytes] = []

    def write(self, data: bytes | memoryview) -> None:
        self.md5.update(data)
        self.parts.append(bytes(data))

    def getvalue(self) -> bytes:
        return b"".join(self.parts)
