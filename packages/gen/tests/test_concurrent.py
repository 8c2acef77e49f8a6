"""Tests for tornado.concurrent."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from typing import Any

import pytest
from tornado.concurrent import (
    Future,
    chain_future,
    future_add_done_callback,
    future_set_exc_info,
    future_set_exception_unless_cancelled,
    future_set_result_unless_cancelled,
    is_future,
    run_on_executor,
)
from tornado.ioloop import IOLoop


def test_future_is_asyncio_future(io_loop: IOLoop) -> None:
    assert Future is asyncio.Future
    assert is_future(io_loop.asyncio_loop.create_future())
    assert is_future(concurrent.futures.Future())
    assert not is_future(object())


def test_set_result_unless_cancelled(io_loop: IOLoop) -> None:
    f = io_loop.asyncio_loop.create_future()
    future_set_result_unless_cancelled(f, 3)
    assert f.result() == 3
    g = io_loop.asyncio_loop.create_future()
    g.cancel()
    future_set_result_unless_cancelled(g, 3)  # no InvalidStateError
    assert g.cancelled()


def test_set_exception_on_cancelled_future_is_logged(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    g = io_loop.asyncio_loop.create_future()
    g.cancel()
    with caplog.at_level("ERROR", logger="tornado.application"):
        future_set_exception_unless_cancelled(g, KeyError("lost"))
    assert "Exception after Future was cancelled" in caplog.text
    assert "KeyError: 'lost'" in caplog.text


def test_future_set_exc_info(io_loop: IOLoop) -> None:
    f = io_loop.asyncio_loop.create_future()
    try:
        raise ValueError("x")
    except ValueError:
        future_set_exc_info(f, sys.exc_info())
    with pytest.raises(ValueError, match="x"):
        f.result()
    with pytest.raises(Exception, match="no exception"):
        future_set_exc_info(io_loop.asyncio_loop.create_future(), (None, None, None))


def test_add_done_callback_runs_at_once_when_done(io_loop: IOLoop) -> None:
    seen: list[Any] = []
    f = io_loop.asyncio_loop.create_future()
    f.set_result(1)
    future_add_done_callback(f, seen.append)
    assert seen == [f]  # synchronously, unlike f.add_done_callback
    g = io_loop.asyncio_loop.create_future()
    future_add_done_callback(g, seen.append)
    g.set_result(2)
    io_loop.run_sync(lambda: asyncio.sleep(0))
    assert seen == [f, g]
    with pytest.raises(TypeError):
        future_add_done_callback(object(), seen.append)  # type: ignore[call-overload]


def test_chain_future_copies_result_and_exception(io_loop: IOLoop) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        a, b = loop.create_future(), loop.create_future()
        chain_future(a, b)
        a.set_result("ok")
        assert await b == "ok"
        c, d = loop.create_future(), loop.create_future()
        chain_future(c, d)
        c.set_exception(KeyError("k"))
        with pytest.raises(KeyError):
            await d
        # b already done: left alone
        e, f = loop.create_future(), loop.create_future()
        chain_future(e, f)
        f.set_result("first")
        e.set_result("second")
        assert f.result() == "first"

    io_loop.run_sync(main)


def test_chain_future_from_thread_pool_completes_on_loop_thread(io_loop: IOLoop) -> None:
    seen: list[str] = []

    async def main() -> str:
        loop = asyncio.get_running_loop()
        target = loop.create_future()
        target.add_done_callback(lambda _: seen.append(threading.current_thread().name))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            chain_future(pool.submit(lambda: "from thread"), target)
            return await target

    assert io_loop.run_sync(main) == "from thread"
    assert seen == [threading.current_thread().name]


class Worker:
    def __init__(self) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(2)
        self._other = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="other-pool")

    @run_on_executor
    def double(self, x: int, *, extra: int = 0) -> tuple[int, str]:
        return 2 * x + extra, threading.current_thread().name

    @run_on_executor(executor="_other")
    def where(self) -> str:
        return threading.current_thread().name

    @run_on_executor
    def fail(self) -> None:
        raise RuntimeError("in pool")


def test_run_on_executor(io_loop: IOLoop) -> None:
    w = Worker()

    async def main() -> None:
        fut = w.double(5, extra=1)
        assert isinstance(fut, asyncio.Future)
        value, thread = await fut
        assert value == 11 and thread != threading.current_thread().name
        assert (await w.where()).startswith("other-pool")
        with pytest.raises(RuntimeError, match="in pool"):
            await w.fail()

    io_loop.run_sync(main)
    w.executor.shutdown()
    w._other.shutdown()


def test_run_on_executor_bad_use(io_loop: IOLoop) -> None:
    with pytest.raises(ValueError):
        run_on_executor(lambda s: s, executor="x")  # type: ignore[call-overload]  # both forms at once
    with pytest.raises(TypeError, match="executr"):
        run_on_executor(executr="x")  # type: ignore[call-overload]  # a misspelt keyword

    class NoPool:
        @run_on_executor
        def f(self) -> None:
            pass

    with pytest.raises(AttributeError, match="'executor'"):
        NoPool().f()


# -- DummyExecutor ---------------------------------------------------------------------


def test_dummy_executor_runs_at_once_in_the_calling_thread() -> None:
    from tornado.concurrent import DummyExecutor, dummy_executor

    assert isinstance(dummy_executor, DummyExecutor)
    assert isinstance(dummy_executor, concurrent.futures.Executor)
    f = dummy_executor.submit(lambda a, b=0: (a + b, threading.current_thread()), 1, b=2)
    assert isinstance(f, concurrent.futures.Future) and f.done()
    assert f.result() == (3, threading.current_thread())
    failed = dummy_executor.submit(lambda: 1 / 0)
    assert isinstance(failed.exception(), ZeroDivisionError)
    with pytest.raises(KeyboardInterrupt):
        dummy_executor.submit(_interrupt)
    dummy_executor.shutdown()
    assert dummy_executor.submit(len, "abc").result() == 3  # shutdown stops nothing


def _interrupt() -> None:
    raise KeyboardInterrupt


def test_dummy_executor_behind_run_on_executor(io_loop: IOLoop) -> None:
    from tornado.concurrent import dummy_executor

    class Worker:
        executor = dummy_executor

        @run_on_executor
        def compute(self, x: int) -> tuple[int, threading.Thread]:
            return x * 2, threading.current_thread()

    async def main() -> tuple[int, threading.Thread]:
        future: Any = Worker().compute(21)  # typed as the method; it returns a Future
        return await future

    assert io_loop.run_sync(main) == (42, threading.current_thread())
