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
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent
CHAT = REPO / "demos" / "chat" / "chatdemo.py"
CONF = REPO / "deploy" / "nginx.conf"
LAUNCHER = REPO / "deploy" / "frontends.py"
REDIS_URL = os.environ.get("TORNADO_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-for-the-pinned-chat"
WAIT = 20.0


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_run(count: int) -> int:
    for _ in range(200):
        base = free_port()
        held: list[socket.socket] = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no run of free ports")


def accepting(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def pinned_conf(frontends: list[int], balanced: int, pinned: list[int]) -> str:
    """deploy/nginx.conf with its upstream filled in, plus a server block per frontend."""
    text = CONF.read_text()
    head, rest = text.split("upstream frontends {", 1)
    _, tail = rest.split("}", 1)
    upstreams = (
        "upstream frontends {" + "".join(f"\n        server 127.0.0.1:{p};" for p in frontends) + "\n    }"
    )
    for i, p in enumerate(frontends):
        upstreams += f"\n    upstream frontend{i} {{\n        server 127.0.0.1:{p};\n    }}"
    text = head + upstreams + tail
    start = text.index("    server {\n        listen 8080;")
    end = text.rindex("}")  # the end of the http block
    server = text[start:end]
    blocks = [server.replace("listen 8080;", f"listen 127.0.0.1:{balanced};")]
    for i, port in enumerate(pinned):
        blocks.append(
            server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
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
def pinned_stack() -> Iterator[Stack]:
    try:
        import redis
    except ImportError:
        _unavailable("redis-py is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, OSError) as e:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {e}")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        _unavailable("nginx not found (install Debian's nginx package)")
    room = "chat-pinned-" + uuid.uuid4().hex[:10]
    prefix = Path(tempfile.mkdtemp(prefix="tornado-pinned-"))
    prefix.chmod(0o755)
    base = free_run(2)
    frontends = [base, base + 1]
    proxy, pinned = free_port(), [free_port(), free_port()]
    (prefix / "nginx.conf").write_text(pinned_conf(frontends, proxy, pinned))
    shutil.copytree(CHAT.parent / "static", prefix / "www" / "static")  # nginx serves /static/
    for path in [prefix / "www", *(prefix / "www").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # for nginx's unprivileged workers
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
        wait_for(lambda: all(accepting(p) for p in frontends), "the chat frontends", 60)
        proxy_process = subprocess.Popen(
            [nginx, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        processes.append((proxy_process, signal.SIGQUIT))
        wait_for(lambda: all(accepting(p) for p in [proxy, *pinned]), "nginx")
        yield Stack(proxy, pinned, frontends, log)
    finally:
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
    browser: Any, pinned_stack: Stack, websocket: bool
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
        wait_for(lambda: not accepting(stack.frontends[0]), "frontend 0 to stop accepting")
        missed = [f"while frontend 0 restarts #{i}" for i in range(3)]
        for text in missed:
            post(bob, text)
        # The launcher starts it again; alice's page reconnects with its cursor.
        wait_for(lambda: stack.pid(0) != old and accepting(stack.frontends[0]), "frontend 0 to be back", 60)
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
