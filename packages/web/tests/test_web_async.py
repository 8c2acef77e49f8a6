"""Asynchronous handlers: @asynchronous, async_callback, async def methods, on_connection_close."""

import asyncio
import socket
import threading

import tornado.web


def test_asynchronous_stays_open_until_finish(serve):
    class MainHandler(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            self.write("Hello, ")
            asyncio.get_running_loop().call_later(0.01, self.on_later)

        def on_later(self):
            self.write("world")
            self.finish()

    r = serve(tornado.web.Application([(r"/", MainHandler)])).fetch("/")
    assert (r.status, r.text) == (200, "Hello, world")


def test_asynchronous_finish_inside_method(serve):
    class MainHandler(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            self.write("Hello, world")
            self.finish()

    assert serve(tornado.web.Application([(r"/", MainHandler)])).fetch("/").text == "Hello, world"


def fake_fetch(url, callback):
    """A 1.0-style asynchronous library call: answers later through ``callback``."""
    asyncio.get_running_loop().call_soon(callback, {"url": url, "entries": [1, 2, 3]})


def test_async_callback_passes_results(serve):
    class MainHandler(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            fake_fetch("http://api/feed", callback=self.async_callback(self.on_response, "extra"))

        def on_response(self, extra, response):
            self.write(f"Fetched {len(response['entries'])} entries {extra}")
            self.finish()

    r = serve(tornado.web.Application([(r"/", MainHandler)])).fetch("/")
    assert r.text == "Fetched 3 entries extra"


def test_async_callback_exception_becomes_500_and_closes(serve):
    class MainHandler(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            fake_fetch("x", callback=self.async_callback(self.on_response))

        def on_response(self, response):
            raise ValueError("broken callback")

    class HTTPErr(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            fake_fetch("x", callback=self.async_callback(self.on_response))

        def on_response(self, response):
            raise tornado.web.HTTPError(502)

    s = serve(tornado.web.Application([(r"/", MainHandler), (r"/h", HTTPErr)]))
    r = s.fetch("/", timeout=10)
    assert r.status == 500
    assert s.fetch("/h", timeout=10).status == 502


def test_async_callback_after_headers_written_closes_connection(serve):
    class H(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            self.write("started")
            self.flush()
            fake_fetch("x", callback=self.async_callback(self.on_response))

        def on_response(self, response):
            raise ValueError("too late for an error page")

    s = serve(tornado.web.Application([(r"/", H)]))
    raw = s.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=10)
    assert b"started" in raw
    assert not raw.endswith(b"0\r\n\r\n")  # no clean end of the chunked body: the client sees a failure


def test_async_def_handler_finishes_when_it_returns(serve):
    class H(tornado.web.RequestHandler):
        async def prepare(self):
            await asyncio.sleep(0)
            self.prefix = "prepared "

        async def get(self, n):
            await asyncio.sleep(0.01)
            self.write(self.prefix + n)

    r = serve(tornado.web.Application([(r"/(\d+)", H)])).fetch("/7")
    assert r.text == "prepared 7"


def test_async_def_exception_is_500(serve):
    class H(tornado.web.RequestHandler):
        async def get(self):
            await asyncio.sleep(0)
            raise RuntimeError("async failure")

        async def post(self):
            await asyncio.sleep(0)
            raise tornado.web.HTTPError(404)

    s = serve(tornado.web.Application([(r"/", H)]))
    assert s.fetch("/").status == 500
    assert s.fetch("/", method="POST", body=b"").status == 404


def test_async_def_with_asynchronous_waits_for_finish(serve):
    class H(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        async def get(self):
            asyncio.get_running_loop().call_later(0.01, self.finish, "finished later")

    assert serve(tornado.web.Application([(r"/", H)])).fetch("/").text == "finished later"


def test_concurrent_long_requests_do_not_block_each_other(serve):
    waiters = []

    class Wait(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            waiters.append(self)

    class Release(tornado.web.RequestHandler):
        def get(self):
            for w in waiters:
                w.finish("released")
            self.write(str(len(waiters)))
            waiters.clear()

    s = serve(tornado.web.Application([(r"/wait", Wait), (r"/release", Release)]))
    results = []
    threads = [threading.Thread(target=lambda: results.append(s.fetch("/wait").text)) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(200):
        if len(waiters) == 3:
            break
        threading.Event().wait(0.02)
    assert s.fetch("/release").text == "3"
    for t in threads:
        t.join(10)
    assert results == ["released"] * 3


def test_on_connection_close(serve):
    closed = threading.Event()
    started = threading.Event()

    class Poll(tornado.web.RequestHandler):
        @tornado.web.asynchronous
        def get(self):
            started.set()

        def on_connection_close(self):
            closed.set()

    s = serve(tornado.web.Application([(r"/poll", Poll)]))
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
    assert started.wait(10)
    sock.close()
    assert closed.wait(10)
