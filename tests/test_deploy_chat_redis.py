"""The chat room kept in Redis: the store on its own, then three chat processes behind nginx
(deploy/nginx.conf, started by deploy/frontends.py) forming one room."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
CHAT = REPO / "demos" / "chat"
LAUNCHER = REPO / "deploy" / "frontends.py"
REDIS_URL = os.environ.get("TORNADO_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-for-the-chat-room"
COUNT = 3
WAIT = 20.0


def run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())`` in a thread of its own: this thread may have an event loop marked
    as running already (Playwright's sync API, opened by an earlier test file)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def room() -> Iterator[str]:
    """A room name of this test's own on a reachable Redis; its keys are deleted afterwards."""
    try:
        import redis
    except ImportError:
        _unavailable("redis-py is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, OSError) as e:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {e}")
    name = "chat-test-" + uuid.uuid4().hex[:10]
    try:
        yield name
    finally:
        client.delete(f"{name}:history")
        client.close()


def redis_store_module() -> Any:
    if str(CHAT) not in sys.path:
        sys.path.insert(0, str(CHAT))
    import redis_store

    return redis_store


def message(body: str) -> dict[str, str]:
    return {"id": uuid.uuid4().hex, "from": "tester", "body": body}


# ---------------------------------------------------------------------- the store alone


def test_two_stores_on_one_room_share_messages_and_history(room: str) -> None:
    RedisStore = redis_store_module().RedisStore

    async def main() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        a, b = RedisStore(REDIS_URL, 3, room), RedisStore(REDIS_URL, 3, room)
        await a.start()
        await b.start()
        got: list[Any] = []
        arrived = asyncio.Event()

        def listener(batch: list[Any]) -> None:
            got.extend(batch)
            if len(got) == 5:
                arrived.set()

        b.subscribe(listener)
        sent = [message(f"m{i}") for i in range(5)]
        for m in sent:
            await a.add(m)
        await asyncio.wait_for(arrived.wait(), WAIT)
        history_a, history_b = await a.recent(), await b.recent()
        await a.close()
        await b.close()
        return sent, got, history_a, history_b

    sent, got, history_a, history_b = run_async(main)
    assert got == sent  # each once, in order, on the other process
    assert history_a == history_b == sent[-3:]  # capped at cache_size


def test_a_cursor_gets_exactly_what_was_missed(room: str) -> None:
    RedisStore = redis_store_module().RedisStore

    async def main() -> tuple[list[Any], list[Any], list[Any], int]:
        store = RedisStore(REDIS_URL, 10, room)
        await store.start()
        sent = [message(f"m{i}") for i in range(4)]
        for m in sent:
            await store.add(m)
        batches: list[list[Any]] = []
        done = asyncio.Event()

        def listener(batch: list[Any]) -> None:
            batches.append(batch)
            done.set()

        store.subscribe(listener, cursor=sent[1]["id"])
        await asyncio.wait_for(done.wait(), WAIT)
        missed = batches[0]
        done.clear()
        later = message("later")
        await store.add(later)
        await asyncio.wait_for(done.wait(), WAIT)
        live = batches[1]
        store.unsubscribe(listener)
        unknown: list[list[Any]] = []
        got_unknown = asyncio.Event()

        def on_unknown(batch: list[Any]) -> None:
            unknown.append(batch)
            got_unknown.set()

        store.subscribe(on_unknown, cursor="no-such-id")
        await asyncio.wait_for(got_unknown.wait(), WAIT)
        await store.close()
        return missed, live, unknown[0], len(batches)

    missed, live, unknown, batches = run_async(main)
    assert [m["body"] for m in missed] == ["m2", "m3"]
    assert [m["body"] for m in live] == ["later"]
    assert [m["body"] for m in unknown] == ["m0", "m1", "m2", "m3", "later"]  # all it remembers
    assert batches == 2  # unsubscribed: nothing more


def test_unreachable_redis_is_a_clear_error() -> None:
    pytest.importorskip("redis")
    RedisStore = redis_store_module().RedisStore
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main() -> None:
        store = RedisStore(f"redis://127.0.0.1:{port}/0", 10)
        with pytest.raises(RuntimeError, match="redis_url: cannot reach Redis"):
            await store.start()

    run_async(main)


# ------------------------------------------------------- three processes behind nginx


