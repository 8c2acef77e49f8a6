"""ASGIContainer on our HTTPServer with real Starlette (and FastAPI) applications, and with
plain ASGI callables where a test needs to see the exact messages."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import tornado.web
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from tornado.asgi import ASGIContainer, LifespanError

WAIT = 10.0


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


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello, world")


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "length": len(body),
            "sha1": hashlib.sha1(body).hexdigest(),
            "cookie": request.cookies.get("c"),
        }
    )


def starlette_app() -> Starlette:
    return Starlette(
        routes=[Route("/", hello), Route("/echo/{rest:path}", echo, methods=["GET", "POST", "PUT"])]
    )


def test_starlette_hello(serve: Any) -> None:
    server = serve(ASGIContainer(starlette_app()))
    status, resp, body = get(server.port, "/")
    assert (status, body) == (200, b"Hello, world")
    assert resp.getheader("content-length") == "12"
    assert resp.getheader("content-type") == "text/plain; charset=utf-8"
    assert get(server.port, "/missing")[0] == 404


def test_keep_alive_with_bodies(serve: Any) -> None:
    server = serve(ASGIContainer(starlette_app()))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        for i in range(3):
            payload = b"x" * (1000 * i)
            conn.request("POST", f"/echo/a%20b?i={i}", body=payload, headers={"Cookie": "c=v"})
            resp = conn.getresponse()
            data = json.loads(resp.read())
            assert data == {
                "method": "POST",
                "path": "/echo/a b",
                "query": {"i": str(i)},
                "length": len(payload),
                "sha1": hashlib.sha1(payload).hexdigest(),
                "cookie": "v",
            }
            assert not resp.will_close
    finally:
        conn.close()


def test_large_upload_is_read_whole(serve: Any) -> None:
    server = serve(ASGIContainer(starlette_app()))
    payload = bytes(range(256)) * 20000  # about 5 MB, many reads
    status, _, body = get(server.port, "/echo/up", "PUT", payload)
    assert status == 200
    assert json.loads(body)["sha1"] == hashlib.sha1(payload).hexdigest()


def test_http_scope(serve: Any, wire: Any) -> None:
    scopes: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    server = serve(ASGIContainer(app))
    with wire.connect(server.port) as s:
        s.sendall(
            b"GET /caf%C3%A9/x%2Fy?a=1&b=%20 HTTP/1.1\r\nHost: example.test\r\n"
            b"X-Multi: one\r\nX-Multi: two\r\n\r\n"
        )
        wire.read_until(s, b"ok")
        client_port = s.getsockname()[1]
    with wire.connect(server.port) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        wire.read_to_eof(s)
    scope = scopes[0]
    assert scope["type"] == "http"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["path"] == "/café/x/y"
    assert scope["raw_path"] == b"/caf%C3%A9/x%2Fy"
    assert scope["query_string"] == b"a=1&b=%20"
    assert scope["root_path"] == ""
    assert (b"host", b"example.test") in scope["headers"]
    assert [v for k, v in scope["headers"] if k == b"x-multi"] == [b"one", b"two"]
    assert all(k == k.lower() and isinstance(k, bytes) and isinstance(v, bytes) for k, v in scope["headers"])
    assert tuple(scope["client"]) == ("127.0.0.1", client_port)
    assert tuple(scope["server"]) == ("127.0.0.1", server.port)
    assert scopes[1]["http_version"] == "1.0"


def test_request_body_is_streamed_to_receive(serve: Any, wire: Any) -> None:
    messages: list[dict[str, Any]] = []
    first_seen = threading.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            messages.append(message)
            first_seen.set()
            if not message.get("more_body"):
                break
        total = sum(len(m["body"]) for m in messages)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(total).encode()})

    server = serve(ASGIContainer(app))
    with wire.connect(server.port) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        # The application has the first piece while the rest has not been sent.
        assert first_seen.wait(WAIT)
        assert messages[0] == {"type": "http.request", "body": b"first", "more_body": True}
        s.sendall(b"6\r\nsecond\r\n0\r\n\r\n")
        reply = wire.read_until(s, b"\r\n\r\n11")
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert messages[-1]["more_body"] is False
    assert b"".join(m["body"] for m in messages) == b"firstsecond"


def test_request_without_body_gets_one_final_message(serve: Any) -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server = serve(ASGIContainer(app))
    assert get(server.port, "/")[0] == 204
    assert seen == [{"type": "http.request", "body": b"", "more_body": False}]


def test_response_body_is_streamed_as_sent(serve: Any, wire: Any) -> None:
    release = asyncio.Event()

    async def stream(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            yield b"first;"
            await release.wait()
            yield b"last"

        return StreamingResponse(parts(), media_type="text/plain")

    async def do_release(request: Request) -> Response:
        release.set()
        return PlainTextResponse("released")

    app = Starlette(routes=[Route("/stream", stream), Route("/release", do_release)])
    server = serve(ASGIContainer(app))
    with wire.connect(server.port) as s:
        s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        seen = wire.read_until(s, b"first;")  # times out (and fails) if held back
        assert b"last" not in seen
        assert get(server.port, "/release")[2] == b"released"
        seen = wire.read_until(s, b"0\r\n\r\n", seen)
    assert b"last" in seen


def test_disconnect_is_reported_to_the_application(serve: Any, wire: Any) -> None:
    got: list[dict[str, Any]] = []
    done = threading.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        got.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"started", "more_body": True})
        got.append(await receive())  # waits until the client goes away
        done.set()

    server = serve(ASGIContainer(app))
    with wire.connect(server.port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        wire.read_until(s, b"started")
    assert done.wait(WAIT)
    assert got[1] == {"type": "http.disconnect"}


def test_starlette_is_disconnected(serve: Any, wire: Any) -> None:
    noticed = threading.Event()

    async def poll(request: Request) -> Response:
        for _ in range(int(WAIT / 0.01)):
            if await request.is_disconnected():
                noticed.set()
                break
            await asyncio.sleep(0.01)
        return PlainTextResponse("late")

    server = serve(ASGIContainer(Starlette(routes=[Route("/poll", poll)])))
    with wire.connect(server.port) as s:
        s.sendall(b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
    assert noticed.wait(WAIT)


def test_lifespan_startup_state_and_shutdown(serve: Any) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"greeting": "hello from lifespan"}
        events.append("shutdown")

    async def greet(request: Request) -> Response:
        return PlainTextResponse(request.state.greeting)

    container = ASGIContainer(Starlette(routes=[Route("/", greet)], lifespan=lifespan))
    server = serve(container, container.startup)
    assert events == ["startup"]
    assert get(server.port, "/")[2] == b"hello from lifespan"
    server.call(container.shutdown())
    assert events == ["startup", "shutdown"]


def test_lifespan_startup_failure_raises(serve: Any) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise ConnectionRefusedError("database is down")
        yield

    container = ASGIContainer(Starlette(routes=[], lifespan=lifespan))
    with pytest.raises(LifespanError, match="database is down"):
        serve(container, container.startup)


def test_application_without_lifespan_support_is_served(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError("only http here")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"plain"})

    container = ASGIContainer(app)
    server = serve(container, container.startup)
    assert get(server.port, "/")[2] == b"plain"
    server.call(container.shutdown())


def test_exception_before_response_is_a_logged_500(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/boom":
            raise ValueError("boom in asgi app")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"fine"})

    server = serve(ASGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        status, _, body = get(server.port, "/boom")
    assert status == 500 and b"boom" not in body
    assert any(
        r.name == "tornado.application"
        and "GET /boom" in r.getMessage()
        and "boom in asgi app" in (r.exc_text or "")
        for r in caplog.records
    )
    assert get(server.port, "/")[2] == b"fine"


def test_exception_after_start_cuts_the_response(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("late failure")

    server = serve(ASGIContainer(app))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        with pytest.raises(http.client.IncompleteRead):
            resp.read()
    finally:
        conn.close()


def test_returning_without_a_response_is_a_logged_500(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        return None

    server = serve(ASGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        assert get(server.port, "/quiet")[0] == 500
    assert any("without completing the response" in r.getMessage() for r in caplog.records)


def test_mounted_under_a_prefix_in_a_tornado_web_app(serve: Any) -> None:
    async def item(request: Request) -> Response:
        return JSONResponse(
            {
                "id": request.path_params["id"],
                "root_path": request.scope["root_path"],
                "url": str(request.url_for("item", id="7")),
            }
        )

    api = Starlette(routes=[Route("/items/{id}", item, name="item")])

    class Native(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("native")

    app = tornado.web.Application(
        [
            (r"/native", Native),
            (r"/api/.*", tornado.web.FallbackHandler, {"fallback": ASGIContainer(api, root_path="/api")}),
        ]
    )
    server = serve(app)
    status, _, body = get(server.port, "/api/items/3", headers={"Host": "site.test"})
    assert status == 200
    assert json.loads(body) == {"id": "3", "root_path": "/api", "url": "http://site.test/api/items/7"}
    assert get(server.port, "/native")[2] == b"native"
    assert get(server.port, "/api/nothing")[0] == 404


class Item(BaseModel):
    name: str
    price: float


def test_fastapi(serve: Any) -> None:
    api = FastAPI()

    @api.post("/items")
    async def create(item: Item) -> dict[str, Any]:
        return {"name": item.name, "double": item.price * 2}

    server = serve(ASGIContainer(api))
    status, _, body = get(
        server.port, "/items", "POST", b'{"name": "pen", "price": 1.5}', {"Content-Type": "application/json"}
    )
    assert (status, json.loads(body)) == (200, {"name": "pen", "double": 3.0})
    assert get(server.port, "/items", "POST", b'{"name": 1}', {"Content-Type": "application/json"})[0] == 422


def test_head_response_has_no_body(serve: Any, wire: Any) -> None:
    server = serve(ASGIContainer(starlette_app()))
    with wire.connect(server.port) as s:
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = wire.read_to_eof(s)
    # One head without a body, then the GET's full answer.
    assert data.count(b"HTTP/1.1 200 ") == 2
    assert data.endswith(b"\r\n\r\nHello, world")
    assert data.count(b"Hello, world") == 1


def test_bad_root_path_is_refused() -> None:
    with pytest.raises(ValueError, match="root_path"):
        ASGIContainer(starlette_app(), root_path="api")
    with pytest.raises(TypeError, match="ASGI application callable"):
        ASGIContainer("not an app")  # type: ignore[arg-type]


def test_server_stops_reading_while_the_application_does_not(serve: Any) -> None:
    import select
    import socket as socket_module

    entered = threading.Event()
    go = threading.Event()
    total = 64 * 1024 * 1024

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        entered.set()
        while not go.is_set():
            await asyncio.sleep(0.01)
        n = 0
        while True:
            message = await receive()
            n += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(n).encode()})

    server = serve(ASGIContainer(app))
    s = socket_module.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    try:
        s.sendall(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % total)
        assert entered.wait(WAIT)
        s.setblocking(False)
        block = b"\0" * 65536
        sent = 0
        while sent < total:
            _, writable, _ = select.select([], [s], [], 1.0)
            if not writable:
                break  # the server has stopped reading from us
            try:
                sent += s.send(block[: min(len(block), total - sent)])
            except BlockingIOError:
                continue
        assert sent < total  # held back: the body did not all go into the server's memory
        go.set()
        s.setblocking(True)
        done = threading.Thread(target=lambda: s.sendall(b"\0" * (total - sent)))
        done.start()
        reply = b""
        while not reply.endswith(str(total).encode()):
            data = s.recv(65536)
            assert data, reply
            reply += data
        done.join(WAIT)
    finally:
        go.set()
        s.close()


def test_invalid_messages_are_a_logged_500(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/status":
            await send({"type": "http.response.start", "status": "200"})
        elif scope["path"] == "/order":
            await send({"type": "http.response.body", "body": b"no start"})
        else:
            await send({"type": "websocket.accept"})

    server = serve(ASGIContainer(app))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        for path in ("/status", "/order", "/kind"):
            assert get(server.port, path)[0] == 500
    text = "\n".join(r.exc_text or "" for r in caplog.records)
    assert "status must be an int" in text
    assert "before http.response.start" in text
    assert "'websocket.accept' is not valid for an http connection" in text


def test_lifespan_shutdown_failure_raises_and_startup_runs_once(serve: Any) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        raise RuntimeError("could not flush the cache")

    container = ASGIContainer(Starlette(routes=[Route("/", hello)], lifespan=lifespan))
    server = serve(container, container.startup)
    with pytest.raises(RuntimeError, match="already ran"):
        server.call(container.startup())
    with pytest.raises(LifespanError, match="could not flush the cache"):
        server.call(container.shutdown())
