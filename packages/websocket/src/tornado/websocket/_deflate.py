"""permessage-deflate (RFC 7692): negotiating its parameters and compressing messages.

Negotiation is done once per connection by the handshake (:func:`server_negotiate` on the
server, :func:`client_offer` then :func:`client_accept` on the client); the agreed
:class:`DeflateParams` become a :class:`PerMessageDeflate` codec held by the protocol core.

Decompression is always bounded: the core passes the number of bytes the message may still
grow by, and the codec never inflates more than one byte past it, so a small "zip bomb" frame
costs at most ``max_message_size`` bytes of memory before the connection is closed with 1009.

Our compressor never uses a window of 8 bits: zlib cannot make raw deflate streams with a
256-byte window, so an offer that demands it of us is declined (server) or refused (client).
Decompression always uses a 15-bit window, which reads streams made with any smaller one.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import HandshakeError, ProtocolError
from ._handshake import format_extension, parse_extensions

__all__ = [
    "EXTENSION_NAME",
    "DeflateParams",
    "PerMessageDeflate",
    "validate_compression_options",
    "client_offer",
    "client_accept",
    "server_negotiate",
]

EXTENSION_NAME = "permessage-deflate"
_TAIL = b"\x00\x00\xff\xff"
_BOOL_KEYS = ("server_no_context_takeover", "client_no_context_takeover")
_BITS_KEYS = ("server_max_window_bits", "client_max_window_bits")
_OPTION_KEYS = frozenset(("compression_level", "mem_level", *_BOOL_KEYS, *_BITS_KEYS))


@dataclass(frozen=True)
class DeflateParams:
    """The negotiated parameters; ``None`` window bits mean the default of 15."""

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | None = None

    def header(self) -> str:
        """The ``Sec-WebSocket-Extensions`` element that states these parameters."""
        params: list[tuple[str, str | None]] = []
        if self.server_no_context_takeover:
            params.append(("server_no_context_takeover", None))
        if self.client_no_context_takeover:
            params.append(("client_no_context_takeover", None))
        if self.server_max_window_bits is not None:
            params.append(("server_max_window_bits", str(self.server_max_window_bits)))
        if self.client_max_window_bits is not None:
            params.append(("client_max_window_bits", str(self.client_max_window_bits)))
        return format_extension(EXTENSION_NAME, params)


def validate_compression_options(options: Mapping[str, Any], setting: str = "compression_options") -> None:
    """Raise ``ValueError`` naming ``setting`` when ``options`` holds an unknown key or bad value."""
    if not isinstance(options, Mapping):
        raise ValueError(f"{setting} must be a dict or None, not {type(options).__name__}")
    for k, v in options.items():
        if k not in _OPTION_KEYS:
            raise ValueError(f"{setting}: unknown key {k!r} (known: {', '.join(sorted(_OPTION_KEYS))})")
        if k in _BOOL_KEYS and not isinstance(v, bool):
            raise ValueError(f"{setting}[{k!r}] must be True or False")
        if k in _BITS_KEYS and (isinstance(v, bool) or not isinstance(v, int) or not 9 <= v <= 15):
            raise ValueError(f"{setting}[{k!r}] must be an int from 9 to 15")
        if k == "compression_level" and (isinstance(v, bool) or not isinstance(v, int) or not -1 <= v <= 9):
            raise ValueError(f"{setting}['compression_level'] must be an int from -1 to 9")
        if k == "mem_level" and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 9):
            raise ValueError(f"{setting}['mem_level'] must be an int from 1 to 9")


def _bits(value: str | None) -> int:
    # RFC 7692 section 7.1.2: 1*DIGIT from 8 to 15, no leading zeros.
    if value is None or not value.isdigit() or value.startswith("0") or not 8 <= int(value) <= 15:
        raise ValueError(value)
    return int(value)


def _read_params(params: list[tuple[str, str | None]], client_bits_may_be_empty: bool) -> dict[str, Any]:
    """Parameters of one element as a dict; ``ValueError`` on unknown, duplicate or bad ones."""
    out: dict[str, Any] = {}
    for name, value in params:
        name = name.lower()
        if name in out:
            raise ValueError(f"duplicate {name}")
        if name in _BOOL_KEYS:
            if value is not None:
                raise ValueError(f"{name} takes no value")
            out[name] = True
        elif name == "server_max_window_bits":
            out[name] = _bits(value)
        elif name == "client_max_window_bits":
            out[name] = None if (value is None and client_bits_may_be_empty) else _bits(value)
        else:
            raise ValueError(f"unknown parameter {name}")
    return out


def client_offer(options: Mapping[str, Any]) -> str:
    """Our ``Sec-WebSocket-Extensions`` offer for client ``compression_options``.

    We always announce ``client_max_window_bits`` (with our own limit when set) so that the
    server may ask us for a smaller window; the server-side options are requests to the server.
    """
    validate_compression_options(options)
    params: list[tuple[str, str | None]] = []
    for k in _BOOL_KEYS:
        if options.get(k):
            params.append((k, None))
    if options.get("server_max_window_bits") is not None:
        params.append(("server_max_window_bits", str(options["server_max_window_bits"])))
    cbits = options.get("client_max_window_bits")
    params.append(("client_max_window_bits", None if cbits is None else str(cbits)))
    return format_extension(EXTENSION_NAME, params)


def client_accept(values: Iterable[str], options: Mapping[str, Any]) -> DeflateParams | None:
    """Check the server's ``Sec-WebSocket-Extensions`` answer to :func:`client_offer`.

    Returns the parameters in force (``None`` if the server declined compression) or raises
    :class:`HandshakeError`: an extension we did not offer, a parameter we did not allow, a
    window larger than we asked for, or a missing ``server_no_context_takeover`` we required.
    """
    exts = parse_extensions(list(values))
    if not exts:
        return None
    if len(exts) != 1 or exts[0][0].lower() != EXTENSION_NAME:
        raise HandshakeError(f"the server chose extensions we did not offer: {exts!r}")
    try:
        got = _read_params(exts[0][1], client_bits_may_be_empty=False)
    except ValueError as e:
        raise HandshakeError(f"bad permessage-deflate answer: {e}") from None
    if options.get("server_no_context_takeover") and not got.get("server_no_context_takeover"):
        raise HandshakeError("the server did not accept server_no_context_takeover")
    sbits = got.get("server_max_window_bits")
    asked = options.get("server_max_window_bits")
    if sbits is not None and asked is not None and sbits > asked:
        raise HandshakeError(f"the server's window ({sbits} bits) exceeds the {asked} we asked for")
    cbits = got.get("client_max_window_bits")
    own = options.get("client_max_window_bits")
    if cbits == 8:
        raise HandshakeError("client_max_window_bits=8 cannot be honoured (zlib's minimum raw window is 9)")
    if own is not None:
        cbits = own if cbits is None else min(cbits, own)
    return DeflateParams(
        server_no_context_takeover=bool(got.get("server_no_context_takeover")),
        client_no_context_takeover=bool(got.get("client_no_context_takeover"))
        or bool(options.get("client_no_context_takeover")),
        server_max_window_bits=sbits,
        client_max_window_bits=cbits,
    )


def server_negotiate(values: Iterable[str], options: Mapping[str, Any]) -> DeflateParams | None:
    """Pick the first acceptable permessage-deflate offer of a client, as RFC 7692 section 5 asks.

    Offers with unknown or malformed parameters are declined (the next one is tried), as is one
    that demands an 8-bit window of our compressor.  Our own ``options`` only ever make the
    answer stricter than the offer.  A syntactically broken header raises :class:`HandshakeError`.
    """
    validate_compression_options(options)
    for name, params in parse_extensions(list(values)):
        if name.lower() != EXTENSION_NAME:
            continue
        try:
            offer = _read_params(params, client_bits_may_be_empty=True)
        except ValueError:
            continue
        sbits = offer.get("server_max_window_bits")
        if sbits == 8:
            continue
        own_s = options.get("server_max_window_bits")
        if own_s is not None:
            sbits = own_s if sbits is None else min(sbits, own_s)
        cbits = None
        if "client_max_window_bits" in offer:
            cbits = offer["client_max_window_bits"]
            own_c = options.get("client_max_window_bits")
            if own_c is not None:
                cbits = own_c if cbits is None else min(cbits, own_c)
        return DeflateParams(
            server_no_context_takeover=bool(
                offer.get("server_no_context_takeover") or options.get("server_no_context_takeover")
            ),
            client_no_context_takeover=bool(
                offer.get("client_no_context_takeover") or options.get("client_no_context_takeover")
            ),
            server_max_window_bits=sbits,
            client_max_window_bits=cbits,
        )
    return None


class PerMessageDeflate:
    """The compressor for our messages and the bounded decompressor for the peer's."""

    __slots__ = ("_level", "_mem", "_bits", "_reset_out", "_reset_in", "_comp", "_decomp")

    def __init__(self, server: bool, params: DeflateParams, options: Mapping[str, Any] | None = None) -> None:
        options = options or {}
        self._level = options.get("compression_level", zlib.Z_DEFAULT_COMPRESSION)
        self._mem = options.get("mem_level", 8)
        if server:
            bits, self._reset_out = params.server_max_window_bits, params.server_no_context_takeover
            self._reset_in = params.client_no_context_takeover
        else:
            bits, self._reset_out = params.client_max_window_bits, params.client_no_context_takeover
            self._reset_in = params.server_no_context_takeover
        self._bits = max(9, bits or 15)
        self._comp: Any = None
        self._decomp: Any = None

    def compress(self, data: bytes) -> bytes:
        """One whole message, deflated and without the final empty block's 4 tail bytes."""
        if self._comp is None:
            self._comp = zlib.compressobj(self._level, zlib.DEFLATED, -self._bits, self._mem)
        out = self._comp.compress(data) + self._comp.flush(zlib.Z_SYNC_FLUSH)
        if self._reset_out:
            self._comp = None
        if out.endswith(_TAIL):
            out = out[:-4]
        return out or b"\x00"

    def decompress(self, data: bytes, final: bool, limit: int | None) -> bytes:
        """Inflate one frame's payload, producing at most ``limit`` bytes (else 1009).

        A block with BFINAL set ends the stream: whatever follows it in the message is not
        part of it and is skipped (RFC 7692 section 7.2.3.4 sends such bytes), in whichever
        frame it comes, so the message reads the same however it was fragmented.
        """
        d = self._decomp
        if d is None:
            d = self._decomp = zlib.decompressobj(-15)
        out = b""
        if not d.eof:
            if final:
                data += _TAIL
            try:
                if limit is None:
                    out = d.decompress(data)
                else:
                    out = d.decompress(data, limit + 1)
                    if len(out) > limit:
                        raise ProtocolError(1009, "message too big")
            except zlib.error as e:
                raise ProtocolError(1007, f"bad compressed data: {e}") from None
        if final and (self._reset_in or d.eof):
            # A stream ended by BFINAL cannot be continued by zlib; the next message starts afresh.
            self._decomp = None
        return out
