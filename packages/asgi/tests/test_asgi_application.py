"""ASGIApplication driven directly by ASGI messages and through our own ASGIContainer
(tornado.web -> ASGI -> tornado's HTTPServer), for the cases uvicorn's tests do not reach."""

from __future__ import annotations

import asyncio
import http.client
import logging
from typing import Any

import pytest
import tornado.web
from tornado.asgi import ASGIApplication, ASGIContainer

WAIT = 10.0


class Hello(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("Hello, world")

    def post(self) -> None:
        self.write(str(len(self.request.body)))


class Chunks(tornado.web.RequestHandler):
    async def get(self) -> None:
        for i in range(3):
            self.write(f"part{i};")
            await self.flush()


def web_app() -> tornado.web.Application:
    return tornado.web.Application([(r"/", Hello), (r"/chunks", Chunks)])


async def drive(app: Any, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call an ASGI app with scripted ``receive`` messages; return what it sent."""
    sent: list[dict[str, Any]] = []
    queue = list(incoming)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(WAIT)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), WAIT)
    return sent


def http_scope(method: str = "GET", path: str = "/") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"t.test")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


def test_whole_response_is_two_messages() -> None:
    sent = asyncio.run(
        drive(ASGIApplication(web_app()), http_scope(), [{"type": "http.request", "body": b""}])
    )
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert (b"content-length", b"12") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b"Hello, world", "more_body": False}


def test_flush_gives_body_messages_with_more_body() -> None:
    sent = asyncio.run(
        drive(ASGIApplication(web_app()), http_scope(path="/chunks"), [{"type": "http.request"}])
    )
    bodies = [(m["body"], m["more_body"]) for m in sent if m["type"] == "http.response.body"]
    assert bodies[:3] == [(b"part0;", True), (b"part1;", True), (b"part2;", True)]
    assert bodies[-1] == (b"", False)
    assert not any(k == b"transfer-encoding" for k, _ in sent[0]["headers"])


def test_body_in_pieces_and_size_limit() -> None:
    pieces: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"x" * 600, "more_body": True},
        {"type": "http.request", "body": b"y" * 600},
    ]
    sent = asyncio.run(drive(ASGIApplication(web_app()), http_scope("POST"), list(pieces)))
    assert sent[-1]["body"] == b"1200"
    sent = asyncio.run(
        drive(ASGIApplication(web_app(), max_body_size=1000), http_scope("POST"), list(pieces))
    )
    assert sent[0]["status"] == 413


@tornado.web.stream_request_body
class Streamed(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.pieces: list[bytes] = []

    def data_received(self, chunk: bytes) -> None:
        self.pieces.append(chunk)

    def put(self) -> None:
        self.write(b"%d:%s:%d" % (len(self.pieces), b"".join(self.pieces), len(self.request.body)))


def test_stream_request_body_handler_gets_the_body() -> None:
    app = tornado.web.Application([(r"/s", Streamed), (r"/s/[0-9]+", Streamed)])
    pieces: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"abc", "more_body": True},
        {"type": "http.request", "body": b"def"},
    ]
    for path in ("/s", "/s/7"):
        sent = asyncio.run(drive(ASGIApplication(app), http_scope("PUT", path), list(pieces)))
        assert sent[0]["status"] == 200, path
        assert b"".join(m.get("body", b"") for m in sent[1:]) == b"1:abcdef:0", path


def test_client_leaving_during_the_body_is_not_a_413(caplog: pytest.LogCaptureFixture) -> None:
    pieces: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"x" * 600, "more_body": True},
        {"type": "http.disconnect"},
    ]
    with caplog.at_level(logging.INFO):
        sent = asyncio.run(drive(ASGIApplication(web_app()), http_scope("POST"), pieces))
    assert sent == []
    assert not any("max_body_size" in r.getMessage() for r in caplog.records)


def test_lifespan_is_acknowledged() -> None:
    sent = asyncio.run(
        drive(
            ASGIApplication(web_app()),
            {"type": "lifespan", "asgi": {"version": "3.0"}},
            [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
        )
    )
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_websocket_scope_is_refused_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    scope = {"type": "websocket", "path": "/ws", "headers": []}
    with caplog.at_level(logging.WARNING, logger="tornado.general"):
        sent = asyncio.run(drive(ASGIApplication(web_app()), scope, [{"type": "websocket.connect"}]))
    assert sent == [{"type": "websocket.close", "code": 1003}]
    assert any("WebSocketHandler needs tornado's HTTPServer" in r.getMessage() for r in caplog.records)


def test_constructor_checks_its_arguments() -> None:
    with pytest.raises(TypeError):
        ASGIApplication("not an app")
    with pytest.raises(ValueError, match="max_body_size"):
        ASGIApplication(web_app(), max_body_size=-1)


def test_round_trip_through_our_own_asgi_container(serve: Any) -> None:
    server = serve(ASGIContainer(ASGIApplication(web_app())))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"Hello, world"
        conn.request("GET", "/chunks")
        resp = conn.getresponse()
        assert resp.getheader("Transfer-Encoding") == "chunked"
        assert resp.read() == b"part0;part1;part2;"
        conn.request("POST", "/", body=b"z" * 5000)
        assert conn.getresponse().read() == b"5000"
    finally:
        conn.close()
