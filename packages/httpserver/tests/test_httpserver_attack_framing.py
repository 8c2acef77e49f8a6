"""Framing attacks over a raw socket: ambiguous Transfer-Encoding and chunk-size lines.

Each one is a request-smuggling vector when a proxy in front of us reads the framing
differently; the server must answer 400, close, and never run the request hidden behind.
"""

from __future__ import annotations

from typing import Any

import pytest

HEAD = b"POST / HTTP/1.1\r\nHost: h\r\n"
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"

BAD_TE = [b"\xa0chunked", b"chunked\x85", b"chunked\xff", b"\xc2\xa0chunked", b"chunked,", b'"chunked"']
BAD_CHUNK = [b"3 ", b"3\t", b"+3", b"0x3", b"00000000000000003", b"3;a=\xff", b"3;"]


def _attack(serve: Any, client_factory: Any, hello: Any, payload: bytes) -> bytes:
    seen: list[str] = []

    def cb(request: Any) -> None:
        seen.append(request.uri)
        hello(request)

    st = serve(cb)
    c = client_factory(st.port)
    c.send(payload)
    raw = c.read_raw()
    assert "/smuggled" not in seen
    # The server is still serving.
    c2 = client_factory(st.port)
    c2.send(b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c2.response()[1] == b"You requested /next\n"
    return raw


@pytest.mark.parametrize("value", BAD_TE, ids=[repr(v) for v in BAD_TE])
def test_padded_transfer_encoding_is_400_and_closed(
    serve: Any, client_factory: Any, hello: Any, value: bytes
) -> None:
    payload = HEAD + b"Transfer-Encoding: " + value + b"\r\nContent-Length: 0\r\n\r\n" + SMUGGLED
    payload_no_cl = HEAD + b"Transfer-Encoding: " + value + b"\r\n\r\n0\r\n\r\n" + SMUGGLED
    for p in (payload, payload_no_cl):
        raw = _attack(serve, client_factory, hello, p)
        assert raw.startswith(b"HTTP/1.1 400 "), raw[:60]
        assert b"Connection: close\r\n" in raw
        assert raw.count(b"HTTP/1.1 ") == 1


@pytest.mark.parametrize("line", BAD_CHUNK, ids=[repr(v) for v in BAD_CHUNK])
def test_malformed_chunk_size_is_400_and_closed(
    serve: Any, client_factory: Any, hello: Any, line: bytes
) -> None:
    payload = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + line + b"\r\nabc\r\n0\r\n\r\n" + SMUGGLED
    raw = _attack(serve, client_factory, hello, payload)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close\r\n" in raw
    assert raw.count(b"HTTP/1.1 ") == 1


def test_chunk_extension_flood_is_400(serve: Any, client_factory: Any, hello: Any) -> None:
    piece = b"1;" + b"e" * 1000 + b"\r\nx\r\n"
    payload = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + piece * 20 + b"0\r\n\r\n"
    raw = _attack(serve, client_factory, hello, payload)
    assert raw.startswith(b"HTTP/1.1 400 ")
