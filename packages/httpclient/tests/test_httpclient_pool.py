"""The connection pool: what is reused, what never is, idle expiry and per-host limits.

Every test counts the connections the server accepted, so a connection that was wrongly
reused (or wrongly not reused) shows up as a wrong count.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse


def ok(body: bytes = b"hello", headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def sequential(impl: type[AsyncHTTPClient], requests: list[Any], **client_kw: Any) -> Any:
    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=1, **client_kw)
        try:
            out = []
            for r in requests:
                url, kw = r if isinstance(r, tuple) else (r, {})
                out.append(await client.fetch(url, raise_error=False, **kw))
            return out
        finally:
            client.close()

    return main()


def test_http10_keep_alive_is_reused(run: Any, script_server: Any) -> None:
    # The pure client only: libcurl answers an HTTP/1.0 server with HTTP/1.0 requests that
    # do not ask for keep-alive, so the server rightly closes after them.
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    srv = script_server(
        lambda req: b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nka"
    )
    rs = run(sequential(SimpleAsyncHTTPClient, [srv.url + "/"] * 3))
    assert [r.body for r in rs] == [b"ka"] * 3
    assert srv.connections == 1


def test_head_and_bodiless_responses_keep_the_connection(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    def handler(req: Any) -> bytes:
        if req.method == "HEAD":
            # Content-Length describes the GET body that is not sent.
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        if req.target == "/204":
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if req.target == "/304":
            return b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"
        return ok(b"after")

    srv = script_server(handler)
    rs = run(
        sequential(
            impl,
            [(srv.url + "/h", {"method": "HEAD"}), srv.url + "/204", srv.url + "/304", srv.url + "/after"],
        )
    )
    assert [r.code for r in rs] == [200, 204, 304, 200]
    assert [r.body for r in rs] == [b"", b"", b"", b"after"]
    assert srv.connections == 1


def test_redirect_body_is_read_and_connection_reused(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    def handler(req: Any) -> bytes:
        if req.target == "/from":
            return ok(b"x" * 5000, "Location: /to\r\n", status="302 Found")
        return ok(b"landed")

    srv = script_server(handler)
    (r,) = run(sequential(impl, [srv.url + "/from"]))
    assert r.body == b"landed"
    assert srv.connections == 1 and [q.target for q in srv.requests] == ["/from", "/to"]


def test_abandoned_body_closes_the_connection(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    """A response whose body was not read to its end (the streaming callback failed) must
    not leave its connection in the pool: the rest of the body would be read as the next
    response."""

    def handler(req: Any) -> bytes:
        if req.target == "/big":
            return ok(b"B" * 200_000)
        return ok(b"small")

    srv = script_server(handler)

    def explode(chunk: bytes) -> None:
        raise ValueError("stop streaming")

    rs = run(sequential(impl, [(srv.url + "/big", {"streaming_callback": explode}), srv.url + "/small"]))
    assert rs[0].code == 599 and "stop streaming" in str(rs[0].error)
    assert rs[1].code == 200 and rs[1].body == b"small"
    assert srv.connections == 2


def test_timeout_mid_body_closes_the_connection(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    def handler(req: Any) -> bytes:
        if req.target == "/stall":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."
        return ok(b"fine")

    srv = script_server(handler)
    rs = run(sequential(impl, [(srv.url + "/stall", {"request_timeout": 0.5}), srv.url + "/fine"]))
    assert rs[0].code == 599 and "timeout" in str(rs[0].error).lower()
    assert rs[1].body == b"fine"
    assert srv.connections == 2


def test_server_closing_idle_connection_is_survived(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    # The server closes after each response although it did not say so: the pooled
    # connection is dead by the next request, which must still succeed on a fresh one.
    srv = script_server(lambda req: ok(b"once"), close_after=True)

    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        try:
            out = []
            for _ in range(3):
                out.append(await client.fetch(srv.url + "/", raise_error=False))
                await asyncio.sleep(0.05)
            return out
        finally:
            client.close()

    rs = run(main())
    assert [r.code for r in rs] == [200] * 3
    assert srv.connections == 3


def test_tls_settings_are_part_of_the_pool_key(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    """An unverified connection must never serve a request that asks for verification."""
    url = tls_nginx.nginx.url + "/small"
    rs = run(
        sequential(
            impl,
            [(url, {"validate_cert": False}), url, (url, {"ca_certs": tls_nginx.ca_file})],
        )
    )
    assert rs[0].code == 200
    assert rs[1].code == 599 and "certificate" in str(rs[1].error).lower()
    assert rs[2].code == 200
    assert rs[0].headers["X-Conn"] != rs[2].headers["X-Conn"]


def test_proxy_is_part_of_the_pool_key(
    run: Any, impl: type[AsyncHTTPClient], nginx: Any, tinyproxy: Any
) -> None:
    proxy = {
        "proxy_host": "127.0.0.1",
        "proxy_port": tinyproxy.port,
        "proxy_username": tinyproxy.username,
        "proxy_password": tinyproxy.password,
    }
    url = nginx.url + "/via"
    rs = run(sequential(impl, [url, (url, proxy), url]))
    assert [r.code for r in rs] == [200] * 3
    assert [b"tinyproxy" in r.body for r in rs] == [False, True, False]
    assert rs[0].headers["X-Conn"] == rs[2].headers["X-Conn"]  # the direct one was kept


def test_idle_connections_expire(run: Any, script_server: Any) -> None:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    srv = script_server(lambda req: ok())

    async def main() -> None:
        client = SimpleAsyncHTTPClient(force_instance=True, idle_timeout=0.2)
        try:
            await client.fetch(srv.url + "/")
            for _ in range(100):  # the sweep runs within 1.5 idle timeouts
                if srv.closed_by_client:
                    break
                await asyncio.sleep(0.05)
            await client.fetch(srv.url + "/")
        finally:
            client.close()

    run(main())
    assert srv.closed_by_client >= 1
    assert srv.connections == 2


def test_idle_timeout_must_be_positive(run: Any) -> None:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    async def main() -> None:
        with pytest.raises(ValueError, match="idle_timeout"):
            SimpleAsyncHTTPClient(force_instance=True, idle_timeout=0)

    run(main())


def test_per_host_connection_limit(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(req: Any) -> bytes:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return ok(req.target.encode())

    busy = script_server(slow)
    other = script_server(lambda req: ok(b"other"))

    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, max_clients=10, max_connections_per_host=2)
        try:
            fetches = [client.fetch(f"{busy.url}/{i}") for i in range(8)]
            fetches += [client.fetch(other.url + "/") for _ in range(2)]
            return list(await asyncio.gather(*fetches))
        finally:
            client.close()

    rs = run(main())
    assert [r.body for r in rs[:8]] == [f"/{i}".encode() for i in range(8)]
    assert [r.body for r in rs[8:]] == [b"other"] * 2
    assert state["peak"] <= 2 and busy.connections <= 2
    with pytest.raises(ValueError, match="max_connections_per_host"):
        run(_make(impl, max_connections_per_host=0))


async def _make(impl: type[AsyncHTTPClient], **kw: Any) -> None:
    impl(force_instance=True, **kw).close()


def test_large_reads_are_fed_in_pieces(run: Any, script_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads larger than FEED_SIZE (uvloop's 256 KiB) reach the core in pieces; bytes after
    the end of a response inside one such read still make the connection unusable, even
    when the response ends exactly where a piece does."""
    from tornado.simple_httpclient import SimpleAsyncHTTPClient, _connection

    feed = _connection.FEED_SIZE
    monkeypatch.setattr(_connection, "READ_SIZE", 1 << 20)  # keep asyncio's 256 KiB reads
    body = bytes(range(256)) * 1200  # 300 KiB
    head_len = len(ok(b"", "Location: /after\r\n", status="302 Found")) + len(str(2 * feed)) - 1
    redirect = ok(b"r" * (2 * feed - head_len), "Location: /after\r\n", status="302 Found")
    assert len(redirect) == 2 * feed
    stray = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"

    def handler(req: Any) -> bytes:
        # The redirect is followed at once, on a pooled connection if there is one.
        return redirect + stray if req.target == "/extra" else ok(body)

    # Deliver the redirect and the stray bytes after it in one data_received call.
    original = _connection.Connection.data_received
    held = bytearray()

    def gather(self: Any, data: bytes) -> None:
        ex = self.exchange
        if ex is not None and ex.request.url.endswith("/extra"):
            held.extend(data)
            if len(held) < len(redirect + stray):
                return
            data = bytes(held)
        original(self, data)

    monkeypatch.setattr(_connection.Connection, "data_received", gather)
    srv = script_server(handler)
    chunks: list[bytes] = []
    rs = run(
        sequential(
            SimpleAsyncHTTPClient,
            [(srv.url + "/s", {"streaming_callback": chunks.append}), srv.url + "/extra", srv.url + "/after"],
        )
    )
    assert b"".join(chunks) == body
    assert rs[1].body == body and rs[2].body == body
    assert [q.target for q in srv.requests] == ["/s", "/extra", "/after", "/after"]
    assert [q.connection for q in srv.requests] == [1, 1, 2, 2]


def test_streamed_pieces_are_bounded(run: Any, script_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient, _connection

    monkeypatch.setattr(_connection, "READ_SIZE", 1 << 20)
    body = bytes(range(256)) * 4000  # 1000 KiB, arriving in reads of up to 256 KiB
    srv = script_server(lambda req: ok(body))
    chunks: list[bytes] = []
    (r,) = run(sequential(SimpleAsyncHTTPClient, [(srv.url + "/", {"streaming_callback": chunks.append})]))
    assert r.code == 200 and b"".join(chunks) == body
    assert max(map(len, chunks)) <= _connection.FEED_SIZE
