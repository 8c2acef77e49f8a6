#!/usr/bin/env python3
"""A long-polling AJAX chat room: the ``chat`` example of the Tornado 1.0 overview.

Every open page keeps one POST to ``/a/message/updates`` waiting on the server; a new
message answers all of them at once. The page sends the id of the last message it has
(its cursor), so a page that reconnects gets exactly what it missed.

Run it with ``python3 demos/chat/chatdemo.py [--port=8888]`` and open
http://localhost:8888/ in two browsers.
"""

from __future__ import annotations

import collections
import logging
import os.path
import uuid
from collections.abc import Callable
from typing import Any

import tornado.escape
import tornado.httpserver
import tornado.ioloop
import tornado.options
import tornado.web
from tornado.options import define, options

define("port", default=8888, help="run on the given port", type=int)
define(
    "cookie_secret",
    default="demo-only-secret-change-me-5a1c0e7b9d2f",
    help="key that signs the login cookie; set your own outside a demo",
)
define(
    "cache_size", default=200, help="how many recent messages a reconnecting page can catch up on", type=int
)
define(
    "debug_endpoints",
    default=False,
    type=bool,
    help="serve /a/debug/waiters (the number of waiting long polls), for tests",
)

log = logging.getLogger("tornado.application")

Message = dict[str, Any]
Waiter = Callable[[list[Message]], None]


class MessageBuffer:
    """Recent messages plus the callbacks of the long polls waiting for the next one."""

    def __init__(self, cache_size: int) -> None:
        if cache_size < 1:
            raise ValueError(f"cache_size must be at least 1, got {cache_size!r}")
        self.waiters: list[Waiter] = []
        self.cache: collections.deque[Message] = collections.deque(maxlen=cache_size)

    def since(self, cursor: str | None) -> list[Message] | None:
        """Messages after ``cursor``; None means the page is up to date and should wait.

        A cursor no longer in the cache (too old, or from before a restart) gets the whole
        cache: that is everything the room still remembers.
        """
        if not cursor:
            return None
        ids = [m["id"] for m in self.cache]
        if cursor not in ids:
            return list(self.cache) if self.cache else None
        newer = list(self.cache)[ids.index(cursor) + 1 :]
        return newer or None

    def wait_for_messages(self, callback: Waiter, cursor: str | None = None) -> None:
        """Call ``callback(messages)`` now if the page missed some, else on the next message."""
        missed = self.since(cursor)
        if missed:
            callback(missed)
            return
        self.waiters.append(callback)

    def cancel_wait(self, callback: Waiter) -> None:
        """Forget a waiter whose client went away, so new messages are not written to nobody."""
        try:
            self.waiters.remove(callback)
        except ValueError:
            pass

    def new_messages(self, messages: list[Message]) -> None:
        waiters, self.waiters = self.waiters, []
        log.info("Sending new message to %d listeners", len(waiters))
        for callback in waiters:
            try:
                callback(messages)
            except Exception:
                log.exception("Error in waiter callback")
        self.cache.extend(messages)


class BaseHandler(tornado.web.RequestHandler):
    def initialize(self, buffer: MessageBuffer) -> None:
        self.buffer = buffer

    def get_current_user(self) -> str | None:
        value = self.get_secure_cookie("user")
        if not value:
            return None
        return tornado.escape.to_unicode(value)


class MainHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self) -> None:
        messages = list(self.buffer.cache)
        cursor = messages[-1]["id"] if messages else ""
        self.render("index.html", messages=messages, cursor=cursor)


class MessageNewHandler(BaseHandler):
    @tornado.web.authenticated
    def post(self) -> None:
        body = self.get_argument("body")
        if not body:
            raise tornado.web.HTTPError(400, "empty message body")
        message: Message = {
            "id": uuid.uuid4().hex,
            "from": self.current_user,
            "body": body,
        }
        # The server escapes the body once, in message.html; the page inserts this markup.
        message["html"] = tornado.escape.to_unicode(self.render_string("message.html", message=message))
        if self.get_argument("next", None):
            self.redirect(self.get_argument("next"))
        else:
            self.write(message)
        self.buffer.new_messages([message])


class MessageUpdatesHandler(BaseHandler):
    @tornado.web.authenticated
    @tornado.web.asynchronous
    def post(self) -> None:
        cursor = self.get_argument("cursor", None)
        self._client_gone = False
        self._waiter = self.async_callback(self.on_new_messages)
        self.buffer.wait_for_messages(self._waiter, cursor=cursor)

    def on_new_messages(self, messages: list[Message]) -> None:
        if self._client_gone:
            return
        self.finish({"messages": messages})

    def on_connection_close(self) -> None:
        self._client_gone = True
        waiter = getattr(self, "_waiter", None)
        if waiter is not None:
            self.buffer.cancel_wait(waiter)
            log.info("Long poll closed by the client; %d waiting", len(self.buffer.waiters))


class WaitersHandler(BaseHandler):
    """How many long polls are parked: lets tests see that closed ones were dropped."""

    def get(self) -> None:
        self.write({"waiters": len(self.buffer.waiters), "cached": len(self.buffer.cache)})


class AuthLoginHandler(BaseHandler):
    def get(self) -> None:
        self.render("login.html", error=None, next=self.get_argument("next", "/"))

    def post(self) -> None:
        name = self.get_argument("name", "")
        next_url = self.get_argument("next", "/")
        if not name or len(name) > 40:
            self.set_status(400)
            self.render("login.html", error="Pick a nickname of 1 to 40 characters.", next=next_url)
            return
        self.set_secure_cookie("user", name)
        # Only local paths: "next" comes from the query string and must not send users elsewhere.
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        self.redirect(next_url)


class AuthLogoutHandler(BaseHandler):
    def get(self) -> None:
        self.clear_cookie("user")
        self.redirect("/auth/login")


def make_application(
    cookie_secret: str, cache_size: int = 200, debug_endpoints: bool = False, **settings: Any
) -> tornado.web.Application:
    """The chat application; ``cookie_secret`` signs the nickname cookie."""
    if not cookie_secret:
        raise ValueError("the 'cookie_secret' setting must not be empty")
    room = {"buffer": MessageBuffer(cache_size)}
    handlers: list[Any] = [
        (r"/", MainHandler, room),
        (r"/auth/login", AuthLoginHandler, room),
        (r"/auth/logout", AuthLogoutHandler, room),
        (r"/a/message/new", MessageNewHandler, room),
        (r"/a/message/updates", MessageUpdatesHandler, room),
    ]
    if debug_endpoints:
        handlers.append((r"/a/debug/waiters", WaitersHandler, room))
    here = os.path.dirname(os.path.abspath(__file__))
    return tornado.web.Application(
        handlers,
        cookie_secret=cookie_secret,
        login_url="/auth/login",
        template_path=os.path.join(here, "templates"),
        static_path=os.path.join(here, "static"),
        xsrf_cookies=True,
        **settings,
    )


def main() -> None:
    tornado.options.parse_command_line()
    application = make_application(options.cookie_secret, options.cache_size, options.debug_endpoints)
    http_server = tornado.httpserver.HTTPServer(application)
    http_server.listen(options.port)
    log.info("Chat demo listening on http://127.0.0.1:%d/", options.port)
    tornado.ioloop.IOLoop.instance().start()


if __name__ == "__main__":
    main()
