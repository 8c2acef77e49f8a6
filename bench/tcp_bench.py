#!/usr/bin/env python3
"""TCP servers side by side: a line echo on tornado.tcpserver.TCPServer, ours and Tornado 6's.

    python3 bench/tcp_bench.py                  # both loops, 3 alternating rounds of 4 s
    python3 bench/tcp_bench.py --quick          # 1 round of 2 s
    python3 bench/tcp_bench.py --loops uvloop --connections 256 --pipeline 1

The same server file (servers/tcpecho.py, the documentation's echo server: ``read_until``
then ``await write``) runs on our packages and on Tornado 6; asyncio's own streams
(servers/asyncio_tcpecho.py) are the baseline underneath.  Each server is pinned to core 0;
the load generator (tcp_loadgen.py, asyncio protocols on uvloop) to core 1 opens N
connections, each sending a batch of 64-byte lines and waiting for them all back.  Each row
is the median of alternating rounds; the ratio is against Tornado 6 on the same loop.
Results are printed and written to bench/results/tcp.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import envs
from procs import CLIENT_CPU, ServerUnavailable, start_server
from scenarios import BENCH, SERVERS

RESULTS = BENCH / "results"
LOADGEN = BENCH / "tcp_loadgen.py"

# (row name, venv, server file)
ROWS = [
    ("ours", "ours", "tcpecho.py"),
    ("tornado6", "tornado6", "tcpecho.py"),
    ("asyncio-streams", "tornado6", "asyncio_tcpecho.py"),
]
BASELINE = "tornado6"


def load(py: Path, port: int, args: argparse.Namespace, duration: float) -> float:
    """Lines echoed per second for one run against ``port``."""
    cmd = ["taskset", "-c", CLIENT_CPU, str(py), str(LOADGEN), "--port", str(port)]
    cmd += ["--connections", str(args.connections), "--pipeline", str(args.pipeline)]
    cmd += ["--duration", str(duration)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    if out.returncode:
        raise RuntimeError((out.stderr.strip().splitlines() or ["load generator failed"])[-1])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["lines"]) / float(result["seconds"])


def check_echo(port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"check\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
    if data != b"check\n":
        raise RuntimeError(f"echo check failed: {data!r}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loops", default="asyncio,uvloop")
    p.add_argument("--duration", type=float)
    p.add_argument("--rounds", type=int)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--pipeline", type=int, default=8)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    duration = args.duration or (2.0 if args.quick else 4.0)
    rounds = args.rounds or (1 if args.quick else 3)
    loops = [x for x in args.loops.split(",") if x]
    envs.ensure_tools()
    pys = {venv: envs.ensure_venv(venv) for venv in {v for _, v, _ in ROWS}}
    client_py = pys["tornado6"]  # has uvloop
    table: list[tuple[str, str, float | None, str]] = []
    for loop in loops:
        servers = {}
        notes: dict[str, str] = {}
        for name, venv, file in ROWS:
            try:
                server = start_server(pys[venv], SERVERS / file, loop, f"tcp-{name}-{loop}")
                check_echo(server.port)
                servers[name] = server
            except (ServerUnavailable, RuntimeError, OSError) as e:
                notes[name] = str(e)
        try:
            runs: dict[str, list[float]] = {name: [] for name in servers}
            for name in servers:  # warm-up, discarded
                load(client_py, servers[name].port, args, 1.0)
            for _ in range(rounds):
                for name, server in servers.items():
                    runs[name].append(load(client_py, server.port, args, duration))
        finally:
            for server in servers.values():
                server.stop()
        for name, _, _ in ROWS:
            if name in runs and runs[name]:
                rounds_text = ", ".join(f"{r:,.0f}" for r in runs[name])
                table.append((name, loop, statistics.median(runs[name]), rounds_text))
            else:
                table.append((name, loop, None, notes.get(name, "not run")))
    lines = [
        f"TCP line echo: {args.connections} connections, {args.pipeline} lines of 64 B in flight each, "
        f"{duration:g} s x {rounds} rounds (median)",
        "",
        "| server | loop | lines/s | vs Tornado 6 | rounds |",
        "|---|---|---:|---:|---|",
    ]
    for name, loop, rate, note in table:
        base = next((r for n, lp, r, _ in table if n == BASELINE and lp == loop), None)
        ratio = f"{rate / base:.2f}" if rate and base else ""
        shown = f"{rate:,.0f}" if rate else "-"
        lines.append(f"| {name} | {loop} | {shown} | {ratio} | {note} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tcp.md").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
