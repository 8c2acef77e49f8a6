"""The HTTP/1.1 grammar (RFC 9110 / 9112), in one place for every parser and composer.

Tokens, field names and values, the request and status lines, the protocol version,
and the framing fields (Transfer-Encoding, Content-Length, Connection, chunk lines).
:mod:`.h1` (the wire protocol) and :mod:`._headers` (the lenient header container and the
public start-line parsers) both use these rules, so they cannot drift apart.
"""

from __future__ import annotations

import re

from ._errors import ProtocolError

__all__ = [
    "TOKEN",
    "TOKEN_RE",
    "CTL_RE",
    "VERSION_RE",
    "STATUS_RE",
    "TARGET_RE",
    "REQUEST_LINE_RE",
    "STATUS_LINE_RE",
    "FIELD_RE",
    "CHUNK_SIZE_RE",
    "FIELD_NAMES",
    "check_field_name",
    "normalize_header_name",
    "split_request_line",
    "split_status_line",
    "parse_version",
    "connection_tokens",
    "transfer_codings",
    "content_length",
]

# token = 1*tchar (RFC 9110 5.6.2)
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
TOKEN_RE = re.compile(TOKEN)
_TOKEN_B = TOKEN.encode("ascii")
# Control characters other than HTAB (CR and LF are handled by line splitting).
CTL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
VERSION_RE = re.compile(r"HTTP/([0-9])\.([0-9])")
STATUS_RE = re.compile(r"([0-9]{3})")

# request-target (RFC 9112 3.2): no whitespace or control octets; obs-text passes through.
TARGET_RE = re.compile(r"[\x21-\x7e\x80-\xff]+")

# The fast path of the wire parser: a request line and header fields that are plainly
# valid.  Anything these do not match goes through the line-by-line rules below, which
# name the problem.
REQUEST_LINE_RE = re.compile("(" + TOKEN + r") ([\x21-\x7e\x80-\xff]+) (HTTP/[0-9]\.[0-9])\r\n")
# status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4); a missing
# SP before an empty reason is tolerated, as split_status_line does.
STATUS_LINE_RE = re.compile(r"(HTTP/[0-9]\.[0-9]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?\r\n")
FIELD_RE = re.compile("^(" + TOKEN + r"):[ \t]*([\t\x20-\x7e\x80-\xff]*)\r\n", re.M)

# chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1).  The size is bare hex digits: no
# sign, no 0x, no whitespace after it unless an extension follows (BWS ";"), and at most
# 16 digits.  Extensions must follow the grammar (token [= token / quoted-string]).
_QUOTED_B = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t \x21-\x7e])*"'
CHUNK_SIZE_RE = re.compile(
    rb"([0-9A-Fa-f]{1,16})((?:[ \t]*;[ \t]*"
    + _TOKEN_B
    + rb"(?:[ \t]*=[ \t]*(?:"
    + _TOKEN_B
    + rb"|"
    + _QUOTED_B
    + rb"))?)*)"
)

# Wire name -> normalized name, for names already checked to be tokens.
FIELD_NAMES: dict[str, str] = {}
_FIELD_NAMES_MAX = 2048
# Any name -> normalized name (HTTPHeaders lookups; not a validity check).
_NORMALIZED: dict[str, str] = {}
_NORMALIZED_MAX = 1024


def normalize_header_name(name: str) -> str:
    """Return ``name`` in Http-Header-Case so lookups and output look the same everywhere."""
    norm = _NORMALIZED.get(name)
    if norm is None:
        norm = "-".join(w.capitalize() for w in name.split("-"))
        if len(_NORMALIZED) < _NORMALIZED_MAX:
            _NORMALIZED[name] = norm
    return norm


def check_field_name(name: str) -> str:
    """The normalized form of field name ``name``; ProtocolError when it is not a token."""
    norm = FIELD_NAMES.get(name)
    if norm is not None:
        return norm
    if name[:1] in (" ", "\t"):
        raise ProtocolError("obsolete line folding (obs-fold) is not allowed")
    if name[-1:] in (" ", "\t"):
        raise ProtocolError(f"whitespace before colon in header {name!r}")
    if not TOKEN_RE.fullmatch(name):
        raise ProtocolError(f"invalid header name {name!r}")
    norm = "-".join(w.capitalize() for w in name.split("-"))
    if len(FIELD_NAMES) < _FIELD_NAMES_MAX:
        FIELD_NAMES[name] = norm
    return norm


def split_request_line(line: str, strict: bool = True) -> tuple[str, str, str]:
    """``method SP target SP version``: the three parts, the method checked to be a token.

    Lenient mode also accepts runs of whitespace between the parts (RFC 9112 3).  The
    version is returned as is; :func:`parse_version` checks it.
    """
    parts = line.split(" ")
    if len(parts) != 3:
        if strict or len(line.split()) != 3:
            raise ProtocolError(f"malformed request line {line[:80]!r}")
        parts = line.split()
    method, target, version = parts
    if not TOKEN_RE.fullmatch(method):
        raise ProtocolError(f"invalid method {method[:40]!r}")
    if not TARGET_RE.fullmatch(target):
        # No whitespace or control octets: a hop splitting on HTAB would see another line.
        raise ProtocolError(f"invalid request target {target[:60]!r}" if target else "empty request target")
    return method, target, version


def split_status_line(line: str) -> tuple[str, int, str]:
    """``version SP status-code SP [reason]``: version (unchecked), code and reason."""
    parts = line.split(" ", 2)
    if len(parts) < 2 or not STATUS_RE.fullmatch(parts[1]):
        raise ProtocolError(f"malformed status line {line[:80]!r}")
    return parts[0], int(parts[1]), parts[2] if len(parts) == 3 else ""


def parse_version(version: str) -> tuple[int, int]:
    """``HTTP/x.y`` as (x, y): 400 when malformed, 505 when not HTTP/1.x."""
    m = VERSION_RE.fullmatch(version)
    if m is None:
        raise ProtocolError(f"malformed HTTP version {version[:20]!r}")
    if m.group(1) != "1":
        raise ProtocolError(f"HTTP version not supported: {version}", 505)
    return 1, int(m.group(2))


def connection_tokens(values: list[str]) -> set[str]:
    """The options of Connection fields, lower-cased."""
    return {t.strip().lower() for v in values for t in v.split(",")}


def transfer_codings(values: list[str]) -> list[str]:
    """The transfer-codings of Transfer-Encoding fields, lower-cased.

    Each list element may only be padded with spaces and tabs, and must be a token:
    anything else around ``chunked`` (other whitespace, non-ASCII bytes, empty elements)
    could be read differently by another hop, so it is a 400, not a 501.
    """
    codings = []
    for v in values:
        for c in v.split(","):
            c = c.strip(" \t")
            if not c.isascii() or not TOKEN_RE.fullmatch(c):
                raise ProtocolError(f"malformed Transfer-Encoding {v[:60]!r}")
            codings.append(c.lower())
    return codings


def content_length(values: list[str]) -> int:
    """The body length given by Content-Length fields; differing or odd values are errors."""
    if len(values) == 1:
        v = values[0]
        if v.isdigit() and v.isascii() and len(v) < 19:
            return int(v)
    items = {i.strip() for v in values for i in v.split(",")}
    if len(items) != 1:
        raise ProtocolError(f"conflicting Content-Length values: {values!r}")
    v = items.pop()
    if not (v.isdigit() and v.isascii()):
        raise ProtocolError(f"invalid Content-Length: {values!r}")
    if len(v) >= 19:
        raise ProtocolError("Content-Length too large", 413)
    return int(v)
