"""Reading a raw response head written by the application (Tornado 1.0's ``request.write``).

The server does not frame such responses; it only needs to know whether the connection
can carry another request after it.
"""

from __future__ import annotations

import re

__all__ = ["raw_keeps_alive"]

_RAW_CONNECTION_RE = re.compile(rb"\r\nconnection:([^\r\n]*)")
_RAW_VERDICTS: dict[bytes, tuple[bool, bool, bool, bool]] = {}


def _raw_verdict(head: bytes) -> tuple[bool, bool, bool, bool]:
    """(says close, says keep-alive, has Content-Length/chunked, status has no body) of a raw head.

    Applications tend to send the same few heads over and over, so verdicts are cached.
    """
    lower = head.lower()
    m = _RAW_CONNECTION_RE.search(lower)
    tokens = m.group(1) if m else b""
    status = head[9:12]
    verdict = (
        b"close" in tokens,
        b"keep-alive" in tokens,
        b"\r\ncontent-length:" in lower or b"\r\ntransfer-encoding:" in lower,
        status in (b"204", b"304") or status.startswith(b"1"),
    )
    if len(_RAW_VERDICTS) < 512:
        _RAW_VERDICTS[head] = verdict
    return verdict


def raw_keeps_alive(head: bytes, version: str, method: str) -> bool:
    """Whether a connection may be reused after a raw response with this head (status line
    and fields, ending in CRLF) to a request of ``version`` and ``method``."""
    verdict = _RAW_VERDICTS.get(head)
    if verdict is None:
        verdict = _raw_verdict(head)
    close, keep_alive_token, framed, bodiless = verdict
    if close:
        return False
    if version == "HTTP/1.0" and not keep_alive_token:
        return False
    return framed or bodiless or method == "HEAD"
