"""The chat demo end to end over HTTP and WebSocket (the browser tests are in test_demo_chat_browser.py)."""

from __future__ import annotations

import asyncio
import email.utils
import http.client
import http.cookies
import json
import socket
import struct
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.web import decode_signed_value
from tornado.websocket import WebSocketClientConnection, websocket_connect

SCRIPT = "chat/chatdemo.py"
SECRET = "test-secret-for-the-chat-demo"
WAIT = 15.0  # upper bound for anything the server should do "soon"
Socket = socket.socket  # the Client class below has a method named socket


class ChatClient:
    """A tiny cookie-keeping HTTP client that never follows redirects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None, timeout: float = WAIT
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            self._store(header)
        return resp.status, resp.headers, data

    def _store(self, header: str) -> None:
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            expires = morsel["expires"]
            expired = bool(expires) and email.utils.parsedate_to_datetime(expires).timestamp() < time.time()
            if expired or morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    @property
    def xsrf(self) -> str:
        return self.cookies["_xsrf"]

    def login(self, name: str) -> None:
        status, _, _ = self.request("GET", "/auth/login")
        assert status == 200
        status, headers, _ = self.request("POST", "/auth/login", {"name": name, "_xsrf": self.xsrf})
        assert status == 302, "login should redirect"
        assert headers["Location"] == "/"

    def post_message(self, body: str) -> dict[str, Any]:
        status, _, data = self.request("POST", "/a/message/new", {"body": body, "_xsrf": self.xsrf})
        assert status == 200, data
        return json.loads(data)

    def updates(self, cursor: str | None = None, timeout: float = WAIT) -> list[dict[str, Any]]:
        fields = {"_xsrf": self.xsrf}
        if cursor is not None:
            fields["cursor"] = cursor
        status, _, data = self.request("POST", "/a/message/updates", fields, timeout=timeout)
        assert status == 200, data
        return json.loads(data)["messages"]

    def listening(self) -> dict[str, int]:
        status, _, data = self.request("GET", "/a/debug/waiters")
        assert status == 200
        return json.loads(data)

    def waiters(self) -> int:
        """Long polls parked on the server."""
        return self.listening()["waiters"]

    async def socket(self, cursor: str | None = None, **headers: str) -> WebSocketClientConnection:
        """A WebSocket to the room, signed in with this client's cookies."""
        url = f"ws://127.0.0.1:{self.port}/a/message/socket"
        if cursor is not None:
            url += "?" + urllib.parse.urlencode({"cursor": cursor})
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = HTTPRequest(url, headers={"Cookie": cookie, **headers}, request_timeout=WAIT)
        return await websocket_connect(request, connect_timeout=WAIT)

    def raw_updates_socket(self) -> Socket:
        """Open a long poll by hand and leave it waiting; the caller decides how it ends."""
        body = urllib.parse.urlencode({"_xsrf": self.xsrf}).encode()
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)
        sock.sendall(
            b"POST /a/message/updates HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: " + cookie.encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        return sock


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def chat(start_demo: Any) -> Any:
    return start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--debug_endpoints=true")


@pytest.fixture
def alice(chat: Any) -> ChatClient:
    client = ChatClient(chat.port)
    client.login("alice")
    return client


# -- signing in ----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(chat: Any) -> None:
    status, headers, _ = ChatClient(chat.port).request("GET", "/")
    assert status == 302
    assert headers["Location"] == "/auth/login?next=%2F"


def test_login_sets_a_signed_cookie_holding_the_nickname(alice: ChatClient) -> None:
    value = alice.cookies["user"]
    assert decode_signed_value(SECRET, "user", value) == b"alice"
    assert decode_signed_value("some other secret", "user", value) is None
    status, _, page = alice.request("GET", "/")
    assert status == 200
    assert b'<b id="me">alice</b>' in page


def test_tampered_login_cookie_is_rejected(alice: ChatClient) -> None:
    _payload, timestamp, signature = alice.cookies["user"].split("|")
    forged = "bWFsbG9yeQ=="  # base64 of "mallory", keeping alice's signature
    alice.cookies["user"] = "|".join([forged, timestamp, signature])
    status, headers, _ = alice.request("GET", "/")
    assert status == 302
    assert headers["Location"].startswith("/auth/login")


def test_login_rejects_empty_and_overlong_nicknames(chat: Any) -> None:
    client = ChatClient(chat.port)
    client.request("GET", "/auth/login")
    for name in ("", "x" * 41):
        status, _, page = client.request("POST", "/auth/login", {"name": name, "_xsrf": client.xsrf})
        assert status == 400
        assert b"Pick a nickname" in page
    assert "user" not in client.cookies


def test_login_redirects_only_to_local_paths(chat: Any) -> None:
    client = ChatClient(chat.port)
    client.request("GET", "/auth/login")
    fields = {"name": "bob", "_xsrf": client.xsrf}
    status, headers, _ = client.request("POST", "/auth/login", {**fields, "next": "/?room=1"})
    assert (status, headers["Location"]) == (302, "/?room=1")
    status, headers, _ = client.request("POST", "/auth/login", {**fields, "next": "//evil.example/"})
    assert (status, headers["Location"]) == (302, "/")


def test_logout_clears_the_login_cookie(alice: ChatClient) -> None:
    status, headers, _ = alice.request("GET", "/auth/logout")
    assert status == 302
    assert "user" not in alice.cookies
    status, _, _ = alice.request("GET", "/")
    assert status == 302


# -- XSRF ----------------------------------------------------------------------------------------


def test_posts_without_the_xsrf_token_are_forbidden(alice: ChatClient) -> None:
    for path, fields in [
        ("/a/message/new", {"body": "hi"}),
        ("/a/message/updates", {}),
        ("/auth/login", {"name": "mallory"}),
    ]:
        status, _, _ = alice.request("POST", path, fields)
        assert status == 403, path
        status, _, _ = alice.request("POST", path, {**fields, "_xsrf": "0" * 32})
        assert status == 403, path
    _, _, page = alice.request("GET", "/")
    assert b'class="message"' not in page  # nothing was posted


def test_posting_requires_login(chat: Any) -> None:
    client = ChatClient(chat.port)
    client.request("GET", "/auth/login")
    status, _, _ = client.request("POST", "/a/message/new", {"body": "hi", "_xsrf": client.xsrf})
    assert status == 403


# -- messages and the cursor ------------------------------------------------------------------------


def test_message_body_is_escaped_by_the_server(alice: ChatClient) -> None:
    evil = '<script>window.pwned = 1</script> & "quotes"'
    message = alice.post_message(evil)
    assert message["body"] == evil
    assert message["from"] == "alice"
    assert "<script>" not in message["html"]
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &quot;quotes&quot;" in message["html"]
    _, _, page = alice.request("GET", "/")
    assert b"<script>window.pwned" not in page
    assert b"&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page


def test_empty_message_is_a_400(alice: ChatClient) -> None:
    status, _, _ = alice.request("POST", "/a/message/new", {"body": "", "_xsrf": alice.xsrf})
    assert status == 400


def test_form_post_without_javascript_redirects_back(alice: ChatClient) -> None:
    status, headers, _ = alice.request(
        "POST", "/a/message/new", {"body": "plain form", "next": "/", "_xsrf": alice.xsrf}
    )
    assert (status, headers["Location"]) == (302, "/")
    assert [m["body"] for m in alice.updates(cursor="unknown")] == ["plain form"]


def test_updates_return_only_messages_after_the_cursor(alice: ChatClient) -> None:
    ids = [alice.post_message(f"message {i}")["id"] for i in range(4)]
    assert [m["id"] for m in alice.updates(cursor=ids[0])] == ids[1:]
    assert [m["id"] for m in alice.updates(cursor=ids[2])] == ids[3:]
    # A cursor the room does not know (too old, or from before a restart) gets everything kept.
    assert [m["id"] for m in alice.updates(cursor="no-such-id")] == ids


def test_index_page_carries_the_cursor_of_its_last_message(alice: ChatClient) -> None:
    last = [alice.post_message(f"m{i}")["id"] for i in range(2)][-1]
    _, _, page = alice.request("GET", "/")
    assert f'data-cursor="{last}"'.encode() in page


def test_up_to_date_poll_waits_for_the_next_message(chat: Any, alice: ChatClient) -> None:
    bob = ChatClient(chat.port)
    bob.login("bob")
    cursor = alice.post_message("before")["id"]
    with ThreadPoolExecutor(2) as pool:
        polls = [pool.submit(c.updates, cursor) for c in (alice, bob)]
        wait_for(lambda: alice.waiters() == 2, "both long polls to be parked")
        assert not any(p.done() for p in polls)
        new = bob.post_message("after")
        for poll in polls:
            assert [m["id"] for m in poll.result(timeout=WAIT)] == [new["id"]]
    assert alice.waiters() == 0


def test_message_cache_is_bounded(start_demo: Any) -> None:
    server = start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--cache_size=3")
    client = ChatClient(server.port)
    client.login("carol")
    ids = [client.post_message(f"m{i}")["id"] for i in range(5)]
    assert [m["id"] for m in client.updates(cursor="unknown")] == ids[2:]
    # The cursor of an evicted message can no longer be placed: the page gets all that is kept.
    assert [m["id"] for m in client.updates(cursor=ids[0])] == ids[2:]


def test_waiter_is_dropped_when_the_client_resets_the_connection(alice: ChatClient) -> None:
    sock = alice.raw_updates_socket()
    try:
        wait_for(lambda: alice.waiters() == 1, "the long poll to be parked")
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # with linger 0: RST
    wait_for(lambda: alice.waiters() == 0, "the closed long poll to be dropped")
    # The room still works for everyone else afterwards.
    assert alice.post_message("still here")["body"] == "still here"


def test_waiter_is_dropped_when_the_client_closes_the_connection(alice: ChatClient) -> None:
    sock = alice.raw_updates_socket()
    try:
        wait_for(lambda: alice.waiters() == 1, "the long poll to be parked")
    finally:
        sock.close()  # an ordinary close: FIN, as a browser sends when a tab goes away
    wait_for(lambda: alice.waiters() == 0, "the closed long poll to be dropped")


def test_debug_endpoint_is_off_by_default(start_demo: Any) -> None:
    server = start_demo(SCRIPT)
    status, _, _ = ChatClient(server.port).request("GET", "/a/debug/waiters")
    assert status == 404


def test_bad_cache_size_names_the_setting(start_demo: Any) -> None:
    with pytest.raises(RuntimeError, match="cache_size must be at least 1"):
        start_demo(SCRIPT, "--cache_size=0")


def test_bad_socket_backlog_names_the_setting(start_demo: Any) -> None:
    with pytest.raises(RuntimeError, match="'socket_backlog' setting must be a positive integer"):
        start_demo(SCRIPT, "--socket_backlog=0")


def test_a_socket_that_stops_reading_is_dropped_and_the_room_goes_on(start_demo: Any) -> None:
    """A page that stops reading must not make the server buffer the room's traffic without
    bound: once its updates pile up behind a full send buffer, its socket is dropped."""
    server = start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--debug_endpoints=true", "--socket_backlog=5")
    alice = ChatClient(server.port)
    alice.login("alice")
    cookie = "; ".join(f"{k}={v}" for k, v in alice.cookies.items())
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills quickly
    slow.settimeout(WAIT)
    slow.connect(("127.0.0.1", server.port))
    slow.sendall(
        b"GET /a/message/socket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nCookie: " + cookie.encode() + b"\r\n\r\n"
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += slow.recv(1)  # exactly the response head: nothing after it is read
    assert head.startswith(b"HTTP/1.1 101 ")
    wait_for(lambda: alice.listening()["sockets"] == 1, "the socket to subscribe")
    body = "y" * 1000
    posted = 0
    while alice.listening()["sockets"] == 1:
        assert posted < 3000, "the socket that stopped reading was never dropped"
        alice.post_message(body)
        posted += 1
    # It took a full send buffer plus the backlog, not the first few updates.
    assert posted > 20
    assert alice.post_message("the room goes on")["body"] == "the room goes on"
    slow.close()


def test_message_longer_than_the_limit_is_a_400(alice: ChatClient) -> None:
    status, _, data = alice.request("POST", "/a/message/new", {"body": "x" * 1001, "_xsrf": alice.xsrf})
    assert status == 400
    assert alice.post_message("x" * 1000)["body"] == "x" * 1000


# -- the WebSocket transport ---------------------------------------------------------------------------


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 4 * WAIT))


