"""The opening handshake of RFC 6455 section 4, without I/O.

Both roles build and check the HTTP heads here: the server validates the client's upgrade
request (method, ``Upgrade``/``Connection`` tokens, version 13, a 16-byte base64 key) and
answers with ``Sec-WebSocket-Accept``; the client makes a fresh key and checks that the answer
proves the server read it, so a cache or a plain HTTP server cannot be mistaken for a WebSocket
peer.  Header values are parsed with the grammars of RFC 6455 section 9.1 and RFC 9110 lists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from ._errors import HandshakeError

__all__ = [
    "WEBSOCKET_GUID",
    "WEBSOCKET_VERSION",
    "HeaderLines",
    "make_key",
    "accept_key",
    "parse_tokens",
    "parse_extensions",
    "format_extension",
    "check_request",
    "server_response_headers",
    "client_request_headers",
    "check_response",
]

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WEBSOCKET_VERSION = "13"

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_QUOTED_RE = re.compile(r'"((?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*)"')
_OWS_RE = re.compile(r"[ \t]*")


class HeaderLines(Protocol):
    """What the handshake needs of a header collection: every value of one field, in order."""

    def get_list(self, name: str) -> list[str]: ...


def make_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64-encoded (section 4.1)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value that answers ``key`` (section 4.2.2)."""
    digest = hashlib.sha1((key + WEBSOCKET_GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def _valid_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key.encode("ascii"), validate=True)) == 16
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False


def parse_tokens(values: str | Iterable[str]) -> list[str]:
    """The tokens of a comma-separated header list (``Connection``, ``Sec-WebSocket-Protocol``).

    Empty list elements are skipped as RFC 9110 section 5.6.1 asks; anything that is not a
    token raises :class:`HandshakeError`.
    """
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values:
        for item in value.split(","):
            item = item.strip(" \t")
            if not item:
                continue
            if not _TOKEN_RE.fullmatch(item):
                raise HandshakeError(f"not a token: {item!r}")
            out.append(item)
    return out


Extension = tuple[str, list[tuple[str, "str | None"]]]


def parse_extensions(values: str | Iterable[str]) -> list[Extension]:
    """Parse ``Sec-WebSocket-Extensions`` into ``[(name, [(param, value or None), ...]), ...]``.

    Follows section 9.1: ``ext *( ";" param [ "=" (token / quoted-string) ] )``, comma
    separated; a quoted value must itself be a token once unescaped.  Names are kept as sent
    (extension tokens are compared case-insensitively by the caller).
    """
    if isinstance(values, str):
        values = [values]
    out: list[Extension] = []
    for value in values:
        pos = 0
        n = len(value)
        while True:
            pos = _OWS_RE.match(value, pos).end()  # type: ignore[union-attr]
            if pos < n and value[pos] == ",":  # empty list element
                pos += 1
                continue
            if pos >= n:
                break
            m = _TOKEN_RE.match(value, pos)
            if not m:
                raise HandshakeError(f"bad extension list: {value!r}")
            name = m.group()
            pos = m.end()
            params: list[tuple[str, str | None]] = []
            while True:
                pos = _OWS_RE.match(value, pos).end()  # type: ignore[union-attr]
                if pos >= n or value[pos] == ",":
                    break
                if value[pos] != ";":
                    raise HandshakeError(f"bad extension list: {value!r}")
                pos = _OWS_RE.match(value, pos + 1).end()  # type: ignore[union-attr]
                m = _TOKEN_RE.match(value, pos)
                if not m:
                    raise HandshakeError(f"bad extension parameter in {value!r}")
                pname = m.group()
                pos = _OWS_RE.match(value, m.end()).end()  # type: ignore[union-attr]
                pvalue: str | None = None
                if pos < n and value[pos] == "=":
                    pos = _OWS_RE.match(value, pos + 1).end()  # type: ignore[union-attr]
                    m = _TOKEN_RE.match(value, pos)
                    if m:
                        pvalue = m.group()
                    else:
                        m = _QUOTED_RE.match(value, pos)
                        if not m:
                            raise HandshakeError(f"bad extension parameter value in {value!r}")
                        pvalue = re.sub(r"\\(.)", r"\1", m.group(1))
                        if not _TOKEN_RE.fullmatch(pvalue):
                            raise HandshakeError(f"extension parameter value is not a token: {pvalue!r}")
                    pos = m.end()
                params.append((pname, pvalue))
            out.append((name, params))
            if pos < n:  # at a comma
                pos += 1
    return out


