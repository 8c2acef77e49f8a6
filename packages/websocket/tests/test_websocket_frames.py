"""RFC 6455 framing rules, each checked with raw frames fed to the protocol core."""

from __future__ import annotations

import pytest
from tornado.websocket import (
    CLIENT,
    NEED_DATA,
    SERVER,
    Close,
    Message,
    Ping,
    Pong,
    ProtocolError,
    WebSocketClosedError,
    WebSocketProtocol,
)

KEY = bytes([0x37, 0xFA, 0x21, 0x3D])


# -- the examples of RFC 6455 section 5.7 ------------------------------------------------


def test_rfc_unmasked_text_frame_read_by_client(raw):
    ws = WebSocketProtocol(CLIENT)
    assert raw.events(ws, bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])) == [Message("Hello")]


def test_rfc_masked_text_frame_read_by_server(raw):
    ws = WebSocketProtocol(SERVER)
    data = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    assert raw.events(ws, data) == [Message("Hello")]


def test_rfc_fragmented_text(raw):
    ws = WebSocketProtocol(CLIENT)
    assert raw.events(ws, bytes([0x01, 0x03, 0x48, 0x65, 0x6C])) == []
    assert raw.events(ws, bytes([0x80, 0x02, 0x6C, 0x6F])) == [Message("Hello")]


def test_rfc_ping_and_masked_pong(raw):
    ws = WebSocketProtocol(CLIENT)
    (ev,) = raw.events(ws, bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]))
    assert isinstance(ev, Ping) and ev.payload == b"Hello"
    srv = WebSocketProtocol(SERVER)
    (ev,) = raw.events(srv, bytes([0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]))
    assert isinstance(ev, Pong) and ev.payload == b"Hello"


@pytest.mark.parametrize("size", [125, 126, 256, 65535, 65536, 70000])
def test_length_encodings(raw, size):
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = raw.frame(2, payload)
    if size == 256:
        assert data[:4] == bytes([0x82, 0x7E, 0x01, 0x00])
    if size == 65536:
        assert data[:10] == bytes([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
    assert raw.events(WebSocketProtocol(CLIENT), data) == [Message(payload)]
    assert raw.events(WebSocketProtocol(SERVER), raw.frame(2, payload, mask=KEY)) == [Message(payload)]


def test_byte_at_a_time(raw):
    ws = WebSocketProtocol(SERVER)
    data = raw.cframe(1, "héllo".encode()) + raw.cframe(9, b"p") + raw.cframe(2, b"x" * 300)
    got = []
    for i in range(len(data)):
        got += raw.events(ws, data[i : i + 1])
    assert [type(e) for e in got] == [Message, Ping, Message]
    assert got[0] == Message("héllo") and got[2] == Message(b"x" * 300)


def test_empty_messages(raw):
    ws = WebSocketProtocol(SERVER)
    assert raw.events(ws, raw.cframe(1) + raw.cframe(2)) == [Message(""), Message(b"")]


# -- masking by role ---------------------------------------------------------------------


def test_server_refuses_unmasked_client_frame(raw):
    err = raw.error(WebSocketProtocol(SERVER), raw.frame(1, b"hi"))
    assert err.code == 1002 and "masked" in err.reason


def test_client_refuses_masked_server_frame(raw):
    err = raw.error(WebSocketProtocol(CLIENT), raw.frame(1, b"hi", mask=KEY))
    assert err.code == 1002


def test_client_masks_and_server_does_not(raw):
    cli, srv = WebSocketProtocol(CLIENT), WebSocketProtocol(SERVER)
    out = cli.send_message("hello")
    assert out[1] & 0x80 and out[2:6] != b"\0\0\0\0"
    assert raw.unmask(out) == (0x81, b"hello")
    out2 = cli.send_message("hello")
    assert out2[2:6] != out[2:6], "a fresh masking key per frame"
    sout = srv.send_message("hello")
    assert sout == bytes([0x81, 0x05]) + b"hello"


# -- reserved bits and opcodes -----------------------------------------------------------


@pytest.mark.parametrize("rsv", [1, 2, 4, 3, 7])
def test_reserved_bits_without_extension(raw, rsv):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(1, b"x", rsv=rsv)).code == 1002


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_reserved_opcodes(raw, opcode):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(opcode, b"")).code == 1002


