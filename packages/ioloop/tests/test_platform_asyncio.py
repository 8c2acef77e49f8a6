"""tornado.platform.asyncio: the 6.x bridge names."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import pytest
from tornado.ioloop import IOLoop
from tornado.platform.asyncio import (
    AnyThreadEventLoopPolicy,
    AsyncIOLoop,
    AsyncIOMainLoop,
    BaseAsyncIOLoop,
    to_asyncio_future,
    to_tornado_future,
)


@pytest.fixture(autouse=True)
def _no_leftover_current() -> Any:
    yield
    IOLoop.clear_current()


def test_asyncio_loop_owns_a_new_loop() -> None:
    loop = AsyncIOLoop()
    try:
        assert isinstance(loop, IOLoop) and isinstance(loop, BaseAsyncIOLoop)
        assert IOLoop.current() is loop
        assert loop.run_sync(lambda: asyncio.sleep(0, "ran")) == "ran"
        raw = loop.asyncio_loop
    finally:
        loop.close()
    assert raw.is_closed()
    other = AsyncIOLoop(make_current=False)
    try:
        assert IOLoop.current(instance=False) is None
    finally:
        other.close()


def test_asyncio_loop_takes_over_a_given_loop() -> None:
    raw = asyncio.new_event_loop()
    loop = AsyncIOLoop(asyncio_loop=raw)
    try:
        assert loop.asyncio_loop is raw
        assert IOLoop.current() is loop
        assert loop.run_sync(lambda: asyncio.sleep(0, "ran")) == "ran"
        with pytest.raises(RuntimeError, match="already has an IOLoop"):
            AsyncIOLoop(asyncio_loop=raw)
    finally:
        loop.close()
    assert raw.is_closed()  # handed over: closed with the AsyncIOLoop, as in Tornado 6
    quiet = AsyncIOLoop(asyncio_loop=asyncio.new_event_loop(), make_current=False)
    try:
        assert IOLoop.current(instance=False) is None
    finally:
        quiet.close()


def test_asyncio_main_loop_wraps_the_running_loop() -> None:
    async def main() -> None:
        wrapper = AsyncIOMainLoop()
        assert wrapper.asyncio_loop is asyncio.get_running_loop()
        assert IOLoop.current() is wrapper
        with pytest.raises(RuntimeError, match="already has an IOLoop"):
            AsyncIOMainLoop()
        wrapper.close()

    raw = asyncio.new_event_loop()
    try:
        raw.run_until_complete(main())
        assert not raw.is_closed()  # AsyncIOMainLoop never closes asyncio's loop
    finally:
        raw.close()


def test_asyncio_main_loop_outside_a_running_loop() -> None:
    raw = asyncio.new_event_loop()
    asyncio.set_event_loop(raw)
    try:
        wrapper = AsyncIOMainLoop()
        assert wrapper.asyncio_loop is raw
        assert wrapper.run_sync(lambda: asyncio.sleep(0, 5)) == 5
        wrapper.close()
    finally:
        asyncio.set_event_loop(None)
        raw.close()


def test_future_converters() -> None:
    loop = AsyncIOLoop()

    async def main() -> None:
        f = asyncio.get_running_loop().create_future()
        assert to_tornado_future(f) is f
        assert to_asyncio_future(f) is f
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            assert await to_asyncio_future(pool.submit(lambda: "pool")) == "pool"
        assert await to_asyncio_future(asyncio.sleep(0, "coro")) == "coro"
        # TypeError alone; with tornado-gen installed, convert_yielded's BadYieldError.
        with pytest.raises(Exception, match="cannot convert int|yielded unknown object 42"):
            to_asyncio_future(42)

    try:
        loop.run_sync(main)
    finally:
        loop.close()


def test_any_thread_policy_creates_loops_in_threads() -> None:
    with pytest.deprecated_call():
        policy = AnyThreadEventLoopPolicy()
    out: list[Any] = []

    def worker() -> None:
        loop = policy.get_event_loop()
        out.append(loop)
        out.append(policy.get_event_loop())
        loop.close()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert isinstance(out[0], asyncio.AbstractEventLoop) and out[0] is out[1]

    plain = asyncio.DefaultEventLoopPolicy()

    def without() -> None:
        try:
            plain.get_event_loop()
        except RuntimeError as e:
            out.append(e)

    t = threading.Thread(target=without)
    t.start()
    t.join()
    assert isinstance(out[-1], RuntimeError)
