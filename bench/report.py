"""Turning measured rows into ratios, Markdown tables and the target check."""

from __future__ import annotations

from typing import Any

from scenarios import BASELINE

Row = dict[str, Any]


def add_ratios(rows: list[Row], value: str, keys: tuple[str, ...]) -> None:
    """Set row["ratio"] = row[value] / the BASELINE row's value with the same ``keys``."""
    base = {tuple(r[k] for k in keys): r.get(value) for r in rows if r["framework"] == BASELINE}
    for r in rows:
        b = base.get(tuple(r[k] for k in keys))
        v = r.get(value)
        r["ratio"] = round(v / b, 2) if v is not None and b else None


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def throughput_table(rows: list[Row]) -> str:
    out = [
        f"| framework | scenario | loop | req/s | p50 | p99 | errors | vs {BASELINE} |",
        "|---|---|---|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        if r["status"] != "ok":
            out.append(
                f"| {r['framework']} | {r['scenario']} | {r['loop']} | {r['status']} | - | - | - | - |"
            )
            continue
        notes = f" ({'; '.join(r['notes'])})" if r["notes"] else ""
        out.append(
            f"| {r['framework']} | {r['scenario']} | {r['loop']}{notes} | {r['requests_per_s']:,.0f} "
            f"| {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['errors_text']} | {_num(r['ratio'], '.2f')} |"
        )
    return "\n".join(out)


def body_sizes(rows: list[Row]) -> str:
    """One line per scenario whose body is framework-specific: each framework's body size."""
    sizes: dict[str, dict[str, int]] = {}
    for r in rows:
        if r.get("body_bytes") is not None:
            sizes.setdefault(r["scenario"], {})[r["framework"]] = r["body_bytes"]
    return "\n".join(
        f"Body of `{scenario}` (checked equivalent before measuring): "
        + ", ".join(f"{fw} {n:,} bytes" for fw, n in by_fw.items())
        + "."
        for scenario, by_fw in sizes.items()
    )


# (scenario, peer, minimum ratio ours/peer) per loop: the issue's throughput targets.
THROUGHPUT_TARGETS: list[tuple[str, str, float]] = [
    ("hello", "aiohttp", 2.0),
    ("webhello", BASELINE, 4.0),
    ("webhello", "aiohttp", 1.2),
    ("page", BASELINE, 2.0),
    ("page", "aiohttp", 1.2),
    ("asgihello", "uvicorn", 1.0),
]


def memory_table(rows: list[Row]) -> str:
    out = [
        f"| framework | loop | conns held | RSS before | RSS after | KB/conn | vs {BASELINE} "
        "| fresh request (median) | held conns still answering |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["status"] != "ok":
            out.append(f"| {r['framework']} | {r['loop']} | {r['status']} | - | - | - | - | - | - |")
            continue
        notes = f" ({'; '.join(r['notes'])})" if r["notes"] else ""
        out.append(
            f"| {r['framework']} | {r['loop']}{notes} | {r['held']:,}/{r['conns']:,} "
            f"| {r['rss_before_kb'] / 1024:.1f} MB | {r['rss_after_kb'] / 1024:.1f} MB "
            f"| {r['kb_per_conn']:.2f} | {_num(r['ratio'], '.2f')} | {r['fresh_ms']:.1f} ms "
            f"| {r['checked_ok']}/{r['checked']} |"
        )
    return "\n".join(out)


def _find(rows: list[Row], **match: str) -> Row | None:
    for r in rows:
        if r["status"] == "ok" and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def targets(tput: list[Row], mem: list[Row], loops: list[str]) -> list[str]:
    """The issue's targets, reported (never asserted): one line each, per loop."""
    lines = []
    for loop in loops:
        for scenario, other, goal in THROUGHPUT_TARGETS:
            ours = _find(tput, framework="ours", scenario=scenario, loop=loop)
            peer = _find(tput, framework=other, scenario=scenario, loop=loop)
            if ours and peer:
                x = ours["requests_per_s"] / peer["requests_per_s"]
                lines.append(
                    f"- {loop}: ours {scenario} = {x:.2f}x {other} {scenario} (target >= {goal:g}x): "
                    f"{'met' if x >= goal else 'NOT met'}"
                )
        o, t = _find(mem, framework="ours", loop=loop), _find(mem, framework=BASELINE, loop=loop)
        if o:
            held = o["held"] == o["conns"]
            lines.append(
                f"- {loop}: ours held {o['held']:,}/{o['conns']:,} idle connections: {'met' if held else 'NOT met'}"
            )
            ok = o["fresh_ms"] < 100
            lines.append(
                f"- {loop}: fresh request while holding them {o['fresh_ms']:.1f} ms (target < 100 ms): "
                f"{'met' if ok else 'NOT met'}"
            )
            if t and t["kb_per_conn"] > 0:
                x = o["kb_per_conn"] / t["kb_per_conn"]
                lines.append(
                    f"- {loop}: ours memory per connection = {x:.2f}x {BASELINE} (target <= 0.5x): "
                    f"{'met' if x <= 0.5 else 'NOT met'}"
                )
    return lines