class Client:
    """Cookie-keeping HTTP client for one port (nginx or a frontend)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
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
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return resp.status, data

    def login(self, name: str) -> None:
        self.request("GET", "/auth/login")
        status, _ = self.request("POST", "/auth/login", {"name": name, "_xsrf": self.cookies["_xsrf"]})
        assert status == 302

    def post(self, body: str) -> dict[str, Any]:
        status, data = self.request("POST", "/a/message/new", {"body": body, "_xsrf": self.cookies["_xsrf"]})
        assert status == 200, data
        return json.loads(data)

    def updates(self, cursor: str | None = None) -> list[dict[str, Any]]:
        fields = {"_xsrf": self.cookies["_xsrf"]}
        if cursor:
            fields["cursor"] = cursor
        status, data = self.request("POST", "/a/message/updates", fields)
        assert status == 200, data
        return json.loads(data)["messages"]

    def waiters(self) -> int:
        return int(json.loads(self.request("GET", "/a/debug/waiters")[1])["waiters"])

    def sockets(self) -> int:
        return int(json.loads(self.request("GET", "/a/debug/waiters")[1])["sockets"])

    def subscribed(self) -> bool:
        return bool(json.loads(self.request("GET", "/a/debug/store")[1])["available"])


@pytest.fixture
def chat_stack(room: str, nginx: Any, net: Any) -> Iterator[tuple[int, list[int]]]:
    """nginx on a port in front of COUNT chat processes sharing ``room``; yields the ports."""
    prefix = Path(tempfile.mkdtemp(prefix="tornado-chat-"))
    nginx.prepare_prefix(prefix)
    base, port = net.free_run(COUNT), net.free_port()
    conf = nginx.config(range(base, base + COUNT), f"127.0.0.1:{port}")
    processes: list[tuple[subprocess.Popen[bytes], signal.Signals]] = []
    server = None
    try:
        with open(prefix / "frontends.log", "wb") as log:
            launcher = subprocess.Popen(
                [sys.executable, str(LAUNCHER), f"--count={COUNT}", f"--base-port={base}", "--",
                 sys.executable, str(CHAT / "chatdemo.py"), "--port={port}", f"--cookie_secret={SECRET}",
                 "--debug_endpoints=true", f"--redis_url={REDIS_URL}", f"--redis_room={room}"],
                stdout=log, stderr=subprocess.STDOUT, cwd=prefix,
            )  # fmt: skip
        processes.append((launcher, signal.SIGTERM))
        net.wait_for(
            lambda: all(net.accepting(p) for p in range(base, base + COUNT)), "the chat processes", 60
        )
        server = nginx.start(prefix, conf, [port])
        yield port, list(range(base, base + COUNT))
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
        shutil.rmtree(prefix, ignore_errors=True)


def test_processes_behind_nginx_form_one_room(chat_stack: tuple[int, list[int]], net: Any) -> None:
    proxy_port, frontends = chat_stack
    alice = Client(proxy_port)
    alice.login("alice")  # one cookie secret: the login holds on every process
    readers = [Client(p, alice.cookies) for p in frontends]
    results: dict[int, list[dict[str, Any]]] = {}

    def poll(i: int) -> None:
        results[i] = readers[i].updates()

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(COUNT)]
    for t in threads:
        t.start()
    net.wait_for(lambda: all(r.waiters() >= 1 for r in readers), "a long poll waiting on every process")
    posted = alice.post("hello, every process")
    for t in threads:
        t.join(WAIT)
    assert [[m["id"] for m in results[i]] for i in range(COUNT)] == [[posted["id"]]] * COUNT
    # The history too: a page opened on any process shows the message.
    for reader in readers:
        status, page = reader.request("GET", "/")
        assert status == 200 and b"hello, every process" in page
    # A page that reconnects elsewhere with its cursor gets exactly what it missed.
    second = Client(frontends[0], alice.cookies).post("second")
    assert [m["id"] for m in readers[-1].updates(cursor=posted["id"])] == [second["id"]]


def test_a_websocket_through_nginx_hears_a_message_posted_on_another_process(
    chat_stack: tuple[int, list[int]], net: Any
) -> None:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    proxy_port, frontends = chat_stack
    bob = Client(proxy_port)
    bob.login("bob")
    cookie = "; ".join(f"{k}={v}" for k, v in bob.cookies.items())

    async def main() -> dict[str, Any]:
        url = f"ws://127.0.0.1:{proxy_port}/a/message/socket"
        conn = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}, request_timeout=WAIT))
        try:
            others = [Client(p, bob.cookies) for p in frontends]
            await asyncio.get_running_loop().run_in_executor(
                None,
                net.wait_for,
                lambda: sum(c.sockets() for c in others) == 1,
                "the socket to be listening",
            )
            posted = await asyncio.get_running_loop().run_in_executor(
                None, others[-1].post, "over the socket"
            )
            while True:
                raw = await asyncio.wait_for(conn.read_message(), WAIT)
                assert raw is not None, "the socket closed"
                data = json.loads(raw)
                if data.get("messages"):
                    return {"posted": posted, "received": data["messages"]}
        finally:
            conn.close()

    out = run_async(main)
    assert [m["id"] for m in out["received"]] == [out["posted"]["id"]]
    assert out["received"][0]["body"] == "over the socket"


# ------------------------------------------------------------------- Redis going away


class RedisServer:
    """A redis-server of the test's own on a free port (never the machine's), stopped and
    started again on the same port, with nothing kept on disk."""

    def __init__(self, workdir: Path, net: Any) -> None:
        self.net = net
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("redis-server not found (install Debian's redis-server package)")
        self.binary = str(binary)
        self.workdir = workdir
        self.port = net.free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.net.wait_for(lambda: self.net.accepting(self.port), "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(WAIT)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path, net: Any) -> Iterator[RedisServer]:
    pytest.importorskip("redis")
    server = RedisServer(tmp_path, net)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def start_chat(net: Any, port: int, redis_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(CHAT / "chatdemo.py"), f"--port={port}", f"--cookie_secret={SECRET}",
             "--debug_endpoints=true", f"--redis_url={redis_url}", "--redis_room=outage"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    net.wait_for(lambda: net.accepting(port) or process.poll() is not None, "the chat process")
    assert process.poll() is None, log_path.read_text()
    return process


def test_redis_outage_answers_503_ends_long_polls_and_the_room_recovers(
    own_redis: RedisServer, tmp_path: Path, net: Any
) -> None:
    ports = [net.free_port(), net.free_port()]
    processes = [start_chat(net, p, own_redis.url, tmp_path / f"chat-{p}.log") for p in ports]
    try:
        alice = Client(ports[0])
        alice.login("alice")
        a, b = Client(ports[0], alice.cookies), Client(ports[1], alice.cookies)
        first = a.post("before the outage")

        # A long poll waits on process B; Redis goes away: it ends, cleanly, with no messages.
        ended: dict[str, Any] = {}
        waiting = threading.Thread(target=lambda: ended.update(messages=b.updates(cursor=first["id"])))
        waiting.start()
        net.wait_for(lambda: b.waiters() == 1, "the long poll to wait")
        own_redis.stop()
        waiting.join(WAIT)
        assert not waiting.is_alive(), "the waiting long poll did not end when Redis went away"
        assert ended["messages"] == []

        # Posting says clearly that the store is unavailable, on either process.
        for client in (a, b):
            status, data = client.request(
                "POST", "/a/message/new", {"body": "lost?", "_xsrf": client.cookies["_xsrf"]}
            )
            assert status == 503, data
            assert "unavailable" in json.loads(data)["error"]
        status, _ = a.request("GET", "/")
        assert status == 503

        # The page polls again during the outage: the poll waits (no busy loop of empty answers).
        got: dict[str, Any] = {}
        again = threading.Thread(target=lambda: got.update(messages=b.updates(cursor=first["id"])))
        again.start()
        net.wait_for(lambda: b.waiters() == 1, "the new long poll to wait")
        assert again.is_alive()

        own_redis.start()

        def posted() -> bool:
            status, data = a.request(
                "POST", "/a/message/new", {"body": "after the outage", "_xsrf": a.cookies["_xsrf"]}
            )
            if status == 200:
                got["posted"] = json.loads(data)
            return status == 200

        net.wait_for(posted, "posting to work again once Redis is back")
        again.join(WAIT)
        assert not again.is_alive(), "the long poll did not get the message posted after recovery"
        assert [m["id"] for m in got["messages"]] == [got["posted"]["id"]]  # exactly once
        # The other process hears live messages again, too, once its subscription is back (until
        # then a poll without a cursor is ended, empty, by the recovery).
        net.wait_for(a.subscribed, "process A's subscription to come back")
        live: dict[str, Any] = {}
        third = threading.Thread(target=lambda: live.update(messages=a.updates()))
        third.start()
        net.wait_for(lambda: a.waiters() == 1, "a long poll on process A")
        b.post("live again")
        third.join(WAIT)
        assert [m["body"] for m in live["messages"]] == ["live again"]
        for process in processes:
            assert process.poll() is None
    finally:
        for process in processes:
            process.terminate()
            process.wait(WAIT)
