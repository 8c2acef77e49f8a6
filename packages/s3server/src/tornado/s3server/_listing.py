"""One page of ListObjects / ListObjectsV2 over keys already sorted by their UTF-8 bytes.

Independent of storage: it takes the sorted entries after the marker and decides which are
returned as Contents, which roll up into CommonPrefixes, and where the next page starts.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from ._errors import S3Error

MAX_KEYS = 1000


class HasKey(Protocol):
    @property
    def key_bytes(self) -> bytes: ...


E = TypeVar("E", bound=HasKey)


@dataclass
class Page(Generic[E]):
    contents: list[E] = field(default_factory=list)
    common_prefixes: list[bytes] = field(default_factory=list)
    truncated: bool = False
    next_marker: bytes | None = None  # the last key or common prefix returned, when truncated


def list_page(entries: Iterable[E], prefix: bytes, delimiter: bytes, marker: bytes, max_keys: int) -> Page[E]:
    """Contents and CommonPrefixes (together at most ``max_keys``) for entries after ``marker``.

    A common prefix that the marker falls inside was returned by an earlier page (its last
    item, the page's NextMarker), so it is not repeated.
    """
    page: Page[E] = Page()
    count = 0
    last: bytes | None = None
    plen = len(prefix)
    for entry in entries:
        key = entry.key_bytes
        if delimiter:
            i = key.find(delimiter, plen)
            if i >= 0:
                cp = key[: i + len(delimiter)]
                if (page.common_prefixes and page.common_prefixes[-1] == cp) or (
                    marker and marker.startswith(cp)
                ):
                    continue
                if count >= max_keys:
                    page.truncated = True
                    break
                page.common_prefixes.append(cp)
                count += 1
                last = cp
                continue
        if count >= max_keys:
            page.truncated = True
            break
        page.contents.append(entry)
        count += 1
        last = key
    if page.truncated:
        page.next_marker = last
    return page


def parse_max_keys(value: str | None, name: str = "max-keys") -> int:
    if value is None or value == "":
        return MAX_KEYS
    try:
        n = int(value)
    except ValueError:
        raise S3Error("InvalidArgument", f"Provided {name} not an integer or within integer range") from None
    if n < 0:
        raise S3Error("InvalidArgument", f"Argument {name} must be an integer between 0 and 2147483647")
    return min(n, MAX_KEYS)


def encode_token(marker: bytes) -> str:
    """A ListObjectsV2 continuation token: opaque to clients, the position to resume after."""
    return base64.urlsafe_b64encode(b"k" + marker).decode("ascii")


def decode_token(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if not raw.startswith(b"k"):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect")
    return raw[1:]
