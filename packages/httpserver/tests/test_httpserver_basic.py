"""Serving requests over real loopback sockets."""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
from typing import Any

import pytest
from tornado.httpserver import HTTPRequest, HTTPServerRequest


def test_hello_world_raw_callback(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello)
    c = client_factory(st.port)
    c.send(b"GET /foo?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    head, body = c.response()
    assert head.status_code == 200
    assert body == b"You requested /foo?x=1\n"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_hello_world_with_curl(serve: Any, hello: Any) -> None:
    st = serve(hello)
    url = f"http://127.0.0.1:{st.port}/a"
    out = subprocess.run(
        ["curl", "-s", "--max-time", "10", url, url.replace("/a", "/b")], capture_output=True, check=True
    ).stdout
    assert out == b"You requested /a\nYou requested /b\n"


def test_http11_keep_alive(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello)
    c = client_factory(st.port)
    for i in range(3):
        c.send(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i)
        assert c.response()[1] == b"You requested /%d\n" % i
    assert st.call(lambda: st.server.connections) == 1


def test_http10_keep_alive_needs_the_response_to_agree(serve: Any, client_factory: Any) -> None:
    def cb(request: HTTPServerRequest) -> None:
        request.write(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
        request.finish()

    st = serve(cb)
    c = client_factory(st.port)
    for _ in range(2):
        c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert c.response()[1] == b"ok"
    # The 1.0 hello world answers without "Connection: keep-alive", so the server closes.
    st2 = serve(lambda r: (r.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), r.finish()))
    c2 = client_factory(st2.port)
    c2.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert c2.read_raw().endswith(b"\r\n\r\nok")


def test_http10_without_keep_alive_is_closed(serve: Any, client_factory: Any, hello: Any) -> None:
    st = serve(hello)
    c = client_factory(st.port)
    c.send(b"GET /x HTTP/1.0\r\n\r\n")
    assert c.read_raw().endswith(b"You requested /x\n")


def test_framed_response_to_http10_keep_alive(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(b"hi"))
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    head, body = c.response()
    assert head.headers["Connection"] == "keep-alive" and body == b"hi"
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert c.response()[1] == b"hi"


def test_raw_response_without_length_closes(serve: Any, client_factory: Any) -> None:
    def cb(request: HTTPServerRequest) -> None:
        request.write("HTTP/1.1 200 OK\r\n\r\nunframed")
        request.finish()

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.read_raw() == b"HTTP/1.1 200 OK\r\n\r\nunframed"


def test_pipelined_requests_answered_in_order(serve: Any, client_factory: Any) -> None:
    order: list[str] = []

    async def cb(request: HTTPServerRequest) -> None:
        order.append(request.path)
        # The first request is slow: the others must still be answered after it.
        await asyncio.sleep(0.05 if request.path == "/1" else 0)
        request.respond(request.path.encode())

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(1, 6)))
    bodies = [c.response()[1] for _ in range(5)]
    assert bodies == [b"/1", b"/2", b"/3", b"/4", b"/5"]
    assert order == ["/1", "/2", "/3", "/4", "/5"]


