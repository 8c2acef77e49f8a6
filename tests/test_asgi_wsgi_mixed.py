"""One tornado.web application serving native handlers, a WSGI application (WSGIContainer) and
an ASGI application (ASGIContainer under /asgi), fetched with our AsyncHTTPClient; and the same
tornado.web application turned into an ASGI application and served by ASGIContainer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import tornado.web
from tornado.asgi import ASGIApplication, ASGIContainer
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer
from tornado.wsgi import WSGIContainer


class Native(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("native")


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"wsgi:"
    yield environ["PATH_INFO"].encode("latin-1")


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = f"asgi:{scope['root_path']}|{scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body[:5], "more_body": True})
    await send({"type": "http.response.body", "body": body[5:]})


def mixed_app() -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/", Native),
            (
                r"/asgi/.*",
                tornado.web.FallbackHandler,
                {"fallback": ASGIContainer(asgi_app, root_path="/asgi")},
            ),
            (r"/.*", tornado.web.FallbackHandler, {"fallback": WSGIContainer(wsgi_app)}),
        ]
    )


async def serve_and_fetch(callback: Any, paths: list[str]) -> list[tuple[int, bytes, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    server = HTTPServer(callback)
    server.add_sockets([sock])
    port = sock.getsockname()[1]
    client = AsyncHTTPClient()
    results = []
    try:
        for path in paths:
            pieces: list[bytes] = []
            response = await client.fetch(
                f"http://127.0.0.1:{port}{path}", streaming_callback=pieces.append, request_timeout=10
            )
            results.append((response.code, b"".join(pieces), len(pieces)))
    finally:
        client.close()
        server.stop()
    return results


def test_native_wsgi_and_asgi_side_by_side() -> None:
    results = asyncio.run(serve_and_fetch(mixed_app(), ["/", "/flask/page", "/asgi/items/1"]))
    assert results[0][:2] == (200, b"native")
    assert results[1][:2] == (200, b"wsgi:/flask/page")
    assert results[2][:2] == (200, b"asgi:/asgi|/asgi/items/1")


def test_tornado_app_as_asgi_on_our_own_asgi_server() -> None:
    results = asyncio.run(
        serve_and_fetch(ASGIContainer(ASGIApplication(mixed_app())), ["/", "/asgi/x", "/w"])
    )
    assert results[0][:2] == (200, b"native")
    assert results[1][:2] == (200, b"asgi:/asgi|/asgi/x")
    assert results[2][:2] == (200, b"wsgi:/w")
