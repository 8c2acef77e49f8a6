"""Bucket names by S3's rules, keys as S3 allows them, and key <-> file-name mapping.

A key is a flat string, not a path: ``a/b`` and ``a/b/c`` may both exist, a key may end in
``/`` and may hold any UTF-8.  So a key is never used as a path.  Its UTF-8 bytes are
escaped into file names made of ``[A-Za-z0-9._-]`` and ``%XX`` only (a leading ``.`` is
escaped too), which cannot be ``.``, ``..``, absolute, or contain a separator, a backslash
or NUL.  A key longer than one file name is split into directories whose names end in
``~``; no object file can end in ``~`` (it is always escaped), so the two never collide.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from ._errors import S3Error

MAX_KEY_BYTES = 1024
# Encoded characters per path component: well under every file system's 255-byte limit.
CHUNK = 200
CONTINUED = "~"

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_ESCAPES = [chr(b) if b in _SAFE else f"%{b:02X}" for b in range(256)]
_NAME_RE = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-F]{2})(?:[A-Za-z0-9._-]|%[0-9A-F]{2})*")


def bucket_name_error(name: str) -> str | None:
    """Why ``name`` is not a valid bucket name by S3's current rules, or None when it is."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be between 3 and 63 characters long."
    if not _BUCKET_RE.fullmatch(name):
        return (
            "Bucket names can consist only of lowercase letters, numbers, dots and hyphens, "
            "and must begin and end with a letter or number."
        )
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket names must not contain two adjacent periods or a period next to a hyphen."
    if name.replace(".", "").isdigit():  # only then can it be an address (checked per request)
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            pass
        else:
            return "Bucket names must not be formatted as an IP address."
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "Bucket names must not use a reserved prefix or suffix."
    return None


def check_bucket_name(name: str) -> None:
    reason = bucket_name_error(name)
    if reason is not None:
        raise S3Error("InvalidBucketName", reason, BucketName=name)


def check_key(key: str) -> bytes:
    """The UTF-8 bytes of a key, or an S3 error when S3 would refuse it."""
    try:
        raw = key.encode("utf-8")
    except UnicodeEncodeError:
        raise S3Error("InvalidArgument", "Object keys must be valid UTF-8.") from None
    if not raw:
        raise S3Error("InvalidArgument", "Object keys must not be empty.")
    if len(raw) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", Key=key)
    return raw


def key_to_parts(key: str) -> list[str]:
    """The path components (relative to the bucket's object area) that hold ``key``."""
    raw = check_key(key)
    escaped = [_ESCAPES[b] for b in raw]
    if escaped[0] == ".":
        escaped[0] = "%2E"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for piece in escaped:
        if size + len(piece) > CHUNK:
            parts.append("".join(current) + CONTINUED)
            current, size = [], 0
            if piece == ".":
                piece = "%2E"
        current.append(piece)
        size += len(piece)
    parts.append("".join(current))
    return parts


def is_object_name(name: str) -> bool:
    return _NAME_RE.fullmatch(name) is not None


def is_continuation_name(name: str) -> bool:
    return name.endswith(CONTINUED) and _NAME_RE.fullmatch(name[:-1]) is not None


def name_to_key_bytes(name: str) -> bytes:
    """Inverse of the escaping for one component (without any ``~``)."""
    if "%" not in name:
        return name.encode("ascii")
    out = bytearray()
    i = 0
    n = len(name)
    while i < n:
        c = name[i]
        if c == "%":
            out.append(int(name[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(ord(c))
            i += 1
    return bytes(out)


def hash_dirs(key_bytes: bytes, depth: int) -> list[str]:
    """``depth`` levels of two-hex-digit directories from the key's hash (1.0's bucket_depth),
    so no single directory grows without bound."""
    if depth <= 0:
        return []
    digest = hashlib.md5(key_bytes).hexdigest()
    return [digest[2 * i : 2 * i + 2] for i in range(depth)]
