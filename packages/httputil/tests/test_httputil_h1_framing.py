"""Request framing that two hops could read differently is refused with 400.

Transfer-Encoding may only be padded with spaces and tabs around ``chunked``; chunk-size
lines are bare hex with an optional, well-formed and bounded extension.
"""

from __future__ import annotations

import pytest
from tornado.httputil import NEED_DATA, PAUSED, SERVER, Data, EndOfMessage, H1Connection, ProtocolError

HEAD = b"POST / HTTP/1.1\r\nHost: h\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


def events(data: bytes) -> list[object]:
    c = H1Connection(SERVER)
    c.receive_data(data)
    out: list[object] = []
    while (ev := c.next_event()) not in (NEED_DATA, PAUSED):
        out.append(ev)
    return out


def body_of(data: bytes) -> bytes:
    evs = events(data)
    assert isinstance(evs[-1], EndOfMessage)
    return b"".join(e.data for e in evs if isinstance(e, Data))


BAD_TE = [
    b"\xa0chunked",  # NBSP, which str.strip() would remove
    b"chunked\xa0",
    b"chunked\x85",  # NEL, whitespace to str.strip()
    b"\xc2\xa0chunked",
    b"chunked\xff",
    b"chunk\xe9d",
    b'"chunked"',
    b"chunked,",
    b",chunked",
    b"chunked;q=1",
    b"chunked/1.1",
    b"ch unked",
]


@pytest.mark.parametrize("value", BAD_TE, ids=[repr(v) for v in BAD_TE])
def test_transfer_encoding_with_more_than_whitespace_around_chunked_is_400(value: bytes) -> None:
    data = HEAD + b"Transfer-Encoding: " + value + b"\r\n\r\n0\r\n\r\n"
    with pytest.raises(ProtocolError) as info:
        events(data)
    assert info.value.status_code == 400


@pytest.mark.parametrize("value", [b"chunked", b"Chunked", b"CHUNKED", b"chunked \t", b"\t chunked"])
def test_transfer_encoding_chunked_with_plain_whitespace_is_accepted(value: bytes) -> None:
    data = HEAD + b"Transfer-Encoding: " + value + b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    assert body_of(data) == b"abc"


def test_unknown_but_wellformed_coding_is_still_501() -> None:
    with pytest.raises(ProtocolError) as info:
        events(HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n")
    assert info.value.status_code == 501


BAD_CHUNK_LINES = [
    b"3 ",  # trailing whitespace
    b"3\t",
    b" 3",
    b"+3",
    b"-3",
    b"0x3",
    b"0X3",
    b"3_0",
    b"00000000000000003",  # 17 digits
    b"3;",  # extension without a name
    b"3;a=",
    b'3;a="unterminated',
    b"3;a=\xff",
    b"3;\xe9=1",
    b"3;a b",
    b"3 \t ",
    b"\xef\xbc\x93",  # fullwidth digit three in UTF-8
]


@pytest.mark.parametrize("line", BAD_CHUNK_LINES, ids=[repr(v) for v in BAD_CHUNK_LINES])
def test_malformed_chunk_size_line_is_400(line: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        events(CHUNKED + line + b"\r\nabc\r\n0\r\n\r\n")
    assert info.value.status_code == 400


@pytest.mark.parametrize(
    "line", [b"3", b"03", b"3;a", b"3;a=b", b'3;a="b c\\"d"', b"3 ; a = b", b"3;a;b=c", b"0000000000000003"]
)
def test_wellformed_chunk_size_lines_are_accepted(line: bytes) -> None:
    assert body_of(CHUNKED + line + b"\r\nabc\r\n0\r\n\r\n") == b"abc"


def test_chunk_extensions_are_bounded_per_message() -> None:
    # Each line is short and valid, but together they carry far more extension than body.
    piece = b"1;" + b"e" * 200 + b"\r\nx\r\n"
    data = CHUNKED + piece * 100 + b"0\r\n\r\n"
    with pytest.raises(ProtocolError) as info:
        events(data)
    assert info.value.status_code == 400
    assert "extension" in str(info.value)


def test_a_few_short_extensions_are_fine() -> None:
    piece = b"1;name=value\r\nx\r\n"
    assert body_of(CHUNKED + piece * 50 + b"0\r\n\r\n") == b"x" * 50


def test_extension_budget_restarts_with_each_message() -> None:
    piece = b"1;" + b"e" * 200 + b"\r\nx\r\n"
    one = CHUNKED + piece * 15 + b"0\r\n\r\n"
    c = H1Connection(SERVER)
    for _ in range(3):
        c.receive_data(one)
        evs = []
        while (ev := c.next_event()) not in (NEED_DATA, PAUSED):
            evs.append(ev)
        assert isinstance(evs[-1], EndOfMessage)
        c.send_response(200, body=b"")


def test_client_role_refuses_a_response_with_padded_transfer_encoding() -> None:
    from tornado.httputil import CLIENT

    c = H1Connection(CLIENT)
    c.send_request("GET", "/", {"Host": "h"})
    c.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n")
    with pytest.raises(ProtocolError):
        c.next_event()
