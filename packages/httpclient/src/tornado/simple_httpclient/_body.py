"""Bounded decompression of gzip/deflate response bodies.

``zlib``'s ``max_length`` caps each call's output, so a small compressed body that
inflates to gigabytes (a decompression bomb) is cut as soon as the output passes the
limit, without ever holding more than the limit in memory.
"""

from __future__ import annotations

import zlib

__all__ = ["Decompressor", "BodyTooLarge"]


class BodyTooLarge(Exception):
    pass


class Decompressor:
    """Inflate ``gzip`` or ``deflate`` (zlib-wrapped or raw) data, at most ``limit`` bytes in all."""

    __slots__ = ("_z", "_limit", "_out", "_encoding", "_first", "_name")

    def __init__(self, encoding: str, limit: int, name: str = "max_body_size") -> None:
        self._encoding = encoding
        # gzip: 16 + MAX_WBITS; deflate: 32 + MAX_WBITS detects a zlib header, raw deflate is
        # retried on the first chunk when that fails.
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else 32 + zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits)
        self._limit = limit
        self._out = 0
        self._first = True
        self._name = name

    def decompress(self, data: bytes) -> bytes:
        z = self._z
        budget = self._limit - self._out + 1
        try:
            out = z.decompress(data, budget)
        except zlib.error:
            if not (self._first and self._encoding == "deflate"):
                raise
            self._z = z = zlib.decompressobj(-zlib.MAX_WBITS)
            out = z.decompress(data, budget)
        self._first = False
        self._out += len(out)
        if self._out > self._limit or z.unconsumed_tail:
            raise BodyTooLarge(f"decompressed body exceeds {self._name} ({self._limit} bytes)")
        return out

    def flush(self) -> bytes:
        out = self._z.flush()
        self._out += len(out)
        if self._out > self._limit:
            raise BodyTooLarge(f"decompressed body exceeds {self._name} ({self._limit} bytes)")
        return out

    @property
    def complete(self) -> bool:
        return bool(self._z.eof)
