"""deploy/frontends.py on its own: N frontends on consecutive ports, restarts, rolling restarts,
stopping, and its refusal of bad arguments."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
LAUNCHER = REPO / "deploy" / "frontends.py"
WAIT = 20.0

# A frontend that drains on SIGTERM, as a real one does; /slow answers after a second.
APP = """
import asyncio, os, signal, sys
import tornado.httpserver, tornado.netutil, tornado.web

port = int(sys.argv[1])
index = int(sys.argv[2])

class Who(tornado.web.RequestHandler):
    def get(self):
        self.write({"pid": os.getpid(), "port": port, "index": index})

class Slow(tornado.web.RequestHandler):
    async def get(self):
        await asyncio.sleep(1.0)
        self.write({"pid": os.getpid(), "slow": True})

async def main():
    server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/", Who), (r"/slow", Slow)]))
    if sys.argv[3:] == ["reuse"]:  # several processes on one port
        server.add_sockets(tornado.netutil.bind_sockets(port, "127.0.0.1", reuse_port=True))
    else:
        server.listen(port, "127.0.0.1")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.drain(10)

asyncio.run(main())
"""


def who(port: int, path: str = "/", timeout: float = 5.0) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200
        return json.loads(resp.read())
    finally:
        conn.close()


def pids(base: int, count: int) -> list[int]:
    return [who(p)["pid"] for p in range(base, base + count)]


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Launched:
    def __init__(self, process: subprocess.Popen[bytes], base: int, count: int, log: Path) -> None:
        self.process, self.base, self.count, self.log_path = process, base, count, log

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def launch(tmp_path: Path, net: Any) -> Iterator[Callable[..., Launched]]:
    started: list[subprocess.Popen[bytes]] = []
    app = tmp_path / "app.py"
    app.write_text(APP)

    def start(count: int = 3, *flags: str, command: list[str] | None = None, wait: bool = True) -> Launched:
        base = net.free_run(count)
        log = tmp_path / f"launcher-{base}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(LAUNCHER),
                    f"--count={count}",
                    f"--base-port={base}",
                    "--settle=0.2",
                    *flags,
                    "--",
                    *(command or [sys.executable, str(app), "{port}", "{index}"]),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        launched = Launched(process, base, count, log)
        if wait:
            net.wait_for(lambda: all(net.accepting(p) for p in range(base, base + count)), "every frontend")
        return launched

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_starts_frontends_on_consecutive_ports_and_stops_them_all(
    launch: Callable[..., Launched], net: Any
) -> None:
    launched = launch(3)
    answers = [who(p) for p in range(launched.base, launched.base + 3)]
    assert [a["port"] for a in answers] == [launched.base, launched.base + 1, launched.base + 2]
    assert [a["index"] for a in answers] == [0, 1, 2]
    children = [a["pid"] for a in answers]
    assert len(set(children)) == 3
    launched.process.send_signal(signal.SIGTERM)
    assert launched.process.wait(WAIT) == 0
    assert not any(pid_alive(pid) for pid in children)
    assert not any(net.accepting(p) for p in range(launched.base, launched.base + 3))


def test_a_frontend_that_dies_is_restarted_on_its_port(launch: Callable[..., Launched], net: Any) -> None:
    launched = launch(2)
    before = pids(launched.base, 2)
    os.kill(before[1], signal.SIGKILL)

    def replaced() -> bool:
        try:
            return who(launched.base + 1)["pid"] != before[1]
        except (OSError, AssertionError):
            return False

    net.wait_for(replaced, "frontend 1 to come back")
    assert who(launched.base)["pid"] == before[0]  # the other one untouched
    assert "exited with -9" in launched.log()


def test_sighup_restarts_one_frontend_at_a_time_and_finishes_requests_in_flight(
    launch: Callable[..., Launched],
    net: Any,
) -> None:
    launched = launch(3)
    before = pids(launched.base, 3)
    slow: dict[str, Any] = {}

    def slow_request() -> None:
        slow.update(who(launched.base, "/slow", timeout=WAIT))

    t = threading.Thread(target=slow_request)
    t.start()
    time.sleep(0.2)  # the slow request is in flight on frontend 0
    launched.process.send_signal(signal.SIGHUP)
    fewest_up = 3
    deadline = time.monotonic() + 60
    while "rolling restart done" not in launched.log():
        assert time.monotonic() < deadline, launched.log()
        fewest_up = min(fewest_up, sum(net.accepting(p) for p in range(launched.base, launched.base + 3)))
        time.sleep(0.02)
    t.join(WAIT)
    after = pids(launched.base, 3)
    assert not set(before) & set(after)
    assert fewest_up >= 2  # never more than one down
    assert slow == {"pid": before[0], "slow": True}  # drained, not cut off
    assert not any(pid_alive(pid) for pid in before)


def test_reuse_port_runs_every_frontend_on_one_port_and_restarts_them_in_turn(
    launch: Callable[..., Launched], tmp_path: Path, net: Any
) -> None:
    app = str(tmp_path / "app.py")
    launched = launch(
        3, "--reuse-port", command=[sys.executable, app, "{port}", "{index}", "reuse"], wait=False
    )
    port = launched.base
    # Each frontend is waited for on its own (the shared port accepts once any one listens).
    net.wait_for(
        lambda: all(f"frontend {i} ready on port {port}" in launched.log() for i in range(3)), "all ready"
    )
    assert not net.accepting(port + 1)  # one port, not consecutive ones

    def spread() -> dict[int, int]:
        seen: dict[int, int] = {}
        for _ in range(90):  # a new connection each: the kernel picks a listener per connection
            answer = who(port)
            assert answer["port"] == port
            seen[answer["index"]] = answer["pid"]
        return seen

    before = spread()
    assert sorted(before) == [0, 1, 2]
    launched.process.send_signal(signal.SIGHUP)
    net.wait_for(lambda: "rolling restart done" in launched.log(), "the rolling restart", 60)
    after = spread()
    assert sorted(after) == [0, 1, 2]
    assert not set(before.values()) & set(after.values())


def test_the_blog_shares_one_port_with_reuse_port(
    launch: Callable[..., Launched], tmp_path: Path, net: Any
) -> None:
    pytest.importorskip("markdown")
    pytest.importorskip("nh3")
    blog = REPO / "demos" / "blog" / "blog.py"
    db = f"--sqlite={tmp_path / 'blog.db'}"
    # The schema first, so that the two frontends do not both create it.
    subprocess.run([sys.executable, str(blog), "--create_author=a@example.com", db], input="pw-123456\n",
                   text=True, check=True, capture_output=True, timeout=60)  # fmt: skip
    launched = launch(
        2,
        "--reuse-port",
        command=[sys.executable, str(blog), "--port={port}", "--address=127.0.0.1", "--reuse_port=true",
                 "--debug_endpoints=true", "--cookie_secret=reuse-port-test-secret", db],
        wait=False,
    )  # fmt: skip
    port = launched.base
    net.wait_for(
        lambda: all(f"frontend {i} ready on port {port}" in launched.log() for i in range(2)), "both ready"
    )
    seen = {who(port, "/debug/whoami")["pid"] for _ in range(60)}
    assert len(seen) == 2, launched.log()


def test_a_crash_looping_frontend_is_restarted_ever_more_slowly(
    launch: Callable[..., Launched], net: Any
) -> None:
    launched = launch(1, command=[sys.executable, "-c", "import sys; sys.exit(3)", "{port}"], wait=False)
    net.wait_for(lambda: launched.log().count("exited with 3") >= 4, "four crashes", timeout=60)
    delays = [float(d) for d in re.findall(r"exited with 3; restarting in ([0-9.]+)s", launched.log())]
    assert delays[:4] == sorted(delays[:4]) and delays[0] < delays[3], delays
    assert delays[1] == 2 * delays[0]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--count=2", "--", "python3", "app.py"], "{port}"),
        (["--count=0", "--", "python3", "app.py", "{port}"], "--count"),
        (["--base-port=65535", "--count=4", "--", "x", "{port}"], "--base-port"),
        (["--count=2"], "command"),
        (["--stop-timeout=0", "--", "x", "{port}"], "--stop-timeout"),
        (["--reuse-port", "--base-port=70000", "--", "x", "{port}"], "--base-port"),
    ],
)
def test_bad_arguments_are_refused_naming_the_setting(args: list[str], message: str) -> None:
    out = subprocess.run([sys.executable, str(LAUNCHER), *args], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert message in out.stderr
