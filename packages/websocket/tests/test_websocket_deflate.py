"""permessage-deflate (RFC 7692): negotiation, the codec, context takeover, window bits, bombs."""

from __future__ import annotations

import os
import zlib

import pytest
from tornado.websocket import (
    CLIENT,
    SERVER,
    DeflateParams,
    HandshakeError,
    Message,
    PerMessageDeflate,
    WebSocketProtocol,
    client_accept,
    client_offer,
    server_negotiate,
    validate_compression_options,
)


def pair(
    params: DeflateParams = DeflateParams(), **kw: object
) -> tuple[WebSocketProtocol, WebSocketProtocol]:
    srv = WebSocketProtocol(SERVER, deflate=PerMessageDeflate(True, params), **kw)  # type: ignore[arg-type]
    cli = WebSocketProtocol(CLIENT, deflate=PerMessageDeflate(False, params), **kw)  # type: ignore[arg-type]
    return srv, cli


# -- the examples of RFC 7692 section 7.2.3 ---------------------------------------------------


@pytest.mark.parametrize(
    "frames",
    [
        [bytes([0xC1, 0x07, 0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])],
        [bytes([0x41, 0x03, 0xF2, 0x48, 0xCD]), bytes([0x80, 0x04, 0xC9, 0xC9, 0x07, 0x00])],
        [bytes([0xC1, 0x0B, 0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00])],
        [bytes([0xC1, 0x08, 0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00])],
    ],
    ids=["single", "fragmented", "stored-block", "bfinal"],
)
def test_rfc_examples(raw, frames):
    _, cli = pair()
    assert raw.events(cli, b"".join(frames)) == [Message("Hello")]


def test_rfc_context_takeover_example(raw):
    _, cli = pair()
    data = bytes([0xC1, 0x07, 0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]) + bytes(
        [0xC1, 0x05, 0xF2, 0x00, 0x11, 0x00, 0x00]
    )
    assert raw.events(cli, data) == [Message("Hello"), Message("Hello")]


def test_bfinal_message_then_another(raw):
    _, cli = pair()
    once = bytes([0xC1, 0x08, 0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00])
    assert raw.events(cli, once + once) == [Message("Hello"), Message("Hello")]


# -- the codec -----------------------------------------------------------------------------------


def test_roundtrip_both_ways_and_rsv1(raw):
    srv, cli = pair()
    text = "compress me " * 200
    out = srv.send_message(text)
    assert out[0] == 0xC1 and len(out) < len(text) // 4
    assert raw.events(cli, out) == [Message(text)]
    blob = os.urandom(5000)
    assert raw.events(srv, cli.send_message(blob)) == [Message(blob)]
    assert raw.events(cli, srv.send_message("x" * 3000, fragment_size=5)) == [Message("x" * 3000)]


def test_uncompressed_messages_allowed_with_deflate(raw):
    srv, _ = pair()
    assert raw.events(srv, raw.cframe(1, b"plain")) == [Message("plain")]


def test_rsv1_on_continuation_or_control(raw):
    srv, _ = pair()
    assert raw.error(srv, raw.cframe(1, b"a", fin=False) + raw.cframe(0, b"b", rsv=4)).code == 1002
    srv, _ = pair()
    assert raw.error(srv, raw.cframe(9, b"", rsv=4)).code == 1002


def test_corrupt_compressed_data(raw):
    srv, _ = pair()
    assert raw.error(srv, raw.cframe(1, b"\xff\xff\xff\xff", rsv=4)).code == 1007


def test_compressed_text_must_be_utf8(raw):
    srv, _ = pair()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = (c.compress(b"\xff\xfe") + c.flush(zlib.Z_SYNC_FLUSH))[:-4]
    assert raw.error(srv, raw.cframe(1, body, rsv=4)).code == 1007


def test_context_takeover_shrinks_repeats():
    srv, _ = pair()
    msg = "the same sentence, repeated " * 4
    first, second = srv.send_message(msg), srv.send_message(msg)
    assert len(second) < len(first)


@pytest.mark.parametrize("server", [True, False])
def test_no_context_takeover_makes_messages_independent(raw, server):
    key = "server_no_context_takeover" if server else "client_no_context_takeover"
    params = DeflateParams(**{key: True})
    srv, cli = pair(params)
    sender, receiver = (srv, cli) if server else (cli, srv)
    msg = "the same sentence, repeated " * 4
    first, second = sender.send_message(msg), sender.send_message(msg)
    assert len(first) == len(second)
    # A receiver that resets its window still reads them; so does a brand-new decompressor.
    assert raw.events(receiver, first + second) == [Message(msg), Message(msg)]
    fresh = WebSocketProtocol(receiver.role, deflate=PerMessageDeflate(receiver.role is SERVER, params))
    assert raw.events(fresh, second) == [Message(msg)]


