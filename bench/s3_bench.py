#!/usr/bin/env python3
"""S3 servers side by side: GET and PUT of a 64 KiB object, our s3server against moto's server.

    python3 bench/s3_bench.py                 # 4 s runs, 3 alternating rounds
    python3 bench/s3_bench.py --quick         # 2 s runs, 1 round

moto is the Python S3 emulator people run in their tests (``moto.server``, werkzeug).  Each
server runs alone on core 0 (no keys: both accept unsigned requests), wrk on core 1 with 64
connections.  Before measuring, each server must answer the GET with the exact 64 KiB body
and accept the PUT; each row is the median of alternating rounds.  Each row also shows the
server's CPU time per request (user + system, from /proc): on a shared machine a server
rarely gets its whole core, and CPU per request does not depend on how much it was given.
Results are printed and written to bench/results/s3.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import envs
import loadgen
import procs
from scenarios import BENCH

ROOT = BENCH.parent
RESULTS = BENCH / "results"
SIZE = 64 * 1024
BUCKET, KEY = "bench", "obj64k"
BODY = bytes(range(256)) * (SIZE // 256)


envs.PEER_REQS["s3-ours"] = envs.editable(["s3server"], "uvloop")
envs.PEER_REQS["s3-moto"] = ["moto[server]"]

PUT_LUA = f"""-- PUT of a {SIZE}-byte object over and over (the same key: every PUT replaces it).
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["x-amz-acl"] = "public-read"
wrk.body = string.rep("x", {SIZE})
"""


def command(name: str, py: Path, port: int, root: Path, loop: str) -> list[str]:
    if name == "ours":
        return [str(py), "-m", "tornado.s3server", "--port", str(port), "--root", str(root)]
    return [str(py), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def start(name: str, py: Path, root: Path, loop: str) -> tuple[subprocess.Popen[bytes], int]:
    procs.LOGS.mkdir(parents=True, exist_ok=True)
    port = procs.free_port()
    env = dict(os.environ, TORNADO_EVENT_LOOP=loop, PYTHONUNBUFFERED="1")
    log = open(procs.LOGS / f"s3-{name}-{loop}.log", "wb")
    proc = subprocess.Popen(
        ["taskset", "-c", procs.SERVER_CPU, *command(name, py, port, root, loop)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited at start; see {log.name}")
        try:
            request(port, "GET", "/")
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{name} did not start; see {log.name}")


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # Unsigned requests are anonymous to moto: a public-read object is what lets wrk GET it.
    headers = {"x-amz-acl": "public-read"} if method == "PUT" else {}
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def prepare(name: str, port: int) -> None:
    """Create the bucket and the object, and refuse to measure a server that answers wrongly."""
    status, _ = request(port, "PUT", f"/{BUCKET}")
    if status != 200:
        sys.exit(f"{name}: CreateBucket answered {status}")
    status, _ = request(port, "PUT", f"/{BUCKET}/{KEY}", BODY)
    if status != 200:
        sys.exit(f"{name}: PutObject answered {status}")
    status, got = request(port, "GET", f"/{BUCKET}/{KEY}")
    if status != 200 or got != BODY:
        sys.exit(f"{name}: GetObject answered {status} with {len(got)} bytes, not the object")


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, pid: int, connections: int, duration: float, script: Path | None) -> Run:
    """A discarded 1 s warm-up, then the measured run and the server's CPU time during it."""
    loadgen.run_wrk(url, connections, 1.0, script, latency=False)
    before = cpu_seconds(pid)
    result = loadgen.parse(loadgen.run_wrk(url, connections, duration, script))
    return Run(result, (cpu_seconds(pid) - before) / max(result.requests, 1))


@dataclass
class Run:
    wrk: loadgen.WrkResult
    cpu_per_request: float  # seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float)
    p.add_argument("--rounds", type=int)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"], help="our server's loop")
    p.add_argument(
        "--storage",
        default="/dev/shm" if os.path.isdir("/dev/shm") else None,
        help="directory for our server's root (default /dev/shm: moto keeps objects in memory; on ext4 "
        "every PUT that replaces an object also pays the writeback that rename-over forces)",
    )
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    duration = a.duration or (2.0 if a.quick else 4.0)
    rounds = a.rounds or (1 if a.quick else 3)
    envs.ensure_tools()
    pys = {name: envs.ensure_venv(f"s3-{name}") for name in ("ours", "moto")}
    results: dict[tuple[str, str], list[Run]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=a.storage) as tmp:
        lua = Path(tmp) / "put.lua"
        lua.write_text(PUT_LUA)
        servers = {}
        try:
            for name, py in pys.items():
                root = Path(tmp) / name
                root.mkdir()
                servers[name] = start(name, py, root, a.loop)
                prepare(name, servers[name][1])
            for _ in range(rounds):
                for op, script in (("GET", None), ("PUT", lua)):
                    for name, (proc, port) in servers.items():
                        url = f"http://127.0.0.1:{port}/{BUCKET}/{KEY}"
                        run = measure(url, proc.pid, a.connections, duration, script)
                        results.setdefault((name, op), []).append(run)
                        r = run.wrk
                        envs.log(
                            f"{name} {op}: {r.requests_per_s:,.0f} req/s, "
                            f"{run.cpu_per_request * 1e6:,.0f} us CPU/req, errors {r.errors_text()}"
                        )
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(10)
    text = report(results, a, duration, rounds, (load_before, os.getloadavg()[0]))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "s3.md").write_text(text)


def report(
    results: dict[tuple[str, str], list[Run]],
    a: argparse.Namespace,
    duration: float,
    rounds: int,
    load: tuple[float, float],
) -> str:
    out = [
        f"## S3 servers: GET and PUT of a {SIZE // 1024} KiB object, wrk -c{a.connections} "
        f"-d{duration:g}s, median of {rounds} (ours on {a.loop}, root in {a.storage or tempfile.gettempdir()})",
        "",
        f"Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end.",
        "",
        "| server | op | requests/s | MiB/s | p50 | p99 | errors | vs moto | server CPU/req | CPU vs moto |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for op in ("GET", "PUT"):
        base = results.get(("moto", op))
        base_rps = statistics.median(r.wrk.requests_per_s for r in base) if base else 0.0
        base_cpu = statistics.median(r.cpu_per_request for r in base) if base else 0.0
        for name in ("ours", "moto"):
            runs = results.get((name, op))
            if not runs:
                continue
            med = sorted(runs, key=lambda r: r.wrk.requests_per_s)[len(runs) // 2].wrk
            cpu = statistics.median(r.cpu_per_request for r in runs)
            ratio = f"{med.requests_per_s / base_rps:.2f}x" if base_rps else "-"
            cpu_ratio = f"{base_cpu / cpu:.2f}x" if base_cpu and cpu else "-"
            out.append(
                f"| {name} | {op} | {med.requests_per_s:,.0f} | {med.requests_per_s * SIZE / 2**20:,.0f} | "
                f"{med.p50_ms:.2f} ms | {med.p99_ms:.2f} ms | {med.errors_text()} | {ratio} | "
                f"{cpu * 1e6:,.0f} us | {cpu_ratio} |"
            )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
