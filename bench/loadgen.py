"""Driving wrk pinned to the client core, and reading its --latency report."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from procs import CLIENT_CPU

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    socket_errors: dict[str, int]
    non_2xx: int

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values()) + self.non_2xx

    def errors_text(self) -> str:
        parts = [f"{k} {v}" for k, v in self.socket_errors.items() if v]
        if self.non_2xx:
            parts.append(f"non-2xx {self.non_2xx}")
        return ", ".join(parts) or "0"


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse(output: str) -> WrkResult:
    """Parse wrk's text report; raise ValueError when a figure is missing."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    pct = {
        m.group(1): _ms(m.group(2), m.group(3))
        for m in re.finditer(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    if not rps or not total or "50" not in pct or "99" not in pct:
        raise ValueError(f"unexpected wrk output:\n{output}")
    sock = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if m:
        sock = dict(zip(sock, map(int, m.groups()), strict=True))
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        float(rps.group(1)),
        pct["50"],
        pct["99"],
        int(total.group(1)),
        sock,
        int(non2.group(1)) if non2 else 0,
    )


def run_wrk(
    url: str, connections: int, duration: float, lua: Path | None = None, latency: bool = True
) -> str:
    cmd = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    if latency:
        cmd.append("--latency")
    if lua is not None:
        cmd += ["-s", str(lua)]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def measure(url: str, connections: int, duration: float, warmup: float, lua: Path | None = None) -> WrkResult:
    """A warm-up run (discarded: lets caches, allocators and the kernel settle), then the real one."""
    if warmup > 0:
        run_wrk(url, connections, warmup, lua, latency=False)
    return parse(run_wrk(url, connections, duration, lua))
