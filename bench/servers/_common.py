"""Shared bits of the benchmark servers: one CLI, one way to pick the loop, one readiness line.

Every server file runs in its framework's own venv with ``bench/servers`` as ``sys.path[0]``,
so this module is importable from all of them without being installed anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

BODY = b"Hello, world"  # every hello-world server answers exactly these 12 bytes


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    return p.parse_args()


def use_loop(loop: str) -> None:
    """Install uvloop's policy so the loop created next (asyncio.run, new_event_loop) is uvloop."""
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def quiet_logging() -> None:
    """Benchmarks measure serving, not access logging."""
    logging.disable(logging.CRITICAL)


def announce() -> None:
    """Tell the harness we listen, and on which loop class (it checks uvloop really is in use)."""
    loop = asyncio.get_running_loop()
    print(f"ready loop={type(loop).__module__}.{type(loop).__name__}", flush=True)
