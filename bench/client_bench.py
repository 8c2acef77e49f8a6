#!/usr/bin/env python3
"""HTTP clients side by side: 20,000 GETs of a small body from nginx on loopback, 64 at a time.

    python3 bench/client_bench.py                 # both loops, 3 alternating rounds, + 1 GiB stream
    python3 bench/client_bench.py --quick         # 2,000 requests, 1 round, 128 MiB stream
    python3 bench/client_bench.py --loops uvloop --rounds 5
    python3 bench/client_bench.py --stream-only   # only the 1 GiB stream, 3 alternating rounds

Clients: our pure-Python client (tornado.simple_httpclient) and our curl client, Tornado 6's
SimpleAsyncHTTPClient and CurlAsyncHTTPClient, aiohttp's ClientSession and httpx's
AsyncClient, each in its own process on the same kind of event loop, pinned to core 0 while
nginx runs on core 1.  Each row is the median of alternating rounds; ratios are against
aiohttp and against Tornado 6's simple client.  The stream part fetches one large file with
a streaming callback and reports throughput and RSS growth next to ``curl -o /dev/null``.
Results are printed and written to bench/results/clients.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import envs
from scenarios import BENCH

ROOT = BENCH.parent
RUNNER = BENCH / "client_runner.py"
RESULTS = BENCH / "results"

OURS = ["escape", "ioloop", "iostream", "httputil", "httpclient"]
envs.PEER_REQS["client-ours"] = [x for p in OURS for x in ("-e", str(ROOT / "packages" / p))] + [
    "pycurl",
    "uvloop",
]
envs.PEER_REQS["client-peers"] = ["tornado>=6,<7", "pycurl", "aiohttp", "httpx", "uvloop"]

CLIENTS = [
    ("ours-simple", "client-ours"),
    ("ours-curl", "client-ours"),
    ("tornado6-simple", "client-peers"),
    ("tornado6-curl", "client-peers"),
    ("aiohttp", "client-peers"),
    ("httpx", "client-peers"),
]

NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    keepalive_requests 1000000;
    sendfile on;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root}/www;
        location = /small {{ default_type text/plain; return 200 "hello world"; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_nginx(root: Path, stream_bytes: int) -> tuple[subprocess.Popen[bytes], int]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    (root / "www").mkdir(parents=True)
    (root / "tmp").mkdir()
    with open(root / "www" / "big.bin", "wb") as f:
        f.truncate(stream_bytes)  # sparse: served from the page cache of zeros, no disk
    port = free_port()
    conf = root / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(root=root, port=port, user=user))
    proc = subprocess.Popen(
        _pin(1) + [nginx, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("nginx did not start")


def _pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def run_client(py: Path, args: list[str]) -> dict[str, object]:
    out = subprocess.run(_pin(0) + [str(py), str(RUNNER), *args], capture_output=True, text=True, timeout=900)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def curl_stream(url: str) -> float:
    start = time.perf_counter()
    subprocess.run(_pin(0) + ["curl", "-s", "-o", "/dev/null", url], check=True, timeout=900)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--rounds", type=int)
    p.add_argument("--loops", default="asyncio,uvloop")
    p.add_argument("--stream-mib", type=int)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--stream-only", action="store_true", help="skip the requests/s table")
    a = p.parse_args()
    requests = a.requests or (2000 if a.quick else 20_000)
    rounds = a.rounds or (1 if a.quick else 3)
    stream_bytes = (a.stream_mib or (128 if a.quick else 1024)) * 1024 * 1024
    loops = [x for x in a.loops.split(",") if x]
    pys = {venv: envs.ensure_venv(venv) for venv in {v for _, v in CLIENTS}}
    with tempfile.TemporaryDirectory() as tmp:
        nginx, port = start_nginx(Path(tmp), stream_bytes)
        try:
            url = f"http://127.0.0.1:{port}/small"
            rows: dict[tuple[str, str], list[float]] = {}
            errors: dict[tuple[str, str], str] = {}
            for loop in [] if a.stream_only else loops:
                for _ in range(rounds):
                    for client, venv in CLIENTS:
                        r = run_client(
                            pys[venv],
                            [
                                client,
                                url,
                                f"--requests={requests}",
                                f"--concurrency={a.concurrency}",
                                f"--loop={loop}",
                            ],
                        )
                        if "rps" in r and not r.get("errors"):
                            rows.setdefault((client, loop), []).append(float(r["rps"]))  # type: ignore[arg-type]
                        else:
                            errors[(client, loop)] = str(r.get("error") or f"{r.get('errors')} non-200")
                        envs.log(f"{loop} {client}: {r}")
            big = f"http://127.0.0.1:{port}/big.bin"
            # Alternating rounds, as for the requests: a burst of other work hits every row alike.
            runs: dict[str, list[dict[str, object]]] = {}
            curl_runs = []
            for _ in range(rounds):
                for client, venv in CLIENTS[:2]:
                    r = run_client(pys[venv], [client, big, "--stream", "--loop=uvloop"])
                    runs.setdefault(client, []).append(r)
                    envs.log(f"stream {client}: {r}")
                curl_runs.append(curl_stream(big))
                envs.log(f"stream curl: {curl_runs[-1]:.2f} s")
            streams = {client: _median_run(rs) for client, rs in runs.items()}
            curl_s = statistics.median(curl_runs)
        finally:
            nginx.terminate()
            nginx.wait(10)
    text = report(
        rows,
        errors,
        [] if a.stream_only else loops,
        requests,
        a.concurrency,
        rounds,
        streams,
        curl_s,
        stream_bytes,
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clients.md").write_text(text)


def _median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run with the median throughput (a failed run counts as the slowest)."""
    ranked = sorted(runs, key=lambda r: float(r.get("bytes_per_s", 0.0)))  # type: ignore[arg-type]
    return ranked[len(ranked) // 2]


def report(
    rows: dict[tuple[str, str], list[float]],
    errors: dict[tuple[str, str], str],
    loops: list[str],
    requests: int,
    concurrency: int,
    rounds: int,
    streams: dict[str, dict[str, object]],
    curl_s: float,
    stream_bytes: int,
) -> str:
    med = {k: statistics.median(v) for k, v in rows.items()}
    out: list[str] = []
    if loops:
        out += [
            f"## HTTP clients: {requests:,} GETs of an 11-byte body from nginx, {concurrency} concurrent "
            f"(median of {rounds})",
            "",
            "| client | loop | requests/s | vs aiohttp | vs Tornado 6 simple | vs Tornado 6 curl |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for loop in loops:
            for client, _ in CLIENTS:
                v = med.get((client, loop))
                if v is None:
                    out.append(f"| {client} | {loop} | failed: {errors.get((client, loop), '?')} | | | |")
                    continue
                ratios = []
                for base in ("aiohttp", "tornado6-simple", "tornado6-curl"):
                    b = med.get((base, loop))
                    ratios.append(f"{v / b:.2f}x" if b else "-")
                out.append(f"| {client} | {loop} | {v:,.0f} | " + " | ".join(ratios) + " |")
    curl_rate = stream_bytes / curl_s
    out += [
        "",
        f"## Streaming {stream_bytes // 2**20} MiB with streaming_callback (uvloop, median of {rounds})",
        "",
        "| client | MiB/s | vs curl -o /dev/null | RSS growth |",
        "|---|---:|---:|---:|",
        f"| curl -o /dev/null | {curl_rate / 2**20:,.0f} | 1.00x | |",
    ]
    for client, r in streams.items():
        if "bytes_per_s" not in r or r.get("bytes") != stream_bytes:
            out.append(f"| {client} | failed: {r} | | |")
            continue
        rate = float(r["bytes_per_s"])  # type: ignore[arg-type]
        growth = int(r["rss_growth_kib"]) / 1024  # type: ignore[call-overload]
        out.append(f"| {client} | {rate / 2**20:,.0f} | {rate / curl_rate:.2f}x | {growth:.1f} MiB |")
    out += ["", "## Targets", ""] + targets(med, loops, streams, curl_rate, stream_bytes)
    return "\n".join(out) + "\n"


def targets(
    med: dict[tuple[str, str], float],
    loops: list[str],
    streams: dict[str, dict[str, object]],
    curl_rate: float,
    stream_bytes: int,
) -> list[str]:
    """Each target of the client, met or missed, with the measured figure."""
    lines = []
    goals = [
        ("ours-simple", "aiohttp", 1.5),
        ("ours-simple", "tornado6-simple", 4.0),
        ("ours-curl", "tornado6-curl", 1.0),
    ]
    for loop in loops:
        for ours, peer, want in goals:
            a, b = med.get((ours, loop)), med.get((peer, loop))
            if a is None or b is None:
                lines.append(f"- {ours} >= {want}x {peer} ({loop}): not measured")
                continue
            verdict = "met" if a / b >= want else "MISSED"
            lines.append(f"- {ours} >= {want}x {peer} ({loop}): {verdict} ({a / b:.2f}x)")
    r = streams.get("ours-simple", {})
    if r.get("bytes") == stream_bytes:
        growth = int(r["rss_growth_kib"]) / 1024  # type: ignore[call-overload]
        ratio = float(r["bytes_per_s"]) / curl_rate  # type: ignore[arg-type]
        lines.append(
            f"- ours-simple stream RSS growth < 32 MiB: {'met' if growth < 32 else 'MISSED'} ({growth:.1f} MiB)"
        )
        lines.append(
            f"- ours-simple stream >= 0.5x curl: {'met' if ratio >= 0.5 else 'MISSED'} ({ratio:.2f}x)"
        )
    return lines


if __name__ == "__main__":
    main()
