#!/usr/bin/env python3
"""Run the whole benchmark suite in one go: our server vs Tornado 6 and aiohttp.

    python3 bench/run.py                 # everything, ~8 minutes
    python3 bench/run.py --quick         # short runs, to check the harness works
    python3 bench/run.py --only aiohttp --loops uvloop --skip-memory

Stdlib only: it installs wrk/taskset (apt-get) and the per-framework venvs under
bench/.venvs/ itself. Servers run pinned to core 0, wrk and the idle client to core 1.
Results: printed, written to bench/results/latest.md, and with --json to a file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import envs
import idle
import loadgen
import pages
import procs
import report
from scenarios import BENCH, FRAMEWORKS, MEMORY_SERVER, SCENARIOS, SERVERS, Framework

RESULTS = BENCH / "results"
log = envs.log


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, help="seconds per measured wrk run (default 4, --quick 2)")
    p.add_argument(
        "--warmup", type=float, help="seconds of discarded wrk warm-up before each run (default 1)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        help="measured runs per row, alternating between frameworks; "
        "the median is reported (default 3, --quick 1)",
    )
    p.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    p.add_argument("--idle-connections", type=int, help="idle connections held (default 10000, --quick 1000)")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only items whose 'framework/scenario/loop' id contains this (repeatable; "
        "the memory run's scenario is 'idle')",
    )
    p.add_argument("--loops", default="asyncio,uvloop", help="comma-separated: asyncio,uvloop")
    p.add_argument("--skip-memory", action="store_true", help="skip the idle-connection memory run")
    p.add_argument("--json", type=Path, help="also write all results as JSON to this file")
    p.add_argument("--quick", action="store_true", help="short runs, for smoke-checking the harness")
    args = p.parse_args(argv)
    args.duration = args.duration or (2.0 if args.quick else 4.0)
    args.warmup = args.warmup if args.warmup is not None else 1.0
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.idle_connections = args.idle_connections or (1000 if args.quick else 10_000)
    args.loops = [x.strip() for x in args.loops.split(",") if x.strip()]
    for loop in args.loops:
        if loop not in ("asyncio", "uvloop"):
            p.error(f"--loops: unknown loop {loop!r} (choose from asyncio, uvloop)")
    if args.connections < 1 or args.duration <= 0 or args.idle_connections < 1 or args.rounds < 1:
        p.error("--connections, --duration, --rounds and --idle-connections must be positive")
    return args


def wanted(args: argparse.Namespace, item_id: str) -> bool:
    return not args.only or any(s in item_id for s in args.only)


def prepare_venvs(frameworks: list[Framework]) -> dict[str, Path | str]:
    """venv name -> its python, or the reason it could not be made."""
    out: dict[str, Path | str] = {}
    for name in dict.fromkeys(f.venv for f in frameworks):
        try:
            out[name] = envs.ensure_venv(name)
        except (subprocess.CalledProcessError, OSError) as e:
            out[name] = f"not available (venv set-up failed: {e})"
    return out


def versions(python: Path) -> str:
    code = (
        "import importlib.metadata as m\n"
        "for d in ('tornado','aiohttp','uvloop','tornado-httpserver'):\n"
        "    try: print(f'{d} {m.version(d)}')\n"
        "    except m.PackageNotFoundError: pass\n"
    )
    r = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return ", ".join(r.stdout.split("\n")).strip(", ")


def check_same_page(
    scenario: str, framework: str, body: bytes, reference: dict[str, tuple[str, str]]
) -> None:
    """The page must be right on its own and the same as the first framework's (normalized)."""
    problem = pages.check_page(body)
    if problem:
        raise procs.ServerUnavailable(f"wrong page: {problem}")
    text = pages.normalize(body)
    first = reference.setdefault(scenario, (framework, text))
    if first[1] != text:
        pairs = zip(first[1], text, strict=False)
        at = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(first[1]), len(text)))
        raise procs.ServerUnavailable(
            f"page differs from {first[0]}'s at character {at}: {text[max(0, at - 30) : at + 30]!r}"
        )


