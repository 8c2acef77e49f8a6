"""The HTTP client against our own HTTPServer and tornado.web, on one IOLoop.

Includes the Tornado 1.0 overview's asynchronous example, verbatim: the client is configured
to reach friendfeed-api.com:80 at the local JSON feed served by the same application
(``hostname_mapping`` for the pure client, libcurl's CONNECT_TO for the curl client).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import tornado.escape
import tornado.httpclient
import tornado.web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.ioloop import IOLoop, new_event_loop

FEED_BROKEN = False  # makes the local feed answer 404


# --- the overview's example, as published -------------------------------------------------
# fmt: off
class MainHandler(tornado.web.RequestHandler):
    @tornado.web.asynchronous
    def get(self):
        http = tornado.httpclient.AsyncHTTPClient()
        http.fetch("http://friendfeed-api.com/v2/feed/bret",
                   callback=self.async_callback(self.on_response))

    def on_response(self, response):
        if response.error:
            raise tornado.web.HTTPError(500)
        json = tornado.escape.json_decode(response.body)
        self.write("Fetched " + str(len(json["entries"])) + " entries "
                   "from the FriendFeed API")
        self.finish()
# fmt: on


# ------------------------------------------------------------------------------------------


class FeedHandler(tornado.web.RequestHandler):
    def get(self, name: str) -> None:
        if FEED_BROKEN:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"entries": [{"id": i, "user": name} for i in range(7)]}))


class ConnHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(str(id(self.request.connection)))


class StreamHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        for i in range(50):
            self.write(b"%05d" % i * 2000)
            await self.flush()


class EchoHandler(tornado.web.RequestHandler):
    def post(self) -> None:
        self.write(self.request.body)

    def put(self) -> None:
        self.write(str(len(self.request.body)))


@pytest.fixture(params=["simple", "curl"])
def impl(request: pytest.FixtureRequest) -> str:
    if request.param == "curl":
        pytest.importorskip("pycurl")
        return "tornado.curl_httpclient.CurlAsyncHTTPClient"
    return "tornado.simple_httpclient.SimpleAsyncHTTPClient"


@pytest.fixture
def served(impl: str) -> Iterator[Callable[[Callable[[str], Any]], Any]]:
    """Run ``body(base_url)`` on a fresh loop, in a thread of its own (other integration tests
    may hold a running loop in the main thread), with the test application listening."""

    def in_thread(body: Callable[[str], Any]) -> Any:
        loop = new_event_loop()
        io_loop = IOLoop(asyncio_loop=loop)

        async def main() -> Any:
            app = tornado.web.Application(
                [
                    (r"/", MainHandler),
                    (r"/v2/feed/(\w+)", FeedHandler),
                    (r"/conn", ConnHandler),
                    (r"/stream", StreamHandler),
                    (r"/echo", EchoHandler),
                ]
            )
            server = HTTPServer(app)
            socks = bind_sockets(0, "127.0.0.1")
            server.add_sockets(socks)
            port = socks[0].getsockname()[1]
            base = f"http://127.0.0.1:{port}"
            if impl.startswith("tornado.curl"):
                import pycurl

                route = [f"friendfeed-api.com:80:127.0.0.1:{port}"]
                defaults = {"prepare_curl_callback": lambda curl: curl.setopt(pycurl.CONNECT_TO, route)}
                AsyncHTTPClient.configure(impl, defaults=defaults)
            else:
                mapping = {("friendfeed-api.com", 80): ("127.0.0.1", port)}
                AsyncHTTPClient.configure(impl, hostname_mapping=mapping)
            try:
                return await asyncio.wait_for(body(base), 30)
            finally:
                AsyncHTTPClient().close()
                server.stop()
                await server.close_all_connections()

        try:
            return loop.run_until_complete(main())
        finally:
            io_loop.close()
            loop.close()

    def run(body: Callable[[str], Any]) -> Any:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(in_thread, body).result(60)

    global FEED_BROKEN
    try:
        yield run
    finally:
        FEED_BROKEN = False
        AsyncHTTPClient.configure(None)


def test_overview_async_example(served: Any) -> None:
    async def body(base: str) -> Any:
        return await AsyncHTTPClient().fetch(base + "/")

    r = served(body)
    assert r.code == 200
    assert r.body == b"Fetched 7 entries from the FriendFeed API"


def test_overview_example_feed_failure_gives_500(served: Any) -> None:
    global FEED_BROKEN
    FEED_BROKEN = True

    async def body(base: str) -> Any:
        return await AsyncHTTPClient().fetch(base + "/", raise_error=False)

    assert served(body).code == 500


def test_keep_alive_against_httpserver(served: Any) -> None:
    async def body(base: str) -> list[bytes]:
        client = AsyncHTTPClient(force_instance=True, max_clients=1)
        try:
            return [(await client.fetch(base + "/conn")).body for _ in range(4)]
        finally:
            client.close()

    ids = served(body)
    assert len(set(ids)) == 1


def test_chunked_stream_and_bodies(served: Any) -> None:
    async def body(base: str) -> tuple[Any, Any, Any]:
        client = AsyncHTTPClient()
        a = await client.fetch(base + "/stream")
        b = await client.fetch(base + "/echo", method="POST", body=b"x" * 300_000)
        c = await client.fetch(base + "/echo", method="PUT", body=b"y" * 1_000_000)
        return a, b, c

    a, b, c = served(body)
    assert a.body == b"".join(b"%05d" % i * 2000 for i in range(50))
    assert b.body == b"x" * 300_000
    assert c.body == b"1000000"


def test_http_errors_from_the_framework(served: Any) -> None:
    async def body(base: str) -> HTTPClientError:
        with pytest.raises(HTTPClientError) as info:
            await AsyncHTTPClient().fetch(base + "/missing")
        return info.value

    err = served(body)
    assert err.code == 404 and err.response is not None
