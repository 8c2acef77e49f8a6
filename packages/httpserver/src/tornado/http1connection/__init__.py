"""Tornado 6's ``tornado.http1connection`` names, for code that imports them from there.

Our server's connection is one object per client connection that plays both of Tornado's
roles: the ``server_conn`` a delegate's ``start_request`` receives and the
``request_conn`` (an :class:`~tornado.httputil.HTTPConnection`) it answers on.  So
``HTTP1Connection`` and ``HTTP1ServerConnection`` name the same class; the HTTP/1.1 parsing
itself is the I/O-free core in :mod:`tornado.httputil.h1`.
"""

from __future__ import annotations

from tornado.httpserver._connection import HTTP1ServerConnection

__all__ = ["HTTP1Connection", "HTTP1ConnectionParameters", "HTTP1ServerConnection"]

HTTP1Connection = HTTP1ServerConnection


def _check(name: str, value: float | None, allow_float: bool) -> None:
    if value is None:
        return
    kinds = (int, float) if allow_float else (int,)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        raise ValueError(f"HTTP1ConnectionParameters setting {name} must be a positive number, got {value!r}")


class HTTP1ConnectionParameters:
    """The per-connection settings Tornado 6 groups together (``HTTPServer`` takes them as
    keyword arguments of the same names; ``decompress`` is its ``decompress_request``)."""

    def __init__(
        self,
        no_keep_alive: bool = False,
        chunk_size: int | None = None,
        max_header_size: int | None = None,
        header_timeout: float | None = None,
        max_body_size: int | None = None,
        body_timeout: float | None = None,
        decompress: bool = False,
    ) -> None:
        _check("chunk_size", chunk_size, False)
        _check("max_header_size", max_header_size, False)
        _check("max_body_size", max_body_size, False)
        _check("header_timeout", header_timeout, True)
        _check("body_timeout", body_timeout, True)
        self.no_keep_alive = no_keep_alive
        self.chunk_size = chunk_size or 65536
        self.max_header_size = max_header_size or 65536
        self.header_timeout = header_timeout
        self.max_body_size = max_body_size
        self.body_timeout = body_timeout
        self.decompress = decompress
