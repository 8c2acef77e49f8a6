"""Tornado 6.x behaviour of the IOLoop: construction and current loop, timeouts, executors, fds."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Iterator

import pytest
from tornado import ioloop
from tornado.ioloop import IOLoop


@pytest.fixture
def fresh() -> Iterator[list[IOLoop]]:
    """Loops a test creates itself, closed afterwards."""
    made: list[IOLoop] = []
    yield made
    IOLoop.clear_current()
    for loop in made:
        loop.close()


def test_new_ioloop_becomes_current(fresh: list[IOLoop]) -> None:
    a = IOLoop()
    fresh.append(a)
    assert IOLoop.current(instance=False) is a
    b = IOLoop(make_current=False)
    fresh.append(b)
    assert IOLoop.current(instance=False) is a
    c = IOLoop(make_current=True)
    fresh.append(c)
    assert IOLoop.current() is c
    c.close()
    assert IOLoop.current(instance=False) is None  # closing the current loop forgets it


def test_wrapping_an_asyncio_loop_does_not_make_it_current(fresh: list[IOLoop]) -> None:
    raw = asyncio.new_event_loop()
    try:
        wrapper = IOLoop(asyncio_loop=raw)
        fresh.append(wrapper)
        assert IOLoop.current(instance=False) is None
        wrapper.close()
        assert not raw.is_closed()  # not ours to close
    finally:
        raw.close()


def test_run_sync_timeout_cancels_and_raises_asyncio_timeout(fresh: list[IOLoop]) -> None:
    loop = IOLoop()
    fresh.append(loop)
    cancelled = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(asyncio.TimeoutError, match="timed out after 0.01"):
        loop.run_sync(slow, timeout=0.01)
    assert cancelled == [True]
    assert ioloop.TimeoutError is asyncio.TimeoutError


def test_set_default_executor_keeps_a_user_pool_alive(fresh: list[IOLoop]) -> None:
    loop = IOLoop()
    fresh.append(loop)

    async def where() -> str:
        return await IOLoop.current().run_in_executor(None, lambda: threading.current_thread().name)

    assert loop.run_sync(where).startswith("tornado-executor")
    own = loop._executor
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="user-pool")
    loop.set_default_executor(pool)
    assert own is not None and own._shutdown  # type: ignore[attr-defined]
    assert loop.run_sync(where).startswith("user-pool")
    loop.close()
    assert pool.submit(lambda: "still usable").result() == "still usable"
    pool.shutdown()


def test_split_fd_and_close_fd(fresh: list[IOLoop]) -> None:
    loop = IOLoop()
    fresh.append(loop)
    r, w = os.pipe()
    assert loop.split_fd(r) == (r, r)
    f = os.fdopen(w, "wb")
    assert loop.split_fd(f) == (w, f)
    loop.close_fd(r)
    loop.close_fd(f)
    assert f.closed
    with pytest.raises(OSError):
        os.fstat(r)
    loop.close_fd(r)  # already closed: ignored


def test_call_at_uses_the_loop_clock(io_loop: IOLoop) -> None:
    fired: list[float] = []

    def stop() -> None:
        fired.append(io_loop.time())
        io_loop.stop()

    deadline = io_loop.time() + 0.02
    io_loop.call_at(deadline, stop)
    io_loop.start()
    assert fired and fired[0] >= deadline - 0.002  # the loop clock's millisecond granularity


def test_spawn_callback_is_detached(io_loop: IOLoop) -> None:
    order: list[str] = []

    async def background() -> None:
        await asyncio.sleep(0)
        order.append("spawned")

    async def main() -> None:
        IOLoop.current().spawn_callback(background)
        order.append("caller continues")
        await asyncio.sleep(0.01)

    io_loop.run_sync(main)
    assert order == ["caller continues", "spawned"]


def _asyncio_loop_set() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


def test_clear_current_and_close_give_asyncio_back_its_previous_loop(fresh: list[IOLoop]) -> None:
    # As in 6.x: make_current() sets asyncio's event loop; clear_current() and close() put the
    # one it replaced back, so asyncio is never left with a closed loop.
    outer = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(outer)
        a = IOLoop(make_current=False)
        a.make_current()
        assert asyncio.get_event_loop_policy().get_event_loop() is a.asyncio_loop
        IOLoop.clear_current()
        assert IOLoop.current(instance=False) is None
        assert _asyncio_loop_set() is outer
        a.make_current()
        a.close()
        assert _asyncio_loop_set() is outer
        assert IOLoop.current().run_sync(lambda: asyncio.sleep(0, result="ran")) == "ran"
        IOLoop.clear_current()
        # An asyncio loop set by other code is left alone by clear_current().
        assert _asyncio_loop_set() is outer
    finally:
        asyncio.set_event_loop(None)
        for loop in list(IOLoop._by_loop.values()):
            if loop.asyncio_loop is outer:
                loop.close()
        outer.close()


def test_closing_a_current_loop_made_on_no_asyncio_loop_leaves_none(fresh: list[IOLoop]) -> None:
    asyncio.set_event_loop(None)
    a = IOLoop(make_current=False)
    a.make_current()
    a.close()
    assert _asyncio_loop_set() is None  # not the closed loop