def test_64bit_length_with_top_bit_set(raw):
    data = bytes([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1])
    assert raw.error(WebSocketProtocol(CLIENT), data).code == 1002


# -- control frames ----------------------------------------------------------------------


def test_control_frame_of_125_bytes_is_fine(raw):
    (ev,) = raw.events(WebSocketProtocol(SERVER), raw.cframe(9, b"a" * 125))
    assert ev.payload == b"a" * 125


@pytest.mark.parametrize("opcode", [8, 9, 10])
def test_control_frame_over_125_bytes(raw, opcode):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(opcode, b"\x03\xe8" + b"a" * 124)).code == 1002


@pytest.mark.parametrize("opcode", [8, 9, 10])
def test_fragmented_control_frame(raw, opcode):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(opcode, b"", fin=False)).code == 1002


def test_control_frames_interleave_with_fragments(raw):
    ws = WebSocketProtocol(SERVER)
    data = (
        raw.cframe(1, b"frag", fin=False)
        + raw.cframe(9, b"ping")
        + raw.cframe(0, b"men", fin=False)
        + raw.cframe(10, b"pong")
        + raw.cframe(0, b"ted")
    )
    got = raw.events(ws, data)
    assert [type(e) for e in got] == [Ping, Pong, Message]
    assert got[2] == Message("fragmented")


def test_close_interleaved_in_fragmented_message(raw):
    ws = WebSocketProtocol(SERVER)
    got = raw.events(ws, raw.cframe(1, b"a", fin=False) + raw.cframe(8, b"\x03\xe8"))
    assert [type(e) for e in got] == [Close]


# -- fragmentation sequence --------------------------------------------------------------


def test_continuation_without_start(raw):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(0, b"x")).code == 1002


def test_new_message_inside_fragmented_one(raw):
    ws = WebSocketProtocol(SERVER)
    assert raw.error(ws, raw.cframe(1, b"a", fin=False) + raw.cframe(2, b"b")).code == 1002


def test_many_fragments_binary(raw):
    ws = WebSocketProtocol(SERVER)
    data = raw.cframe(2, b"0", fin=False)
    data += b"".join(raw.cframe(0, str(i % 10).encode(), fin=False) for i in range(1, 99))
    data += raw.cframe(0, b"9")
    (msg,) = raw.events(ws, data)
    assert msg.binary and len(msg.data) == 100


def test_empty_fragments(raw):
    ws = WebSocketProtocol(SERVER)
    data = raw.cframe(1, b"", fin=False) + raw.cframe(0, b"", fin=False) + raw.cframe(0, b"")
    assert raw.events(ws, data) == [Message("")]


def test_send_fragmented_roundtrip(raw):
    srv, cli = WebSocketProtocol(SERVER), WebSocketProtocol(CLIENT)
    out = srv.send_message("abcdefghij", fragment_size=3)
    assert out[0] == 0x01 and out[1] == 3  # first frame: TEXT, not FIN
    assert raw.events(cli, out) == [Message("abcdefghij")]
    assert raw.events(srv, cli.send_message(b"\x00" * 1000, fragment_size=7)) == [Message(b"\x00" * 1000)]


# -- UTF-8 ---------------------------------------------------------------------------------


def test_invalid_utf8_text(raw):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(1, b"\xff")).code == 1007


def test_surrogate_is_invalid_utf8(raw):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(1, b"\xed\xa0\x80")).code == 1007


def test_utf8_split_across_fragments_is_valid(raw):
    ws = WebSocketProtocol(SERVER)
    euro = "€".encode()  # 3 bytes
    data = raw.cframe(1, euro[:1], fin=False) + raw.cframe(0, euro[1:2], fin=False) + raw.cframe(0, euro[2:])
    assert raw.events(ws, data) == [Message("€")]


def test_invalid_utf8_fails_at_the_fragment_that_breaks_it(raw):
    ws = WebSocketProtocol(SERVER)
    assert raw.events(ws, raw.cframe(1, b"ok", fin=False)) == []
    # 0xce needs a continuation byte; 0x41 is not one: invalid before the message ends.
    assert raw.error(ws, raw.cframe(0, b"\xce\x41", fin=False)).code == 1007


