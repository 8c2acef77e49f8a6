"""How many fields a request may carry (``max_query_arguments`` and friends)."""

from __future__ import annotations

from tornado.httputil import HTTPServerRequest, count_body_fields

from ._owner import ConnectionOwner

__all__ = ["fields_over_limit"]


def fields_over_limit(req: HTTPServerRequest, owner: ConnectionOwner) -> str | None:
    """Which limit a query or form exceeds (None when within all of them).

    Counted with ``bytes.count`` before the application can parse anything, so an
    oversized form costs a scan of its bytes, not a parse of every field.
    """
    if req.query and req.query.count("&") >= owner.max_query_arguments:
        return f"more than {owner.max_query_arguments} query arguments"
    if req.body:
        ctype = req.headers.get("Content-Type")
        if ctype is not None:
            n = count_body_fields(ctype, req.body)
            if ctype[:9].lower() == "multipart":
                if n > owner.max_multipart_parts:
                    return f"more than {owner.max_multipart_parts} multipart parts"
            elif n > owner.max_body_arguments:
                return f"more than {owner.max_body_arguments} body arguments"
    return None