async def next_json(conn: WebSocketClientConnection) -> dict[str, Any]:
    message = await asyncio.wait_for(conn.read_message(), WAIT)
    assert isinstance(message, str), message
    return json.loads(message)


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {WAIT}s waiting for {what}")
        await asyncio.sleep(0.05)


def test_socket_requires_login(chat: Any) -> None:
    async def main() -> None:
        with pytest.raises(HTTPClientError) as info:
            await ChatClient(chat.port).socket()
        assert info.value.code == 302  # @authenticated sends a GET to the login page

    run(main())


def test_socket_refuses_other_sites_pages(alice: ChatClient) -> None:
    """Another site's page could open the socket with alice's cookie; the Origin check stops it."""

    async def main() -> None:
        with pytest.raises(HTTPClientError) as info:
            await alice.socket(Origin="http://evil.example")
        assert info.value.code == 403
        conn = await alice.socket(Origin=f"http://127.0.0.1:{alice.port}")
        conn.close()

    run(main())


def test_socket_and_long_poll_share_one_room(chat: Any, alice: ChatClient) -> None:
    bob = ChatClient(chat.port)
    bob.login("bob")
    cursor = bob.post_message("before")["id"]

    async def main() -> None:
        conn = await alice.socket(cursor=cursor)
        await eventually(lambda: alice.listening() == {"waiters": 0, "sockets": 1}, "the socket to listen")
        with ThreadPoolExecutor(1) as pool:
            poll = pool.submit(bob.updates, cursor)
            await eventually(lambda: alice.waiters() == 1, "bob's long poll to be parked")
            # Posted over the socket: the poster gets an acknowledgement and the message itself,
            # and the long poll answers with the same message.
            await conn.write_message(json.dumps({"body": "over the socket <b>"}))
            first, second = await next_json(conn), await next_json(conn)
            got = first if "messages" in first else second
            ack = second if "messages" in first else first
            [message] = got["messages"]
            assert ack == {"posted": message["id"]}
            assert (message["from"], message["body"]) == ("alice", "over the socket <b>")
            assert "&lt;b&gt;" in message["html"]
            polled = await asyncio.wrap_future(poll)
        assert polled == [message]
        # Posted over HTTP: pushed to the socket.
        posted = await asyncio.to_thread(bob.post_message, "over HTTP")
        assert await next_json(conn) == {"messages": [posted]}
        conn.close()
        assert await asyncio.wait_for(conn.read_message(), WAIT) is None
        await eventually(
            lambda: alice.listening() == {"waiters": 0, "sockets": 0}, "the socket to be dropped"
        )

    run(main())


