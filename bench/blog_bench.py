#!/usr/bin/env python3
"""The production set-up measured: the blog's home page through nginx, 1 and 2 frontends.

    python3 bench/blog_bench.py                  # 1 and 2 frontends, 3 alternating rounds of 4 s
    python3 bench/blog_bench.py --quick          # 2 s, one round: checks the harness

The home page of demos/blog with 10 entries (each rendered by the ``Entry`` UI module, the
page extending a base template, queries through tornado.database's AsyncConnection on an
SQLite file), served by N frontends started with deploy/frontends.py behind Debian's nginx
with deploy/nginx.conf (ports templated in).  The same application runs on our packages and
on Tornado 6 (with our tornado.database installed into Tornado 6's package, since Tornado 6
has none), behind the same nginx configuration.  wrk, pinned to core 1, measures each stack
in alternation; each row is its median round.  nginx and the frontends are not pinned: with
2 frontends on a 2-core machine they share the cores with wrk.  Besides requests/s (which
other load on the machine moves), each row gives the CPU time the frontends and nginx spent
per request in the measured run (user + system, from /proc): steadier, and it tells where the
time goes.  Results are printed and written to bench/results/blog.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import envs
import loadgen
from scenarios import BENCH

ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "deploy"))
import nginx_run  # noqa: E402  (deploy/ is not a package: nginx started as the tests start it)

RESULTS = BENCH / "results"
FRONTEND = BENCH / "servers" / "blog_frontend.py"
LAUNCHER = ROOT / "deploy" / "frontends.py"
BLOG = ROOT / "demos" / "blog"
ENTRIES = 10
TICKS = os.sysconf("SC_CLK_TCK")


envs.PEER_REQS["blog-ours"] = envs.editable(["web", "database", "options"], "markdown", "nh3")
# Not editable: the files must land inside Tornado 6's regular ``tornado`` package.
envs.PEER_REQS["blog-tornado6"] = ["tornado>=6,<7", str(ROOT / "packages" / "database"), "markdown", "nh3"]
STACKS = [("ours", "blog-ours"), ("tornado6", "blog-tornado6")]


def sync_database(python: Path) -> None:
    """Reinstall our tornado.database into Tornado 6's venv when its copy is out of date: it is
    not editable there, and both rows must run the same database code."""
    src = ROOT / "packages" / "database" / "src" / "tornado" / "database"
    found = subprocess.run(
        [str(python), "-c", "import os, tornado; print(os.path.dirname(tornado.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    installed = Path(found) / "database"
    if all((installed / f.name).exists() and (installed / f.name).read_bytes() == f.read_bytes()
           for f in src.glob("*.py")):  # fmt: skip
        return
    envs.log("reinstalling tornado.database into the Tornado 6 venv")
    uv, package = envs._uv(), str(ROOT / "packages" / "database")
    if uv:
        command = [
            uv,
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--reinstall",
            "--python",
            str(python),
            package,
        ]
    else:
        command = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", package]
    subprocess.run(command, check=True)


def seed(db: Path) -> None:
    """The demo's schema and ten entries of a few paragraphs each, as the blog stores them."""
    conn = sqlite3.connect(db)
    conn.executescript((BLOG / "schema.sql").read_text())
    conn.execute(
        "INSERT INTO authors VALUES ('bench@example.com', 'Bench', 'scrypt$1$1$1$x$x', '2026-01-01 00:00:00')"
    )
    para = "<p>" + "Tornado is a non-blocking web server and framework. " * 6 + "</p>"
    for i in range(ENTRIES):
        html = f"<p><strong>Entry {i}</strong> &amp; friends.</p>" + para * 3
        stamp = f"2026-01-{i + 1:02d} 12:00:00"
        conn.execute(
            "INSERT INTO entries VALUES (?, 'bench@example.com', ?, ?, ?, ?, ?)",
            (f"entry-{i}", f"Entry {i} <&>", "markdown", html, stamp, stamp),
        )
    conn.commit()
    conn.close()


@dataclass
class Row:
    """One measured run: wrk's figures and CPU microseconds per request by process group."""

    wrk: loadgen.WrkResult
    cpu_us: dict[str, float]


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


