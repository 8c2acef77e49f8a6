"""Two Chromium pages on two chat frontends (Redis store) behind nginx: one room, and a frontend
restarted mid-conversation costs its page nothing.

nginx runs deploy/nginx.conf with, besides its balanced server, one server block per frontend
(its own port and an upstream of that frontend alone), so that each page is pinned to one
frontend and the conversation has to cross between processes through Redis.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent
CHAT = REPO / "demos" / "chat" / "chatdemo.py"
LAUNCHER = REPO / "deploy" / "frontends.py"
REDIS_URL = os.environ.get("TORNADO_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-for-the-pinned-chat"
WAIT = 20.0


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def pinned_conf(text: str, frontends: list[int], balanced: int, pinned: list[int]) -> str:
    """The configuration ``text`` (balanced server on ``balanced``) plus, per frontend, an
    upstream of that frontend alone and a server block on its ``pinned`` port passing to it."""
    upstreams = "".join(
        f"\n    upstream frontend{i} {{\n        server 127.0.0.1:{p};\n    }}\n"
        for i, p in enumerate(frontends)
    )
    types = text.index("    # The few types")
    text = text[:types] + upstreams.lstrip("\n") + "\n" + text[types:]
    listen = f"listen 127.0.0.1:{balanced};"
    start = text.index("    server {\n        " + listen)
    end = text.rindex("}")  # the end of the http block
    server = text[start:end]
    blocks = [server]
    for i, port in enumerate(pinned):
        blocks.append(
            server.replace(listen, f"listen 127.0.0.1:{port};").replace(
                "proxy_pass http://frontends;", f"proxy_pass http://frontend{i};"
            )
        )
    return text[:start] + "\n".join(blocks) + text[end:]


class Stack:
    def __init__(self, proxy: int, pinned: list[int], frontends: list[int], log: Path) -> None:
        self.proxy = proxy
        self.pinned = pinned
        self.frontends = frontends
        self.log = log

    def pid(self, index: int) -> int:
        """The current process of frontend ``index`` (the launcher logs every start)."""
        found = re.findall(rf"frontend {index} started on port \d+ \(pid (\d+)\)", self.log.read_text())
        return int(found[-1])


@pytest.fixture
def pinned_stack(nginx: Any, net: Any) -> Iterator[Stack]:
    try:
        import redis
    except ImportError:
        _unavailable("redis-py is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, OSError) as e:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {e}")
    room = "chat-pinned-" + uuid.uuid4().hex[:10]
    prefix = Path(tempfile.mkdtemp(prefix="tornado-pinned-"))
    nginx.prepare_prefix(prefix, CHAT.parent / "static")  # nginx serves /static/
    base = net.free_run(2)
    frontends = [base, base + 1]
    proxy, pinned = net.free_port(), [net.free_port(), net.free_port()]
    conf = pinned_conf(nginx.config(frontends, f"127.0.0.1:{proxy}"), frontends, proxy, pinned)
    server = None
    processes: list[tuple[subprocess.Popen[bytes], signal.Signals]] = []
    log = prefix / "frontends.log"
    try:
        with open(log, "wb") as out:
            launcher = subprocess.Popen(
                [sys.executable, str(LAUNCHER), "--count=2", f"--base-port={base}", "--",
                 sys.executable, str(CHAT), "--port={port}", f"--cookie_secret={SECRET}",
                 "--debug_endpoints=true", f"--redis_url={REDIS_URL}", f"--redis_room={room}"],
                stdout=out, stderr=subprocess.STDOUT, cwd=prefix,
            )  # fmt: skip
        processes.append((launcher, signal.SIGTERM))
        net.wait_for(lambda: all(net.accepting(p) for p in frontends), "the chat frontends", 60)
        server = nginx.start(prefix, conf, [proxy, *pinned])
        yield Stack(proxy, pinned, frontends, log)
    finally:
        if server is not None:
            server.stop()
        for process, sig in reversed(processes):
            if process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        client.delete(f"{room}:history")
        client.close()
        shutil.rmtree(prefix, ignore_errors=True)


def open_page(browser: Any, port: int, name: str, websocket: bool) -> Any:
    base_url = f"http://127.0.0.1:{port}"
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(WAIT * 1000)
    if not websocket:
        context.add_init_script("delete window.WebSocket")
    page = context.new_page()
    page.goto("/")
    page.fill("#name", name)
    page.click("#loginform input[type=submit]")
    page.wait_for_url(base_url + "/")
    page.wait_for_function("window.chatUpdater && window.chatUpdater.transport !== null")
    return page


def post(page: Any, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.wait_for_function("document.getElementById('message').value === ''")


def bodies(page: Any) -> list[str]:
    return page.eval_on_selector_all("#inbox .message .body", "nodes => nodes.map(n => n.textContent)")


def shows(page: Any, texts: list[str]) -> None:
    """Wait until the page's inbox ends with ``texts``."""
    page.wait_for_function(
        "texts => { const b = [...document.querySelectorAll('#inbox .message .body')]"
        ".map(n => n.textContent); return texts.every((t, i) => b[b.length - texts.length + i] === t); }",
        arg=texts,
    )


@pytest.mark.parametrize("websocket", [True, False], ids=["websocket", "long-poll"])
def test_pages_on_two_frontends_share_the_room_and_a_restart_loses_nothing(
    browser: Any, pinned_stack: Stack, websocket: bool, net: Any
) -> None:
    stack = pinned_stack
    alice = open_page(browser, stack.pinned[0], "alice", websocket)  # frontend 0 only
    bob = open_page(browser, stack.pinned[1], "bob", websocket)  # frontend 1 only
    try:
        expected = "websocket" if websocket else "poll"
        assert alice.evaluate("window.chatUpdater.transport") == expected
        post(alice, "hello from frontend 0")
        shows(bob, ["hello from frontend 0"])
        post(bob, "hello back from frontend 1")
        shows(alice, ["hello from frontend 0", "hello back from frontend 1"])

        # Frontend 0 (alice's) drains and exits; bob talks while it is gone.
        old = stack.pid(0)
        os.kill(old, signal.SIGTERM)
        net.wait_for(lambda: not net.accepting(stack.frontends[0]), "frontend 0 to stop accepting")
        missed = [f"while frontend 0 restarts #{i}" for i in range(3)]
        for text in missed:
            post(bob, text)
        # The launcher starts it again; alice's page reconnects with its cursor.
        net.wait_for(
            lambda: stack.pid(0) != old and net.accepting(stack.frontends[0]), "frontend 0 to be back", 60
        )
        shows(alice, missed)
        post(alice, "after the restart")
        conversation = ["hello from frontend 0", "hello back from frontend 1", *missed, "after the restart"]
        shows(bob, conversation)
        shows(alice, conversation)
        # Exactly once each, in order, on both pages.
        assert bodies(alice) == conversation
        assert bodies(bob) == conversation
        if websocket:  # alice's socket was closed by the restart and opened again
            assert alice.evaluate("window.chatUpdater.connects") >= 2
    finally:
        alice.context.close()
        bob.context.close()