def test_socket_catches_up_from_its_cursor(alice: ChatClient) -> None:
    ids = [alice.post_message(f"m{i}")["id"] for i in range(4)]

    async def main() -> None:
        conn = await alice.socket(cursor=ids[1])
        assert [m["id"] for m in (await next_json(conn))["messages"]] == ids[2:]
        conn.close()
        # No cursor: a freshly rendered page already shows everything, so nothing is replayed.
        conn = await alice.socket()
        new = await asyncio.to_thread(alice.post_message, "live")
        assert await next_json(conn) == {"messages": [new]}
        conn.close()

    run(main())


def test_bad_socket_input_gets_an_error_and_the_socket_stays_open(alice: ChatClient) -> None:
    async def main() -> None:
        conn = await alice.socket()
        for bad, error in [
            ("not json", 'expected JSON: {"body": "..."}'),
            ("[1, 2]", 'expected JSON: {"body": "..."}'),
            ('{"text": "hi"}', "empty message body"),
            ('{"body": ""}', "empty message body"),
            ('{"body": 42}', "empty message body"),
            (json.dumps({"body": "x" * 1001}), "message longer than 1000 characters"),
        ]:
            await conn.write_message(bad)
            assert await next_json(conn) == {"error": error}, bad
        await conn.write_message(json.dumps({"body": "fine"}))
        replies = [await next_json(conn), await next_json(conn)]
        assert any(r.get("messages", [{}])[0].get("body") == "fine" for r in replies)
        conn.close()
        # A message over the socket's size limit closes that socket with 1009; the room goes on.
        conn = await alice.socket()
        await conn.write_message("x" * (64 * 1024 + 1))
        assert await asyncio.wait_for(conn.read_message(), WAIT) is None
        assert alice.post_message("still here")["body"] == "still here"

    run(main())
    _, _, page = alice.request("GET", "/")
    assert page.count(b'class="message"') == 2  # "fine" and "still here", nothing from the errors


