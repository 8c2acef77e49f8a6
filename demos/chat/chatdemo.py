#!/usr/bin/env python3
"""A chat room: the ``chat`` example of the Tornado 1.0 overview, over WebSocket or long polling.

A page whose browser can open a WebSocket (``/a/message/socket``) gets new messages pushed
and posts over it; otherwise (or with ``?transport=poll``) it keeps one POST to
``/a/message/updates`` waiting on the server, the overview's long poll, and posts with
``/a/message/new``.  Both transports share one message store (``store.py``), so everyone
sees every message whichever way it came.  A page sends the id of the last message it has
(its cursor) when it (re)connects, so it gets exactly what it missed.

Run it with ``python3 demos/chat/chatdemo.py [--port=8888]`` and open
http://localhost:8888/ in two browsers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os.path
import signal
import sys
import uuid
from typing import Any

import tornado.escape
import tornado.httpserver
import tornado.ioloop
import tornado.options
import tornado.web
import tornado.websocket
from store import MemoryStore, Message, MessageStore, StoreUnavailable
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
    help="serve /a/debug/waiters (how many long polls and sockets listen) and /a/debug/drop_sockets, for tests",
)
define(
    "websocket",
    default=True,
    type=bool,
    help="offer the WebSocket transport (pages fall back to long polling)",
)
define(
    "redis_url",
    default="",
    help="keep the room in Redis (e.g. redis://127.0.0.1:6379/0) so several processes share it",
)
define("redis_room", default="chat", help="prefix of the room's Redis keys")
define(
    "socket_backlog",
    default=100,
    type=int,
    help="updates a socket may have waiting behind a full send buffer before it is dropped as too slow",
)
define("drain_timeout", default=10.0, type=float, help="on SIGTERM, the longest wait for open requests")

log = logging.getLogger("tornado.application")

MAX_BODY = 1000  # characters; the page's input has the same maxlength
UNAVAILABLE = "the chat's message store is unavailable right now; try again shortly"


class BaseHandler(tornado.web.RequestHandler):
    def initialize(self, store: MessageStore, sockets: set[Any], polls: set[Any] | None = None) -> None:
        self.store = store
        self.sockets = sockets
        self.polls = polls if polls is not None else set()

    def get_current_user(self) -> str | None:
        value = self.get_secure_cookie("user")
        if not value:
            return None
        return tornado.escape.to_unicode(value)

    def new_message(self, body: str) -> Message:
        """A message from the signed-in user, rendered once by the server (escaped) for every page."""
        message: Message = {"id": uuid.uuid4().hex, "from": self.current_user, "body": body}
        message["html"] = tornado.escape.to_unicode(self.render_string("message.html", message=message))
        return message

    def unavailable(self, error: StoreUnavailable) -> None:
        """Answer 503 (the store's server is down): the client may retry, nothing was kept."""
        log.warning("%s", error)
        self.set_status(503)
        self.set_header("Retry-After", "5")
        self.finish({"error": UNAVAILABLE})


def body_problem(body: Any) -> str | None:
    """Why ``body`` cannot be posted, or None."""
    if not isinstance(body, str) or not body:
        return "empty message body"
    if len(body) > MAX_BODY:
        return f"message longer than {MAX_BODY} characters"
    return None


class MainHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        try:
            messages = await self.store.recent()
        except StoreUnavailable as e:
            self.unavailable(e)
            return
        cursor = messages[-1]["id"] if messages else ""
        self.render("index.html", messages=messages, cursor=cursor)


class MessageNewHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.get_argument("body")
        problem = body_problem(body)
        if problem:
            raise tornado.web.HTTPError(400, problem)
        message = self.new_message(body)
        try:
            await self.store.add(message)
        except StoreUnavailable as e:
            self.unavailable(e)
            return
        if self.get_argument("next", None):
            self.redirect(self.get_argument("next"))
        else:
            self.write(message)


class MessageUpdatesHandler(BaseHandler):
    """The long poll: answers with the next batch of messages (or what the page missed)."""

    @tornado.web.authenticated
    @tornado.web.asynchronous
    def post(self) -> None:
        cursor = self.get_argument("cursor", None)
        self._client_gone = False
        self._listener = self.async_callback(self.on_new_messages)
        self.polls.add(self)
        self.store.subscribe(self._listener, cursor=cursor)

    def on_new_messages(self, messages: list[Message]) -> None:
        # One answer per poll: the page asks again with its new cursor.
        self.store.unsubscribe(self._listener)
        self.polls.discard(self)
        if self._client_gone:
            return
        self.finish({"messages": messages})

    def on_connection_close(self) -> None:
        self._client_gone = True
        self.polls.discard(self)
        listener = getattr(self, "_listener", None)
        if listener is not None:
            self.store.unsubscribe(listener)
            log.info("Long poll closed by the client; %d listening", self.store.listeners)


class ChatSocketHandler(BaseHandler, tornado.websocket.WebSocketHandler):
    """The WebSocket transport: new messages are pushed, and the page posts over the socket too.

    The handshake is an ordinary GET, so the login cookie applies; ``check_origin`` (the
    default, same host only) is what keeps other sites' pages from using a visitor's cookie.
    Client messages are JSON ``{"body": "..."}``; answers are ``{"messages": [...]}``,
    ``{"posted": id}`` or ``{"error": "..."}`` (the socket stays open after an error).
    """

    @tornado.web.authenticated
    def get(self, *args: Any, **kwargs: Any) -> None:
        super().get(*args, **kwargs)

    def get_compression_options(self) -> dict[str, Any]:
        # permessage-deflate: a page catching up after a reconnect gets many similar messages.
        return {}

    def open(self) -> None:
        self.behind = 0  # updates sent while the send buffer was over its high-water mark
        self.sockets.add(self)
        self.store.subscribe(self.on_new_messages, cursor=self.get_argument("cursor", None))

    def on_new_messages(self, messages: list[Message]) -> None:
        try:
            sent = self.write_message({"messages": messages})
        except tornado.websocket.WebSocketClosedError:
            self.store.unsubscribe(self.on_new_messages)
            return
        if sent.done():
            return
        # The page is not reading as fast as the room talks: its updates pile up in our memory.
        # A broadcast must not wait for one slow reader, so count instead, and past the limit
        # drop the socket (the page reconnects with its cursor and catches up from the cache).
        self.behind += 1
        if self.behind == 1:
            sent.add_done_callback(self._caught_up)
        if self.behind > self.settings["socket_backlog"]:
            log.info("Dropping a WebSocket that stopped reading (%d updates behind)", self.behind)
            self.store.unsubscribe(self.on_new_messages)
            self.sockets.discard(self)
            self.close(1013, "too slow to keep up")

    def _caught_up(self, _: Any) -> None:
        self.behind = 0

    async def on_message(self, data: str | bytes) -> None:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            self.write_message({"error": 'expected JSON: {"body": "..."}'})
            return
        body = parsed.get("body")
        problem = body_problem(body)
        if problem is not None or not isinstance(body, str):
            self.write_message({"error": problem})
            return
        message = self.new_message(body)
        try:
            await self.store.add(message)
        except StoreUnavailable as e:
            log.warning("%s", e)
            self.write_message({"error": UNAVAILABLE})
            return
        if self.ws_connection is not None and not self.ws_connection.closing:
            self.write_message({"posted": message["id"]})

    def on_close(self) -> None:
        self.store.unsubscribe(self.on_new_messages)
        self.sockets.discard(self)


class ListenersHandler(BaseHandler):
    """Who is listening: lets tests see that closed polls and sockets were dropped."""

    def get(self) -> None:
        sockets = len(self.sockets)
        self.write({"waiters": self.store.listeners - sockets, "sockets": sockets})


class StoreStateHandler(BaseHandler):
    """Whether the store hears new messages (a Redis store does not while Redis is away)."""

    def get(self) -> None:
        self.write({"available": getattr(self.store, "available", True)})  # memory: always


class DropSocketsHandler(BaseHandler):
    """Close every WebSocket as a restarting server would (1012), so tests see pages reconnect."""

    def check_xsrf_cookie(self) -> None:
        pass  # a test-only endpoint, served only with --debug_endpoints

    def post(self) -> None:
        for socket in list(self.sockets):
            socket.close(1012, "server restart")
        self.write({"closed": len(self.sockets)})


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
    cookie_secret: str,
    cache_size: int = 200,
    debug_endpoints: bool = False,
    websocket: bool = True,
    store: MessageStore | None = None,
    socket_backlog: int = 100,
    **settings: Any,
) -> tornado.web.Application:
    """The chat application; ``cookie_secret`` signs the nickname cookie.

    ``store`` holds the room's messages (a :class:`MemoryStore` of ``cache_size`` by default).
    A socket that has ``socket_backlog`` updates waiting behind a full send buffer is dropped.
    """
    if not cookie_secret:
        raise ValueError("the 'cookie_secret' setting must not be empty")
    if isinstance(socket_backlog, bool) or not isinstance(socket_backlog, int) or socket_backlog < 1:
        raise ValueError(f"the 'socket_backlog' setting must be a positive integer, not {socket_backlog!r}")
    room: dict[str, Any] = {
        "store": store if store is not None else MemoryStore(cache_size),
        "sockets": set(),
        "polls": set(),
    }
    handlers: list[Any] = [
        (r"/", MainHandler, room),
        (r"/auth/login", AuthLoginHandler, room),
        (r"/auth/logout", AuthLogoutHandler, room),
        (r"/a/message/new", MessageNewHandler, room),
        (r"/a/message/updates", MessageUpdatesHandler, room),
    ]
    if websocket:
        handlers.append((r"/a/message/socket", ChatSocketHandler, room))
    if debug_endpoints:
        handlers.append((r"/a/debug/waiters", ListenersHandler, room))
        handlers.append((r"/a/debug/store", StoreStateHandler, room))
        handlers.append((r"/a/debug/drop_sockets", DropSocketsHandler, room))
    here = os.path.dirname(os.path.abspath(__file__))
    return tornado.web.Application(
        handlers,
        cookie_secret=cookie_secret,
        login_url="/auth/login",
        template_path=os.path.join(here, "templates"),
        static_path=os.path.join(here, "static"),
        xsrf_cookies=True,
        chat_room=room,
        socket_backlog=socket_backlog,
        **{
            "websocket_ping_interval": 30,  # a page that vanished without closing is dropped
            "websocket_max_message_size": 64 * 1024,
            **settings,
        },
    )


