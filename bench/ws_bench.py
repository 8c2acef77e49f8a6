#!/usr/bin/env python3
"""WebSocket servers side by side: ours, aiohttp's and the websockets library's.

    python3 bench/ws_bench.py                    # both loops: echo (3 rounds), broadcast and memory
    python3 bench/ws_bench.py --quick            # 2 s echo runs, 1 round, 2,000 fan-out connections
    python3 bench/ws_bench.py --loops uvloop --only ours --only aiohttp

Each server (``servers/<framework>_ws.py``) runs alone on core 0, in its own venv, on the
asked-for loop; the load generator (``ws_loadgen.py``: raw sockets, asyncio Protocols on
uvloop) runs on core 1 and reports how busy its own core was, so a client-bound run shows.

- echo: 64 connections, each sending a 32-byte text message and waiting for the reply
  before the next; messages/s (median of alternating rounds), p50/p99 latency.
- broadcast: 10,000 connected clients; one asks the server to send a 32-byte message to
  all; the time until the last client has it (median of 5).  Our server and aiohttp's loop
  over their connections with ``write_message``/``send_str``; websockets uses its
  ``broadcast()``.
- memory: the server's RSS before and after opening those 10,000 connections, per connection.
- floor (echo only): not a WebSocket server but a bare asyncio Protocol answering each read
  with the expected frame; its CPU time per message is what the loop and the two socket calls
  cost, the part no server written over asyncio transports can remove.

Each echo row also shows the server's CPU time per message (from /proc): on this shared
machine a server rarely gets its whole core, and CPU per message is the figure that does not
depend on how much of it the server was given.

Results are printed and written to bench/results/websocket.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import envs
import procs
from scenarios import BENCH, SERVERS

ROOT = BENCH.parent
LOADGEN = BENCH / "ws_loadgen.py"
RESULTS = BENCH / "results"


envs.PEER_REQS["ws-ours"] = envs.editable(["websocket"], "uvloop")
envs.PEER_REQS["ws-peers"] = ["aiohttp", "websockets", "uvloop"]

FRAMEWORKS = [("ours", "ws-ours"), ("aiohttp", "ws-peers"), ("websockets", "ws-peers"), ("floor", "ws-peers")]
ECHO_ONLY = {"floor"}  # the floor answers echo frames only: no broadcast, no memory row
BASELINE = "aiohttp"


def start(py: Path, fw: str, loop: str, tag: str) -> procs.Server:
    """Start a server; try again when its port was taken between choosing and binding it."""
    for attempt in range(3):
        server = procs.start_server(py, SERVERS / f"{fw}_ws.py", loop, tag)
        time.sleep(0.3)
        if server.proc.poll() is None:
            return server
        if "Address already in use" not in server.log_path.read_text(errors="replace") or attempt == 2:
            break
    raise procs.ServerUnavailable(f"{fw} exited after starting (see {server.log_path})")


def loadgen(py: Path, *args: str) -> dict[str, Any]:
    cmd = ["taskset", "-c", procs.CLIENT_CPU, str(py), str(LOADGEN), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError((out.stderr.strip().splitlines() or ["load generator failed"])[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_echo(a: argparse.Namespace, pys: dict[str, Path], loop: str) -> dict[str, dict[str, Any]]:
    """All servers up at once, measured in alternating rounds; framework -> median round."""
    servers = {}
    rows: dict[str, dict[str, Any]] = {}
    try:
        for fw, venv in FRAMEWORKS:
            if a.only and not any(s in fw for s in a.only):
                continue
            try:
                servers[fw] = start(pys[venv], fw, loop, f"ws_{fw}_{loop}")
            except procs.ServerUnavailable as e:
                rows[fw] = {"error": str(e)}
        runs: dict[str, list[dict[str, Any]]] = {fw: [] for fw in servers}
        for _ in range(a.rounds):
            for fw, server in servers.items():
                try:
                    r = loadgen(
                        pys["ws-peers"],
                        "echo",
                        f"--port={server.port}",
                        f"--pid={server.pid}",
                        f"--conns={a.connections}",
                        f"--size={a.size}",
                        f"--duration={a.duration}",
                        f"--warmup={a.warmup}",
                    )
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    rows[fw] = {"error": str(e)}
                    continue
                runs[fw].append(r)
                envs.log(
                    f"[{fw}/echo/{loop}] {r['messages_per_s']:,.0f} msg/s, server {r['server_us_per_message']:.1f} "
                    f"us/msg at {r['server_cpu']:.0%} of its core, client core {r['client_cpu']:.0%}"
                )
        for fw, rs in runs.items():
            if rs and fw not in rows:
                med = sorted(rs, key=lambda r: r["messages_per_s"])[len(rs) // 2]
                rows[fw] = {
                    **med,
                    # Each figure's own median: the round with the median rate need not be the
                    # one with the median CPU per message.
                    "server_us_per_message": statistics.median(r["server_us_per_message"] for r in rs),
                    "client_cpu": statistics.median(r["client_cpu"] for r in rs),
                    "rounds": [r["messages_per_s"] for r in rs],
                    "loop_class": servers[fw].loop_class,
                }
    finally:
        for server in servers.values():
            server.stop()
    return rows


def run_fanout(a: argparse.Namespace, pys: dict[str, Path], loop: str) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for fw, venv in FRAMEWORKS:
        if fw in ECHO_ONLY or (a.only and not any(s in fw for s in a.only)):
            continue
        try:
            server = start(pys[venv], fw, loop, f"ws_fanout_{fw}_{loop}")
        except procs.ServerUnavailable as e:
            rows[fw] = {"error": str(e)}
            continue
        try:
            rows[fw] = loadgen(
                pys["ws-peers"],
                "fanout",
                f"--port={server.port}",
                f"--pid={server.pid}",
                f"--conns={a.fanout_connections}",
                f"--rounds={a.fanout_rounds}",
            )
            r = rows[fw]
            envs.log(
                f"[{fw}/fanout/{loop}] {r['held']:,} held, {r['kb_per_conn']:.2f} KB/conn, "
                f"broadcast {r['broadcast_median_s'] * 1000:.0f} ms"
            )
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            rows[fw] = {"error": str(e)}
        finally:
            server.stop()
    return rows


def ratio(rows: dict[str, dict[str, Any]], fw: str, key: str, invert: bool = False) -> str:
    base, mine = rows.get(BASELINE, {}).get(key), rows.get(fw, {}).get(key)
    if not base or not mine:
        return "-"
    return f"{(base / mine) if invert else (mine / base):.2f}x"


def report(a: argparse.Namespace, echo: dict[str, Any], fan: dict[str, Any]) -> str:
    out = [
        f"Echo: {a.connections} connections, {a.size}-byte text messages, each waiting for its reply; "
        f"{a.duration:g} s after {a.warmup:g} s warm-up, median of {a.rounds} alternating rounds. "
        f"Broadcast and memory: {a.fanout_connections:,} connections, median of {a.fanout_rounds} broadcasts. "
        "Server on core 0, load generator (uvloop) on core 1.",
        "",
        "| framework | loop | echo msg/s | p50 | p99 | vs aiohttp | server CPU/msg | vs aiohttp | "
        "client core | broadcast to all | vs aiohttp | KB/conn | conns held |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    targets = []
    for loop in a.loops:
        e, f = echo.get(loop, {}), fan.get(loop, {})
        for fw, _ in FRAMEWORKS:
            er, fr = e.get(fw, {}), f.get(fw, {})
            if not er and not fr:
                continue
            cells = [fw, loop]
            if "messages_per_s" in er:
                cells += [
                    f"{er['messages_per_s']:,.0f}",
                    f"{er['p50_ms']:.2f} ms",
                    f"{er['p99_ms']:.2f} ms",
                    ratio(e, fw, "messages_per_s"),
                    f"{er['server_us_per_message']:.1f} us",
                    ratio(e, fw, "server_us_per_message", invert=True),
                    f"{er['client_cpu']:.0%}",
                ]
            else:
                cells += [f"failed: {er.get('error', 'not run')}", "", "", "", "", "", ""]
            if fr.get("broadcast_median_s") is not None:
                cells += [
                    f"{fr['broadcast_median_s'] * 1000:,.0f} ms",
                    ratio(f, fw, "broadcast_median_s", invert=True),
                    f"{fr['kb_per_conn']:.2f}",
                    f"{fr['held']:,}/{fr['conns']:,}",
                ]
            elif fw in ECHO_ONLY:
                cells += ["", "", "", ""]
            else:
                cells += [f"failed: {fr.get('error', 'not run')}", "", "", ""]
            out.append("| " + " | ".join(cells) + " |")
        ours_e, base_e = e.get("ours", {}), e.get(BASELINE, {})
        if ours_e.get("messages_per_s") and base_e.get("messages_per_s"):
            x = ours_e["messages_per_s"] / base_e["messages_per_s"]
            cpu = base_e["server_us_per_message"] / ours_e["server_us_per_message"]
            targets.append(
                f"- {loop}: ours echo = {x:.2f}x aiohttp in messages/s, {cpu:.2f}x in server CPU per "
                f"message (target >= 1.5x): {'met' if min(x, cpu) >= 1.5 else 'missed'}"
            )
        ours_f, base_f = f.get("ours", {}), f.get(BASELINE, {})
        if ours_f.get("broadcast_median_s") is not None:
            t = ours_f["broadcast_median_s"]
            faster = base_f.get("broadcast_median_s") is None or t < base_f["broadcast_median_s"]
            ok = t < 1.0 and faster
            targets.append(
                f"- {loop}: ours broadcast to {ours_f['held']:,} = {t * 1000:.0f} ms "
                f"(target < 1 s and faster than aiohttp): {'met' if ok else 'missed'}"
            )
            kb = ours_f["kb_per_conn"]
            targets.append(
                f"- {loop}: ours {kb:.2f} KB per idle WebSocket (target <= 4 KB): {'met' if kb <= 4 else 'missed'}"
            )
    if targets:
        out += ["", "Targets (reported, not asserted):", "", *targets]
    return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--duration", type=float)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int)
    p.add_argument("--fanout-connections", type=int)
    p.add_argument("--fanout-rounds", type=int, default=5)
    p.add_argument("--loops", default="asyncio,uvloop")
    p.add_argument("--only", action="append", default=[], help="frameworks whose name contains this")
    p.add_argument("--skip-fanout", action="store_true")
    p.add_argument("--skip-echo", action="store_true")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    a.duration = a.duration or (2.0 if a.quick else 4.0)
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.fanout_connections = a.fanout_connections or (2000 if a.quick else 10_000)
    a.loops = [x for x in a.loops.split(",") if x]
    envs.ensure_tools()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # the servers inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pys = {venv: envs.ensure_venv(venv) for venv in {"ws-ours", "ws-peers"}}
    echo = {} if a.skip_echo else {loop: run_echo(a, pys, loop) for loop in a.loops}
    fan = {} if a.skip_fanout else {loop: run_fanout(a, pys, loop) for loop in a.loops}
    text = report(a, echo, fan)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "websocket.md").write_text(text)


if __name__ == "__main__":
    main()
