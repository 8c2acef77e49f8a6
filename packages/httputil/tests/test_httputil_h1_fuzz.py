"""Random input never makes the parser raise anything but ProtocolError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httputil import CLIENT, NEED_DATA, PAUSED, SERVER, H1Connection, ProtocolError

VALID = (
    b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\nT: 1\r\n\r\n"
    b"GET / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab"
)

ATOMS = [
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b":",
    b"GET",
    b"HTTP/1.1",
    b"Host: h",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked",
    b"0",
    b"5",
    b"ff",
    b";",
    b"\t",
    b"\x00",
    b"\xff",
    b"/",
]


def consume(conn: H1Connection, chunks: list[bytes]) -> None:
    try:
        for chunk in chunks:
            conn.receive_data(chunk)
            for _ in range(1000):
                ev = conn.next_event()
                if ev is NEED_DATA:
                    break
                if ev is PAUSED:
                    if conn.role is SERVER and conn.message_done and not conn.response_started:
                        conn.send_response(200, body=b"ok")
                        continue
                    break
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=64), max_size=8))
def test_server_random_bytes(chunks: list[bytes]) -> None:
    consume(H1Connection(SERVER, max_header_size=512, max_body_size=1000), chunks)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), max_size=40), st.integers(min_value=1, max_value=16))
def test_server_token_soup(atoms: list[bytes], step: int) -> None:
    data = b"".join(atoms)
    consume(
        H1Connection(SERVER, max_header_size=512), [data[i : i + step] for i in range(0, len(data), step)]
    )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(VALID)),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=1, max_value=32),
)
def test_server_mutated_valid_stream(pos: int, byte: int, step: int) -> None:
    data = VALID[:pos] + bytes([byte]) + VALID[pos + 1 :]
    consume(H1Connection(SERVER), [data[i : i + step] for i in range(0, len(data), step)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=64), max_size=8))
def test_client_random_bytes(chunks: list[bytes]) -> None:
    conn = H1Connection(CLIENT, max_header_size=512)
    conn.send_request("GET", "/", {"Host": "h"})
    consume(conn, chunks + [b""])
