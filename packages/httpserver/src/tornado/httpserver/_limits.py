"""How many fields a request may carry (``max_query_arguments`` and friends)."""

from __future__ import annotations

from typing import Literal

from tornado.httputil import HTTPHeaders, HTTPServerRequest, count_body_fields

from ._owner import ConnectionOwner

__all__ = ["fields_over_limit", "FieldCounter", "multipart_boundary"]


def fields_over_limit(req: HTTPServerRequest, owner: ConnectionOwner) -> str | None:
    """Which limit a query or form exceeds (None when within all of them).

    Counted with ``bytes.count`` before the application can parse anything, so an
    oversized form costs a scan of its bytes, not a parse of every field.
    """
    # A field takes at least one byte, so a query or body no longer than its limit is within
    # it: only a longer one is scanned (a typical form then costs no scan at all).
    query = req.query
    if len(query) >= owner.max_query_arguments and query.count("&") >= owner.max_query_arguments:
        return f"more than {owner.max_query_arguments} query arguments"
    body = req.body
    if body:
        ctype = req.headers.get("Content-Type")
        if ctype is not None:
            if ctype[:9].lower() == "multipart":
                limit, what = owner.max_multipart_parts, "multipart parts"
            else:
                limit, what = owner.max_body_arguments, "body arguments"
            if len(body) >= limit and count_body_fields(ctype, body) > limit:
                return f"more than {limit} {what}"
    return None


def multipart_boundary(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type (b"" when missing)."""
    for param in content_type.split(";")[1:]:
        name, sep, value = param.partition("=")
        if sep and name.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value.encode("latin-1", "replace")
    return b""


class FieldCounter:
    """Counts the fields of a form body as it streams past, without keeping it.

    The same count as :func:`~tornado.httputil.count_body_fields` (``&`` separators, or
    multipart delimiters), for servers that hand the body on piece by piece.
    """

    __slots__ = ("_multipart", "_needle", "_tail", "_count", "_empty")

    def __init__(self, multipart: bool, needle: bytes) -> None:
        self._multipart = multipart
        self._needle = needle
        self._tail = b""
        self._count = 0
        self._empty = True

    @classmethod
    def for_headers(cls, headers: HTTPHeaders) -> FieldCounter | Literal[False]:
        """A counter for a form body with these headers; False for a body that is not a form."""
        ctype = headers.get("Content-Type")
        if ctype is None:
            return False
        kind = ctype.split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return cls(False, b"&")
        if kind == "multipart/form-data":
            boundary = multipart_boundary(ctype)
            if boundary:
                return cls(True, b"--" + boundary)
        return False

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self._empty = False
        needle = self._needle
        n = len(needle)
        if n > 1:
            # An occurrence split between the previous piece and this one.
            joint = self._tail + data[: n - 1]
            self._count += joint.count(needle)
            self._tail = (self._tail + data)[-(n - 1) :] if len(data) < n - 1 else data[-(n - 1) :]
        self._count += data.count(needle)

    def over_limit(self, owner: ConnectionOwner) -> str | None:
        """Which limit the whole body exceeded, or None."""
        if self._empty:
            return None
        if self._multipart:
            if self._count - 1 > owner.max_multipart_parts:
                return f"more than {owner.max_multipart_parts} multipart parts"
        elif self._count + 1 > owner.max_body_arguments:
            return f"more than {owner.max_body_arguments} body arguments"
        return None
