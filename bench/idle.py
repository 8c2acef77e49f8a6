"""Memory held per idle keep-alive connection, and whether the server still answers meanwhile.

The harness starts the server pinned to core 0 and warms it with a few requests, reads its
RSS, then a client process pinned to core 1 opens N keep-alive connections, completes one
request/response on each (so every connection is fully set up, then idle) and holds them.
RSS is read again: (after - before) / N is the per-connection cost. While they are held, a
few fresh requests on new connections are timed (median reported), and a sample of the held
connections is asked for one more response to show they are still open.

    python3 bench/idle.py --client --port P --conns N     # the client side (used by run.py)
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from procs import CLIENT_CPU, Server, fetch, rss_kb

CONNECT_CONCURRENCY = 200


def raise_nofile() -> int:
    """Lift the soft open-files limit to the hard one (children inherit it); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# --- client process -------------------------------------------------------------------------------


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    """Send one request, read one complete response (Content-Length framed); True on a 2xx."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return 200 <= status < 300


async def _client(port: int, n: int) -> None:
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    failed = 0

    async def open_one() -> None:
        nonlocal failed
        async with sem:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                if await asyncio.wait_for(_exchange(reader, writer, request), 30):
                    held.append((reader, writer))
                    return
                writer.close()
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                pass
            failed += 1

    await asyncio.gather(*(open_one() for _ in range(n)))
    print(f"held {len(held)} {failed}", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
        if not line or line[0] == "quit":
            break
        if line[0] == "check":
            k = min(int(line[1]), len(held))
            sample = held[:: max(1, len(held) // k)][:k] if k else []

            async def check(rw: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> bool:
                try:
                    return await asyncio.wait_for(_exchange(rw[0], rw[1], request), 10)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                    return False

            results = await asyncio.gather(*(check(rw) for rw in sample))
            print(f"checked {sum(results)} {len(sample)}", flush=True)
    for _, writer in held:
        writer.close()


# --- harness side ---------------------------------------------------------------------------------


@dataclass
class IdleResult:
    conns: int
    held: int
    failed: int
    rss_before_kb: int
    rss_after_kb: int
    fresh_ms: float  # median time of a fresh request (connect + request + response) while held
    checked_ok: int
    checked: int

    @property
    def kb_per_conn(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / max(1, self.held)


def _read_line(proc: subprocess.Popen[str], prefix: str) -> list[str]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"idle client exited without a {prefix!r} line")
        if line.startswith(prefix):
            return line.split()[1:]


def measure(server: Server, conns: int, fresh_samples: int = 5, check_sample: int = 100) -> IdleResult:
    """Run the idle-connection measurement against an already started (and verified) server."""
    raise_nofile()
    for _ in range(20):  # warm the request path so its one-time allocations land in "before"
        fetch(server.port, "/")
    time.sleep(0.5)
    before = rss_kb(server.pid)
    cmd = [
        "taskset",
        "-c",
        CLIENT_CPU,
        sys.executable,
        str(Path(__file__).resolve()),
        "--client",
        "--port",
        str(server.port),
        "--conns",
        str(conns),
    ]
    client = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert client.stdin is not None
    try:
        held, failed = map(int, _read_line(client, "held"))
        time.sleep(1.0)  # let the server finish any deferred work for the last connections
        after = rss_kb(server.pid)
        times = []
        for _ in range(fresh_samples):
            t0 = time.perf_counter()
            status, _, _ = fetch(server.port, "/", timeout=30)
            times.append((time.perf_counter() - t0) * 1000.0)
            if status != 200:
                raise RuntimeError(f"fresh request while holding connections got {status}")
        client.stdin.write(f"check {check_sample}\n")
        client.stdin.flush()
        ok, checked = map(int, _read_line(client, "checked"))
        client.stdin.write("quit\n")
        client.stdin.flush()
        client.wait(60)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    return IdleResult(conns, held, failed, before, after, statistics.median(times), ok, checked)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--client", action="store_true", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--conns", type=int, default=10_000)
    args = p.parse_args()
    raise_nofile()
    asyncio.run(_client(args.port, args.conns))


if __name__ == "__main__":
    main()
