"""Request options, redirects and connection reuse, against a scripted server that records requests."""

from __future__ import annotations

import asyncio
import base64
import datetime
import socket
import threading
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClient, HTTPClientError, HTTPRequest, HTTPResponse


def ok(body: bytes = b"hello", headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def fetch_many(
    impl: type[AsyncHTTPClient], requests: list[Any], client_kw: dict[str, Any] | None = None
) -> Any:
    async def main() -> list[HTTPResponse]:
        client = impl(force_instance=True, **(client_kw or {}))
        try:
            out = []
            for r in requests:
                if isinstance(r, tuple):
                    out.append(await client.fetch(r[0], raise_error=False, **r[1]))
                else:
                    out.append(await client.fetch(r, raise_error=False))
            return out
        finally:
            client.close()

    return main()


def test_method_body_headers_auth(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(req.method.encode() + b" " + req.body))
    since = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    rs = run(
        fetch_many(
            impl,
            [
                (srv.url + "/p", {"method": "POST", "body": "a=1"}),
                (
                    srv.url + "/u",
                    {"method": "PUT", "body": b"\x00\xffbin", "headers": {"Content-Type": "x/y"}},
                ),
                (srv.url + "/d", {"method": "DELETE"}),
                (srv.url + "/a", {"auth_username": "me", "auth_password": "pw", "user_agent": "ua/1"}),
                (srv.url + "/m", {"if_modified_since": since}),
                (srv.url + "/x", {"method": "PROPFIND", "allow_nonstandard_methods": True}),
            ],
        )
    )
    assert [r.body for r in rs[:3]] == [b"POST a=1", b"PUT \x00\xffbin", b"DELETE "]
    p, u, d, a, m, x = srv.requests
    assert p.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert p.headers["Content-Length"] == "3"
    assert u.headers["Content-Type"] == "x/y"
    assert a.headers["Authorization"] == "Basic " + base64.b64encode(b"me:pw").decode()
    assert a.headers["User-Agent"] == "ua/1"
    assert m.headers["If-Modified-Since"] == "Thu, 02 Jan 2020 03:04:05 GMT"
    assert x.method == "PROPFIND"
    assert p.headers["Host"] == f"127.0.0.1:{srv.port}"


def test_header_callback_and_streaming(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(b"x" * 100_000, "X-A: 1\r\n"))
    lines: list[str] = []
    chunks: list[bytes] = []
    (r,) = run(
        fetch_many(
            impl, [(srv.url + "/", {"header_callback": lines.append, "streaming_callback": chunks.append})]
        )
    )
    assert r.code == 200 and r.body == b""
    assert b"".join(chunks) == b"x" * 100_000
    assert lines[0].startswith("HTTP/1.1 200")
    assert "X-A: 1\r\n" in lines
    assert lines[-1] == "\r\n"
    assert r.headers["X-A"] == "1"


def test_body_producer_streams_upload(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(str(len(req.body)).encode() + b" " + req.body[:10]))

    async def producer(write: Any) -> None:
        for i in range(5):
            await write(b"%d" % i * 1000)
            await asyncio.sleep(0)

    (r,) = run(fetch_many(impl, [(srv.url + "/", {"method": "PUT", "body_producer": producer})]))
    assert r.body == b"5000 0000000000"
    assert srv.requests[0].headers.get("Transfer-Encoding") == "chunked"


@pytest.mark.parametrize("stall", [False, True], ids=["raises", "stalls"])
def test_failed_upload_never_reaches_the_server_as_complete(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, stall: bool
) -> None:
    """A body_producer that raises (or outlasts request_timeout) ends the exchange with a 599;
    the server never sees the truncated body end as a complete request, and the connection
    is not reused."""
    srv = script_server(lambda req: ok(b"got " + req.body))

    async def producer(write: Any) -> None:
        await write(b"first part")
        if stall:
            await asyncio.sleep(60)
        raise RuntimeError("producer broke")

    failed, good = run(
        fetch_many(
            impl,
            [
                (srv.url + "/up", {"method": "PUT", "body_producer": producer, "request_timeout": 1}),
                srv.url + "/next",
            ],
            {"max_clients": 1},
        )
    )
    assert failed.code == 599
    assert ("Timeout" if stall else "producer broke") in str(failed.error), failed.error
    assert [q.target for q in srv.requests] == ["/next"]
    assert good.code == 200 and good.body == b"got "


@pytest.mark.parametrize("which", ["header_callback", "streaming_callback"])
def test_a_raising_callback_is_named_in_the_599(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, which: str
) -> None:
    srv = script_server(lambda req: ok(b"x" * 200_000))
    calls: list[int] = []

    def callback(arg: Any) -> None:
        calls.append(len(arg))
        raise ValueError("callback refused")

    failed, good = run(
        fetch_many(impl, [(srv.url + "/cb", {which: callback}), srv.url + "/next"], {"max_clients": 1})
    )
    assert failed.code == 599 and "ValueError('callback refused')" in str(failed.error), failed.error
    assert len(calls) == 1  # not called again for the rest of the response
    assert good.code == 200 and len(good.body) == 200_000
    assert srv.requests[1].connection != srv.requests[0].connection  # the unread rest is not reused


@pytest.mark.parametrize("declared", ["100", "1"], ids=["short", "long"])
@pytest.mark.parametrize("producer", [False, True], ids=["body", "body_producer"])
def test_content_length_must_match_the_body(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, declared: str, producer: bool
) -> None:
    """A caller's Content-Length that disagrees with the body is a 599 naming it: the server
    never waits for bytes that do not come, nor reads surplus bytes as another request."""
    srv = script_server(lambda req: ok(req.body))

    async def produce(write: Any) -> None:
        await write(b"abc")

    body: dict[str, Any] = {"body_producer": produce} if producer else {"body": b"abc"}
    (r,) = run(
        fetch_many(
            impl,
            [(srv.url + "/", {"method": "POST", "headers": {"Content-Length": declared}, **body})],
        )
    )
    assert r.code == 599 and "Content-Length" in str(r.error), r.error
    assert srv.requests == []


def test_caller_chosen_chunked_body(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(req.body))
    (r,) = run(
        fetch_many(
            impl,
            [(srv.url + "/", {"method": "PUT", "body": b"abc", "headers": {"Transfer-Encoding": "chunked"}})],
        )
    )
    assert r.code == 200 and r.body == b"abc"
    (q,) = srv.requests
    assert q.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in q.headers


def test_expect_100_continue(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(req.body))
    (r,) = run(
        fetch_many(
            impl, [(srv.url + "/", {"method": "POST", "body": b"payload", "expect_100_continue": True})]
        )
    )
    assert r.body == b"payload"
    assert srv.requests[0].headers["Expect"] == "100-continue"


def test_redirect_methods(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    def handler(req: Any) -> bytes:
        if req.target.startswith("/r"):
            return ok(b"", "Location: /final\r\n", status=f"{req.target[2:]} Moved")
        return ok(f"{req.method} {req.body.decode()} {req.headers.get('Content-Type', '-')}".encode())

    srv = script_server(handler)
    post = {"method": "POST", "body": b"data", "headers": {"Content-Type": "text/x"}}
    rs = run(fetch_many(impl, [(srv.url + f"/r{code}", post) for code in (301, 302, 303, 307, 308)]))
    assert [r.body for r in rs] == [b"GET  -"] * 3 + [b"POST data text/x"] * 2
    assert all(r.effective_url == srv.url + "/final" for r in rs)


def test_cross_origin_redirect_drops_credentials(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    other = script_server(lambda req: ok(b"other"))
    same_target = f"http://127.0.0.1:{0}/same"

    def handler(req: Any) -> bytes:
        if req.target == "/cross":
            return ok(b"", f"Location: {other.url}/landing\r\n", status="302 Found")
        if req.target == "/same-origin":
            return ok(b"", "Location: /landing\r\n", status="302 Found")
        return ok(b"here")

    srv = script_server(handler)
    assert same_target
    secret = {
        "Authorization": "Bearer s3cret",
        "Cookie": "session=abc",
        "Proxy-Authorization": "Basic cHJveHk=",
        "X-Keep": "yes",
    }
    run(
        fetch_many(
            impl,
            [
                (srv.url + "/cross", {"headers": dict(secret)}),
                (srv.url + "/same-origin", {"headers": dict(secret)}),
            ],
        )
    )
    landed = other.requests[0]
    for name in ("Authorization", "Cookie", "Proxy-Authorization"):
        assert name not in landed.headers
    assert landed.headers["X-Keep"] == "yes"
    same = srv.requests[-1]
    assert same.target == "/landing"
    assert same.headers["Authorization"] == "Bearer s3cret" and same.headers["Cookie"] == "session=abc"


def test_non_ascii_location_and_credentials(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    """A Location with raw UTF-8 is followed percent-encoded; basic credentials are UTF-8."""

    def handler(req: Any) -> bytes:
        if req.target == "/from":
            return b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9?q=\xe4\xb8\xad\r\nContent-Length: 0\r\n\r\n"
        return ok(req.target.encode())

    srv = script_server(handler)
    moved, authed = run(
        fetch_many(
            impl,
            [
                srv.url + "/from",
                (srv.url + "/auth", {"auth_username": "j\u00f6rg", "auth_password": "p\u00e4ss"}),
            ],
        )
    )
    assert moved.code == 200 and moved.body == b"/caf%C3%A9?q=%E4%B8%AD"
    assert moved.effective_url == srv.url + "/caf%C3%A9?q=%E4%B8%AD"
    assert authed.code == 200
    expected = "Basic " + base64.b64encode("j\u00f6rg:p\u00e4ss".encode()).decode()
    assert srv.requests[-1].headers["Authorization"] == expected


def test_max_redirects(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    def handler(req: Any) -> bytes:
        n = int(req.target[1:])
        return ok(b"", f"Location: /{n + 1}\r\n", status="302 Found")

    srv = script_server(handler)
    (r,) = run(fetch_many(impl, [(srv.url + "/0", {"max_redirects": 3})]))
    assert r.code == 302
    assert isinstance(r.error, HTTPClientError) and "redirect" in str(r.error).lower()
    assert [q.target for q in srv.requests] == ["/0", "/1", "/2", "/3"]


def test_connection_reuse_counted_by_server(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    srv = script_server(lambda req: ok(b"ka"))
    rs = run(fetch_many(impl, [srv.url + "/"] * 6, {"max_clients": 1}))
    assert all(r.code == 200 for r in rs)
    assert srv.connections == 1
    assert {q.connection for q in srv.requests} == {1}


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nno",
        b"HTTP/1.1 200 OK\r\n\r\nno",  # body delimited by closing
    ],
    ids=["connection-close", "http10", "read-until-close"],
)
def test_connections_that_must_not_be_reused(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, response: bytes
) -> None:
    # The server keeps the connection open unless the body is delimited by closing, so a
    # client that wrongly reused it would be answered on it (one connection, not three).
    srv = script_server(lambda req: response, close_after=b"Content-Length" not in response)
    rs = run(fetch_many(impl, [srv.url + "/"] * 3, {"max_clients": 1}))
    assert [r.body for r in rs] == [b"no"] * 3
    assert srv.connections == 3


def test_error_mid_message_drops_connection(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    def handler(req: Any) -> bytes:
        if req.target == "/bad":
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nXYZ\r\n"
        return ok(b"good")

    srv = script_server(handler)
    rs = run(fetch_many(impl, [srv.url + "/good", srv.url + "/bad", srv.url + "/good"], {"max_clients": 1}))
    assert [r.code for r in rs] == [200, 599, 200]
    assert srv.requests[0].connection == srv.requests[1].connection
    assert srv.requests[2].connection != srv.requests[1].connection


def test_ipv6_and_ipv4_both_tried(run: Any, impl: type[AsyncHTTPClient]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        infos = socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    except OSError:
        pytest.skip("localhost does not resolve")
    families = {i[0] for i in infos}
    if socket.AF_INET6 not in families or socket.AF_INET not in families:
        pytest.skip("localhost does not resolve to both ::1 and 127.0.0.1 here")
    # One port, but only the IPv6 side listens: the client must try ::1 as well.
    s6 = socket.socket(socket.AF_INET6)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.bind(("::1", 0))
    s6.listen(8)
    port = s6.getsockname()[1]

    def serve() -> None:
        try:
            c, _ = s6.accept()
        except OSError:
            return
        c.recv(65536)
        c.sendall(ok(b"v6"))
        c.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        rs = run(
            fetch_many(
                impl,
                [f"http://localhost:{port}/", (f"http://localhost:{port}/", {"allow_ipv6": False})],
            )
        )
    finally:
        s6.close()
    assert rs[0].code == 200 and rs[0].body == b"v6"
    assert rs[1].code == 599


def test_configure_and_instance_per_loop(run: Any, impl: type[AsyncHTTPClient]) -> None:
    async def main() -> None:
        try:
            AsyncHTTPClient.configure(impl, max_clients=7)
            a = AsyncHTTPClient()
            assert type(a) is impl and a.max_clients == 7  # type: ignore[attr-defined]
            assert AsyncHTTPClient() is a
            assert AsyncHTTPClient(force_instance=True) is not a
            a.close()
            assert AsyncHTTPClient() is not a
            AsyncHTTPClient.configure(f"{impl.__module__}.{impl.__name__}")
            assert type(AsyncHTTPClient(force_instance=True)) is impl
            with pytest.raises(TypeError):
                AsyncHTTPClient.configure(int)
        finally:
            AsyncHTTPClient.configure(None)
        from tornado.simple_httpclient import SimpleAsyncHTTPClient

        assert type(AsyncHTTPClient(force_instance=True)) is SimpleAsyncHTTPClient

    run(main())


def test_defaults_apply_to_requests(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok())
    run(
        fetch_many(
            impl,
            [srv.url + "/", (srv.url + "/", {"user_agent": "mine"})],
            {"defaults": {"user_agent": "from-defaults"}},
        )
    )
    assert [q.headers["User-Agent"] for q in srv.requests] == ["from-defaults", "mine"]


def test_blocking_client(impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(b"blocking") if req.target == "/" else ok(b"", status="404 Not Found"))
    with HTTPClient(impl) as client:
        r = client.fetch(srv.url + "/")
        assert r.body == b"blocking"
        with pytest.raises(HTTPClientError) as info:
            client.fetch(srv.url + "/missing")
        assert info.value.code == 404
        assert client.fetch(HTTPRequest(srv.url + "/missing"), raise_error=False).code == 404
    results: list[bytes] = []

    def in_thread() -> None:
        c = HTTPClient(impl)
        try:
            results.append(c.fetch(srv.url + "/").body)
        finally:
            c.close()

    t = threading.Thread(target=in_thread)
    t.start()
    t.join(30)
    assert results == [b"blocking"]


def _v6_server() -> tuple[socket.socket, int]:
    s6 = socket.socket(socket.AF_INET6)
    s6.bind(("::1", 0))
    s6.listen(8)

    def serve() -> None:
        while True:
            try:
                c, _ = s6.accept()
            except OSError:
                return
            c.recv(65536)
            c.sendall(ok(b"v6", "Connection: close\r\n"))
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    return s6, s6.getsockname()[1]


def test_ipv6_literal(run: Any, impl: type[AsyncHTTPClient]) -> None:
    try:
        s6, port = _v6_server()
    except OSError:
        pytest.skip("no IPv6 loopback")
    try:
        r, v4_only = run(
            fetch_many(impl, [f"http://[::1]:{port}/", (f"http://[::1]:{port}/", {"allow_ipv6": False})])
        )
    finally:
        s6.close()
    assert r.code == 200 and r.body == b"v6"
    assert srv_host(r) == "[::1]"
    assert v4_only.code == 599, v4_only  # allow_ipv6=False: an IPv6 address is never used


def srv_host(r: HTTPResponse) -> str:
    return r.effective_url.split("//")[1].rsplit(":", 1)[0]


def test_every_resolved_address_is_tried(run: Any) -> None:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    try:
        s6, port = _v6_server()
    except OSError:
        pytest.skip("no IPv6 loopback")
    asked: list[tuple[str, int, int]] = []

    class Resolver:
        async def resolve(self, host: str, port: int, family: int) -> list[tuple[int, Any]]:
            asked.append((host, port, family))
            # IPv4 first, where nothing listens on this port; then IPv6, where the server is.
            return [(socket.AF_INET, ("127.0.0.1", port)), (socket.AF_INET6, ("::1", port, 0, 0))]

    url = f"http://dual.test:{port}/"
    try:
        r, v4_only = run(
            fetch_many(SimpleAsyncHTTPClient, [url, (url, {"allow_ipv6": False})], {"resolver": Resolver()})
        )
    finally:
        s6.close()
    assert r.code == 200 and r.body == b"v6"
    # allow_ipv6=False asks for IPv4 only and never dials the IPv6 address it was given anyway.
    assert v4_only.code == 599
    assert asked == [("dual.test", port, 0), ("dual.test", port, socket.AF_INET)]


def test_curl_tries_every_address(run: Any) -> None:
    """libcurl, given IPv4 then IPv6 for one name, falls through to the address that answers."""
    import pycurl
    from tornado.curl_httpclient import CurlAsyncHTTPClient

    try:
        s6, port = _v6_server()
    except OSError:
        pytest.skip("no IPv6 loopback")

    def pin(curl: Any) -> None:
        curl.setopt(pycurl.RESOLVE, [f"dual.test:{port}:127.0.0.1,::1"])

    try:
        (r,) = run(
            fetch_many(CurlAsyncHTTPClient, [(f"http://dual.test:{port}/", {"prepare_curl_callback": pin})])
        )
        (r4,) = run(
            fetch_many(
                CurlAsyncHTTPClient,
                [(f"http://dual.test:{port}/", {"prepare_curl_callback": pin, "allow_ipv6": False})],
            )
        )
    finally:
        s6.close()
    assert r.code == 200 and r.body == b"v6"
    assert r4.code == 599