class Stack:
    """nginx + deploy/frontends.py running N frontends of one framework."""

    def __init__(self, name: str, python: Path, frontends: int, db: Path, workdir: Path) -> None:
        self.name = name
        self.prefix = workdir / f"{name}-{frontends}"
        nginx_run.prepare_prefix(self.prefix, BLOG / "static")
        base = nginx_run.free_run(frontends)
        self.ports = list(range(base, base + frontends))
        self.port = nginx_run.free_port()
        log = open(self.prefix / "frontends.log", "wb")  # noqa: SIM115 -- for the children's lifetime
        self.launcher = subprocess.Popen(
            [sys.executable, str(LAUNCHER), f"--count={frontends}", f"--base-port={base}", "--",
             str(python), str(FRONTEND), "--port={port}", f"--sqlite={db}", "--logging=none",
             "--cookie_secret=bench-secret"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        conf = nginx_run.config(self.ports, f"127.0.0.1:{self.port} backlog=4096", access_log=False)
        self.nginx = nginx_run.Nginx(nginx_run.binary() or "nginx", self.prefix, conf).start([self.port])
        self.url = f"http://127.0.0.1:{self.port}/"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.check():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: not serving the home page; see {self.prefix}/frontends.log")

    def check(self) -> bool:
        """Every frontend answers the home page with the ten entries."""
        for _ in range(2 * len(self.ports)):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status != 200 or body.count(b'<article class="entry">') != ENTRIES:
                return False
        return b"Entry 9 &lt;&amp;&gt;" in body

    def processes(self) -> dict[str, list[int]]:
        """The frontends (the launcher's children) and nginx's workers."""
        assert self.nginx.process is not None
        return {"frontends": children(self.launcher.pid), "nginx": children(self.nginx.process.pid)}

    def measure(self, connections: int, duration: float, warmup: float) -> Row:
        """One wrk run after a warm-up, with the CPU time per request of each process group."""
        if warmup > 0:
            loadgen.run_wrk(self.url, connections, warmup, latency=False)
        groups = self.processes()
        before = {name: cpu_seconds(pids) for name, pids in groups.items()}
        result = loadgen.parse(loadgen.run_wrk(self.url, connections, duration))
        per_request = {
            name: (cpu_seconds(pids) - before[name]) / max(1, result.requests) * 1e6
            for name, pids in groups.items()
        }
        return Row(result, per_request)

    def stop(self) -> None:
        self.nginx.stop()
        if self.launcher.poll() is None:
            self.launcher.send_signal(signal.SIGTERM)
            try:
                self.launcher.wait(30)
            except subprocess.TimeoutExpired:
                self.launcher.kill()
                self.launcher.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frontends", default="1,2", help="comma-separated frontend counts")
    p.add_argument("--duration", type=float)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    duration = a.duration or (2.0 if a.quick else 4.0)
    rounds = a.rounds or (1 if a.quick else 3)
    counts = [int(x) for x in a.frontends.split(",") if x]
    envs.ensure_tools()
    if nginx_run.binary() is None:
        sys.exit("nginx not found: apt-get install nginx")
    pys = {name: envs.ensure_venv(venv) for name, venv in STACKS}
    sync_database(pys["tornado6"])
    rows: dict[tuple[str, int], list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="blog-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        db = work / "blog.db"
        seed(db)
        for n in counts:
            stacks = [Stack(name, pys[name], n, db, work) for name, _ in STACKS]
            try:
                for s in stacks:
                    s.wait_ready()
                for r in range(rounds):
                    for s in stacks:
                        row = s.measure(a.connections, duration, a.warmup)
                        rows.setdefault((s.name, n), []).append(row)
                        res = row.wrk
                        envs.log(
                            f"round {r + 1} {s.name} x{n}: {res.requests_per_s:.0f} req/s, errors {res.errors_text()},"
                            f" CPU us/request: frontends {row.cpu_us['frontends']:.0f}, nginx {row.cpu_us['nginx']:.0f}"
                        )
            finally:
                for s in stacks:
                    s.stop()
    text = report(rows, counts, duration, rounds, a.connections)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "blog.md").write_text(text)


def report(
    rows: dict[tuple[str, int], list[Row]],
    counts: list[int],
    duration: float,
    rounds: int,
    conns: int,
) -> str:
    out = [
        f"Blog home page (10 entries, Entry UI module) through nginx: wrk -c{conns}, {duration:g} s x {rounds} rounds",
        "",
        "| stack | frontends | req/s | p50 ms | p99 ms | errors | vs tornado6 "
        "| frontend CPU us/req | nginx CPU us/req | CPU vs tornado6 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in counts:
        base = rows.get(("tornado6", n))
        base_rps = statistics.median(r.wrk.requests_per_s for r in base) if base else None
        base_cpu = statistics.median(r.cpu_us["frontends"] for r in base) if base else None
        for name, _ in STACKS:
            results = rows.get((name, n))
            if not results:
                continue
            mid = sorted(results, key=lambda r: r.wrk.requests_per_s)[len(results) // 2].wrk
            ratio = f"{mid.requests_per_s / base_rps:.2f}" if base_rps else "-"
            cpu = statistics.median(r.cpu_us["frontends"] for r in results)
            nginx = statistics.median(r.cpu_us["nginx"] for r in results)
            cpu_ratio = f"{base_cpu / cpu:.2f}" if base_cpu and cpu else "-"
            out.append(
                f"| {name} | {n} | {mid.requests_per_s:.0f} | {mid.p50_ms:.2f} | {mid.p99_ms:.2f} "
                f"| {sum(r.wrk.errors for r in results)} | {ratio} | {cpu:.0f} | {nginx:.0f} | {cpu_ratio} |"
            )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
