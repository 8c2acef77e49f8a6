from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any

import pytest
from tornado.ioloop import IOLoop, PeriodicCallback


def test_periodic_callback_runs_repeatedly_and_stops(io_loop: IOLoop) -> None:
    calls = 0

    def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            pc.stop()
            io_loop.call_later(0.05, io_loop.stop)

    pc = PeriodicCallback(tick, 5)
    assert not pc.is_running()
    pc.start()
    assert pc.is_running()
    io_loop.start()
    assert calls == 3  # nothing after stop()
    assert not pc.is_running()


def test_periodic_callback_exception_is_logged_and_keeps_beating(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            pc.stop()
            io_loop.stop()
        raise ArithmeticError(f"beat {calls}")

    pc = PeriodicCallback(tick, 2)
    pc.start()
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert calls == 3
    assert "ArithmeticError: beat 1" in caplog.text
    assert "ArithmeticError: beat 2" in caplog.text


def test_periodic_callback_skips_missed_beats(io_loop: IOLoop, monkeypatch: pytest.MonkeyPatch) -> None:
    pc = PeriodicCallback(lambda: None, 100)
    now = [1000.0]
    monkeypatch.setattr(io_loop, "time", lambda: now[0])
    pc.start()
    assert pc._next_timeout == pytest.approx(1000.1)
    # The loop was blocked for 1.05 s: ten beats were missed.
    now[0] = 1001.15
    pc._run()
    # The next beat lands on the period grid after "now", not back in the past.
    assert pc._next_timeout == pytest.approx(1001.2)
    pc.stop()


def test_periodic_callback_awaits_coroutine_before_next_beat(io_loop: IOLoop) -> None:
    active = 0
    overlaps = 0
    calls = 0

    async def tick() -> None:
        nonlocal active, overlaps, calls
        calls += 1
        active += 1
        if active > 1:
            overlaps += 1
        await asyncio.sleep(0.02)  # longer than the period
        active -= 1
        if calls == 3:
            pc.stop()
            io_loop.stop()

    pc = PeriodicCallback(tick, 1)
    pc.start()
    io_loop.start()
    assert calls == 3
    assert overlaps == 0


def test_periodic_callback_jitter_stays_near_period(io_loop: IOLoop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io_loop, "time", lambda: 500.0)
    pc = PeriodicCallback(lambda: None, 1000, jitter=0.5)
    pc.start()
    assert 500.75 <= pc._next_timeout <= 501.25
    pc.stop()


def test_periodic_callback_accepts_timedelta(io_loop: IOLoop) -> None:
    pc = PeriodicCallback(lambda: None, datetime.timedelta(seconds=2))  # type: ignore[arg-type]
    assert pc.callback_time == 2000


@pytest.mark.parametrize(
    "args",
    [(lambda: None, 0), (lambda: None, -5), (lambda: None, "10"), (lambda: None, 10, 2)],
)
def test_periodic_callback_bad_settings(args: Any) -> None:
    with pytest.raises(ValueError):
        PeriodicCallback(*args)


def test_periodic_callback_requires_callable() -> None:
    with pytest.raises(TypeError):
        PeriodicCallback("tick", 10)  # type: ignore[arg-type]