def test_truncated_utf8_at_message_end(raw):
    ws = WebSocketProtocol(SERVER)
    assert raw.error(ws, raw.cframe(1, b"a", fin=False) + raw.cframe(0, b"\xe2\x82")).code == 1007


def test_binary_is_not_utf8_checked(raw):
    assert raw.events(WebSocketProtocol(SERVER), raw.cframe(2, b"\xff\xfe")) == [Message(b"\xff\xfe")]


# -- close frames ----------------------------------------------------------------------------


def test_close_without_code(raw):
    ws = WebSocketProtocol(SERVER)
    (ev,) = raw.events(ws, raw.cframe(8))
    assert (ev.code, ev.reason) == (1005, "") and ws.close_received and not ws.closed
    reply = ws.send_close(None)
    assert raw.unmask(reply) == (0x88, b"") and ws.closed


def test_close_with_code_and_reason(raw):
    ws = WebSocketProtocol(SERVER)
    (ev,) = raw.events(ws, raw.cframe(8, b"\x0b\xb8bye \xc3\xa9"))
    assert (ev.code, ev.reason) == (3000, "bye é")


def test_close_one_byte_payload(raw):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(8, b"\x03")).code == 1002


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
def test_invalid_close_codes(raw, code):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(8, code.to_bytes(2, "big"))).code == 1002


@pytest.mark.parametrize(
    "code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]
)
def test_valid_close_codes(raw, code):
    (ev,) = raw.events(WebSocketProtocol(SERVER), raw.cframe(8, code.to_bytes(2, "big")))
    assert ev.code == code


def test_close_reason_invalid_utf8(raw):
    assert raw.error(WebSocketProtocol(SERVER), raw.cframe(8, b"\x03\xe8\xff")).code == 1007


def test_frames_after_close_are_ignored(raw):
    ws = WebSocketProtocol(SERVER)
    got = raw.events(ws, raw.cframe(8, b"\x03\xe8") + raw.cframe(1, b"late") + b"\xff\xff garbage")
    assert [type(e) for e in got] == [Close]
    assert raw.events(ws, raw.cframe(1, b"later")) == []


def test_sending_after_close_is_refused():
    ws = WebSocketProtocol(SERVER)
    ws.send_close(1000, "done")
    assert ws.send_close(1000) == b""  # idempotent
    with pytest.raises(WebSocketClosedError):
        ws.send_message("x")
    with pytest.raises(WebSocketClosedError):
        ws.send_ping()


def test_send_close_validates_code_and_reason():
    ws = WebSocketProtocol(SERVER)
    for bad in (1005, 1006, 999, 2000):
        with pytest.raises(ValueError):
            ws.send_close(bad)
    with pytest.raises(ValueError):
        ws.send_close(1000, "x" * 124)
    with pytest.raises(ValueError):
        ws.send_close(None, "reason without code")
    assert not ws.close_sent
    assert ws.send_close(1000, "x" * 123)[:4] == bytes([0x88, 125, 0x03, 0xE8])


def test_control_payload_limit_on_send():
    with pytest.raises(ValueError):
        WebSocketProtocol(SERVER).send_ping(b"x" * 126)


def test_eof_without_close_reports_1006(raw):
    ws = WebSocketProtocol(SERVER)
    got = raw.events(ws, raw.cframe(1, b"partial", fin=False)[:5], eof=True)
    assert len(got) == 1 and got[0].code == 1006 and ws.closed
    assert raw.events(ws) == []


def test_error_is_sticky(raw):
    ws = WebSocketProtocol(SERVER)
    raw.error(ws, raw.frame(1, b"unmasked"))
    with pytest.raises(ProtocolError):
        ws.next_event()


# -- max_message_size ----------------------------------------------------------------------


def test_message_at_the_limit_is_accepted(raw):
    ws = WebSocketProtocol(SERVER, max_message_size=100)
    assert raw.events(ws, raw.cframe(2, b"x" * 100)) == [Message(b"x" * 100)]


def test_oversized_frame_refused_from_its_header(raw):
    ws = WebSocketProtocol(SERVER, max_message_size=100)
    header_only = raw.frame(2, b"", length=101, mask=KEY)  # payload not sent at all
    assert raw.error(ws, header_only).code == 1009


