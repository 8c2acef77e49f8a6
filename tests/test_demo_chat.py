"""The long-polling chat demo, end to end: over raw HTTP and in two headless Chromium pages."""

from __future__ import annotations

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
from tornado.web import decode_signed_value

SCRIPT = "chat/chatdemo.py"
SECRET = "test-secret-for-the-chat-demo"
WAIT = 15.0  # upper bound for anything the server should do "soon"


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
        return json.loads(data)  # type: ignore[no-any-return]

    def updates(self, cursor: str | None = None, timeout: float = WAIT) -> list[dict[str, Any]]:
        fields = {"_xsrf": self.xsrf}
        if cursor is not None:
            fields["cursor"] = cursor
        status, _, data = self.request("POST", "/a/message/updates", fields, timeout=timeout)
        assert status == 200, data
        return json.loads(data)["messages"]  # type: ignore[no-any-return]

    def waiters(self) -> int:
        status, _, data = self.request("GET", "/a/debug/waiters")
        assert status == 200
        return int(json.loads(data)["waiters"])

    def raw_updates_socket(self) -> socket.socket:
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


# -- two real browsers -------------------------------------------------------------------------------


def _open_chat_page(browser: Any, base_url: str, name: str) -> tuple[Any, Any]:
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(WAIT * 1000)
    page = context.new_page()
    page.goto("/")
    assert page.url.startswith(base_url + "/auth/login")
    page.fill("#name", name)
    page.click("#loginform input[type=submit]")
    page.wait_for_url(base_url + "/")
    page.wait_for_selector("#messageform")
    assert page.inner_text("#me") == name
    return context, page


def _post(page: Any, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.wait_for_function("document.getElementById('message').value === ''")


def _bodies(page: Any) -> list[str]:
    return page.eval_on_selector_all("#inbox .message .body", "nodes => nodes.map(n => n.textContent)")


def _wait_for_body(page: Any, text: str) -> None:
    page.wait_for_function(
        "text => Array.from(document.querySelectorAll('#inbox .message .body'))"
        ".some(n => n.textContent === text)",
        arg=text,
    )


def test_two_browsers_chat_and_markup_shows_as_text(browser: Any, chat: Any) -> None:
    ctx_a, alice = _open_chat_page(browser, chat.url, "alice")
    ctx_b, bob = _open_chat_page(browser, chat.url, "bob")
    try:
        helper = ChatClient(chat.port)
        wait_for(lambda: helper.waiters() == 2, "both pages to start long polling")

        _post(alice, "hello from alice")
        _wait_for_body(bob, "hello from alice")
        _wait_for_body(alice, "hello from alice")
        assert bob.inner_text("#inbox .message b").strip() == "alice:"

        script = "<script>window.pwnedByScript = 1</script>"
        img = '<img src="/nope" onerror="window.pwnedByImg = 1">'
        _post(bob, script)
        _post(bob, img)
        for page in (alice, bob):
            _wait_for_body(page, script)
            _wait_for_body(page, img)
            assert page.locator("#inbox script").count() == 0
            assert page.locator("#inbox img").count() == 0
            assert page.evaluate("[window.pwnedByScript, window.pwnedByImg]") == [None, None]
        assert _bodies(alice) == ["hello from alice", script, img]

        # A reloaded page starts from the server's cursor: it shows each message once and only
        # receives what comes after.
        bob.reload()
        bob.wait_for_selector("#messageform")
        wait_for(
            lambda: bob.evaluate("window.chatUpdater && window.chatUpdater.cursor") is not None,
            "the reloaded page to know its cursor",
        )
        assert _bodies(bob) == ["hello from alice", script, img]
        _post(alice, "after the reload")
        _wait_for_body(bob, "after the reload")
        assert _bodies(bob) == ["hello from alice", script, img, "after the reload"]
        assert _bodies(alice) == _bodies(bob)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_page_catches_up_on_missed_messages_through_its_cursor(browser: Any, chat: Any) -> None:
    ctx, alice = _open_chat_page(browser, chat.url, "alice")
    helper = ChatClient(chat.port)
    helper.login("bob")
    try:
        wait_for(lambda: helper.waiters() == 1, "the page to start long polling")
        # Cut the page's polls off: the one already parked still answers, later ones fail.
        ctx.route("**/a/message/updates", lambda route: route.abort())
        helper.post_message("seen live")
        _wait_for_body(alice, "seen live")
        alice.wait_for_function("document.getElementById('status').textContent !== ''")
        assert helper.waiters() == 0
        helper.post_message("missed 1")
        helper.post_message("missed 2")
        assert _bodies(alice) == ["seen live"]
        # Back online: the retry carries the cursor and gets exactly what the page missed.
        ctx.unroute("**/a/message/updates")
        _wait_for_body(alice, "missed 2")
        assert _bodies(alice) == ["seen live", "missed 1", "missed 2"]
        alice.wait_for_function("document.getElementById('status').textContent === ''")
    finally:
        ctx.close()
