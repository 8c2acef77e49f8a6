"""The pure-Python client reads bodies as views of what it received (the protocol core's
``data_views``); what reaches the application is always ``bytes``: the response body, each
streamed piece, a decompressed body."""

from __future__ import annotations

import gzip
from typing import Any

from tornado.httpclient import HTTPResponse


def ok(body: bytes, headers: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def chunked(pieces: list[bytes], headers: str = "") -> bytes:
    out = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{headers}\r\n".encode()
    for p in pieces:
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + b"0\r\n\r\n"


def fetch_all(urls: list[tuple[str, dict[str, Any]]]) -> Any:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    async def main() -> list[HTTPResponse]:
        client = SimpleAsyncHTTPClient(force_instance=True, max_clients=1)
        try:
            return [await client.fetch(url, raise_error=False, **kw) for url, kw in urls]
        finally:
            client.close()

    return main()


BODY = bytes(range(256)) * 40  # 10 KiB


def test_bodies_read_as_views_are_bytes(run: Any, script_server: Any) -> None:
    answers = {
        "/one": ok(BODY),  # the body is a slice of the read that brought the head
        "/chunks": chunked([BODY[:3000], BODY[3000:7000], BODY[7000:]]),
        "/empty": ok(b""),
    }
    srv = script_server(lambda req: answers[req.target])
    rs = run(fetch_all([(srv.url + t, {}) for t in answers]))
    assert [r.code for r in rs] == [200, 200, 200]
    assert all(type(r.body) is bytes for r in rs)
    assert [r.body for r in rs] == [BODY, BODY, b""]
    assert srv.connections == 1  # the views changed nothing about reuse


def test_streamed_pieces_are_bytes(run: Any, script_server: Any) -> None:
    srv = script_server(lambda req: chunked([BODY[:5000], BODY[5000:]]) if req.target == "/c" else ok(BODY))
    pieces: list[Any] = []
    rs = run(fetch_all([(srv.url + "/c", {"streaming_callback": pieces.append}), (srv.url + "/l", {})]))
    assert rs[0].code == 200 and rs[1].body == BODY
    assert pieces and all(type(p) is bytes for p in pieces)
    assert b"".join(pieces) == BODY


def test_gzip_body_read_as_views(run: Any, script_server: Any) -> None:
    packed = gzip.compress(BODY * 4)
    srv = script_server(lambda req: chunked([packed[:100], packed[100:]], "Content-Encoding: gzip\r\n"))
    (r,) = run(fetch_all([(srv.url + "/", {"decompress_response": True})]))
    assert r.code == 200 and type(r.body) is bytes and r.body == BODY * 4
    assert r.headers["X-Consumed-Content-Encoding"] == "gzip"


def test_a_raising_streaming_callback_ends_the_exchange_at_once(run: Any, script_server: Any) -> None:
    srv = script_server(lambda req: chunked([BODY[:100], BODY[100:200], BODY[200:]]))
    calls: list[int] = []

    def callback(piece: bytes) -> None:
        calls.append(len(piece))
        raise ValueError("no more")

    (r,) = run(fetch_all([(srv.url + "/", {"streaming_callback": callback})]))
    assert r.code == 599 and "no more" in str(r.error)
    assert calls == [100]  # the rest of the read was not handed out