def test_server_closing_sockets_unsubscribes_them(alice: ChatClient) -> None:
    async def main() -> None:
        conns = [await alice.socket() for _ in range(3)]
        await eventually(lambda: alice.listening()["sockets"] == 3, "three sockets")
        status, _, data = await asyncio.to_thread(alice.request, "POST", "/a/debug/drop_sockets")
        assert (status, json.loads(data)) == (200, {"closed": 3})
        for conn in conns:
            assert await asyncio.wait_for(conn.read_message(), WAIT) is None
            assert (conn.close_code, conn.close_reason) == (1012, "server restart")
        await eventually(lambda: alice.listening() == {"waiters": 0, "sockets": 0}, "no listeners")

    run(main())


def test_websocket_can_be_turned_off(start_demo: Any) -> None:
    server = start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--websocket=false")
    client = ChatClient(server.port)
    client.login("dave")

    async def main() -> None:
        with pytest.raises(HTTPClientError) as info:
            await client.socket()
        assert info.value.code == 404

    run(main())
    assert client.post_message("polling still works")["from"] == "dave"


def test_the_whole_stack_distribution_provides_every_module_the_demo_imports() -> None:
    """``pip install tornado-full`` is the demo's documented install: it must bring each
    ``tornado.*`` module the demo uses (tornado-websocket among them)."""
    import ast
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("localpkgs", root / "tools" / "localpkgs.py")
    assert spec is not None and spec.loader is not None
    localpkgs = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("localpkgs", localpkgs)  # its dataclasses look themselves up there
    spec.loader.exec_module(localpkgs)
    pkgs = localpkgs.load()
    shipped = {mod: name for name, pkg in pkgs.items() for mod in pkg.modules}
    in_full = set(localpkgs.closure(pkgs, "full"))
    used = set()
    for source in (root / "demos" / "chat").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            used |= {n.split(".")[1] for n in names if n.startswith("tornado.")}
    assert "websocket" in used
    missing = {m for m in used if shipped.get(m) not in in_full}
    assert not missing, f"tornado-full does not bring {sorted(missing)}"
