"""Query strings, URL building and request bodies (urlencoded and multipart/form-data)."""

from __future__ import annotations

import logging
import re
from codecs import escape_decode as _escape_decode
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any, AnyStr, Union
from urllib.parse import unquote_to_bytes, urlencode, urlsplit, urlunsplit

from ._headers import HTTPHeaders, HTTPInputError

__all__ = [
    "HTTPFile",
    "url_concat",
    "parse_qs_bytes",
    "parse_body_arguments",
    "parse_multipart_form_data",
    "count_body_fields",
    "split_host_and_port",
    "qs_to_qsl",
]

_HOST_PORT_RE = re.compile(r"^(.+):(\d+)$")

gen_log = logging.getLogger("tornado.general")


class HTTPFile(dict[str, Any]):
    """An uploaded file: ``filename``, ``body`` (bytes) and ``content_type``.

    It is a dict as in Tornado 1.0 (``f["body"]``) that also allows ``f.body``.
    """

    def __init__(self, filename: str, body: bytes, content_type: str = "application/unknown") -> None:
        super().__init__(filename=filename, body=body, content_type=content_type)

    @property
    def filename(self) -> str:
        return self["filename"]

    @property
    def body(self) -> bytes:
        return self["body"]

    @property
    def content_type(self) -> str:
        return self["content_type"]


QueryArgs = Union[Mapping[str, Any], Sequence[tuple[str, Any]]]


def url_concat(url: str, args: QueryArgs | None) -> str:
    """Append query arguments to ``url``, keeping any it already has.

    ``args`` is a dict (a list value repeats the name) or a list of (name, value) pairs.
    """
    if args is None:
        return url
    if isinstance(args, Mapping):
        pairs: list[tuple[str, Any]] = []
        for k, v in args.items():
            if isinstance(v, (list, tuple)):
                pairs.extend((k, item) for item in v)
            else:
                pairs.append((k, v))
    elif isinstance(args, (list, tuple)):
        pairs = list(args)
    else:
        raise TypeError(f"url_concat args must be a dict or a list of pairs, got {type(args).__name__}")
    if not pairs:
        return url
    parts = urlsplit(url)
    query = parts.query
    extra = urlencode(pairs)
    query = f"{query}&{extra}" if query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def split_host_and_port(netloc: str) -> tuple[str, int | None]:
    """``"host:port"`` as ``(host, port)``; the port is None when ``netloc`` has none.

    An IPv6 literal keeps its brackets (``"[::1]:80"`` gives ``("[::1]", 80)``).
    """
    m = _HOST_PORT_RE.match(netloc)
    if m is None:
        return netloc, None
    return m.group(1), int(m.group(2))


def qs_to_qsl(qs: Mapping[str, Iterable[AnyStr]]) -> Iterator[tuple[str, AnyStr]]:
    """``{name: [values]}`` (as from :func:`parse_qs_bytes`) back to ``(name, value)`` pairs."""
    for k, vs in qs.items():
        for v in vs:
            yield k, v


def parse_qs_bytes(
    qs: str | bytes,
    keep_blank_values: bool = False,
    strict_parsing: bool = False,
    max_fields: int | None = None,
) -> dict[str, list[bytes]]:
    """Parse a query string into ``{name: [raw bytes values]}``.

    Values stay bytes because their charset is unknown here (the framework decodes them);
    names are decoded as UTF-8 (with replacement).  More than ``max_fields`` fields
    (``&``-separated) raise HTTPInputError before any is parsed.  The rules are
    ``urllib.parse.parse_qsl``'s, applied to bytes: a form body is split once and its
    escapes are decoded in bulk (this is the whole cost of a form POST).
    """
    if isinstance(qs, str):
        try:
            data = qs.encode("latin-1")
        except UnicodeEncodeError:
            data = qs.encode("utf-8")
    elif isinstance(qs, (bytes, bytearray, memoryview)):
        data = bytes(qs)
    else:
        raise TypeError(f"parse_qs_bytes expects str or bytes, got {type(qs).__name__}")
    if not data:
        return {}
    if max_fields is not None and data.count(b"&") >= max_fields:
        raise HTTPInputError(f"more than {max_fields} fields in a query string or form body")
    names, values = _split_fields(data, keep_blank_values, strict_parsing)
    keys = _decode_names(_unquote_all(names))
    decoded = _unquote_all(values)
    result = dict(zip(keys, [[v] for v in decoded], strict=True))
    if len(result) != len(keys):  # a repeated name: its values gather in order
        result = {}
        for key, value in zip(keys, decoded, strict=True):
            got = result.get(key)
            if got is None:
                result[key] = [value]
            else:
                got.append(value)
    return result


