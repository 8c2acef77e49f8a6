"""HTTPServer serving Tornado 6's HTTPServerConnectionDelegate interface."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from typing import Any

import pytest
from tornado.httpserver import HTTPServer
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    HTTPServerRequest,
    RequestStartLine,
    ResponseStartLine,
)


class Recorder(HTTPMessageDelegate):
    """Answers ``<path> <body length>`` once the body is complete, and records what it saw."""

    def __init__(self, owner: App, conn: HTTPConnection) -> None:
        self.owner = owner
        self.conn = conn
        self.chunks: list[bytes] = []
        self.events: list[str] = []
        owner.messages.append(self)

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> Any:
        self.start_line = start_line
        self.headers = headers
        self.events.append("headers")
        return self.owner.on_headers(self)

    def data_received(self, chunk: bytes) -> Any:
        self.chunks.append(chunk)
        self.events.append("data")
        return self.owner.on_data(self, chunk)

    def finish(self) -> None:
        self.events.append("finish")
        self.owner.on_finish(self)

    def on_connection_close(self) -> None:
        self.events.append("close")


class App(HTTPServerConnectionDelegate):
    def __init__(self) -> None:
        self.messages: list[Recorder] = []
        self.closed: list[object] = []

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        self.server_conn = server_conn
        return Recorder(self, request_conn)

    def on_close(self, server_conn: object) -> None:
        self.closed.append(server_conn)

    def on_headers(self, m: Recorder) -> Any:
        return None

    def on_data(self, m: Recorder, chunk: bytes) -> Any:
        return None

    def on_finish(self, m: Recorder) -> None:
        body = f"{m.start_line.path} {sum(map(len, m.chunks))}".encode()
        m.conn.write_headers(
            ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders({"Content-Length": str(len(body))}), body
        )
        m.conn.finish()


def test_delegate_sees_start_line_headers_body_and_answers(serve, client_factory):
    app = App()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"POST /up?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
    head, body = c.response()
    assert head.status_code == 200 and body == b"/up?x=1 5"
    c.send(b"GET /again HTTP/1.1\r\nHost: h\r\n\r\n")  # the same connection serves the next one
    assert c.response()[1] == b"/again 0"
    m = app.messages[0]
    assert m.start_line == RequestStartLine("POST", "/up?x=1", "HTTP/1.1")
    assert isinstance(m.start_line, RequestStartLine)
    assert isinstance(m.headers, HTTPHeaders) and m.headers["Host"] == "h"
    assert m.events == ["headers", "data", "finish"] and b"".join(m.chunks) == b"hello"
    assert app.messages[1].events == ["headers", "finish"]


def test_plain_callable_is_still_called_with_whole_request(serve, client_factory):
    seen = []

    def cb(request: HTTPServerRequest) -> None:
        seen.append(request.body)
        request.connection.write_headers(
            ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders({"Content-Length": "2"}), b"ok"
        )
        request.connection.finish()

    st = serve(cb)
    c = client_factory(st.port)
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert c.response()[1] == b"ok"
    assert seen == [b"abcde"]


def test_chunked_response_and_write_futures(serve, client_factory):
    class Streaming(App):
        def on_finish(self, m: Recorder) -> None:
            async def respond() -> None:
                f = m.conn.write_headers(ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders())
                assert isinstance(f, asyncio.Future)
                await f
                for piece in (b"one,", b"two,", b"three"):
                    await m.conn.write(piece)
                m.conn.finish()

            asyncio.ensure_future(respond())

    st = serve(Streaming())
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    head, body = c.response()
    assert head.headers.get("Transfer-Encoding") == "chunked"
    assert body == b"one,two,three"


def test_headers_received_awaitable_holds_the_body_back(serve, client_factory):
    class Gate(App):
        def on_headers(self, m: Recorder) -> Any:
            self.gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            return self.gate

    app = Gate()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"PUT /g HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody")
    deadline = time.monotonic() + 5
    while not app.messages and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert st.call(lambda: list(app.messages[0].events)) == ["headers"]
    st.call(lambda: app.gate.set_result(None))
    assert c.response()[1] == b"/g 4"
    assert app.messages[0].events == ["headers", "data", "finish"]


def test_data_received_awaitable_is_flow_control(serve, client_factory):
    """A slow consumer gets the upload in pieces no larger than chunk_size while the
    server holds at most a read or two of it."""
    peak = []

    class Slow(App):
        async def slow(self, conn: Any) -> None:
            peak.append(conn.conn.buffered_size + sum(map(len, conn._pending or ())))
            await asyncio.sleep(0.001)

        def on_data(self, m: Recorder, chunk: bytes) -> Any:
            return self.slow(m.conn)

    app = Slow()
    st = serve(app, chunk_size=16384)
    size = 4 * 1024 * 1024
    c = client_factory(st.port, timeout=30)
    c.send(f"POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n".encode())
    c.send(b"x" * size)
    assert c.response()[1] == f"/big {size}".encode()
    m = app.messages[0]
    assert len(m.chunks) > 10
    assert max(map(len, m.chunks)) <= 16384
    assert max(peak) < 1024 * 1024


def test_max_body_size_applies_after_headers_received_may_raise_it(serve, client_factory):
    class Raise(App):
        def on_headers(self, m: Recorder) -> Any:
            if m.start_line.path == "/big":
                m.conn.set_max_body_size(1000)  # type: ignore[attr-defined]
            return None

    st = serve(Raise(), max_body_size=10)
    c = client_factory(st.port)
    c.send(b"POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n" + b"y" * 20)
    assert c.response()[0].status_code == 413
    c2 = client_factory(st.port)
    c2.send(b"POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n" + b"y" * 20)
    assert c2.response()[1] == b"/big 20"
    c3 = client_factory(st.port)
    c3.send(
        b"POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n"
        + b"z" * 20
        + b"\r\n0\r\n\r\n"
    )
    assert c3.response()[0].status_code == 413


def test_client_leaving_mid_body_reaches_on_connection_close_and_on_close(serve, client_factory):
    app = App()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npart")
    deadline = time.monotonic() + 5
    while not (app.messages and "data" in app.messages[0].events) and time.monotonic() < deadline:
        time.sleep(0.01)
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    while not app.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.messages[0].events == ["headers", "data", "close"]
    assert app.closed == [app.server_conn]


def test_context_and_request_built_from_the_connection(serve, client_factory):
    class Ctx(App):
        def on_finish(self, m: Recorder) -> None:
            req = HTTPServerRequest(
                connection=m.conn,
                server_connection=self.server_conn,
                start_line=m.start_line,
                headers=m.headers,
            )
            body = f"{req.remote_ip} {req.protocol} {req.host_name}".encode()
            m.conn.write_headers(
                ResponseStartLine("HTTP/1.1", 200, "OK"),
                HTTPHeaders({"Content-Length": str(len(body))}),
                body,
            )
            m.conn.finish()

    st = serve(Ctx(), xheaders=True)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: Site.Example:8000\r\n\r\n")
    assert c.response()[1] == b"127.0.0.1 http site.example"
    c.send(b"GET / HTTP/1.1\r\nHost: a\r\nX-Real-Ip: 10.0.0.7\r\nX-Scheme: https\r\n\r\n")
    assert c.response()[1] == b"10.0.0.7 https a"


def test_exception_in_delegate_is_500_and_server_keeps_serving(serve, client_factory, caplog):
    class Broken(App):
        def on_finish(self, m: Recorder) -> None:
            if m.start_line.path == "/boom":
                raise RuntimeError("broken delegate")
            super().on_finish(m)

    st = serve(Broken())
    c = client_factory(st.port)
    c.send(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[0].status_code == 500
    c.send(b"GET /fine HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[1] == b"/fine 0"
    assert "broken delegate" in caplog.text


def test_malformed_framing_is_400_and_next_connection_is_served(serve, client_factory):
    app = App()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert c.read_raw().startswith(b"HTTP/1.1 400 ")
    c2 = client_factory(st.port)
    c2.send(b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c2.response()[1] == b"/next 0"


def test_field_limits_apply_to_delegates(serve, client_factory):
    st = serve(App(), max_query_arguments=3, max_body_arguments=3, max_multipart_parts=2)
    c = client_factory(st.port)
    c.send(b"GET /?a=1&b=2&c=3&d=4 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[0].status_code == 400
    form = b"a=1&b=2&c=3&d=4"
    c = client_factory(st.port)
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(form), form)
    )
    assert c.response()[0].status_code == 400
    parts = b"".join(b'--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(3))
    body = parts + b"--B--\r\n"
    c = client_factory(st.port)
    # The body in tiny pieces: delimiters split between reads are still counted.
    c.send(
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    for i in range(0, len(body), 3):
        c.send(body[i : i + 3])
        time.sleep(0.001)
    assert c.response()[0].status_code == 400
    c = client_factory(st.port)
    c.send(b"GET /?a=1&b=2 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert c.response()[0].status_code == 200


def test_gzip_body_is_inflated_for_delegates(serve, client_factory):
    app = App()
    st = serve(app, decompress_request=True)
    raw = b"0123456789" * 1000
    z = gzip.compress(raw)
    c = client_factory(st.port)
    c.send(
        b"POST /z HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(z), z)
    )
    assert c.response()[1] == b"/z %d" % len(raw)
    headers = app.messages[0].headers
    assert "Content-Encoding" not in headers and headers["X-Consumed-Content-Encoding"] == "gzip"
    assert headers["Content-Length"] == str(len(raw))


def test_server_rejects_what_is_neither_callable_nor_delegate():
    with pytest.raises(TypeError, match="HTTPServerConnectionDelegate"):
        HTTPServer(42)  # type: ignore[arg-type]


def test_http1connection_module_names():
    from tornado import http1connection
    from tornado.httpserver import HTTP1ServerConnection

    # The server's per-connection class answers requests: it is 6.x's HTTP1Connection.
    assert http1connection.HTTP1Connection is HTTP1ServerConnection
    assert issubclass(http1connection.HTTP1Connection, HTTPConnection)
    assert callable(http1connection.HTTP1ServerConnection.start_serving)
    p = http1connection.HTTP1ConnectionParameters(no_keep_alive=True, max_body_size=10, decompress=True)
    assert (p.no_keep_alive, p.max_body_size, p.decompress, p.chunk_size) == (True, 10, True, 65536)
    with pytest.raises(ValueError, match="max_body_size"):
        http1connection.HTTP1ConnectionParameters(max_body_size=-1)


def test_set_body_timeout_applies_to_this_request_only(serve, client_factory):
    class Timed(App):
        def on_headers(self, m: Recorder) -> Any:
            if m.start_line.path == "/short":
                m.conn.set_body_timeout(0.3)  # type: ignore[attr-defined]
            return None

    app = Timed()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"POST /short HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok")
    assert c.response()[1] == b"/short 2"
    # The next request on the same connection has the server's (long) body timeout again.
    c.send(b"POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab")
    time.sleep(0.6)
    c.send(b"cd")
    assert c.response()[1] == b"/slow 4"
    # A body that stalls past the request's own timeout ends the connection.
    c2 = client_factory(st.port)
    c2.send(b"POST /short HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
    started = time.monotonic()
    assert c2.read_raw() == b""
    assert time.monotonic() - started < 5
    assert app.messages[-1].events == ["headers", "data", "close"]
    with pytest.raises(ValueError, match="body timeout"):
        st.call(lambda: app.messages[-1].conn.set_body_timeout(0))  # type: ignore[attr-defined]


def test_max_body_size_beyond_max_buffer_size_only_for_delegates():
    callback_server = HTTPServer(lambda request: None, max_body_size=10_000, max_buffer_size=1000)
    assert callback_server.max_body_size == 1000  # a callback's body is buffered whole
    delegate_server = HTTPServer(App(), max_body_size=10_000, max_buffer_size=1000)
    assert delegate_server.max_body_size == 10_000  # a delegate's arrives piece by piece


def test_expect_continue_and_pipelined_requests_reach_delegates_in_order(serve, client_factory):
    app = App()
    st = serve(app)
    c = client_factory(st.port)
    c.send(b"PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    assert c.sock.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
    c.send(b"abc")
    assert c.response()[1] == b"/e 3"
    c.send(
        b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
        b"HEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n"
    )
    assert c.response()[1] == b"/1 0"
    assert c.response()[1] == b"/2 2"
    head, body = c.response("HEAD")
    assert head.status_code == 200 and body == b""
    assert [m.start_line.path for m in app.messages] == ["/e", "/1", "/2", "/3"]
