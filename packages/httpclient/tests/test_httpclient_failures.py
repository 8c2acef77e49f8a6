"""Bad input and failures: refused, DNS, timeouts, malformed responses, bad arguments -> 599 or ValueError."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import zlib
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse


def ok(body: bytes = b"hello", headers: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def fetch_all(impl: type[AsyncHTTPClient], urls: list[str], **kw: Any) -> Any:
    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, **kw.pop("client_kw", {}))
        try:
            return [await client.fetch(u, raise_error=False, **kw) for u in urls]
        finally:
            client.close()

    return main()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def test_connection_refused(run: Any, impl: type[AsyncHTTPClient]) -> None:
    port = closed_port()
    (r,) = run(fetch_all(impl, [f"http://127.0.0.1:{port}/"]))
    assert r.code == 599
    assert isinstance(r.error, HTTPClientError) and r.error.code == 599
    assert "refused" in str(r.error).lower()


def test_dns_failure(run: Any, impl: type[AsyncHTTPClient]) -> None:
    (r,) = run(fetch_all(impl, ["http://no-such-host.invalid/"]))
    assert r.code == 599
    msg = str(r.error).lower()
    assert "resolve" in msg or "dns" in msg


def test_awaited_failure_raises_599(run: Any, impl: type[AsyncHTTPClient]) -> None:
    port = closed_port()

    async def main() -> HTTPClientError:
        client = impl(force_instance=True)
        try:
            with pytest.raises(HTTPClientError) as info:
                await client.fetch(f"http://127.0.0.1:{port}/")
            return info.value
        finally:
            client.close()

    assert run(main()).code == 599


def test_connect_timeout(run: Any, impl: type[AsyncHTTPClient]) -> None:
    # TCP connects but the TLS handshake (part of connecting) never gets an answer.
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    try:
        url = f"https://127.0.0.1:{lsock.getsockname()[1]}/"
        # request_timeout (30 s, also the runner's bound) cannot be what fired: the 599 names
        # the connect phase, so connect_timeout ended it.
        (r,) = run(fetch_all(impl, [url], connect_timeout=0.3, request_timeout=30))
        assert r.code == 599
        assert "timeout while connecting" in str(r.error).lower()
    finally:
        lsock.close()


def test_request_timeout_on_silent_server(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    gate = threading.Event()

    def handler(req: Any) -> bytes | None:
        gate.wait(5)
        return None

    srv = script_server(handler)
    try:
        (r,) = run(fetch_all(impl, [srv.url + "/"], request_timeout=0.3))
    finally:
        gate.set()
    assert r.code == 599
    assert "timeout" in str(r.error).lower()


def test_malformed_responses_are_599_and_pool_stays_healthy(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    bad = {
        "/status": b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "/chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "/length": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nshort",
        "/both": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "/headers": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\nContent-Length: 0\r\n\r\n",
    }

    def handler(req: Any) -> bytes | None:
        return bad.get(req.target, ok(b"fine"))

    srv = script_server(handler)
    urls = []
    for path in bad:
        urls += [srv.url + path, srv.url + "/good"]
    rs = run(fetch_all(impl, urls, client_kw={"max_clients": 1}))
    for path, r in zip(bad, rs[0::2], strict=True):
        assert r.code == 599, (path, r)
        assert r.error is not None
    for r in rs[1::2]:
        assert r.code == 200 and r.body == b"fine"
    # Each malformed response cost its connection: the good request after it came on a new one.
    seen = {q.target: q.connection for q in srv.requests if q.target != "/good"}
    goods = [q.connection for q in srv.requests if q.target == "/good"]
    for path, good in zip(bad, goods, strict=True):
        assert good != seen[path], path


def test_malformed_message_names_the_protocol_error(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    srv = script_server(lambda req: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    (r,) = run(fetch_all(impl, [srv.url + "/"]))
    assert r.code == 599
    assert "chunk" in str(r.error).lower() and "malformed" in str(r.error).lower(), r.error


def test_server_closing_without_answer(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: None)
    (r,) = run(fetch_all(impl, [srv.url + "/"]))
    assert r.code == 599


def test_decompression_bomb_is_cut_at_max_body_size(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = z.compress(b"\0" * (64 * 1024 * 1024)) + z.flush()
    assert len(bomb) < 200_000

    srv = script_server(lambda req: ok(bomb, "Content-Encoding: gzip\r\n"))
    (r,) = run(fetch_all(impl, [srv.url + "/"], client_kw={"max_body_size": 1024 * 1024}))
    assert r.code == 599
    assert "max_body_size" in str(r.error), r.error


def test_bad_arguments_are_named(run: Any, impl: type[AsyncHTTPClient]) -> None:
    async def main() -> None:
        client = impl(force_instance=True)
        try:
            with pytest.raises(TypeError, match="no_such_option"):
                client.fetch("http://127.0.0.1:1/", no_such_option=1)
            with pytest.raises(ValueError, match="request_timeout"):
                client.fetch("http://127.0.0.1:1/", request_timeout=-1)
            with pytest.raises(ValueError, match="connect_timeout"):
                client.fetch("http://127.0.0.1:1/", connect_timeout=-0.5)
            with pytest.raises(ValueError, match="scheme"):
                client.fetch("ftp://example.com/")
            with pytest.raises(ValueError, match="host"):
                client.fetch("http:///path")
            with pytest.raises(ValueError, match="non-ASCII"):
                client.fetch("http://127.0.0.1:1/caf\u00e9")
            with pytest.raises(ValueError, match="control"):
                client.fetch("http://127.0.0.1:1/a\x01b")
            with pytest.raises(ValueError, match="port"):
                client.fetch("http://127.0.0.1:99999/")
            with pytest.raises(ValueError, match="body"):
                client.fetch("http://127.0.0.1:1/", method="POST")
            with pytest.raises(ValueError, match="body"):
                client.fetch("http://127.0.0.1:1/", method="GET", body=b"x")
            with pytest.raises(ValueError, match="max_redirects"):
                client.fetch("http://127.0.0.1:1/", max_redirects=-1)
            with pytest.raises(ValueError, match="keyword"):
                client.fetch(HTTPRequest("http://127.0.0.1:1/"), method="POST")
            with pytest.raises(TypeError, match="headers"):
                client.fetch("http://127.0.0.1:1/", headers=["x"])
        finally:
            client.close()

    run(main())


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"headers": {"X-A": "a\r\nInjected: 1"}}, "header X-A"),
        ({"headers": {"X-A": "a\nInjected: 1"}}, "header X-A"),
        ({"headers": {"Bad Name": "x"}}, "header name"),
        ({"user_agent": "ua\r\nInjected: 1"}, "User-Agent"),
        ({"method": "GET /x HTTP/1.1\r\nX:", "allow_nonstandard_methods": True}, "method"),
    ],
    ids=["crlf-value", "lf-value", "bad-name", "crlf-user-agent", "bad-method"],
)
def test_header_injection_is_refused(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, kw: dict[str, Any], named: str
) -> None:
    """Nothing the caller put in a header value or method can become a line of its own."""
    srv = script_server(lambda req: ok(b"fine"))
    (bad,) = run(fetch_all(impl, [srv.url + "/bad"], **kw))
    assert bad.code == 599 and named in str(bad.error), bad.error
    assert "invalid" in str(bad.error)
    assert srv.requests == []  # nothing reached the server


def test_header_values_are_latin1(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    """Both backends send a latin-1 value as its bytes and refuse one latin-1 cannot encode."""
    srv = script_server(lambda req: ok(req.headers["X-U"].encode("latin-1")))
    (good,) = run(fetch_all(impl, [srv.url + "/"], headers={"X-U": "caf\u00e9"}))
    (bad,) = run(fetch_all(impl, [srv.url + "/"], headers={"X-U": "\u4e2d"}))
    assert good.code == 200 and good.body == b"caf\xe9"
    assert bad.code == 599 and "latin-1" in str(bad.error), bad.error
    assert len(srv.requests) == 1


def test_bad_client_configuration_is_named(run: Any, impl: type[AsyncHTTPClient]) -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="max_clients"):
            impl(force_instance=True, max_clients=0)
        with pytest.raises(ValueError, match="no_such"):
            impl(force_instance=True, defaults={"no_such": 1})
        with pytest.raises(TypeError, match="bogus"):
            impl(force_instance=True, bogus=1)

    run(main())


def test_queue_timeout_counts_toward_request_timeout(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    gate = threading.Event()

    def handler(req: Any) -> bytes | None:
        if req.target == "/slow":
            gate.wait(5)
        return ok()

    srv = script_server(handler)

    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        try:
            slow = client.fetch(srv.url + "/slow", raise_error=False, request_timeout=1.5)
            queued = client.fetch(
                srv.url + "/fast", raise_error=False, request_timeout=0.3, connect_timeout=5
            )
            q = await queued
            gate.set()
            return await slow, q
        finally:
            gate.set()
            client.close()

    slow, queued = run(main())
    assert slow.code == 200
    assert queued.code == 599 and "timeout" in str(queued.error).lower()


def test_time_queued_is_deducted_once_the_request_starts(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    """Queued 0.6 s, then answered in 0.8 s: 1.4 s in all exceeds its request_timeout of 1 s,
    though the exchange itself would fit."""
    gate = threading.Event()

    def handler(req: Any) -> bytes | None:
        if req.target == "/hold":
            gate.wait(5)
        else:
            time.sleep(0.8)
        return ok()

    srv = script_server(handler)

    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        try:
            hold = client.fetch(srv.url + "/hold", raise_error=False, request_timeout=10)
            queued = client.fetch(srv.url + "/late", raise_error=False, request_timeout=1.0)
            await asyncio.sleep(0.6)
            gate.set()
            return await hold, await queued
        finally:
            gate.set()
            client.close()

    hold, queued = run(main())
    assert hold.code == 200
    assert queued.code == 599 and "timeout" in str(queued.error).lower(), queued.error
    assert [q.target for q in srv.requests] == ["/hold", "/late"]  # it did start, after the queue


def test_max_clients_queues_and_all_complete(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    inflight = 0
    peak = 0
    lock = threading.Lock()

    def handler(req: Any) -> bytes:
        nonlocal inflight, peak
        with lock:
            inflight += 1
            peak = max(peak, inflight)
        time.sleep(0.02)
        with lock:
            inflight -= 1
        return ok(req.target.encode())

    srv = script_server(handler)

    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=3)
        try:
            return list(await asyncio.gather(*(client.fetch(f"{srv.url}/{i}") for i in range(12))))
        finally:
            client.close()

    rs = run(main())
    assert [r.body for r in rs] == [f"/{i}".encode() for i in range(12)]
    assert peak <= 3
    assert srv.connections <= 3


@pytest.mark.parametrize(
    ("response", "named"),
    [
        (b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", "bare"),
        (b"HTTP/1.1 200 OK\r\nX-A: a\r\n folded\r\nContent-Length: 0\r\n\r\n", "obs-fold"),
        (b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "version"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "content-length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "content-length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "chunk"),
        (b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", "control character"),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "101"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n", "header"),
    ],
    ids=[
        "bare-lf",
        "obs-fold",
        "http2",
        "two-lengths",
        "negative-length",
        "chunk-overflow",
        "nul",
        "101",
        "name",
    ],
)
def test_pure_client_names_each_protocol_error(
    run: Any, script_server: Any, response: bytes, named: str
) -> None:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    srv = script_server(lambda req: response if req.target == "/bad" else ok(b"fine"))
    bad, good = run(fetch_all(SimpleAsyncHTTPClient, [srv.url + "/bad", srv.url + "/good"]))
    assert bad.code == 599
    assert "Malformed HTTP response" in str(bad.error) and named in str(bad.error).lower(), bad.error
    assert good.code == 200 and good.body == b"fine"
    assert srv.requests[1].connection != srv.requests[0].connection
