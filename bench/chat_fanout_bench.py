#!/usr/bin/env python3
"""Real-time across frontends measured: one chat message fanned out to 2,000 long polls.

    python3 bench/chat_fanout_bench.py               # 2,000 waiters, 2 frontends, 5 rounds
    python3 bench/chat_fanout_bench.py --quick       # 200 waiters, 2 rounds: checks the harness

demos/chat/chatdemo.py runs as 2 frontends (deploy/frontends.py) sharing one room through a
redis-server of the bench's own (on a free port, nothing kept on disk), behind Debian's nginx
with deploy/nginx.conf (ports templated in; ``worker_connections`` raised to 8192 because
each waiter holds two connections in nginx, the client's and the upstream one).  Each round,
an asyncio client opens the waiters through nginx (``POST /a/message/updates``, so nginx
spreads them over the frontends), waits until every frontend reports its share parked
(``/a/debug/waiters``), then posts one message through nginx and records when each waiter's
answer has fully arrived.  The figure is the time from sending the post until the last
waiter holds the message (target: under 1 s); p50 and p99 of the waiters are shown too.
Results are printed and written to bench/results/chat_fanout.md.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import envs
from scenarios import BENCH

ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "deploy"))
import nginx_run  # noqa: E402  (deploy/ is not a package: nginx started as the tests start it)

RESULTS = BENCH / "results"
LAUNCHER = ROOT / "deploy" / "frontends.py"
CHAT = ROOT / "demos" / "chat" / "chatdemo.py"
SECRET = "bench-chat-secret"


envs.PEER_REQS["chat-ours"] = envs.editable(["web", "websocket", "options"], "redis>=5")


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def request(
    port: int, method: str, path: str, cookies: dict[str, str], fields: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request; Set-Cookie answers are added to ``cookies``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";")[0]
    return resp.status, data


class ChatStack:
    """redis-server, deploy/frontends.py running N chat frontends, and nginx in front."""

    def __init__(self, python: Path, frontends: int, workdir: Path) -> None:
        self.prefix = workdir
        self.redis_port = nginx_run.free_port()
        self.redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
             str(self.redis_port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = nginx_run.free_run(frontends)
        self.ports = list(range(base, base + frontends))
        self.port = nginx_run.free_port()
        self.launcher: subprocess.Popen[bytes] | None = None
        self.nginx: nginx_run.Nginx | None = None
        self.frontends = frontends
        self.python = python

    def start(self) -> None:
        wait_for(self._redis_up, "redis-server")
        log = open(self.prefix / "frontends.log", "wb")  # noqa: SIM115 -- for the children's lifetime
        self.launcher = subprocess.Popen(
            [sys.executable, str(LAUNCHER), f"--count={self.frontends}", f"--base-port={self.ports[0]}", "--",
             str(self.python), str(CHAT), "--port={port}", f"--cookie_secret={SECRET}", "--logging=warning",
             "--debug_endpoints=true", f"--redis_url=redis://127.0.0.1:{self.redis_port}/0"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        for port in self.ports:  # before nginx, which would leave out a frontend still starting
            wait_for(
                lambda port=port: request(port, "GET", "/auth/login", {})[0] == 200, f"frontend on {port}"
            )
        # 2,000 long polls through nginx: more connections per worker, and descriptors for them.
        conf = nginx_run.config(self.ports, f"127.0.0.1:{self.port} backlog=4096", access_log=False)
        conf = "worker_rlimit_nofile 20000;\n" + conf.replace(
            "worker_connections 1024;", "worker_connections 8192;"
        )
        self.nginx = nginx_run.Nginx(nginx_run.binary() or "nginx", self.prefix, conf).start([self.port])
        wait_for(lambda: request(self.port, "GET", "/auth/login", {})[0] == 200, "nginx and the frontends")

    def _redis_up(self) -> bool:
        import socket

        with socket.socket() as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", self.redis_port)) == 0

    def waiters(self) -> list[int]:
        return [json.loads(request(p, "GET", "/a/debug/waiters", {})[1])["waiters"] for p in self.ports]

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for proc, sig in (
            (self.launcher, signal.SIGTERM),
            (self.redis, signal.SIGTERM),
        ):
            if proc is not None and proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


async def waiter(port: int, head: bytes, body: bytes, opened: asyncio.Event) -> tuple[float, bytes]:
    """One long poll through nginx: (when its whole answer arrived, the answer's body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head + body)
    await writer.drain()
    opened.set()
    data = await reader.read(-1)  # Connection: close: the answer ends with the connection
    arrived = time.perf_counter()
    writer.close()
    return arrived, data.partition(b"\r\n\r\n")[2]


async def one_round(stack: ChatStack, cookies: dict[str, str], count: int) -> dict[str, float]:
    fields = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"]}).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    head = (
        f"POST /a/message/updates HTTP/1.1\r\nHost: 127.0.0.1:{stack.port}\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(fields)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    tasks = []
    for start in range(0, count, 200):  # open in batches, as pages arriving over a moment would
        batch = [asyncio.Event() for _ in range(min(200, count - start))]
        tasks += [asyncio.ensure_future(waiter(stack.port, head, fields, e)) for e in batch]
        await asyncio.gather(*(e.wait() for e in batch))
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + 60
    while sum(await loop.run_in_executor(None, stack.waiters)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stack.waiters()} of {count} waiters parked")
        await asyncio.sleep(0.1)
    shares = await loop.run_in_executor(None, stack.waiters)
    sent = time.perf_counter()
    status, data = await loop.run_in_executor(
        None,
        request,
        stack.port,
        "POST",
        "/a/message/new",
        dict(cookies),
        {"body": "hi all", "_xsrf": cookies["_xsrf"]},
    )
    if status != 200:
        raise RuntimeError(f"posting answered {status}: {data!r}")
    posted = json.loads(data)["id"]
    results = await asyncio.wait_for(asyncio.gather(*tasks), 60)
    delays = []
    for arrived, body in results:
        ids = [m["id"] for m in json.loads(body)["messages"]]
        if ids != [posted]:
            raise RuntimeError(f"a waiter got {ids}, not [{posted}]")
        delays.append((arrived - sent) * 1000)
    delays.sort()
    return {
        "all_ms": delays[-1],
        "p50_ms": delays[len(delays) // 2],
        "p99_ms": delays[int(len(delays) * 0.99) - 1],
        "shares": float(min(shares)),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--waiters", type=int)
    p.add_argument("--frontends", type=int, default=2)
    p.add_argument("--rounds", type=int)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    count = a.waiters or (200 if a.quick else 2000)
    rounds = a.rounds or (2 if a.quick else 5)
    for tool in ("nginx", "redis-server"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} not found: apt-get install {tool}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count * 2 + 100), hard))
    python = envs.ensure_venv("chat-ours")
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        stack = ChatStack(python, a.frontends, work)
        try:
            stack.start()
            cookies: dict[str, str] = {}
            request(stack.port, "GET", "/auth/login", cookies)
            status, _ = request(
                stack.port, "POST", "/auth/login", cookies, {"name": "bench", "_xsrf": cookies["_xsrf"]}
            )
            assert status == 302, status
            results = []
            for r in range(rounds):
                res = asyncio.run(one_round(stack, cookies, count))
                results.append(res)
                envs.log(
                    f"round {r + 1}: all {count} in {res['all_ms']:.0f} ms "
                    f"(p50 {res['p50_ms']:.0f}, p99 {res['p99_ms']:.0f}; fewest on one frontend {res['shares']:.0f})"
                )
        finally:
            stack.stop()
    mid = sorted(results, key=lambda r: r["all_ms"])[len(results) // 2]  # one round's own p50/p99
    every = ", ".join(f"{r['all_ms']:.0f}" for r in results)
    text = "\n".join(
        [
            f"Chat fan-out: {count} long polls through nginx over {a.frontends} frontends (Redis store), "
            f"one message posted; median of {rounds} rounds",
            "",
            "| waiters | frontends | all delivered ms | p50 ms | p99 ms | rounds (all, ms) | target |",
            "|---|---|---|---|---|---|---|",
            f"| {count} | {a.frontends} | {mid['all_ms']:.0f} | {mid['p50_ms']:.0f} | {mid['p99_ms']:.0f} "
            f"| {every} | < 1000 |",
        ]
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat_fanout.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
