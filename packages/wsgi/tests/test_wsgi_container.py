"""WSGIContainer: a real Flask application (and plain WSGI callables) on our HTTPServer, alone
and behind tornado.web.FallbackHandler, every application wrapped in wsgiref's validator."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import logging
import socket
import threading
import warnings
from collections.abc import Iterator
from typing import Any
from wsgiref.validate import validator

import pytest
import tornado.web
from flask import Flask, Response, request
from tornado.wsgi import WSGIContainer

WAIT = 10.0  # upper bound for anything a test waits on; never reached when things work


@pytest.fixture(autouse=True)
def _validator_warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Warning)
        yield


def make_flask() -> tuple[Flask, dict[str, Any]]:
    app = Flask("container_test")
    state: dict[str, Any] = {"release": threading.Event(), "entered": threading.Event()}

    @app.route("/")
    def index() -> str:
        return "Hello from Flask"

    @app.route("/json", methods=["POST"])
    def echo_json() -> Any:
        return {"got": request.get_json(), "length": request.content_length}

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return "name=" + request.form["name"]

    @app.route("/path/<path:rest>")
    def path(rest: str) -> Any:
        return {"rest": rest, "args": request.args.to_dict(), "agent": request.headers.get("User-Agent")}

    @app.route("/slow")
    def slow() -> str:
        state["entered"].set()
        state["release"].wait(WAIT)
        return "slow done"

    @app.route("/fail")
    def fail() -> str:
        raise ZeroDivisionError("boom in flask view")

    @app.route("/thread")
    def thread() -> str:
        return threading.current_thread().name

    @app.route("/cookie")
    def cookie() -> Response:
        resp = Response("cookie set")
        resp.set_cookie("a", "1")
        resp.set_cookie("b", "2")
        return resp

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app, state


def get(
    port: int,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp, resp.read()
    finally:
        conn.close()


def test_flask_app_on_httpserver(serve: Any) -> None:
    flask_app, _ = make_flask()
    server = serve(WSGIContainer(validator(flask_app)))
    status, resp, body = get(server.port, "/")
    assert (status, body) == (200, b"Hello from Flask")
    assert resp.getheader("Content-Length") == str(len(body))
    status, _, body = get(
        server.port, "/json", "POST", json.dumps({"x": [1, 2]}).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200 and json.loads(body) == {"got": {"x": [1, 2]}, "length": 13}
    status, _, body = get(
        server.port,
        "/form",
        "POST",
        b"name=J%C3%BCrgen",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert body.decode() == "name=Jürgen"
    status, _, body = get(server.port, "/path/a%20b/%C3%A9?q=1&r=%C3%A9", headers={"User-Agent": "probe/2"})
    assert json.loads(body) == {"rest": "a b/é", "args": {"q": "1", "r": "é"}, "agent": "probe/2"}
    assert get(server.port, "/missing")[0] == 404
    _, resp, _ = get(server.port, "/cookie")
    assert sorted(v.split(";")[0] for k, v in resp.getheaders() if k == "Set-Cookie") == ["a=1", "b=2"]


def test_keep_alive_connection_serves_several_requests(serve: Any) -> None:
    flask_app, _ = make_flask()
    server = serve(WSGIContainer(validator(flask_app)))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        for _ in range(3):
            conn.request("GET", "/")
            resp = conn.getresponse()
            assert resp.read() == b"Hello from Flask"
            assert not resp.will_close
    finally:
        conn.close()


def test_mounted_next_to_native_handlers_with_fallbackhandler(serve: Any) -> None:
    flask_app, _ = make_flask()

    class Native(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("native tornado")

    app = tornado.web.Application(
        [
            (r"/native", Native),
            (r".*", tornado.web.FallbackHandler, {"fallback": WSGIContainer(validator(flask_app))}),
        ]
    )
    server = serve(app)
    assert get(server.port, "/native")[2] == b"native tornado"
    assert get(server.port, "/")[2] == b"Hello from Flask"
    assert get(server.port, "/path/x?y=z")[0] == 200


def test_slow_view_does_not_stall_the_ioloop(serve: Any) -> None:
    flask_app, state = make_flask()

    class Native(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("native tornado")

    container = WSGIContainer(validator(flask_app))
    server = serve(
        tornado.web.Application(
            [(r"/native", Native), (r".*", tornado.web.FallbackHandler, {"fallback": container})]
        )
    )
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, server.port, "/slow")
        assert state["entered"].wait(WAIT)
        # The slow view holds a worker thread; the loop and other WSGI requests go on.
        assert get(server.port, "/native")[2] == b"native tornado"
        assert get(server.port, "/")[2] == b"Hello from Flask"
        assert not slow.done()
        state["release"].set()
        assert slow.result(WAIT)[2] == b"slow done"


def test_the_given_executor_runs_the_application(serve: Any) -> None:
    flask_app, _ = make_flask()
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="custom-pool") as pool:
        server = serve(WSGIContainer(validator(flask_app), executor=pool))
        assert get(server.port, "/thread")[2].startswith(b"custom-pool")


def test_default_executor_is_a_thread_pool(serve: Any) -> None:
    flask_app, _ = make_flask()
    server = serve(WSGIContainer(validator(flask_app)))
    assert get(server.port, "/thread")[2].startswith(b"tornado-wsgi")


def test_bad_arguments_name_what_is_wrong() -> None:
    flask_app, _ = make_flask()
    with pytest.raises(TypeError, match="WSGI callable"):
        WSGIContainer("not an app")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="executor"):
        WSGIContainer(flask_app, executor=4)  # type: ignore[arg-type]


def test_generator_body_is_streamed_as_produced(serve: Any) -> None:
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first chunk;"
        release.wait(WAIT)
        yield b"last chunk"

    server = serve(WSGIContainer(validator(app)))
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT / 2) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        seen = b""
        while b"first chunk;" not in seen:
            data = s.recv(65536)  # times out (and fails) if the first chunk is held back
            assert data, seen
            seen += data
        assert b"last chunk" not in seen
        assert b"Transfer-Encoding: chunked" in seen
        release.set()
        while not seen.endswith(b"0\r\n\r\n"):
            data = s.recv(65536)
            assert data, seen
            seen += data
    assert b"last chunk" in seen


def test_flask_streaming_response(serve: Any) -> None:
    flask_app = Flask("streaming")
    release = threading.Event()

    @flask_app.route("/stream")
    def stream() -> Response:
        def generate() -> Iterator[str]:
            yield "one,"
            release.wait(WAIT)
            yield "two"

        return Response(generate(), mimetype="text/plain")

    server = serve(WSGIContainer(validator(flask_app)))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT / 2)
    try:
        conn.request("GET", "/stream")
        resp = conn.getresponse()
        assert resp.read1(100) == b"one,"  # arrives while the generator still waits
        release.set()
        assert resp.read() == b"two"
    finally:
        conn.close()


def test_client_going_away_closes_the_iterable(serve: Any) -> None:
    closed = threading.Event()
    produced: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            for i in range(100_000):
                produced.append(i)
                yield b"x" * 65536
        finally:
            closed.set()

    server = serve(WSGIContainer(app))
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(100)
    assert closed.wait(WAIT)
    assert len(produced) < 100_000


def test_exception_is_a_500_logged_and_the_server_keeps_serving(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise ValueError("boom in wsgi app")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine"]

    server = serve(WSGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        status, _, body = get(server.port, "/boom")
    assert status == 500
    assert b"boom" not in body
    assert any(
        r.name == "tornado.application"
        and "GET /boom" in r.getMessage()
        and "boom in wsgi app" in (r.exc_text or "")
        for r in caplog.records
    )
    assert get(server.port, "/")[2] == b"fine"


def test_flask_error_handling_gives_its_500(serve: Any) -> None:
    flask_app, _ = make_flask()
    server = serve(WSGIContainer(validator(flask_app)))
    assert get(server.port, "/fail")[0] == 500
    assert get(server.port, "/")[0] == 200


def test_exception_after_the_first_chunk_cuts_the_response(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError("late failure")

    server = serve(WSGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            with pytest.raises(http.client.IncompleteRead):
                resp.read()
        finally:
            conn.close()
    assert any("late failure" in (r.exc_text or "") for r in caplog.records)


def test_environ_contents(serve: Any) -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = serve(WSGIContainer(validator(app)))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        conn.putrequest("PUT", "/a%20b/c?x=1&y=%20", skip_host=True)
        conn.putheader("Host", "example.test:8080")
        conn.putheader("X-Multi", "one")
        conn.putheader("X-Multi", "two")
        conn.putheader("Content-Type", "text/plain")
        conn.putheader("Content-Length", "5")
        conn.endheaders(b"hello")
        assert conn.getresponse().read() == b"ok"
    finally:
        conn.close()
    assert seen["REQUEST_METHOD"] == "PUT"
    assert seen["PATH_INFO"] == "/a b/c"
    assert seen["SCRIPT_NAME"] == ""
    assert seen["QUERY_STRING"] == "x=1&y=%20"
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == ("example.test", "8080")
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert seen["REMOTE_ADDR"] == "127.0.0.1"
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["HTTP_X_MULTI"] == "one,two"
    assert (seen["CONTENT_TYPE"], seen["CONTENT_LENGTH"]) == ("text/plain", "5")
    assert "HTTP_CONTENT_LENGTH" not in seen
    assert seen["body"] == b"hello"


def test_legacy_write_callable(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written, ")
        return [b"returned"]

    server = serve(WSGIContainer(app))
    assert get(server.port, "/")[2] == b"written, returned"


def test_bad_status_line_is_a_500(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("OK", [])
        return [b""]

    server = serve(WSGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        assert get(server.port, "/")[0] == 500
    assert any("must be a str like '200 OK'" in (r.exc_text or "") for r in caplog.records)


def test_head_responses_have_no_body_and_keep_the_connection(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/gen":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return (b"chunk%d" % i for i in range(3))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"hello"]

    server = serve(WSGIContainer(validator(app)))
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as s:
        s.sendall(
            b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD /gen HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /gen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head1, head2, get = data.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert b"Content-Length: 5\r\n" in head1 and head1.endswith(b"\r\n\r\n")  # the GET's length, no body
    assert head2.endswith(b"\r\n\r\n") and b"chunk" not in head2
    assert get.endswith(b"6\r\nchunk0\r\n6\r\nchunk1\r\n6\r\nchunk2\r\n0\r\n\r\n")
