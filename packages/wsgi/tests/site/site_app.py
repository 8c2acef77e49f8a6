"""A small tornado.web site served as a WSGI application (by gunicorn in the tests, and called
in-process through wsgiref.validate): cookies, secure cookies, XSRF, templates, static files,
error pages, and the features WSGI cannot offer."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import tornado.web
import tornado.wsgi

HERE = os.path.dirname(os.path.abspath(__file__))


class MainHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("Hello, world")


class EchoHandler(tornado.web.RequestHandler):
    def get(self, rest: str) -> None:
        self.write(
            {
                "path": self.request.path,
                "rest": rest,
                "uri": self.request.uri,
                "query": self.get_query_argument("q", ""),
                "host": self.request.host,
                "protocol": self.request.protocol,
                "remote_ip": self.request.remote_ip,
                "agent": self.request.headers.get("User-Agent", ""),
            }
        )

    def post(self, rest: str) -> None:
        upload = self.request.files.get("upload")
        self.write(
            {
                "name": self.get_body_argument("name", ""),
                "body_length": len(self.request.body),
                "upload": upload[0].body.decode() if upload else None,
            }
        )


class CookieHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(self.get_cookie("flavor") or "none")

    def post(self) -> None:
        self.set_cookie("flavor", self.get_argument("flavor"))
        self.set_cookie("second", "2")
        self.write("set")


class LoginHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.render("login.html")

    def post(self) -> None:
        self.set_secure_cookie("user", self.get_argument("name"))
        self.redirect("/private")


class PrivateHandler(tornado.web.RequestHandler):
    def get_current_user(self) -> bytes | None:
        return self.get_secure_cookie("user")

    @tornado.web.authenticated
    def get(self) -> None:
        self.render("private.html", items=["<b>one</b>", "two"])


class FailHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        raise ZeroDivisionError("boom in handler")


class TeapotHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        raise tornado.web.HTTPError(418)


class AsyncFineHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        await asyncio.sleep(0)  # yields once, waits for nothing
        self.write("async ok")


class AsyncSleepHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        await asyncio.sleep(0.05)
        self.write("never")


class AsynchronousHandler(tornado.web.RequestHandler):
    @tornado.web.asynchronous
    def get(self) -> None:
        self.write("waiting for a callback that never comes")


class FlushHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("part one")
        self.flush()
        self.write("part two")


class RawWriteHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.request.write(b"HTTP/1.1 200 OK\r\n\r\n")  # type: ignore[attr-defined]


def make_app(**settings: Any) -> tornado.wsgi.WSGIApplication:
    options: dict[str, Any] = {
        "cookie_secret": "a secret long enough for tests, not for production",
        "login_url": "/login",
        "xsrf_cookies": True,
        "template_path": os.path.join(HERE, "templates"),
        "static_path": os.environ.get("SITE_STATIC_PATH") or os.path.join(HERE, "static"),
    }
    options.update(settings)
    return tornado.wsgi.WSGIApplication(
        [
            (r"/", MainHandler),
            (r"/echo(/.*)?", EchoHandler),
            (r"/cookie", CookieHandler),
            (r"/login", LoginHandler),
            (r"/private", PrivateHandler),
            (r"/fail", FailHandler),
            (r"/teapot", TeapotHandler),
            (r"/async/fine", AsyncFineHandler),
            (r"/async/sleep", AsyncSleepHandler),
            (r"/asynchronous", AsynchronousHandler),
            (r"/flush", FlushHandler),
            (r"/raw", RawWriteHandler),
        ],
        **options,
    )


application = make_app()
