"""Tests for tornado.gen: coroutines, multi, with_timeout, WaitIterator."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime
import re
from collections.abc import Generator
from typing import Any

import pytest
from tornado import gen
from tornado.ioloop import IOLoop
from tornado.util import TimeoutError


def resolved(value: Any) -> asyncio.Future[Any]:
    f = IOLoop.current().asyncio_loop.create_future()
    f.set_result(value)
    return f


def later(value: Any, delay: float = 0.01) -> asyncio.Future[Any]:
    f = IOLoop.current().asyncio_loop.create_future()

    def resolve() -> None:
        if not f.done():
            f.set_result(value)

    IOLoop.current().call_later(delay, resolve)
    return f


def failing_later(exc: BaseException, delay: float = 0.01) -> asyncio.Future[Any]:
    f = IOLoop.current().asyncio_loop.create_future()
    IOLoop.current().call_later(delay, lambda: f.set_exception(exc))
    return f


# -- coroutine ----------------------------------------------------------------------


def test_coroutine_yields_futures_and_returns(io_loop: IOLoop) -> None:
    @gen.coroutine
    def add() -> Generator[Any, Any, int]:
        a = yield later(1)
        b = yield resolved(2)
        return a + b

    assert io_loop.run_sync(add) == 3


def test_gen_return(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, None]:
        yield gen.moment
        raise gen.Return("via Return")

    assert io_loop.run_sync(f) == "via Return"
    assert gen.Return(5).value == 5 and gen.Return().value is None


def test_yield_list_and_dict(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, Any]:
        pair = yield [later("a"), resolved("b"), asyncio.sleep(0, "c")]
        named = yield {"x": later(1), "y": resolved(2), "nested": [resolved(3)]}
        empty = yield []
        return pair, named, empty

    assert io_loop.run_sync(f) == (["a", "b", "c"], {"x": 1, "y": 2, "nested": [3]}, [])


def test_yield_awaitables_and_native_coroutines(io_loop: IOLoop) -> None:
    async def native(x: int) -> int:
        await asyncio.sleep(0)
        return x * 10

    @gen.coroutine
    def f() -> Generator[Any, Any, Any]:
        a = yield native(2)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            b = yield pool.submit(lambda: "thread")
        c = yield None
        return a, b, c

    assert io_loop.run_sync(f) == (20, "thread", None)


def test_exception_is_raised_at_the_yield(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, str]:
        try:
            yield failing_later(KeyError("inner"))
        except KeyError as e:
            return f"caught {e}"
        return "not reached"

    assert io_loop.run_sync(f) == "caught 'inner'"


def test_uncaught_exception_fails_the_future(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, None]:
        yield later(None)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        io_loop.run_sync(f)


def test_bad_yield_is_thrown_into_the_generator(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, str]:
        try:
            yield 42
        except gen.BadYieldError as e:
            return str(e)
        return "no"

    assert io_loop.run_sync(f) == "yielded unknown object 42"


def test_resolved_steps_run_synchronously(io_loop: IOLoop) -> None:
    steps: list[int] = []

    @gen.coroutine
    def f() -> Generator[Any, Any, str]:
        for i in range(3):
            steps.append((yield resolved(i)))
        return "done"

    async def main() -> None:
        fut = f()
        # Nothing had to wait, so the whole coroutine ran inside the call.
        assert fut.done() and fut.result() == "done"
        assert steps == [0, 1, 2]

    io_loop.run_sync(main)


def test_moment_lets_the_loop_run(io_loop: IOLoop) -> None:
    order: list[str] = []

    @gen.coroutine
    def f() -> Generator[Any, Any, None]:
        order.append("start")
        yield gen.moment
        order.append("resumed")

    async def main() -> None:
        IOLoop.current().add_callback(order.append, "callback")
        fut = f()
        assert not fut.done()
        await fut
        await gen.moment  # also awaitable from native code

    io_loop.run_sync(main)
    assert order == ["start", "callback", "resumed"]


def test_deep_chain_of_resolved_yields_does_not_recurse(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, int]:
        total = 0
        for i in range(20000):
            total += yield resolved(i)
        return total

    assert io_loop.run_sync(f) == sum(range(20000))


def test_result_is_awaitable_and_callback_friendly(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f(x: int) -> Generator[Any, Any, int]:
        yield gen.sleep(0.001)
        return x + 1

    seen: list[int] = []

    async def main() -> int:
        fut = f(1)
        IOLoop.current().add_future(fut, lambda done: seen.append(done.result()))
        value = await f(10)
        await fut
        await asyncio.sleep(0)
        return value

    assert io_loop.run_sync(main) == 11
    assert seen == [2]


def test_non_generator_function(io_loop: IOLoop) -> None:
    @gen.coroutine
    def plain(x: int) -> int:
        return x * 2

    @gen.coroutine
    def raising() -> None:
        raise KeyError("sync")

    @gen.coroutine
    def returns_awaitable() -> Any:
        return sleeper

    sleeper = asyncio.sleep(0, "later")

    async def main() -> None:
        assert await plain(4) == 8
        assert await returns_awaitable() is sleeper  # the value, as returned: not awaited for you
        assert await sleeper == "later"
        with pytest.raises(KeyError):
            await raising()

    io_loop.run_sync(main)


def test_coroutine_marks_and_wraps() -> None:
    def original() -> Generator[Any, Any, None]:
        yield None

    wrapped = gen.coroutine(original)
    assert gen.is_coroutine_function(wrapped)
    assert not gen.is_coroutine_function(original)
    assert wrapped.__wrapped__ is original  # type: ignore[attr-defined]
    assert wrapped.__name__ == "original"


def test_contextvars_follow_the_coroutine(io_loop: IOLoop) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="outer")

    @gen.coroutine
    def f() -> Generator[Any, Any, list[str]]:
        seen = [var.get()]
        var.set("inner")
        yield later(None)
        seen.append(var.get())  # kept across the suspension
        return seen

    async def main() -> None:
        var.set("caller")
        assert await f() == ["caller", "inner"]
        assert var.get() == "caller"  # not leaked to the caller

    io_loop.run_sync(main)


def test_cancelled_result_lets_the_generator_finish(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    steps: list[str] = []

    @gen.coroutine
    def f(fail: bool) -> Generator[Any, Any, str]:
        yield later(None, 0.005)
        steps.append("continued")
        if fail:
            raise KeyError("after cancel")
        return "dropped"

    async def main() -> None:
        for fail in (False, True):
            fut = f(fail)
            fut.cancel()
            await gen.sleep(0.02)
            assert fut.cancelled()

    with caplog.at_level("ERROR", logger="tornado.application"):
        io_loop.run_sync(main)
    assert steps == ["continued", "continued"]
    assert "Exception after Future was cancelled" in caplog.text and "after cancel" in caplog.text


# -- sleep, multi ---------------------------------------------------------------------


def test_sleep_resolves_none_after_delay(io_loop: IOLoop) -> None:
    async def main() -> tuple[Any, float]:
        start = io_loop.time()
        sleeping = gen.sleep(0.02)
        await sleeping
        return sleeping.result(), io_loop.time() - start

    value, elapsed = io_loop.run_sync(main)
    assert value is None and elapsed >= 0.015


def test_multi_raises_first_and_logs_others(io_loop: IOLoop, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        with pytest.raises(KeyError):
            await gen.multi(
                [failing_later(KeyError("first"), 0.02), failing_later(ValueError("second"), 0.01)]
            )

    with caplog.at_level("ERROR", logger="tornado.application"):
        io_loop.run_sync(main)
    assert "Multiple exceptions in yield list" in caplog.text
    assert "ValueError: second" in caplog.text


def test_multi_quiet_exceptions(io_loop: IOLoop, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        with pytest.raises(KeyError):
            await gen.multi_future(
                [failing_later(KeyError("first")), failing_later(ValueError("quiet"))],
                quiet_exceptions=ValueError,
            )

    with caplog.at_level("ERROR", logger="tornado.application"):
        io_loop.run_sync(main)
    assert "quiet" not in caplog.text


def test_multi_dict_and_bad_input(io_loop: IOLoop) -> None:
    async def main() -> None:
        assert await gen.multi({"a": later(1), "b": later(2, 0.001)}) == {"a": 1, "b": 2}
        assert await gen.multi({}) == {}
        with pytest.raises(TypeError):
            gen.multi("ab")  # type: ignore[arg-type]

    io_loop.run_sync(main)


def test_Multi_is_multi(io_loop: IOLoop) -> None:
    assert gen.Multi is gen.multi

    async def main() -> None:
        assert await gen.Multi({"a": later(1), "b": later(2)}) == {"a": 1, "b": 2}

    io_loop.run_sync(main)


# -- with_timeout -------------------------------------------------------------------


def test_with_timeout_timedelta_and_absolute(io_loop: IOLoop) -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError):
            await gen.with_timeout(datetime.timedelta(seconds=0.01), later("slow", 1))
        with pytest.raises(TimeoutError):
            await gen.with_timeout(io_loop.time() + 0.01, later("slow", 1))
        assert await gen.with_timeout(datetime.timedelta(seconds=1), later("fast")) == "fast"
        assert await gen.with_timeout(io_loop.time() + 1, asyncio.sleep(0, "coro")) == "coro"

    io_loop.run_sync(main)
    assert TimeoutError is asyncio.TimeoutError


def test_with_timeout_message_text_or_callable(io_loop: IOLoop) -> None:
    calls: list[int] = []

    def describe() -> str:
        calls.append(1)
        return "no answer from the backend"

    async def main() -> None:
        with pytest.raises(TimeoutError, match="^Timeout$"):
            await gen.with_timeout(datetime.timedelta(seconds=0.005), later("slow", 1))
        with pytest.raises(TimeoutError, match="^waited too long$"):
            await gen.with_timeout(
                datetime.timedelta(seconds=0.005), later("slow", 1), message="waited too long"
            )
        # A callable message is formatted only when the timeout fires.
        assert (
            await gen.with_timeout(datetime.timedelta(seconds=1), later("fast"), message=describe) == "fast"
        )
        assert calls == []
        with pytest.raises(TimeoutError, match="^no answer from the backend$"):
            await gen.with_timeout(datetime.timedelta(seconds=0.005), later("slow", 1), message=describe)
        assert calls == [1]

    io_loop.run_sync(main)


def test_with_timeout_does_not_cancel_and_logs_late_failure(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        inner = failing_later(KeyError("late"), 0.03)
        quiet = failing_later(ValueError("hush"), 0.03)
        with pytest.raises(TimeoutError):
            await gen.with_timeout(datetime.timedelta(seconds=0.005), inner)
        with pytest.raises(TimeoutError):
            await gen.with_timeout(datetime.timedelta(seconds=0.005), quiet, quiet_exceptions=(ValueError,))
        assert not inner.done()
        await gen.sleep(0.05)
        assert isinstance(inner.exception(), KeyError)

    with caplog.at_level("ERROR", logger="tornado.application"):
        io_loop.run_sync(main)
    assert re.search(
        r"Exception in Future <Future finished exception=KeyError\(.late.\)> after timeout", caplog.text
    )
    assert "KeyError: 'late'" in caplog.text
    assert "hush" not in caplog.text


# -- convert_yielded, maybe_future ------------------------------------------------------


def test_convert_yielded_can_be_extended(io_loop: IOLoop) -> None:
    class Deferred:
        def __init__(self, value: Any) -> None:
            self.value = value

    @gen.convert_yielded.register(Deferred)
    def _(d: Deferred) -> asyncio.Future[Any]:
        return resolved(d.value)

    @gen.coroutine
    def f() -> Generator[Any, Any, Any]:
        return (yield Deferred("custom"))

    assert io_loop.run_sync(f) == "custom"


def test_convert_yielded_and_maybe_future(io_loop: IOLoop) -> None:
    async def main() -> None:
        f = resolved(1)
        assert gen.convert_yielded(f) is f
        assert await gen.maybe_future(7) == 7
        assert gen.maybe_future(f) is f
        with pytest.raises(gen.BadYieldError):
            gen.convert_yielded(object())

    io_loop.run_sync(main)


# -- WaitIterator -------------------------------------------------------------------


def test_wait_iterator_in_completion_order(io_loop: IOLoop) -> None:
    @gen.coroutine
    def f() -> Generator[Any, Any, list[Any]]:
        it = gen.WaitIterator(later("slow", 0.03), later("fast", 0.001), resolved("now"))
        seen = []
        while not it.done():
            result = yield it.next()
            seen.append((it.current_index, result, it.current_future.result()))  # type: ignore[union-attr]
        assert it.current_index is None
        return seen

    assert io_loop.run_sync(f) == [(2, "now", "now"), (1, "fast", "fast"), (0, "slow", "slow")]


def test_wait_iterator_async_for_with_keywords_and_errors(io_loop: IOLoop) -> None:
    async def main() -> list[Any]:
        seen: list[Any] = []
        it = gen.WaitIterator(a=later(1, 0.02), b=failing_later(KeyError("b"), 0.001))
        while not it.done():
            try:
                value = await it.next()
                seen.append((it.current_index, value))
            except KeyError:
                seen.append((it.current_index, "error"))
        async for value in gen.WaitIterator(later("x"), resolved("y")):
            seen.append(value)
        return seen

    assert io_loop.run_sync(main) == [("b", "error"), ("a", 1), "y", "x"]


def test_wait_iterator_rejects_mixed_arguments(io_loop: IOLoop) -> None:
    with pytest.raises(ValueError, match="args or kwargs"):
        gen.WaitIterator(resolved(1), b=resolved(2))
    assert gen.WaitIterator().done()
