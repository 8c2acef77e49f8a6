"""A small WebSocket load generator: raw sockets, asyncio Protocols, uvloop when installed.

    python bench/ws_loadgen.py echo --port P [--pid SERVER_PID] [--conns 64] [--size 32] [--duration 4] [--warmup 1]
    python bench/ws_loadgen.py fanout --port P --pid SERVER_PID [--conns 10000] [--rounds 5]

It is kept cheap so that the server, not the client, is what gets measured: the upgrade
request and the masked frame are built once and reused (a fixed masking key is legal and
servers cannot tell), and a reply that is exactly the expected frame is recognized with one
comparison before any parsing.  It prints one JSON line, including the share of its own core
it used (``client_cpu``): near 1.0 would mean the client was the bottleneck.  Given the
server's ``--pid``, echo also reports the server's CPU time per message, a figure that holds
up better than messages/s when other work on the machine takes turns on the server's core.

``echo``: every connection sends a ``size``-byte text message and waits for the reply before
sending the next; messages/s and latency percentiles over the measured window.
``fanout``: opens ``conns`` connections (the server's RSS is read before and after, for the
memory held per idle WebSocket), then one of them asks for a broadcast ("broadcast:" + 32
bytes) and the time until the last connection has the message is measured, ``rounds`` times.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

KEY = base64.b64encode(b"bench-key-16byte").decode()
ACCEPT = base64.b64encode(hashlib.sha1((KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
MASK = b"\x12\x34\x56\x78"
CONNECT_CONCURRENCY = 200


def client_frame(payload: bytes, opcode: int = 1) -> bytes:
    """A masked, final frame as a client must send it (payloads under 64 KiB)."""
    n = len(payload)
    head = (
        bytes([0x80 | opcode, 0x80 | n]) if n < 126 else bytes([0x80 | opcode, 0xFE]) + n.to_bytes(2, "big")
    )
    return head + MASK + bytes(b ^ MASK[i & 3] for i, b in enumerate(payload))


def server_frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    head = bytes([0x80 | opcode, n]) if n < 126 else bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    return head + payload


def frames_in(buf: bytearray) -> int:
    """Remove the whole (unmasked) frames at the front of ``buf``; how many there were."""
    count = 0
    while len(buf) >= 2:
        n = buf[1] & 0x7F
        pos = 2
        if n == 126:
            if len(buf) < 4:
                break
            n, pos = int.from_bytes(buf[2:4], "big"), 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, pos = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < pos + n:
            break
        if buf[0] & 0x0F < 8:  # control frames (a server's ping) are not messages
            count += 1
        del buf[: pos + n]
    return count


class Conn(asyncio.Protocol):
    """One client connection: the upgrade, then frames counted by ``on_messages``."""

    def __init__(self, request: bytes, ready: asyncio.Future[Conn]) -> None:
        self.request = request
        self.ready = ready
        self.transport: Any = None
        self.open = False
        self.buf = bytearray()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.open:
            self.buf += data
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            del self.buf[: end + 4]
            if not head.startswith(b"HTTP/1.1 101") or ACCEPT not in head:
                self.ready.set_exception(RuntimeError(f"handshake refused: {head[:80]!r}"))
                self.transport.close()
                return
            self.open = True
            self.ready.set_result(self)
            if not self.buf:
                return
            data = bytes(self.buf)
            self.buf.clear()
        self.on_data(data)

    def on_data(self, data: bytes) -> None:
        self.buf += data
        n = frames_in(self.buf)
        if n:
            self.on_messages(n)

    def on_messages(self, n: int) -> None:
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed during the handshake: {exc}"))


async def open_conns(port: int, n: int, factory: type[Conn], *args: Any) -> tuple[list[Any], int]:
    loop = asyncio.get_running_loop()
    request = (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
    conns: list[Any] = []
    failed = 0

    async def one() -> None:
        nonlocal failed
        async with sem:
            ready: asyncio.Future[Conn] = loop.create_future()
            try:
                await asyncio.wait_for(
                    loop.create_connection(lambda: factory(request, ready, *args), "127.0.0.1", port), 30
                )
                conns.append(await asyncio.wait_for(ready, 30))
            except (OSError, RuntimeError, asyncio.TimeoutError):
                failed += 1

    await asyncio.gather(*(one() for _ in range(n)))
    return conns, failed


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# -- echo ----------------------------------------------------------------------------------------------


class EchoConn(Conn):
    def __init__(self, request: bytes, ready: asyncio.Future[Conn], frame: bytes, expect: bytes) -> None:
        super().__init__(request, ready)
        self.frame = frame
        self.expect = expect
        self.latencies: list[float] = []
        self.sent = 0.0
        self.running = False

    def send(self) -> None:
        self.sent = time.perf_counter()
        self.transport.write(self.frame)

    def on_data(self, data: bytes) -> None:
        if data == self.expect and not self.buf:  # the usual case: exactly one reply
            self.on_messages(1)
        else:
            super().on_data(data)

    def on_messages(self, n: int) -> None:
        now = time.perf_counter()
        self.latencies.append(now - self.sent)
        if self.running:
            self.sent = now
            self.transport.write(self.frame)


async def echo(args: argparse.Namespace) -> dict[str, Any]:
    payload = os.urandom(args.size // 2 + 1).hex()[: args.size].encode()
    conns, failed = await open_conns(
        args.port, args.conns, EchoConn, client_frame(payload), server_frame(payload)
    )
    if failed or not conns:
        raise RuntimeError(f"{failed} of {args.conns} connections failed")
    for c in conns:
        c.running = True
        c.send()
    await asyncio.sleep(args.warmup)
    for c in conns:
        c.latencies = []
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    server0 = process_cpu(args.pid) if args.pid else 0.0
    await asyncio.sleep(args.duration)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    server_cpu = process_cpu(args.pid) - server0 if args.pid else 0.0
    lat = sorted(x for c in conns for x in c.latencies)
    for c in conns:
        c.running = False
    await asyncio.sleep(0.2)
    for c in conns:
        c.transport.abort()
    if not lat:
        raise RuntimeError("no replies in the measured window")
    return {
        "messages_per_s": len(lat) / wall,
        "messages": len(lat),
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "client_cpu": cpu / wall,
        "server_cpu": server_cpu / wall,
        # CPU time per message does not depend on how much of its core the server was given.
        "server_us_per_message": server_cpu / len(lat) * 1e6,
    }


# -- fan-out (broadcast) and idle memory --------------------------------------------------------------


class FanoutConn(Conn):
    def __init__(self, request: bytes, ready: asyncio.Future[Conn], state: dict[str, Any]) -> None:
        super().__init__(request, ready)
        self.state = state

    def on_messages(self, n: int) -> None:
        state = self.state
        state["got"] += n
        if state["got"] >= state["want"] and not state["done"].done():
            state["done"].set_result(time.perf_counter())


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def fanout(args: argparse.Namespace) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    state: dict[str, Any] = {"got": 0, "want": 0, "done": loop.create_future()}
    # Warm the server's upgrade path so its one-time allocations land in "before".
    warm, _ = await open_conns(args.port, 50, FanoutConn, state)
    for c in warm:
        c.transport.close()
    await asyncio.sleep(1.0)
    before = rss_kb(args.pid)
    t0 = time.perf_counter()
    conns, failed = await open_conns(args.port, args.conns, FanoutConn, state)
    connect_s = time.perf_counter() - t0
    await asyncio.sleep(1.0)
    after = rss_kb(args.pid)
    trigger = client_frame(b"broadcast:" + b"x" * 32)
    times = []
    cpu = 0.0
    for _ in range(args.rounds if conns else 0):
        state.update(got=0, want=len(conns), done=loop.create_future())
        cpu0 = cpu_seconds()
        start = time.perf_counter()
        conns[0].transport.write(trigger)
        try:
            end = await asyncio.wait_for(state["done"], 30)
        except asyncio.TimeoutError:
            raise RuntimeError(f"broadcast reached {state['got']} of {len(conns)} within 30 s") from None
        times.append(end - start)
        cpu = max(cpu, (cpu_seconds() - cpu0) / (end - start))
        await asyncio.sleep(0.3)
    for c in conns:
        c.transport.abort()
    return {
        "conns": args.conns,
        "held": len(conns),
        "failed": failed,
        "connect_s": connect_s,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_conn": (after - before) / max(1, len(conns)),
        "broadcast_s": times,
        "broadcast_median_s": statistics.median(times) if times else None,
        "client_cpu": cpu,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["echo", "fanout"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--conns", type=int)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--pid", type=int)
    args = p.parse_args()
    if args.mode == "fanout" and args.pid is None:
        p.error("fanout needs --pid (the server's, for its RSS)")
    args.conns = args.conns or (64 if args.mode == "echo" else 10_000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    result = run(echo(args) if args.mode == "echo" else fanout(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