def test_oversized_fragmented_message_never_buffered_whole(raw):
    ws = WebSocketProtocol(SERVER, max_message_size=1000)
    assert raw.events(ws, raw.cframe(2, b"x" * 600, fin=False)) == []
    assert ws.buffered == 600
    assert raw.error(ws, raw.frame(0, b"", length=401, mask=KEY)).code == 1009
    assert ws.buffered == 0


def test_default_limit_is_10_mib(raw):
    ws = WebSocketProtocol(SERVER)
    assert ws.max_message_size == 10 * 1024 * 1024
    assert raw.error(ws, raw.frame(2, b"", length=10 * 1024 * 1024 + 1, mask=KEY)).code == 1009


def test_unlimited(raw):
    ws = WebSocketProtocol(SERVER, max_message_size=None)
    assert raw.events(ws, raw.frame(2, b"", length=11 * 1024 * 1024, mask=KEY)) == []  # waits for data


def test_bad_max_message_size():
    with pytest.raises(ValueError, match="max_message_size"):
        WebSocketProtocol(SERVER, max_message_size=-1)


def test_events_iterator(raw):
    ws = WebSocketProtocol(SERVER)
    ws.receive_data(raw.cframe(1, b"a") + raw.cframe(1, b"b"))
    assert list(ws.events()) == [Message("a"), Message("b")]
    assert ws.next_event() is NEED_DATA


def test_text_given_as_bytes():
    srv, cli = WebSocketProtocol(SERVER), WebSocketProtocol(CLIENT)
    out = srv.send_message(b"caf\xc3\xa9", binary=False)
    assert out[0] == 0x81
    cli.receive_data(out)
    assert cli.next_event() == Message("café")


# -- many small messages in one read ------------------------------------------------------


def test_small_messages_in_one_read_then_a_bad_frame(raw):
    """Whole small messages taken in one pass still come out in order, before the error of a
    later frame of the same read, and count as held input until they are taken."""
    ws = WebSocketProtocol(SERVER)
    good = b"".join(raw.frame(1, f"m{i}é".encode(), mask=KEY) for i in range(5))
    ws.receive_data(good + raw.frame(2, b"bin", mask=KEY) + raw.frame(1, b"unmasked"))
    assert ws.buffered >= 5 * 3 + 3
    events = [ws.next_event() for _ in range(6)]
    assert events == [*(Message(f"m{i}é") for i in range(5)), Message(b"bin")]
    with pytest.raises(ProtocolError) as info:
        ws.next_event()
    assert info.value.code == 1002


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (
            bytes([0x81, 0x80 | 2]) + KEY + bytes(b ^ k for b, k in zip(b"\xff\xfe", KEY[:2], strict=True)),
            1007,
        ),
        (bytes([0x81, 3]) + b"abc", 1002),  # from a client, unmasked
        (bytes([0xC1, 0x80 | 1]) + KEY + b"a", 1002),  # RSV1 without an extension
    ],
)
def test_a_small_frame_that_breaks_a_rule_after_good_ones(raw, frame, code):
    ws = WebSocketProtocol(SERVER)
    assert raw.events(ws, raw.frame(1, b"ok", mask=KEY)) == [Message("ok")]
    ws.receive_data(raw.frame(1, b"fine", mask=KEY) + frame)
    assert ws.next_event() == Message("fine")
    with pytest.raises(ProtocolError) as info:
        ws.next_event()
    assert info.value.code == code


def test_small_messages_over_the_limit_still_refused(raw):
    ws = WebSocketProtocol(SERVER, max_message_size=3)
    ws.receive_data(raw.frame(1, b"abc", mask=KEY) + raw.frame(1, b"abcd", mask=KEY))
    assert ws.next_event() == Message("abc")
    with pytest.raises(ProtocolError) as info:
        ws.next_event()
    assert info.value.code == 1009


def test_client_takes_small_server_messages_in_one_pass(raw):
    ws = WebSocketProtocol(CLIENT)
    data = b"".join(raw.frame(1, str(i).encode()) for i in range(50)) + raw.frame(8, b"\x03\xe8")
    events = raw.events(ws, data)
    assert events[:50] == [Message(str(i)) for i in range(50)]
    assert len(events) == 51 and isinstance(events[50], Close) and events[50].code == 1000
