"""Fetching from real nginx: bodies, gzip, keep-alive reuse, callbacks and awaiting."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse


def test_small_get(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            return await client.fetch(nginx.url + "/small")
        finally:
            client.close()

    r = run(main())
    assert r.code == 200 and r.reason == "OK"
    assert r.body == b"hello world"
    assert r.buffer.read() == b"hello world"
    assert r.headers["Content-Type"] == "text/plain"
    assert r.error is None
    assert r.effective_url == nginx.url + "/small"
    assert r.request_time is not None and r.request_time >= 0
    assert r.start_time is not None
    r.rethrow()


def test_keep_alive_reuses_one_connection(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        try:
            return [await client.fetch(nginx.url + "/small") for _ in range(5)]
        finally:
            client.close()

    rs = run(main())
    assert {r.headers["X-Conn"] for r in rs} == {rs[0].headers["X-Conn"]}
    assert [int(r.headers["X-Conn-Requests"]) for r in rs] == [1, 2, 3, 4, 5]


def test_connection_close_is_not_reused(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        try:
            return [await client.fetch(nginx.url + "/close") for _ in range(3)]
        finally:
            client.close()

    rs = run(main())
    assert all(r.body == b"bye" for r in rs)
    assert len({r.headers["X-Conn"] for r in rs}) == 3


def test_gzip_is_decompressed(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    expected = (nginx.root / "www" / "text.txt").read_bytes()

    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True)
        try:
            a = await client.fetch(nginx.url + "/text.txt")
            b = await client.fetch(
                nginx.url + "/text.txt", decompress_response=False, headers={"Accept-Encoding": "gzip"}
            )
            return a, b
        finally:
            client.close()

    a, b = run(main())
    assert a.body == expected
    # Asked for by default and undone by the client, which says what it consumed.
    assert "Content-Encoding" not in a.headers
    assert a.headers["X-Consumed-Content-Encoding"] == "gzip"
    assert b.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(b.body) == expected
    # nginx compresses on the fly, so both bodies came chunked.
    assert a.headers["Transfer-Encoding"] == b.headers["Transfer-Encoding"] == "chunked"


def test_large_body_and_streaming(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    expected = (nginx.root / "www" / "big.bin").read_bytes()
    chunks: list[bytes] = []

    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True)
        try:
            a = await client.fetch(nginx.url + "/big.bin")
            b = await client.fetch(nginx.url + "/big.bin", streaming_callback=chunks.append)
            return a, b
        finally:
            client.close()

    a, b = run(main())
    assert a.body == expected
    assert b.body == b"" and b"".join(chunks) == expected and len(chunks) > 1


def test_callback_style_gets_response_and_errors(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    got: list[HTTPResponse] = []

    async def main() -> None:
        client = impl(force_instance=True)
        try:
            await client.fetch(nginx.url + "/small", callback=got.append)
            await client.fetch(nginx.url + "/missing", callback=got.append)
            for _ in range(100):
                if len(got) == 2:
                    break
                await asyncio.sleep(0.01)
        finally:
            client.close()

    run(main())
    assert [r.code for r in got] == [200, 404]
    assert got[0].error is None
    assert isinstance(got[1].error, HTTPClientError) and got[1].error.code == 404


def test_awaited_error_raises_unless_raise_error_false(
    run: Any, impl: type[AsyncHTTPClient], nginx: Any
) -> None:
    async def main() -> tuple[HTTPClientError, HTTPResponse]:
        client = impl(force_instance=True)
        try:
            with pytest.raises(HTTPClientError) as info:
                await client.fetch(nginx.url + "/missing")
            r = await client.fetch(nginx.url + "/missing", raise_error=False)
            return info.value, r
        finally:
            client.close()

    err, r = run(main())
    assert err.code == 404 and str(err) == "HTTP 404: Not Found"
    assert err.response is not None and err.response.code == 404
    assert r.code == 404 and r.error is not None
    with pytest.raises(HTTPClientError):
        r.rethrow()


def test_redirect_followed_by_default(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True)
        try:
            a = await client.fetch(nginx.url + "/redirect")
            b = await client.fetch(nginx.url + "/redirect", follow_redirects=False, raise_error=False)
            return a, b
        finally:
            client.close()

    a, b = run(main())
    assert a.code == 200 and a.body == b"hello world"
    assert a.effective_url == nginx.url + "/small"
    assert a.request.url == nginx.url + "/redirect"
    assert b.code == 302 and b.headers["Location"].endswith("/small")


def test_request_object_and_headers(run: Any, impl: type[AsyncHTTPClient], nginx: Any) -> None:
    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            return await client.fetch(
                HTTPRequest(nginx.url + "/echo", method="HEAD", headers={"X-Test": "1"})
            )
        finally:
            client.close()

    r = run(main())
    assert r.code == 200 and r.body == b""
