"""A tornado.web application served as an ASGI application (by uvicorn in the tests)."""

from __future__ import annotations

import asyncio
import os

import tornado.web
from tornado.asgi import ASGIApplication

HERE = os.path.dirname(os.path.abspath(__file__))
release = asyncio.Event()
closed_requests: list[str] = []


class MainHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("Hello, world")


class InfoHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(
            {
                "path": self.request.path,
                "uri": self.request.uri,
                "query": self.get_query_argument("q", ""),
                "remote_ip": self.request.remote_ip,
                "host": self.request.host,
                "protocol": self.request.protocol,
            }
        )

    def post(self) -> None:
        self.write({"name": self.get_body_argument("name"), "length": len(self.request.body)})


class CookieHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(
            {
                "plain": self.get_cookie("plain"),
                "secure": (self.get_secure_cookie("signed") or b"").decode() or None,
            }
        )

    def post(self) -> None:
        self.set_cookie("plain", "p1")
        self.set_secure_cookie("signed", "s1")
        self.write("set")


class PageHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.render("page.html", name=self.get_argument("name", "<nobody>"), items=["a", "<b>"])


class AsyncHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        await asyncio.sleep(0.01)  # a real wait on the server's loop
        self.write("async done")


class StreamHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        self.write("first;")
        await self.flush()
        await release.wait()
        release.clear()
        self.write("last")


class ReleaseHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        release.set()
        self.write("released")


class LongPollHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        self.waiter = asyncio.get_running_loop().create_future()
        await self.waiter

    def on_connection_close(self) -> None:
        closed_requests.append(self.request.path)
        if not self.waiter.done():
            self.waiter.set_result(None)


class ClosedHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({"closed": closed_requests})


class DetachHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.request.connection.detach()  # type: ignore[union-attr]


class StreamAttrHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(repr(self.request.connection.stream))  # type: ignore[union-attr]


class FailHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        raise ValueError("boom under uvicorn")


web_app = tornado.web.Application(
    [
        (r"/", MainHandler),
        (r"/info/.*", InfoHandler),
        (r"/cookie", CookieHandler),
        (r"/page", PageHandler),
        (r"/async", AsyncHandler),
        (r"/stream", StreamHandler),
        (r"/release", ReleaseHandler),
        (r"/longpoll", LongPollHandler),
        (r"/closed", ClosedHandler),
        (r"/detach", DetachHandler),
        (r"/stream-attr", StreamAttrHandler),
        (r"/fail", FailHandler),
    ],
    cookie_secret="a secret long enough for tests, not for production",
    template_path=os.path.join(HERE, "templates"),
)
app = ASGIApplication(web_app)