def format_extension(name: str, params: Sequence[tuple[str, str | None]]) -> str:
    """One ``Sec-WebSocket-Extensions`` element: ``name; a; b=1``."""
    parts = [name]
    parts.extend(p if v is None else f"{p}={v}" for p, v in params)
    return "; ".join(parts)


def _has_token(headers: HeaderLines, name: str, token: str) -> bool:
    try:
        return any(t.lower() == token for t in parse_tokens(headers.get_list(name)))
    except HandshakeError:
        return False


def check_request(method: str, headers: HeaderLines) -> str:
    """Validate a client's upgrade request head; return its ``Sec-WebSocket-Key``.

    Raises :class:`HandshakeError` with the status a server should answer: 400 for a request
    that is not a WebSocket upgrade or is malformed, 426 for another protocol version (the
    answer must then carry ``Sec-WebSocket-Version: 13``), 405 for a method other than GET.
    """
    if method != "GET":
        raise HandshakeError("a WebSocket upgrade must use GET", 405)
    if not _has_token(headers, "Upgrade", "websocket"):
        raise HandshakeError('Can "Upgrade" only to "WebSocket".', 400)
    if not _has_token(headers, "Connection", "upgrade"):
        raise HandshakeError('"Connection" must be "Upgrade".', 400)
    versions = headers.get_list("Sec-WebSocket-Version")
    if [v.strip() for v in versions] != [WEBSOCKET_VERSION]:
        raise HandshakeError("unsupported Sec-WebSocket-Version (13 is supported)", 426)
    keys = headers.get_list("Sec-WebSocket-Key")
    if len(keys) != 1 or not _valid_key(keys[0].strip()):
        raise HandshakeError("missing or invalid Sec-WebSocket-Key", 400)
    return keys[0].strip()


def server_response_headers(
    key: str, subprotocol: str | None = None, extensions: str | None = None
) -> list[tuple[str, str]]:
    """The header fields of the ``101 Switching Protocols`` answer to ``key``."""
    out = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key(key))]
    if subprotocol is not None:
        out.append(("Sec-WebSocket-Protocol", subprotocol))
    if extensions:
        out.append(("Sec-WebSocket-Extensions", extensions))
    return out


def client_request_headers(
    key: str, subprotocols: Sequence[str] = (), extensions: str | None = None
) -> list[tuple[str, str]]:
    """The upgrade-specific header fields of a client's opening request (``Host`` is the caller's)."""
    out = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", WEBSOCKET_VERSION),
    ]
    if subprotocols:
        for p in subprotocols:
            if not _TOKEN_RE.fullmatch(p):
                raise ValueError(f"subprotocols: {p!r} is not a token")
        out.append(("Sec-WebSocket-Protocol", ", ".join(subprotocols)))
    if extensions:
        out.append(("Sec-WebSocket-Extensions", extensions))
    return out


def check_response(
    status: int, headers: HeaderLines, key: str, subprotocols: Sequence[str] = ()
) -> str | None:
    """Validate the server's answer to our opening request; return the chosen subprotocol.

    Section 4.1: status 101, ``Upgrade: websocket``, ``Connection: upgrade``, the accept value
    derived from ``key``, and a subprotocol (if any) that we offered.  Extensions are checked
    by their own negotiation (:mod:`._deflate`).
    """
    if status != 101:
        raise HandshakeError(f"the server answered {status}, not 101 Switching Protocols", status)
    if not _has_token(headers, "Upgrade", "websocket"):
        raise HandshakeError("the server's answer lacks Upgrade: websocket")
    if not _has_token(headers, "Connection", "upgrade"):
        raise HandshakeError("the server's answer lacks Connection: Upgrade")
    accepts = headers.get_list("Sec-WebSocket-Accept")
    if len(accepts) != 1 or accepts[0].strip() != accept_key(key):
        raise HandshakeError("the server's Sec-WebSocket-Accept does not match our key")
    chosen = parse_tokens(headers.get_list("Sec-WebSocket-Protocol"))
    if not chosen:
        return None
    if len(chosen) != 1 or chosen[0] not in subprotocols:
        raise HandshakeError(f"the server chose a subprotocol we did not offer: {', '.join(chosen)}")
    return chosen[0]
