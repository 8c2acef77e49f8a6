"""Tests for tornado.queues."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Generator
from typing import Any

import pytest
from tornado import gen
from tornado.ioloop import IOLoop
from tornado.queues import LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull
from tornado.util import TimeoutError

SHORT = datetime.timedelta(seconds=0.01)


def test_fifo_and_sizes(io_loop: IOLoop) -> None:
    async def main() -> None:
        q: Queue[int] = Queue(maxsize=2)
        assert q.maxsize == 2 and q.empty() and not q.full()
        await q.put(1)
        q.put_nowait(2)
        assert q.full() and q.qsize() == 2
        with pytest.raises(QueueFull):
            q.put_nowait(3)
        assert await q.get() == 1
        assert q.get_nowait() == 2
        with pytest.raises(QueueEmpty):
            q.get_nowait()
        assert "maxsize=2" in repr(q) and "tasks=2" in str(q)

    io_loop.run_sync(main)


def test_get_waits_for_put(io_loop: IOLoop) -> None:
    async def main() -> None:
        q: Queue[str] = Queue()
        getter = q.get()
        assert not getter.done()
        q.put_nowait("handed over")
        assert await getter == "handed over"
        assert q.qsize() == 0

    io_loop.run_sync(main)


def test_put_waits_while_full(io_loop: IOLoop) -> None:
    async def main() -> None:
        q: Queue[int] = Queue(maxsize=1)
        q.put_nowait(1)
        putter = q.put(2)
        assert not putter.done()
        assert q.get_nowait() == 1  # takes the waiting producer's item in
        assert putter.done() and putter.result() is None
        assert q.get_nowait() == 2

    io_loop.run_sync(main)


def test_timeouts(io_loop: IOLoop) -> None:
    async def main() -> None:
        q: Queue[int] = Queue(maxsize=1)
        with pytest.raises(TimeoutError):
            await q.get(timeout=SHORT)
        q.put_nowait(1)
        with pytest.raises(TimeoutError):
            await q.put(2, timeout=io_loop.time() + 0.01)
        # Expired waiters leave their place in line.
        assert q.get_nowait() == 1
        with pytest.raises(QueueEmpty):
            q.get_nowait()
        with pytest.raises(TimeoutError):
            await q.get(timeout=SHORT)
        q.put_nowait(3)
        assert q.get_nowait() == 3
        q.task_done()
        q.task_done()  # two items went in: 2 timed out and was never put
        with pytest.raises(TimeoutError):
            q.put_nowait(4)
            await q.join(timeout=SHORT)

    io_loop.run_sync(main)


def test_join_and_task_done(io_loop: IOLoop) -> None:
    q: Queue[int] = Queue()
    done: list[int] = []

    async def consumer() -> None:
        async for item in q:
            await gen.sleep(0.001)
            done.append(item)
            q.task_done()

    async def main() -> None:
        assert q.join().done()  # nothing put yet
        for i in range(5):
            q.put_nowait(i)
        task = asyncio.ensure_future(consumer())
        await q.join(timeout=datetime.timedelta(seconds=5))
        assert done == [0, 1, 2, 3, 4]
        task.cancel()

    io_loop.run_sync(main)
    with pytest.raises(ValueError, match="too many times"):
        q.task_done()


def test_coroutine_producer_consumer(io_loop: IOLoop) -> None:
    q: Queue[int] = Queue(maxsize=2)
    got: list[int] = []

    @gen.coroutine
    def producer() -> Generator[Any, Any, None]:
        for i in range(6):
            yield q.put(i)

    @gen.coroutine
    def consumer() -> Generator[Any, Any, None]:
        for _ in range(6):
            item = yield q.get()
            got.append(item)
            q.task_done()

    @gen.coroutine
    def main() -> Generator[Any, Any, None]:
        yield [producer(), consumer()]
        yield q.join()

    io_loop.run_sync(main)
    assert got == list(range(6))


def test_priority_and_lifo(io_loop: IOLoop) -> None:
    async def main() -> None:
        pq: PriorityQueue[tuple[int, str]] = PriorityQueue()
        for item in [(3, "low"), (1, "high"), (2, "mid")]:
            pq.put_nowait(item)
        assert [pq.get_nowait() for _ in range(3)] == [(1, "high"), (2, "mid"), (3, "low")]
        lq: LifoQueue[int] = LifoQueue()
        for i in range(3):
            await lq.put(i)
        assert [await lq.get() for _ in range(3)] == [2, 1, 0]

    io_loop.run_sync(main)


def test_bad_maxsize() -> None:
    with pytest.raises(TypeError, match="None"):
        Queue(maxsize=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        Queue(maxsize=-1)
