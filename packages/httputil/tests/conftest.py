from __future__ import annotations

import os
import sys
from collections.abc import Callable

import pytest
from tornado.httputil import NEED_DATA, PAUSED, Event, H1Connection

# The shared helpers (h1_messages: message strategies, the fuzz settings) import by name.
sys.path.insert(0, os.path.dirname(__file__))


def drain(conn: H1Connection) -> list[Event]:
    """Every event up to (not including) NEED_DATA / PAUSED."""
    events: list[Event] = []
    while True:
        ev = conn.next_event()
        if ev is NEED_DATA or ev is PAUSED:
            return events
        events.append(ev)


def feed_bytewise(conn: H1Connection, data: bytes) -> list[Event]:
    events: list[Event] = []
    for i in range(len(data)):
        conn.receive_data(data[i : i + 1])
        events.extend(drain(conn))
    return events


@pytest.fixture
def drain_events() -> Callable[[H1Connection], list[Event]]:
    return drain


@pytest.fixture
def feed_one_byte_at_a_time() -> Callable[[H1Connection, bytes], list[Event]]:
    return feed_bytewise


def _scaling_ratio(run: Callable[[int], object], n: int, repeats: int = 5) -> float:
    """time(run(4n)) / time(run(n)): about 4 when linear, 16 when quadratic.

    Each size is timed ``repeats`` times, alternating, and the best of each is kept, so a
    burst of other work on the machine hits both sizes alike; the smallest ratio of three
    such rounds is returned.  The garbage collector is off while timing: its passes over
    every live object would add a superlinear cost that says nothing about the parser.
    """
    import gc
    import time

    def once(size: int) -> float:
        t0 = time.perf_counter()
        run(size)
        return time.perf_counter() - t0

    gc.collect()
    gc.disable()
    try:
        once(n)  # warm caches
        ratios = []
        for _ in range(3):
            small, large = float("inf"), float("inf")
            for _ in range(repeats):
                small = min(small, once(n))
                large = min(large, once(4 * n))
            ratios.append(large / small)
        return min(ratios)
    finally:
        gc.enable()


@pytest.fixture
def scaling_ratio() -> Callable[..., float]:
    return _scaling_ratio
