"""Under WSGI, what needs a running IOLoop says so: tornado.httpclient's AsyncHTTPClient and
tornado.auth (whose sign-in fetches from the provider) raise WSGIUnavailableError, while the
blocking HTTPClient, which brings its own loop, works inside a WSGI handler."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
import tornado.auth
import tornado.httpclient
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.wsgi import WSGIApplication, WSGIUnavailableError


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """A tornado server on a free port in a thread: the URL the handlers fetch."""

    class Data(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("upstream data")

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(16)
            sock.setblocking(False)
            server = HTTPServer(tornado.web.Application([(r"/data", Data)]))
            server.add_sockets([sock])
            holder["server"] = server
            holder["port"] = sock.getsockname()[1]

        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{holder['port']}/data"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def call(app: Any, path: str) -> tuple[str, bytes]:
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(),
    }
    setup_testing_defaults(environ)
    status: list[str] = []

    def start_response(s: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(s)
        return lambda data: None

    result: Any = validator(app)(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return status[0], body


def make_app(upstream_url: str) -> WSGIApplication:
    class AsyncClient(tornado.web.RequestHandler):
        async def get(self) -> None:
            response = await tornado.httpclient.AsyncHTTPClient().fetch(upstream_url)
            self.write(response.body)

    class CallbackFinish(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self) -> None:
            asyncio.get_running_loop().call_soon(self.finish, "finished from a callback")

    class ProviderCall(tornado.web.RequestHandler, tornado.auth.OAuth2Mixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            # A provider API call, 1.0 style: the answer would come through the IOLoop.
            self.oauth2_request(upstream_url, access_token="t", callback=self.async_callback(self._on_answer))

        def _on_answer(self, answer: Any) -> None:
            self.finish(str(answer))

    return WSGIApplication(
        [(r"/async-client", AsyncClient), (r"/callback", CallbackFinish), (r"/provider", ProviderCall)]
    )


def test_async_http_client_is_refused(upstream: str) -> None:
    with pytest.raises(WSGIUnavailableError, match="awaited I/O or a timer") as info:
        call(make_app(upstream), "/async-client")
    assert "AsyncHTTPClient" in str(info.value)


def test_auth_mixin_is_refused(upstream: str) -> None:
    with pytest.raises(WSGIUnavailableError, match="without finishing the response") as info:
        call(make_app(upstream), "/provider")
    assert "tornado.auth" in str(info.value)


def test_callback_that_is_ready_at_once_may_finish_the_request(upstream: str) -> None:
    # Work the loop can do without waiting runs; only waiting is refused.
    assert call(make_app(upstream), "/callback") == ("200 OK", b"finished from a callback")
