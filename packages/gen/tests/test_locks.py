"""Tests for tornado.locks."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Generator
from typing import Any

import pytest
from tornado import gen
from tornado.ioloop import IOLoop
from tornado.locks import BoundedSemaphore, Condition, Event, Lock, Semaphore
from tornado.util import TimeoutError

SHORT = datetime.timedelta(seconds=0.01)

# -- Condition ----------------------------------------------------------------------


def test_condition_notify_wakes_in_order(io_loop: IOLoop) -> None:
    c = Condition()
    woken: list[int] = []

    async def waiter(i: int) -> None:
        assert await c.wait() is True
        woken.append(i)

    async def main() -> None:
        tasks = [asyncio.ensure_future(waiter(i)) for i in range(4)]
        await gen.moment
        assert "waiters[4]" in repr(c)
        c.notify()
        await gen.sleep(0.001)
        assert woken == [0]
        c.notify(2)
        await gen.sleep(0.001)
        assert woken == [0, 1, 2]
        c.notify_all()
        await asyncio.gather(*tasks)
        assert woken == [0, 1, 2, 3]
        c.notify()  # nobody waiting: nothing happens

    io_loop.run_sync(main)


def test_condition_timeout_resolves_false(io_loop: IOLoop) -> None:
    c = Condition()

    async def main() -> None:
        assert await c.wait(timeout=SHORT) is False
        assert await c.wait(timeout=io_loop.time() + 0.01) is False
        # A timed-out waiter does not swallow a later notify.
        w = c.wait()
        c.notify()
        assert await w is True
        assert repr(c) == "<Condition>"

    io_loop.run_sync(main)


# -- Event --------------------------------------------------------------------------


def test_event_set_wakes_all_and_stays_set(io_loop: IOLoop) -> None:
    e = Event()

    async def main() -> None:
        waits = [e.wait(), e.wait()]
        assert not e.is_set() and not any(w.done() for w in waits)
        e.set()
        await asyncio.gather(*waits)
        assert e.is_set()
        assert e.wait().done()  # already set: resolves at once
        e.clear()
        assert not e.is_set() and not e.wait().done()

    io_loop.run_sync(main)


def test_event_wait_timeout_raises(io_loop: IOLoop) -> None:
    e = Event()

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await e.wait(SHORT)
        with pytest.raises(TimeoutError):
            await e.wait(io_loop.time() + 0.005)
        w = e.wait(datetime.timedelta(seconds=5))
        e.set()
        await w
        assert w.result() is None

    io_loop.run_sync(main)


# -- Semaphore ----------------------------------------------------------------------


def test_semaphore_limits_concurrency(io_loop: IOLoop) -> None:
    sem = Semaphore(2)
    active: list[int] = []
    peak = [0]

    async def worker(i: int) -> None:
        async with sem:
            active.append(i)
            peak[0] = max(peak[0], len(active))
            await gen.sleep(0.002)
            active.remove(i)

    async def main() -> None:
        await asyncio.gather(*(worker(i) for i in range(6)))

    io_loop.run_sync(main)
    assert peak[0] == 2 and active == []


def test_semaphore_with_yield_acquire(io_loop: IOLoop) -> None:
    sem = Semaphore(1)

    @gen.coroutine
    def f() -> Generator[Any, Any, bool]:
        with (yield sem.acquire()):
            held = sem.acquire()
            assert not held.done()
        yield held  # released at the end of the with block, so now ours
        sem.release()
        return True

    assert io_loop.run_sync(f) is True
    assert "unlocked,value:1" in repr(sem)


def test_semaphore_timeout_and_errors(io_loop: IOLoop) -> None:
    sem = Semaphore(0)

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await sem.acquire(SHORT)
        waiter = sem.acquire()
        sem.release()  # the timed-out waiter is skipped; this one gets it
        await waiter
        assert "locked" in repr(sem)

    io_loop.run_sync(main)
    with pytest.raises(ValueError, match=">= 0"):
        Semaphore(-1)
    with pytest.raises(RuntimeError, match="async with"):
        with Semaphore():
            pass


def test_bounded_semaphore_rejects_extra_release(io_loop: IOLoop) -> None:
    sem = BoundedSemaphore(1)

    async def main() -> None:
        await sem.acquire()
        sem.release()
        with pytest.raises(ValueError, match="released too many times"):
            sem.release()

    io_loop.run_sync(main)


# -- Lock ---------------------------------------------------------------------------


def test_lock_serializes_in_arrival_order(io_loop: IOLoop) -> None:
    lock = Lock()
    log: list[str] = []

    async def worker(name: str) -> None:
        async with lock:
            log.append(f"{name} in")
            await gen.sleep(0.001)
            log.append(f"{name} out")

    async def main() -> None:
        await asyncio.gather(worker("a"), worker("b"), worker("c"))

    io_loop.run_sync(main)
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]


def test_lock_yield_form_timeout_and_errors(io_loop: IOLoop) -> None:
    lock = Lock()

    @gen.coroutine
    def holder() -> Generator[Any, Any, None]:
        with (yield lock.acquire()):
            with pytest.raises(TimeoutError):
                yield lock.acquire(timeout=SHORT)
        # released by the with block
        with (yield lock.acquire(timeout=io_loop.time() + 1)):
            pass

    io_loop.run_sync(holder)
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        lock.release()
    with pytest.raises(RuntimeError, match="async with"):
        with Lock():
            pass
