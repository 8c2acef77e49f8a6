from __future__ import annotations

from collections.abc import Callable

import pytest
from tornado.httputil import NEED_DATA, PAUSED, Event, H1Connection


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
    """time(run(4n)) / time(run(n)), each the best of ``repeats``: about 4 when linear, 16 when quadratic."""
    import time

    def best(size: int) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            run(size)
            times.append(time.perf_counter() - t0)
        return min(times)

    best(n)  # warm caches
    return best(4 * n) / best(n)


@pytest.fixture
def scaling_ratio() -> Callable[..., float]:
    return _scaling_ratio