def main() -> None:
    tornado.options.parse_command_line()
    store: MessageStore | None = None
    if options.redis_url:
        from redis_store import RedisStore

        store = RedisStore(options.redis_url, options.cache_size, options.redis_room)
        try:
            tornado.ioloop.IOLoop.current().run_sync(store.start)
        except RuntimeError as e:
            sys.exit(f"chat: {e}")
    application = make_application(
        options.cookie_secret,
        options.cache_size,
        options.debug_endpoints,
        options.websocket,
        store=store,
        socket_backlog=options.socket_backlog,
    )
    http_server = tornado.httpserver.HTTPServer(application)
    http_server.listen(options.port)
    log.info("Chat demo listening on http://127.0.0.1:%d/", options.port)
    loop = tornado.ioloop.IOLoop.current()

    async def stop() -> None:
        graceful = await shut_down(http_server, application.settings["chat_room"], options.drain_timeout)
        log.info("drained %s; exiting", "gracefully" if graceful else "after drain_timeout")
        loop.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.asyncio_loop.add_signal_handler(sig, lambda: asyncio.ensure_future(stop()))
    loop.start()


async def shut_down(server: tornado.httpserver.HTTPServer, room: dict[str, Any], timeout: float) -> bool:
    """Leave the room without losing anyone, as a process behind a load balancer should.

    New connections are refused first, so what follows reaches the other processes: waiting
    long polls are answered with no messages (the page polls again at once, with its cursor),
    WebSockets are closed as "server restart" (the page reconnects, with its cursor), and
    requests in flight finish; ``timeout`` bounds the wait.
    """
    server.stop()
    for poll in list(room["polls"]):
        poll.on_new_messages([])
    for socket in list(room["sockets"]):
        socket.close(1012, "server restart")
    return await server.drain(timeout)


if __name__ == "__main__":
    main()
