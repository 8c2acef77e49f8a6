"""The chat demo in headless Chromium: pages on WebSocket and on long polling share one room."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

SCRIPT = "chat/chatdemo.py"
SECRET = "test-secret-for-the-chat-demo"
WAIT = 15.0  # upper bound for anything the server or a page should do "soon"
SCRIPT_BODY = "<script>window.pwnedByScript = 1</script>"
IMG_BODY = '<img src="/nope" onerror="window.pwnedByImg = 1">'


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
def pages(browser: Any) -> Any:
    """Opens signed-in chat pages (each in its own browser context) and closes them afterwards."""
    contexts: list[Any] = []

    def open_page(base_url: str, name: str, path: str = "/", websocket: bool = True) -> Any:
        context = browser.new_context(base_url=base_url)
        contexts.append(context)
        context.set_default_timeout(WAIT * 1000)
        if not websocket:  # a browser (or network) without WebSocket
            context.add_init_script("delete window.WebSocket")
        page = context.new_page()
        traffic[page] = {"sent": [], "received": [], "posts": [], "extensions": []}
        cdp = context.new_cdp_session(page)  # Chromium's view of its WebSocket handshakes
        cdp.send("Network.enable")
        cdp.on(
            "Network.webSocketHandshakeResponseReceived",
            lambda ev, t=traffic[page]: t["extensions"].append(
                {k.lower(): v for k, v in ev["response"]["headers"].items()}.get(
                    "sec-websocket-extensions", ""
                )
            ),
        )
        page.on("websocket", lambda ws, t=traffic[page]: _record_frames(ws, t))
        page.on(
            "request",
            lambda r, t=traffic[page]: (
                t["posts"].append(r.url.split("/", 3)[3]) if r.method == "POST" else None
            ),
        )
        page.goto(path)
        assert page.url.startswith(base_url + "/auth/login")
        page.fill("#name", name)
        page.click("#loginform input[type=submit]")
        page.wait_for_url(base_url + path)
        page.wait_for_selector("#messageform")
        assert page.inner_text("#me") == name
        page.wait_for_function("window.chatUpdater && window.chatUpdater.transport !== null")
        return page

    yield open_page
    for context in contexts:
        context.close()
    traffic.clear()


# What each page sent and received over its WebSockets (frame payloads), and the paths it POSTed to.
traffic: dict[Any, dict[str, list[str]]] = {}


def _record_frames(ws: Any, into: dict[str, list[str]]) -> None:
    ws.on("framesent", lambda payload: into["sent"].append(str(payload)))
    ws.on("framereceived", lambda payload: into["received"].append(str(payload)))


def transport(page: Any) -> str:
    return page.evaluate("window.chatUpdater.transport")


def listening(page: Any) -> dict[str, int]:
    """How many long polls and sockets the server has parked (the debug endpoint)."""
    response = page.context.request.get("/a/debug/waiters")
    assert response.ok
    return response.json()


def post(page: Any, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.wait_for_function("document.getElementById('message').value === ''")


def bodies(page: Any) -> list[str]:
    return page.eval_on_selector_all("#inbox .message .body", "nodes => nodes.map(n => n.textContent)")


def wait_for_body(page: Any, text: str) -> None:
    page.wait_for_function(
        "text => Array.from(document.querySelectorAll('#inbox .message .body'))"
        ".some(n => n.textContent === text)",
        arg=text,
    )


def test_websocket_and_long_polling_pages_share_the_room(pages: Any, chat: Any) -> None:
    alice = pages(chat.url, "alice")
    bob = pages(chat.url, "bob", "/?transport=poll")
    assert (transport(alice), transport(bob)) == ("websocket", "poll")
    wait_for(lambda: listening(alice) == {"waiters": 1, "sockets": 1}, "one socket and one long poll")

    post(alice, "hello from alice (socket)")
    post(bob, "hello from bob (poll)")
    for page in (alice, bob):
        wait_for_body(page, "hello from alice (socket)")
        wait_for_body(page, "hello from bob (poll)")
    assert bob.inner_text("#inbox .message b").strip() == "alice:"
    # Each message really went its page's way: alice's as a frame of Chromium's own WebSocket
    # (and bob's came back to her on it), bob's as HTTP POSTs; bob never opened a socket.
    alice_io, bob_io = traffic[alice], traffic[bob]
    assert any("hello from alice (socket)" in frame for frame in alice_io["sent"])
    assert any("hello from bob (poll)" in frame for frame in alice_io["received"])
    assert "a/message/new" not in alice_io["posts"] and "a/message/updates" not in alice_io["posts"]
    assert bob_io["sent"] == bob_io["received"] == []
    # Chromium offered permessage-deflate and the server took it: the frames above were compressed.
    assert alice_io["extensions"] and alice_io["extensions"][0].startswith("permessage-deflate")
    assert "a/message/new" in bob_io["posts"] and "a/message/updates" in bob_io["posts"]

    # Markup in a message shows as text on both transports.
    post(bob, SCRIPT_BODY)
    post(alice, IMG_BODY)
    for page in (alice, bob):
        wait_for_body(page, SCRIPT_BODY)
        wait_for_body(page, IMG_BODY)
        assert page.locator("#inbox script").count() == 0
        assert page.locator("#inbox img").count() == 0
        assert page.evaluate("[window.pwnedByScript, window.pwnedByImg]") == [None, None]
    want = ["hello from alice (socket)", "hello from bob (poll)", SCRIPT_BODY, IMG_BODY]
    assert bodies(alice) == bodies(bob) == want

    # A reloaded page starts from the server's cursor: each message once, then only what follows.
    for page in (alice, bob):
        page.reload()
        page.wait_for_function("window.chatUpdater && window.chatUpdater.transport !== null")
        assert bodies(page) == want
    wait_for(lambda: listening(alice) == {"waiters": 1, "sockets": 1}, "the reloaded pages to listen again")
    post(bob, "after the reload")
    wait_for_body(alice, "after the reload")
    wait_for_body(bob, "after the reload")
    assert bodies(alice) == bodies(bob) == [*want, "after the reload"]


def test_browser_without_websocket_falls_back_to_long_polling(pages: Any, chat: Any) -> None:
    old = pages(chat.url, "old browser", websocket=False)
    new = pages(chat.url, "new browser")
    assert (transport(old), transport(new)) == ("poll", "websocket")
    post(old, "from the old one")
    post(new, "from the new one")
    for page in (old, new):
        wait_for_body(page, "from the old one")
        wait_for_body(page, "from the new one")
    assert bodies(old) == bodies(new)
    assert traffic[old]["sent"] == [] and "a/message/new" in traffic[old]["posts"]
    assert any("from the new one" in frame for frame in traffic[new]["sent"])
    assert any("from the old one" in frame for frame in traffic[new]["received"])


def test_page_falls_back_when_the_socket_cannot_open(pages: Any, start_demo: Any) -> None:
    """No WebSocket on the server side (or a proxy in between that drops the upgrade)."""
    server = start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--websocket=false", "--debug_endpoints=true")
    alice = pages(server.url, "alice")
    bob = pages(server.url, "bob")
    assert (transport(alice), transport(bob)) == ("poll", "poll")
    wait_for(lambda: listening(alice) == {"waiters": 2, "sockets": 0}, "both pages to long poll")
    post(alice, "polling all the way")
    wait_for_body(bob, "polling all the way")
    assert bodies(alice) == bodies(bob) == ["polling all the way"]


def test_socket_page_reconnects_and_gets_what_it_missed(pages: Any, chat: Any) -> None:
    alice = pages(chat.url, "alice")
    bob = pages(chat.url, "bob", "/?transport=poll")
    post(bob, "seen live")
    wait_for_body(alice, "seen live")
    assert alice.evaluate("window.chatUpdater.connects") == 1
    # The server drops every socket (as when it restarts); messages keep coming meanwhile.
    response = alice.context.request.post("/a/debug/drop_sockets")
    assert response.ok and response.json() == {"closed": 1}
    post(bob, "missed 1")
    post(bob, "missed 2")
    wait_for_body(alice, "missed 2")
    # The page came back over a new socket whose cursor replayed exactly what it missed.
    assert alice.evaluate("window.chatUpdater.connects") == 2
    assert transport(alice) == "websocket"
    assert bodies(alice) == ["seen live", "missed 1", "missed 2"]
    alice.wait_for_function("document.getElementById('status').textContent === ''")
    post(alice, "back")
    wait_for_body(bob, "back")
    assert bodies(bob) == ["seen live", "missed 1", "missed 2", "back"]


def test_polling_page_catches_up_on_missed_messages_through_its_cursor(pages: Any, chat: Any) -> None:
    alice = pages(chat.url, "alice", "/?transport=poll")
    bob = pages(chat.url, "bob")
    wait_for(lambda: listening(alice)["waiters"] == 1, "the page to start long polling")
    # Cut the page's polls off: the one already parked still answers, later ones fail.
    alice.context.route("**/a/message/updates", lambda route: route.abort())
    post(bob, "seen live")
    wait_for_body(alice, "seen live")
    alice.wait_for_function("document.getElementById('status').textContent !== ''")
    assert listening(alice)["waiters"] == 0
    post(bob, "missed 1")
    post(bob, "missed 2")
    assert bodies(alice) == ["seen live"]
    # Back online: the retry carries the cursor and gets exactly what the page missed.
    alice.context.unroute("**/a/message/updates")
    wait_for_body(alice, "missed 2")
    assert bodies(alice) == ["seen live", "missed 1", "missed 2"]
    alice.wait_for_function("document.getElementById('status').textContent === ''")