def run_throughput(args: argparse.Namespace, pythons: dict[str, Path | str]) -> list[dict[str, Any]]:
    rows = []
    reference: dict[str, tuple[str, str]] = {}  # scenario -> (framework, normalized page)
    for scenario in SCENARIOS:
        lua = scenario.lua_path()
        headers = procs.lua_headers(lua)
        method, request_body = procs.lua_method_body(lua)
        for loop in args.loops:
            # All frameworks of a scenario and loop are up at once (an idle server costs nothing)
            # and the rounds alternate between them, so a burst from a neighbour on this shared
            # machine lands on every framework alike instead of skewing one row.
            live: list[tuple[dict[str, Any], Any, str, Path | None, str]] = []
            try:
                for fw in FRAMEWORKS:
                    server_file = scenario.server_file(fw.key)
                    item = f"{fw.key}/{scenario.name}/{loop}"
                    if not server_file.exists() or not wanted(args, item):
                        continue
                    row: dict[str, Any] = {
                        "framework": fw.key,
                        "scenario": scenario.name,
                        "loop": loop,
                        "status": "ok",
                        "notes": [],
                    }
                    rows.append(row)
                    server = start_row(row, pythons[fw.venv], server_file, loop, item, server_file.name)
                    if server is None:
                        continue
                    try:
                        run_lua, run_headers = lua, headers
                        if scenario.login:
                            cookie = procs.login_cookies(server, scenario.login)
                            run_headers = {**headers, "Cookie": cookie}
                            run_lua = procs.write_lua(
                                lua, {"Cookie": cookie}, procs.LOGS / f"{item.replace('/', '_')}.lua"
                            )
                        body = procs.verify(
                            server,
                            scenario.path,
                            run_headers,
                            scenario.expect_status,
                            scenario.expect_body,
                            method,
                            request_body,
                        )
                        if scenario.expect_body is None:
                            check_same_page(scenario.name, fw.key, body, reference)
                            row["body_bytes"] = len(body)
                    except (
                        procs.ServerUnavailable,
                        RuntimeError,
                        ValueError,
                        subprocess.TimeoutExpired,
                    ) as e:
                        row["status"] = f"failed ({e})"
                        log(f"[{item}] {e}")
                        server.stop()
                        continue
                    live.append(
                        (row, server, f"http://127.0.0.1:{server.port}{scenario.path}", run_lua, item)
                    )
                measured = measure_rounds(args, live)
            finally:
                for _, server, _, _, _ in live:
                    server.stop()
            for row, server, _, _, item in live:
                row["notes"] = server.notes
                runs = measured.get(item)
                if not runs:
                    continue
                res = sorted(runs, key=lambda r: r.requests_per_s)[len(runs) // 2]  # the median round
                row.update(
                    loop_class=server.loop_class,
                    requests_per_s=res.requests_per_s,
                    p50_ms=res.p50_ms,
                    p99_ms=res.p99_ms,
                    requests=res.requests,
                    errors=res.errors,
                    errors_text=res.errors_text(),
                    rounds=[r.requests_per_s for r in runs],
                )
                log(
                    f"[{item}] median of {len(runs)}: {res.requests_per_s:,.0f} req/s, p50 {res.p50_ms:.2f} ms, "
                    f"p99 {res.p99_ms:.2f} ms, errors {res.errors_text()} "
                    f"(rounds: {', '.join(f'{r.requests_per_s:,.0f}' for r in runs)})"
                )
    report.add_ratios(rows, "requests_per_s", ("scenario", "loop"))
    return rows


def measure_rounds(
    args: argparse.Namespace, live: list[tuple[dict[str, Any], Any, str, Path | None, str]]
) -> dict[str, list[Any]]:
    """wrk against each live server in turn, ``args.rounds`` times; item -> its results."""
    out: dict[str, list[Any]] = {item: [] for _, _, _, _, item in live}
    failed: set[str] = set()
    for _ in range(args.rounds):
        for row, _, url, run_lua, item in live:
            if item in failed:
                continue
            try:
                out[item].append(loadgen.measure(url, args.connections, args.duration, args.warmup, run_lua))
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                row["status"] = f"failed ({e})"
                log(f"[{item}] {e}")
                failed.add(item)
                out[item] = []
    return out


def start_row(row: dict[str, Any], py: Path | str, server_file: Path, loop: str, item: str, what: str) -> Any:
    """Start the row's server pinned to its core; on failure record why in the row and return None."""
    if isinstance(py, str):  # the framework's venv could not be set up: the reason
        row["status"] = py
        return None
    log(f"[{item}] starting {what}")
    try:
        return procs.start_server(py, server_file, loop, item.replace("/", "_"))
    except procs.ServerUnavailable as e:
        row["status"] = str(e)
        log(f"[{item}] {e}")
        return None


def run_memory(args: argparse.Namespace, pythons: dict[str, Path | str]) -> list[dict[str, Any]]:
    rows = []
    limit = idle.raise_nofile()
    if limit < args.idle_connections + 100:
        log(f"open-files hard limit {limit} is below {args.idle_connections} connections; expect failures")
    for loop in args.loops:
        for fw in FRAMEWORKS:
            server_file = SERVERS / f"{fw.key}_{MEMORY_SERVER}.py"
            item = f"{fw.key}/idle/{loop}"
            if not server_file.exists() or not wanted(args, item):
                continue
            row: dict[str, Any] = {"framework": fw.key, "loop": loop, "status": "ok", "notes": []}
            rows.append(row)
            server = start_row(
                row,
                pythons[fw.venv],
                server_file,
                loop,
                item,
                f"{server_file.name}, holding {args.idle_connections:,} connections",
            )
            if server is None:
                continue
            try:
                procs.verify(server, "/", {}, 200, b"Hello, world")
                res = idle.measure(server, args.idle_connections)
            except (procs.ServerUnavailable, RuntimeError, OSError, ValueError) as e:
                row["status"] = f"failed ({e})"
                log(f"[{item}] {e}")
                continue
            finally:
                server.stop()
            row["notes"] = server.notes
            row.update(
                loop_class=server.loop_class,
                conns=res.conns,
                held=res.held,
                failed=res.failed,
                rss_before_kb=res.rss_before_kb,
                rss_after_kb=res.rss_after_kb,
                kb_per_conn=round(res.kb_per_conn, 3),
                fresh_ms=round(res.fresh_ms, 2),
                checked_ok=res.checked_ok,
                checked=res.checked,
            )
            log(
                f"[{item}] {res.held:,} held, {res.kb_per_conn:.2f} KB/conn, fresh request {res.fresh_ms:.1f} ms, "
                f"{res.checked_ok}/{res.checked} held conns answered"
            )
    report.add_ratios(rows, "kb_per_conn", ("loop",))
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_v = (wrk.stdout + wrk.stderr).split("Copyright")[0].strip()
    return f"{cpu}, Python {platform.python_version()}, {wrk_v}, Linux {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    envs.ensure_tools()
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    pythons = prepare_venvs(FRAMEWORKS)
    vers = {name: versions(py) for name, py in pythons.items() if not isinstance(py, str)}
    tput = run_throughput(args, pythons)
    mem = [] if args.skip_memory else run_memory(args, pythons)

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (2 cores)"
    md = [
        f"Measured {stamp} on {machine()}.",
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s --latency after a {args.warmup:g}s warm-up, "
        f"median of {args.rounds} alternating rounds; "
        f"server on core 0, client on core 1; {load}.",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in vers.items()) + ".",
    ]
    if tput:
        md += ["", "### Requests", "", report.throughput_table(tput)]
        sizes = report.body_sizes(tput)
        if sizes:
            md += ["", sizes]
    if mem:
        md += ["", f"### {args.idle_connections:,} idle keep-alive connections", "", report.memory_table(mem)]
    goals = report.targets(tput, mem, args.loops)
    if goals:
        md += ["", "### Targets (reported, not asserted)", "", *goals]
    text = "\n".join(md) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text)
    print(text)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "measured": stamp,
                    "machine": machine(),
                    "versions": vers,
                    "settings": {k: str(v) for k, v in vars(args).items()},
                    "throughput": tput,
                    "memory": mem,
                },
                indent=2,
            )
        )
    log(f"done in {time.monotonic() - started:.0f} s; written to {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