def _inflate_9_bits(out: bytes) -> bytes:
    """Inflate with a 512-byte window, in small steps so zlib cannot look back into its output."""
    d = zlib.decompressobj(-9)
    return b"".join(d.decompress(out[i : i + 16]) for i in range(0, len(out), 16))


def test_max_window_bits_limits_our_compressor():
    data = os.urandom(600) + b"filler" * 10 + os.urandom(600)
    data = data + data  # repeats 1,300 bytes back: beyond a 512-byte window
    for bits in (9, 15):
        codec = PerMessageDeflate(True, DeflateParams(server_max_window_bits=bits))
        out = codec.compress(data) + b"\x00\x00\xff\xff"
        if bits == 9:
            assert _inflate_9_bits(out) == data
        else:
            with pytest.raises(zlib.error):
                _inflate_9_bits(out)


def test_client_window_bits_used_by_client():
    codec = PerMessageDeflate(False, DeflateParams(client_max_window_bits=9))
    data = os.urandom(700)
    out = codec.compress(data + data) + b"\x00\x00\xff\xff"
    assert _inflate_9_bits(out) == data + data


# -- decompression bombs and max_message_size --------------------------------------------------


def _bomb(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = c.compress(bytes(size)) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


def test_bomb_refused_without_inflating_it(raw):
    srv, _ = pair(max_message_size=1 << 20)
    body = _bomb(200 << 20)  # 200 MiB of zeros, about 200 KB on the wire
    assert len(body) < 1 << 20
    err = raw.error(srv, raw.cframe(2, body, rsv=4))
    assert err.code == 1009 and srv.buffered == 0


def test_bomb_split_into_fragments(raw):
    srv, _ = pair(max_message_size=100_000)
    body = _bomb(1 << 20)
    data = raw.cframe(2, body[:100], rsv=4, fin=False)
    data += b"".join(raw.cframe(0, body[i : i + 100], fin=False) for i in range(100, len(body), 100))
    data += raw.cframe(0, b"")
    err = raw.error(srv, data)
    assert err.code == 1009


def test_compressed_message_at_the_limit(raw):
    srv, cli = pair(max_message_size=50_000)
    assert raw.events(srv, cli.send_message(bytes(50_000))) == [Message(bytes(50_000))]
    assert raw.error(srv, cli.send_message(bytes(50_001))).code == 1009


def test_incompressible_message_at_the_limit(raw):
    srv, cli = pair(max_message_size=50_000)
    blob = os.urandom(50_000)
    assert raw.events(srv, cli.send_message(blob)) == [Message(blob)]


# -- negotiation: server side ------------------------------------------------------------------


def test_server_no_offer():
    assert server_negotiate([], {}) is None
    assert server_negotiate(["x-webkit-deflate-frame"], {}) is None


def test_server_plain_offer():
    p = server_negotiate(["permessage-deflate; client_max_window_bits"], {})
    assert p == DeflateParams()
    assert p.header() == "permessage-deflate"


def test_server_honours_client_requests():
    p = server_negotiate(
        [
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
            " server_max_window_bits=10; client_max_window_bits=12"
        ],
        {},
    )
    assert p == DeflateParams(True, True, 10, 12)
    assert p.header() == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
        " server_max_window_bits=10; client_max_window_bits=12"
    )


def test_server_options_only_make_it_stricter():
    opts = {
        "server_no_context_takeover": True,
        "client_no_context_takeover": True,
        "server_max_window_bits": 11,
        "client_max_window_bits": 10,
    }
    assert server_negotiate(
        ["permessage-deflate; server_max_window_bits=9; client_max_window_bits"], opts
    ) == (DeflateParams(True, True, 9, 10))
    # No client_max_window_bits in the offer: the client cannot take that parameter.
    assert server_negotiate(["permessage-deflate"], opts) == DeflateParams(True, True, 11, None)


@pytest.mark.parametrize(
    "bad",
    [
        "permessage-deflate; unknown",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_max_window_bits=8",
    ],
)
def test_server_declines_bad_offer_and_takes_the_next(bad):
    assert server_negotiate([bad], {}) is None
    assert server_negotiate([bad, "permessage-deflate"], {}) == DeflateParams()


def test_server_quoted_value():
    params = server_negotiate(['permessage-deflate; server_max_window_bits="10"'], {})
    assert params is not None and params.server_max_window_bits == 10