def _split_fields(
    data: bytes, keep_blank_values: bool, strict_parsing: bool
) -> tuple[Sequence[bytes], Sequence[bytes]]:
    """The raw names and values of the ``name=value`` fields that parse_qsl keeps.

    A form where every field has an ``=`` (and, unless blanks are kept, a value) is split by
    a few C calls; only a form with a field to drop or refuse goes through the rules below.
    """
    fields = data.split(b"&")
    names, eqs, values = zip(*map(bytes.partition, fields, repeat(b"=")), strict=True)
    if all(eqs) and (keep_blank_values or all(values)):
        return names, values
    kept_names: list[bytes] = []
    kept_values: list[bytes] = []
    for field, name, eq, value in zip(fields, names, eqs, values, strict=True):
        if not eq:
            if strict_parsing:
                raise ValueError(f"bad query field: {field!r}")
            if not keep_blank_values or not field:
                continue
        elif not value and not keep_blank_values:
            continue
        kept_names.append(name)
        kept_values.append(value)
    return kept_names, kept_values


def _unquote_all(parts: Sequence[bytes]) -> list[bytes]:
    """``+`` and ``%XX`` decoded in every part, as ``unquote_to_bytes`` would, in bulk.

    The parts are joined with NUL and the escapes become ``\\xXX`` (raw backslashes doubled
    first) for one ``escape_decode`` over the whole form.  When an escape is malformed
    (parse_qsl keeps it as is) or a part decodes to a NUL of its own, the number of pieces
    tells, and each part is decoded alone.
    """
    blob = b"\x00".join(parts)
    if b"%" not in blob:
        if b"+" not in blob:
            return list(parts)
        decoded = blob.replace(b"+", b" ")
    else:
        if b"\\" in blob:
            blob = blob.replace(b"\\", b"\\\\")
        try:
            decoded = _escape_decode(blob.replace(b"%", b"\\x").replace(b"+", b" "))[0]
        except ValueError:
            return [_unquote(part) for part in parts]
    split = decoded.split(b"\x00")
    return split if len(split) == len(parts) else [_unquote(part) for part in parts]


def _decode_names(names: list[bytes]) -> list[str]:
    """Names as text (UTF-8, errors replaced), decoded together when NUL cannot confuse it."""
    split = b"\x00".join(names).decode("utf-8", "replace").split("\x00")
    return split if len(split) == len(names) else [name.decode("utf-8", "replace") for name in names]


def _unquote(part: bytes) -> bytes:
    if b"+" in part:
        part = part.replace(b"+", b" ")
    return unquote_to_bytes(part) if b"%" in part else part


def _parse_header_params(line: str) -> tuple[str, dict[str, str]]:
    """Split ``form-data; name="a"; filename="b.txt"`` into the value and its parameters."""
    parts = _split_params(line)
    key = parts[0].strip().lower()
    params: dict[str, str] = {}
    for p in parts[1:]:
        name, sep, value = p.partition("=")
        if not sep:
            continue
        name = name.strip().lower()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        params[name] = value
    return key, params