def test_head_request_gets_no_body(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(b"the body", headers={"Content-Type": "text/plain"}))
    c = client_factory(st.port)
    c.send(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
    head, body = c.response("HEAD")
    assert head.headers["Content-Length"] == "8" and body == b""
    assert c.response()[1] == b"the body"


def test_chunked_response_when_length_unknown(serve: Any, client_factory: Any) -> None:
    async def cb(request: HTTPServerRequest) -> None:
        conn = request.connection
        assert conn is not None
        conn.write_headers(200, [("Content-Type", "text/plain")], chunk=b"first ")
        await conn.flush()
        conn.write(b"second")
        conn.finish()

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    head, body = c.response()
    assert head.headers["Transfer-Encoding"] == "chunked"
    assert body == b"first second"
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"first second"


def test_chunked_request_body(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(b"got:" + r.body))
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    c.send(b"5\r\nhello\r\n")
    c.send(b"6\r\n world\r\n0\r\n\r\n")
    assert c.response()[1] == b"got:hello world"


def test_expect_100_continue(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(b"got:" + r.body))
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    assert c.sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    c.send(b"data")
    assert c.response()[1] == b"got:data"


def test_async_callback(serve: Any, client_factory: Any) -> None:
    async def cb(request: HTTPServerRequest) -> None:
        await asyncio.sleep(0.01)
        request.respond("async " + request.method, headers={"Content-Type": "text/plain"})

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"async GET"


def test_answer_from_a_later_callback(serve: Any, client_factory: Any) -> None:
    def cb(request: HTTPServerRequest) -> None:
        asyncio.get_running_loop().call_later(0.01, lambda: request.respond(b"later"))

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert [c.response()[1] for _ in range(2)] == [b"later", b"later"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_callback_exception_gives_500_and_keeps_serving(
    serve: Any, client_factory: Any, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    def sync_cb(request: HTTPServerRequest) -> None:
        if request.path == "/boom":
            raise RuntimeError("boom")
        request.respond(b"fine")

    async def async_cb(request: HTTPServerRequest) -> None:
        sync_cb(request)

    st = serve(sync_cb if kind == "sync" else async_cb)
    c = client_factory(st.port)
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        c.send(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
        head, body = c.response()
    assert head.status_code == 500 and b"boom" not in body
    assert any("Uncaught exception" in r.getMessage() and r.exc_info for r in caplog.records)
    c.send(b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"fine"


def test_exception_after_response_started_closes(serve: Any, client_factory: Any) -> None:
    def cb(request: HTTPServerRequest) -> None:
        assert request.connection is not None
        request.connection.write_headers(200, {"Content-Length": "100"}, b"partial")
        raise RuntimeError("half way")

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.is_closed_by_server()


def test_request_attributes(serve: Any, client_factory: Any) -> None:
    seen: dict[str, Any] = {}

    def cb(request: HTTPServerRequest) -> None:
        seen.update(
            method=request.method,
            uri=request.uri,
            path=request.path,
            query=request.query,
            version=request.version,
            remote_ip=request.remote_ip,
            protocol=request.protocol,
            host=request.host,
            host_name=request.host_name,
            full_url=request.full_url(),
            arguments=request.arguments,
            query_arguments=request.query_arguments,
            body_arguments=request.body_arguments,
            files=request.files,
            cookie_a=request.cookies["a"].value,
            cookie_names=sorted(request.cookies),
            http11=request.supports_http_1_1(),
            headers=request.headers,
        )
        request.respond(b"ok")
        seen["request_time"] = request.request_time()

    st = serve(cb)
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="b"\r\n\r\nfrom-body\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="f"; filename="t.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nfile data\r\n--XX--\r\n"
    )
    c = client_factory(st.port)
    c.send(
        b"POST /p/q?a=1&a=2&b=q HTTP/1.1\r\nHost: example.com:8080\r\n"
        b"Cookie: a=1; weird=x=y; broken\r\n"
        b"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    assert c.response()[1] == b"ok"
    assert seen["method"] == "POST" and seen["uri"] == "/p/q?a=1&a=2&b=q"
    assert seen["path"] == "/p/q" and seen["query"] == "a=1&a=2&b=q"
    assert seen["version"] == "HTTP/1.1" and seen["http11"]
    assert seen["remote_ip"] == "127.0.0.1" and seen["protocol"] == "http"
    assert seen["host"] == "example.com:8080" and seen["host_name"] == "example.com"
    assert seen["full_url"] == "http://example.com:8080/p/q?a=1&a=2&b=q"
    assert seen["query_arguments"] == {"a": [b"1", b"2"], "b": [b"q"]}
    assert seen["body_arguments"] == {"b": [b"from-body"]}
    assert seen["arguments"] == {"a": [b"1", b"2"], "b": [b"q", b"from-body"]}
    f = seen["files"]["f"][0]
    assert (f.filename, f.body, f.content_type) == ("t.txt", b"file data", "text/plain")
    assert seen["cookie_a"] == "1" and "weird" in seen["cookie_names"]
    assert seen["headers"]["content-type"].startswith("multipart/form-data")
    assert seen["request_time"] >= 0


def test_urlencoded_post_arguments(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(repr(sorted(r.arguments.items())).encode()))
    c = client_factory(st.port)
    c.send(
        b"POST /?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 9\r\n\r\ny=2&x=%33"
    )
    assert c.response()[1] == repr([("x", [b"1", b"3"]), ("y", [b"2"])]).encode()


def test_httprequest_alias_and_standalone_construction() -> None:
    assert HTTPRequest is HTTPServerRequest
    r = HTTPRequest("GET", "/a?b=c", headers=None)
    assert r.path == "/a" and r.arguments == {"b": [b"c"]} and r.host == "127.0.0.1"
    with pytest.raises(RuntimeError, match="no connection"):
        r.finish()


def test_no_keep_alive_setting(serve: Any, client_factory: Any) -> None:
    st = serve(lambda r: r.respond(b"x"), no_keep_alive=True)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    head, _ = c.response()
    assert head.headers["Connection"] == "close"
    assert c.is_closed_by_server()


def test_decompress_request(serve: Any, client_factory: Any) -> None:
    import gzip

    st = serve(
        lambda r: r.respond(r.body + b"|" + r.headers.get("X-Consumed-Content-Encoding", "").encode()),
        decompress_request=True,
    )
    c = client_factory(st.port)
    payload = gzip.compress(b"plain text")
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload)
        + payload
    )
    assert c.response()[1] == b"plain text|gzip"


def test_misuse_raises_clear_errors(serve: Any, client_factory: Any) -> None:
    errors: list[BaseException] = []

    def cb(request: HTTPServerRequest) -> None:
        conn = request.connection
        assert conn is not None
        for bad in (lambda: conn.write(b"x"), lambda: request.write(3), lambda: request.finish()):  # type: ignore
            try:
                bad()
            except Exception as e:
                errors.append(e)
        request.respond(b"ok")
        try:
            request.respond(b"again")
        except Exception as e:
            errors.append(e)

    st = serve(cb)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"ok"
    assert [type(e).__name__ for e in errors] == [
        "HTTPOutputError",
        "TypeError",
        "HTTPOutputError",
        "HTTPOutputError",
    ]
