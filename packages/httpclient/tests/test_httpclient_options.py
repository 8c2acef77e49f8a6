"""Request options not covered elsewhere: header forms, digest auth, 100-continue refusals,
source address, curl hooks, proxy request forms, SNI, body limits, DNS off the loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import threading
import zlib
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from tornado.httputil import HTTPHeaders


def ok(body: bytes = b"hello", headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def fetch(
    impl: type[AsyncHTTPClient], request: Any, client_kw: dict[str, Any] | None = None, **kw: Any
) -> Any:
    async def main() -> HTTPResponse:
        client = impl(force_instance=True, **(client_kw or {}))
        try:
            return await client.fetch(request, raise_error=False, **kw)
        finally:
            client.close()

    return main()


def is_curl(impl: type[AsyncHTTPClient]) -> bool:
    return impl.__name__.startswith("Curl")


def test_httpheaders_with_repeated_fields(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok())
    headers = HTTPHeaders()
    headers.add("X-Multi", "one")
    headers.add("X-Multi", "two")
    headers.add("Cookie", "a=1")
    r = run(fetch(impl, HTTPRequest(srv.url + "/", headers=headers)))
    assert r.code == 200
    (got,) = srv.requests
    assert got.headers.get_list("X-Multi") == ["one", "two"]
    assert got.headers["Cookie"] == "a=1"


# ------------------------------------------------------------------ authentication

REALM = "digest-test"
NONCE = "dcd98b7102dd2f0e8b11d0f600bfb0c093"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_server(user: str, password: str) -> Any:
    """A handler checking RFC 7616 Digest credentials (MD5, qop=auth) as a server would."""

    challenge = f'WWW-Authenticate: Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5\r\n'

    def handler(req: Any) -> bytes:
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Digest "):
            return ok(b"challenge", challenge, status="401 Unauthorized")
        p = parse_keqv_list(parse_http_list(auth[len("Digest ") :]))
        if p.get("username") != user or p.get("realm") != REALM or p.get("nonce") != NONCE:
            return ok(b"wrong user", challenge, status="401 Unauthorized")
        if p.get("uri") != req.target:
            return ok(b"wrong uri", status="400 Bad Request")
        ha1 = _md5(f"{user}:{REALM}:{password}")
        ha2 = _md5(f"{req.method}:{p['uri']}")
        want = _md5(f"{ha1}:{NONCE}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}")
        if p.get("response") != want:
            return ok(b"bad response", challenge, status="401 Unauthorized")
        return ok(b"digest ok")

    return handler


def test_digest_auth(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(digest_server("alice", "s3cret"))
    kw: dict[str, Any] = {"auth_username": "alice", "auth_mode": "digest"}
    if not is_curl(impl):
        with pytest.raises(ValueError, match="auth_mode"):
            run(fetch(impl, srv.url + "/p?q=1", auth_password="s3cret", **kw))
        return
    good = run(fetch(impl, srv.url + "/p?q=1", auth_password="s3cret", **kw))
    bad = run(fetch(impl, srv.url + "/p?q=1", auth_password="wrong", **kw))
    assert good.code == 200 and good.body == b"digest ok"
    assert bad.code == 401


def test_basic_auth_from_url_userinfo(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(req.headers.get("Authorization", "-").encode()))
    url = srv.url.replace("http://", "http://us%40er:p%3Ass@") + "/"
    r = run(fetch(impl, url))
    assert r.body == b"Basic " + base64.b64encode(b"us@er:p:ss")


def test_auth_mode_is_checked() -> None:
    with pytest.raises(ValueError, match="auth_mode"):
        HTTPRequest("http://127.0.0.1/", auth_mode="ntlm")
    with pytest.raises(ValueError, match="proxy_auth_mode"):
        HTTPRequest("http://127.0.0.1/", proxy_auth_mode="ntlm")


# ---------------------------------------------------------------- 100-continue


def test_expect_continue_refused_body_never_sent(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    """When the server answers the head with a final status instead of 100 Continue, the
    body is not sent, and the connection (whose request was cut short) is not reused."""
    srv = script_server(lambda req: ok(b"fine"))
    srv.early = lambda head: ok(b"too big", "Connection: close\r\n", status="413 Payload Too Large")
    r = run(
        fetch(
            impl,
            srv.url + "/upload",
            method="PUT",
            body=b"B" * 100_000,
            expect_100_continue=True,
            request_timeout=10,
        )
    )
    assert r.code == 413 and r.body == b"too big"
    for _ in range(100):
        if srv.after_early:
            break
        threading.Event().wait(0.02)
    assert srv.after_early == [b""]


# ---------------------------------------------------------- source address, curl hook


def test_network_interface_sets_source_address(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
    except OSError:
        pytest.skip("127.0.0.2 is not a usable loopback address here")
    srv = script_server(lambda req: ok())
    r = run(fetch(impl, srv.url + "/", network_interface="127.0.0.2"))
    assert r.code == 200
    assert srv.requests[0].peer == "127.0.0.2"


def test_prepare_curl_callback(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok())
    seen: list[Any] = []

    def prepare(curl: Any) -> None:
        import pycurl

        seen.append(curl)
        curl.setopt(pycurl.USERAGENT, "set-by-prepare")

    r = run(fetch(impl, srv.url + "/", prepare_curl_callback=prepare, user_agent="from-request"))
    assert r.code == 200
    if is_curl(impl):
        assert len(seen) == 1 and srv.requests[0].headers["User-Agent"] == "set-by-prepare"
    else:
        # The pure client has no curl handle: the hook is a curl-only option and is ignored.
        assert seen == [] and srv.requests[0].headers["User-Agent"] == "from-request"


# ----------------------------------------------------------------- proxy request forms


def test_http_proxy_gets_absolute_form(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    proxy = script_server(lambda req: ok(b"from proxy"))
    r = run(
        fetch(
            impl,
            "http://origin.test:8080/a/b?c=d",
            proxy_host="127.0.0.1",
            proxy_port=proxy.port,
            proxy_username="pu",
            proxy_password="pp",
        )
    )
    assert r.code == 200 and r.body == b"from proxy"
    (got,) = proxy.requests
    assert got.target == "http://origin.test:8080/a/b?c=d"
    assert got.headers["Host"] == "origin.test:8080"
    assert got.headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"pu:pp").decode()


def test_https_proxy_gets_connect(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    proxy = script_server(lambda req: ok(b"no tunnels here", status="403 Forbidden"))
    r = run(
        fetch(
            impl,
            "https://origin.test:8443/secret/path",
            proxy_host="127.0.0.1",
            proxy_port=proxy.port,
            proxy_username="pu",
            proxy_password="pp",
        )
    )
    assert r.code in (403, 599) and "403" in str(r.error)
    got = proxy.requests[0]
    assert got.method == "CONNECT" and got.target == "origin.test:8443"
    assert got.headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"pu:pp").decode()
    assert "/secret/path" not in repr(proxy.requests)  # the path travels only inside the tunnel


def test_proxy_port_required(run: Any, impl: type[AsyncHTTPClient]) -> None:
    with pytest.raises(ValueError, match="proxy_port"):
        run(fetch(impl, "http://127.0.0.1:1/", proxy_host="127.0.0.1"))
    with pytest.raises(ValueError, match="proxy_port"):
        HTTPRequest("http://127.0.0.1/", proxy_host="127.0.0.1", proxy_port=70000)


# ------------------------------------------------------------------------ TLS SNI


def test_tls_sends_sni(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    url = f"https://localhost:{tls_nginx.nginx.port}/sni"
    r = run(fetch(impl, url, ca_certs=tls_nginx.ca_file, allow_ipv6=False))
    assert r.code == 200 and r.body == b"sni=localhost"


def test_ssl_context_in_ssl_options(run: Any, tls_nginx: Any) -> None:
    import ssl

    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    ctx = ssl.create_default_context(cafile=tls_nginx.ca_file)
    r = run(fetch(SimpleAsyncHTTPClient, tls_nginx.nginx.url + "/small", ssl_options=ctx))
    assert r.code == 200
    ctx2 = ssl.create_default_context()  # the system CAs do not know the test CA
    r = run(fetch(SimpleAsyncHTTPClient, tls_nginx.nginx.url + "/small", ssl_options=ctx2))
    assert r.code == 599 and "certificate" in str(r.error).lower()


# ---------------------------------------------------------------------- body limits


def test_deflate_encoding(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    text = b"deflated text " * 1000
    zlib_wrapped = zlib.compress(text)
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw_deflate = raw.compress(text) + raw.flush()

    def handler(req: Any) -> bytes:
        body = zlib_wrapped if req.target == "/zlib" else raw_deflate
        return ok(body, "Content-Encoding: deflate\r\n")

    srv = script_server(handler)
    for path in ("/zlib", "/raw"):
        r = run(fetch(impl, srv.url + path))
        assert r.code == 200 and r.body == text, path
        assert r.headers.get("X-Consumed-Content-Encoding") == "deflate"


def test_streamed_body_is_bounded_too(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = z.compress(b"\0" * (32 * 1024 * 1024)) + z.flush()
    srv = script_server(lambda req: ok(bomb, "Content-Encoding: gzip\r\n"))
    got: list[bytes] = []
    r = run(
        fetch(impl, srv.url + "/", streaming_callback=got.append, client_kw={"max_body_size": 1024 * 1024})
    )
    assert r.code == 599 and "max_body_size" in str(r.error)
    assert sum(map(len, got)) <= 1024 * 1024


def test_body_larger_than_max_buffer_size(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(b"x" * 300_000))
    r = run(fetch(impl, srv.url + "/", client_kw={"max_buffer_size": 100_000}))
    assert r.code == 599 and "100000 bytes" in str(r.error) and "Malformed" not in str(r.error)
    chunk = b"10000\r\n" + b"y" * 0x10000 + b"\r\n"
    big = script_server(
        lambda req: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 4 + b"0\r\n\r\n"
    )
    r = run(fetch(impl, big.url + "/", client_kw={"max_buffer_size": 100_000}))
    assert r.code == 599 and "100000 bytes" in str(r.error)
    # No declared length (the body ends when the connection closes): still bounded.
    endless = script_server(lambda req: b"HTTP/1.1 200 OK\r\n\r\n" + b"z" * 300_000, close_after=True)
    r = run(fetch(impl, endless.url + "/", client_kw={"max_buffer_size": 100_000}))
    assert r.code == 599 and "100000 bytes" in str(r.error)
    # Streaming, the body is not buffered: max_body_size bounds it, not max_buffer_size.
    got: list[bytes] = []
    kw = {"max_buffer_size": 100_000, "max_body_size": 1_000_000}
    r = run(fetch(impl, srv.url + "/", streaming_callback=got.append, client_kw=kw))
    assert r.code == 200 and sum(map(len, got)) == 300_000


# ------------------------------------------------------------------------------ DNS


def test_dns_does_not_block_the_loop(run: Any, monkeypatch: pytest.MonkeyPatch, script_server: Any) -> None:
    """Name resolution runs off the event loop: the loop keeps ticking while a slow
    lookup is in progress."""
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    srv = script_server(lambda req: ok(b"resolved"))
    real = socket.getaddrinfo
    in_lookup = threading.Event()
    release = threading.Event()
    lookups: list[str] = []

    def slow_getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        if host == "slow-dns.test":
            lookups.append(host)
            in_lookup.set()
            release.wait(10)
            host = "127.0.0.1"
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)

    async def main() -> tuple[HTTPResponse, int]:
        loop = asyncio.get_running_loop()
        if type(loop).__module__.startswith("uvloop"):
            pytest.skip("uvloop resolves in libuv; socket.getaddrinfo is not used")
        client = SimpleAsyncHTTPClient(force_instance=True)
        ticks = 0
        try:
            pending = asyncio.ensure_future(client.fetch(f"http://slow-dns.test:{srv.port}/"))
            # The loop runs while the lookup blocks its thread: count our own ticks.
            while not in_lookup.is_set():
                await asyncio.sleep(0.01)
            for _ in range(5):
                await asyncio.sleep(0)
                ticks += 1
            release.set()
            return await pending, ticks
        finally:
            release.set()
            client.close()

    r, ticks = run(main())
    assert r.code == 200 and r.body == b"resolved"
    assert lookups == ["slow-dns.test"] and ticks == 5


def test_curl_resolves_asynchronously() -> None:
    import pycurl  # the curl backend only works with a libcurl that resolves off its thread

    assert pycurl.version_info()[4] & pycurl.VERSION_ASYNCHDNS


# ---------------------------------------------------------------------- redirects


def test_redirect_rules_beyond_methods(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    other = script_server(lambda req: ok(req.headers.get("Authorization", "none").encode()))

    def handler(req: Any) -> bytes:
        if req.target == "/head303":
            return ok(b"", "Location: /landing\r\n", status="303 See Other")
        if req.target == "/away":
            return ok(b"", f"Location: {other.url}/x\r\n", status="302 Found")
        return ok(f"{req.method} {req.headers.get('Authorization', 'none')}".encode())

    srv = script_server(handler)
    head = run(fetch(impl, srv.url + "/head303", method="HEAD"))
    assert [q.method for q in srv.requests] == ["HEAD", "HEAD"]  # a HEAD stays a HEAD
    away = run(fetch(impl, srv.url + "/away", auth_username="u", auth_password="p"))
    assert head.code == 200 and head.effective_url == srv.url + "/landing"
    assert away.code == 200 and away.body == b"none"  # credentials stay with their origin
    assert srv.requests[-1].headers["Authorization"].startswith("Basic ")


def test_max_header_size_is_configurable(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    """A 4 KB header passes the default limit and fails a 1 KiB one, with the limit named;
    the connection is then dropped and the client keeps working."""
    big = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 4000 + b"\r\nContent-Length: 2\r\n\r\nok"
    srv = script_server(lambda req: big if req.target == "/big" else ok(b"fine"))

    async def main() -> list[HTTPResponse]:
        out = []
        for kw in ({}, {"max_header_size": 1024}):
            client = impl(force_instance=True, max_clients=1, **kw)
            try:
                out.append(await client.fetch(srv.url + "/big", raise_error=False))
                out.append(await client.fetch(srv.url + "/small", raise_error=False))
            finally:
                client.close()
        return out

    default_big, default_small, limited_big, limited_small = run(main())
    assert default_big.code == 200 and len(default_big.headers["X-Big"]) == 4000
    assert default_small.body == b"fine"
    assert limited_big.code == 599 and "max_header_size" in str(limited_big.error)
    assert limited_small.code == 200 and limited_small.body == b"fine"
    assert srv.requests[3].connection != srv.requests[2].connection
