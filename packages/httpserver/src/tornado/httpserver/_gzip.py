"""Inflating ``Content-Encoding: gzip`` request bodies as they arrive, within a size bound.

Why streaming: the limit that matters is the inflated size.  Inflating each piece as it is
received, never past the bytes still allowed, stops a gzip bomb as soon as it exceeds
``max_body_size`` -- without holding the compressed body or inflating beyond the bound, and
while the rest of the upload is still on its way (the 413 then goes out at once).
"""

from __future__ import annotations

import zlib

from tornado.httputil import ProtocolError

__all__ = ["GzipBody", "GZIP_CODINGS"]

# RFC 9110 8.4.1.3: recipients should treat x-gzip as gzip.
GZIP_CODINGS = frozenset(["gzip", "x-gzip"])


class GzipBody:
    """Feed compressed pieces, get inflated pieces; raises ProtocolError 413 or 400."""

    __slots__ = ("_d", "_left", "_started")

    def __init__(self, max_size: int) -> None:
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._left = max_size
        self._started = False

    def feed(self, data: bytes) -> bytes:
        out = []
        d = self._d
        while data:
            if d.eof:  # a further member: RFC 1952 allows several, one after the other
                d = self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._started = True
            try:
                piece = d.decompress(data, self._left + 1)
            except zlib.error as e:
                raise ProtocolError(f"request body is not valid gzip: {e}") from None
            if len(piece) > self._left:
                raise ProtocolError("decompressed body exceeds max_body_size", 413)
            self._left -= len(piece)
            if piece:
                out.append(piece)
            data = d.unused_data if d.eof else d.unconsumed_tail
        return out[0] if len(out) == 1 else b"".join(out)

    def finish(self) -> None:
        """The body ended: a gzip stream cut short is a 400."""
        if self._started and not self._d.eof:
            raise ProtocolError("truncated gzip request body")
