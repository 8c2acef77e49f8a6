"""``decompress_request=True`` under attack: the bound is on the inflated size."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest


def echo(request: Any) -> None:
    request.respond(
        b"%d|%s|%s"
        % (
            len(request.body),
            request.headers.get("X-Consumed-Content-Encoding", "").encode(),
            request.headers.get("Content-Length", "").encode(),
        )
    )


def post(body: bytes, encoding: bytes = b"gzip") -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: "
        + encoding
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )


def bomb(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    out = [c.compress(block) for _ in range(size >> 20)]
    out.append(c.flush())
    return b"".join(out)


def test_gzip_bomb_gets_413_before_the_upload_ends(serve: Any, client_factory: Any) -> None:
    # 64 MiB of zeros in ~64 KiB; max_body_size is 1 MiB, far above the compressed size.
    seen: list[Any] = []
    st = serve(lambda r: seen.append(r), decompress_request=True, max_body_size=1 << 20)
    data = bomb(64 << 20)
    assert len(data) < 1 << 20
    c = client_factory(st.port)
    whole = post(data)
    # Send only half: a server that waited for the whole body before inflating would
    # never answer, and the read below would time out.
    c.send(whole[: len(whole) // 2])
    c.sock.settimeout(5)
    raw = c.read_raw()
    assert raw.startswith(b"HTTP/1.1 413 "), raw[:60]
    assert seen == []


def test_gzip_bomb_under_the_compressed_limit_is_413_in_one_piece(serve: Any, client_factory: Any) -> None:
    st = serve(echo, decompress_request=True, max_body_size=100_000)
    c = client_factory(st.port)
    c.send(post(bomb(8 << 20)))
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")


def test_body_exactly_at_the_limit_is_accepted(serve: Any, client_factory: Any) -> None:
    st = serve(echo, decompress_request=True, max_body_size=5000)
    c = client_factory(st.port)
    c.send(post(gzip.compress(b"a" * 5000)))
    assert c.response()[1] == b"5000|gzip|5000"
    c.send(post(gzip.compress(b"a" * 5001)))
    assert c.read_raw().startswith(b"HTTP/1.1 413 ")


@pytest.mark.parametrize(
    "body",
    [
        b"this is not gzip",
        gzip.compress(b"hello world")[:-6],
        gzip.compress(b"x") + b"trailing junk",
        b"\x1f\x8b",
    ],
    ids=["plain", "truncated", "trailing-junk", "magic-only"],
)
def test_body_that_is_not_gzip_gets_400(serve: Any, client_factory: Any, body: bytes) -> None:
    seen: list[Any] = []
    st = serve(lambda r: seen.append(r), decompress_request=True)
    c = client_factory(st.port)
    c.send(post(body))
    assert c.read_raw().startswith(b"HTTP/1.1 400 ")
    assert seen == []


def test_server_keeps_serving_after_a_bad_gzip_body(serve: Any, client_factory: Any) -> None:
    st = serve(echo, decompress_request=True)
    c = client_factory(st.port)
    c.send(post(b"garbage"))
    assert c.read_raw().startswith(b"HTTP/1.1 400 ")
    c2 = client_factory(st.port)
    c2.send(post(gzip.compress(b"fine")))
    assert c2.response()[1] == b"4|gzip|4"


def test_chunked_gzip_body_and_several_members(serve: Any, client_factory: Any) -> None:
    st = serve(echo, decompress_request=True)
    c = client_factory(st.port)
    data = gzip.compress(b"abc") + gzip.compress(b"defg")
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(data[i : i + 5]), data[i : i + 5]) for i in range(0, len(data), 5)
    )
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: x-gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    assert c.response()[1] == b"7|x-gzip|7"


def test_other_encodings_and_no_decompress_pass_through(serve: Any, client_factory: Any) -> None:
    st = serve(echo, decompress_request=True)
    c = client_factory(st.port)
    c.send(post(b"zz", encoding=b"br"))
    assert c.response()[1] == b"2||2"
    st2 = serve(echo)
    c2 = client_factory(st2.port)
    c2.send(post(b"not inflated"))
    assert c2.response()[1] == b"12||12"