def _split_params(line: str) -> list[str]:
    """Split on ``;`` outside quoted strings."""
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    escaped = False
    for ch in line:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def parse_body_arguments(
    content_type: str,
    body: bytes,
    arguments: dict[str, list[bytes]],
    files: dict[str, list[HTTPFile]],
    headers: HTTPHeaders | None = None,
    *,
    max_arguments: int | None = None,
    max_parts: int | None = None,
) -> None:
    """Parse a form body into ``arguments`` and ``files`` (both updated in place).

    Handles ``application/x-www-form-urlencoded`` and ``multipart/form-data``; other types
    are left alone. Raises HTTPInputError for a body that claims a form type but is broken,
    that uses a Content-Encoding we cannot read, or that has more than ``max_arguments``
    urlencoded fields or ``max_parts`` multipart parts.
    """
    if headers is not None and "Content-Encoding" in headers:
        raise HTTPInputError(f"unsupported Content-Encoding: {headers['Content-Encoding']}")
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        try:
            parsed = parse_qs_bytes(body, keep_blank_values=True, max_fields=max_arguments)
        except HTTPInputError:
            raise
        except Exception as e:
            raise HTTPInputError(f"invalid x-www-form-urlencoded body: {e}") from e
        if not arguments:
            arguments.update(parsed)  # fresh lists: nothing else holds them
        else:
            for name, values in parsed.items():
                arguments.setdefault(name, []).extend(values)
    elif ctype == "multipart/form-data":
        _, params = _parse_header_params(content_type)
        boundary = params.get("boundary")
        if not boundary:
            raise HTTPInputError("multipart/form-data body without a boundary parameter")
        parse_multipart_form_data(boundary.encode("latin-1"), body, arguments, files, max_parts=max_parts)


def count_body_fields(content_type: str, body: bytes) -> int:
    """How many fields a form body would parse into, counted without parsing it.

    For ``application/x-www-form-urlencoded`` the ``&``-separated fields, for
    ``multipart/form-data`` the parts; 0 for other types.  A server compares this with its
    limits before a handler touches the body, so an oversized form is refused at once.
    """
    if not body:
        return 0
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        return body.count(b"&") + 1
    if ctype == "multipart/form-data":
        boundary = _parse_header_params(content_type)[1].get("boundary")
        if not boundary:
            return 0
        return max(0, body.count(b"--" + _unquote_boundary(boundary.encode("latin-1"))) - 1)
    return 0


def _unquote_boundary(boundary: bytes) -> bytes:
    if boundary.startswith(b'"') and boundary.endswith(b'"') and len(boundary) >= 2:
        return boundary[1:-1]
    return boundary


def parse_multipart_form_data(
    boundary: bytes,
    data: bytes,
    arguments: dict[str, list[bytes]],
    files: dict[str, list[HTTPFile]],
    *,
    max_parts: int | None = None,
) -> None:
    """Parse a multipart/form-data body (RFC 7578) into ``arguments`` and ``files``.

    A body with more than ``max_parts`` parts raises HTTPInputError before any is parsed.
    """
    if not isinstance(boundary, bytes) or not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_multipart_form_data expects bytes boundary and body")
    delimiter = b"--" + _unquote_boundary(boundary)
    end = data.rfind(delimiter + b"--")
    if end < 0:
        raise HTTPInputError("multipart/form-data body has no final boundary")
    if max_parts is not None and data.count(delimiter, 0, end) > max_parts:
        raise HTTPInputError(f"more than {max_parts} parts in a multipart/form-data body")
    parts = data[:end].split(delimiter)
    for part in parts[1:]:
        # Each part is CRLF, headers, CRLF CRLF, content, CRLF.
        if part.startswith(b"\r\n"):
            part = part[2:]
        if part.endswith(b"\r\n"):
            part = part[:-2]
        head_end = part.find(b"\r\n\r\n")
        if head_end < 0:
            raise HTTPInputError("multipart/form-data part without headers")
        headers = HTTPHeaders.parse(part[:head_end].decode("utf-8", "replace"))
        disposition = headers.get("Content-Disposition", "")
        kind, params = _parse_header_params(disposition)
        if kind != "form-data" or "name" not in params:
            raise HTTPInputError(f"multipart part with invalid Content-Disposition: {disposition!r}")
        value = part[head_end + 4 :]
        name = params["name"]
        if "filename" in params:
            ctype = headers.get("Content-Type", "application/unknown")
            files.setdefault(name, []).append(HTTPFile(params["filename"], value, ctype))
        else:
            arguments.setdefault(name, []).append(value)