def test_server_broken_header():
    with pytest.raises(HandshakeError):
        server_negotiate(["permessage-deflate; ;"], {})


# -- negotiation: client side ------------------------------------------------------------------


def test_client_offer():
    assert client_offer({}) == "permessage-deflate; client_max_window_bits"
    offer = client_offer(
        {"server_no_context_takeover": True, "server_max_window_bits": 10, "client_max_window_bits": 9}
    )
    assert offer == (
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"
    )


def test_client_accepts_answers():
    assert client_accept([], {}) is None
    assert client_accept(["permessage-deflate"], {}) == DeflateParams()
    got = client_accept(
        [
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10; server_max_window_bits=12"
        ],
        {},
    )
    assert got == DeflateParams(True, False, 12, 10)
    accepted = client_accept(["permessage-deflate"], {"client_no_context_takeover": True})
    assert accepted is not None and accepted.client_no_context_takeover
    assert client_accept(
        ["permessage-deflate; client_max_window_bits=12"], {"client_max_window_bits": 10}
    ) == (DeflateParams(client_max_window_bits=10))


@pytest.mark.parametrize(
    "answer,options",
    [
        ("x-other", {}),
        ("permessage-deflate, permessage-deflate", {}),
        ("permessage-deflate; unknown", {}),
        ("permessage-deflate; client_max_window_bits", {}),
        ("permessage-deflate; client_max_window_bits=8", {}),
        ("permessage-deflate; server_max_window_bits=16", {}),
        ("permessage-deflate; server_max_window_bits=12", {"server_max_window_bits": 10}),
        ("permessage-deflate", {"server_no_context_takeover": True}),
        ("permessage-deflate; client_no_context_takeover; client_no_context_takeover", {}),
    ],
)
def test_client_refuses_answers(answer, options):
    with pytest.raises(HandshakeError):
        client_accept([answer], options)


def test_negotiated_pair_talks(raw):
    opts = {"server_max_window_bits": 10, "client_no_context_takeover": True}
    srv_params = server_negotiate([client_offer(opts)], {})
    assert srv_params is not None
    cli_params = client_accept([srv_params.header()], opts)
    assert srv_params == cli_params == DeflateParams(False, True, 10, None)
    srv = WebSocketProtocol(SERVER, deflate=PerMessageDeflate(True, srv_params))
    cli = WebSocketProtocol(CLIENT, deflate=PerMessageDeflate(False, cli_params))
    for i in range(3):
        assert raw.events(srv, cli.send_message(f"msg {i} " * 50)) == [Message(f"msg {i} " * 50)]
        assert raw.events(cli, srv.send_message(f"re {i} " * 50)) == [Message(f"re {i} " * 50)]


@pytest.mark.parametrize(
    "options",
    [
        {"nope": 1},
        {"server_max_window_bits": 8},
        {"client_max_window_bits": "10"},
        {"server_no_context_takeover": 1},
        {"compression_level": 10},
        {"mem_level": 0},
    ],
)
def test_bad_compression_options_name_the_setting(options):
    with pytest.raises(ValueError, match="compression_options"):
        validate_compression_options(options)
    with pytest.raises(ValueError, match="compression_options"):
        client_offer(options)


def test_compression_options_not_a_dict():
    with pytest.raises(ValueError, match="websocket_compression"):
        validate_compression_options([1], "websocket_compression")  # type: ignore[arg-type]


def test_compression_level_is_used():
    data = b"".join(str(i).encode() for i in range(3000))
    fast = PerMessageDeflate(True, DeflateParams(), {"compression_level": 0}).compress(data)
    best = PerMessageDeflate(True, DeflateParams(), {"compression_level": 9}).compress(data)
    assert len(best) < len(fast)


@pytest.mark.parametrize("cut", [7, 8, 6, 3])
def test_bfinal_example_reads_the_same_however_fragmented(raw, cut):
    """RFC 7692's BFINAL payload ends with a byte after the final block; a message split
    anywhere (even right after that byte, with an empty last frame) is still "Hello"."""
    payload = bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00])
    _, cli = pair()
    data = raw.frame(1, payload[:cut], fin=False, rsv=4) + raw.frame(0, payload[cut:])
    assert raw.events(cli, data + raw.frame(1, payload, rsv=4)) == [Message("Hello"), Message("Hello")]
    _, cli = pair()
    data = raw.frame(1, payload, fin=False, rsv=4) + raw.frame(0, b"", fin=False) + raw.frame(0, b"")
    assert raw.events(cli, data) == [Message("Hello")]
