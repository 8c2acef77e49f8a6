from __future__ import annotations

import asyncio
import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from tornado.ioloop import IOLoop


def then_stop(io_loop: IOLoop, fn: Callable[..., object], *bound: Any) -> Callable[..., None]:
    """A callback that runs ``fn(*bound, *args)`` and then stops the loop."""

    def run(*args: Any, **kwargs: Any) -> None:
        fn(*bound, *args, **kwargs)
        io_loop.stop()

    return run


def test_instance_is_a_singleton_and_current_in_main_thread() -> None:
    a = IOLoop.instance()
    assert IOLoop.instance() is a
    assert IOLoop.current() is a
    assert IOLoop.initialized()


def test_instance_start_stop_1_0_style() -> None:
    seen: list[str] = []

    def cb() -> None:
        seen.append("ran")
        IOLoop.instance().stop()

    IOLoop.instance().add_callback(cb)
    IOLoop.instance().start()
    assert seen == ["ran"]


def test_current_without_instance_returns_none_when_not_allowed() -> None:
    def in_thread(out: list[Any]) -> None:
        out.append(IOLoop.current(instance=False))

    out: list[Any] = []
    t = threading.Thread(target=in_thread, args=(out,))
    t.start()
    t.join()
    assert out == [None]


def test_current_in_other_thread_is_its_own_loop(io_loop: IOLoop) -> None:
    out: list[Any] = []

    def in_thread() -> None:
        loop = IOLoop.current()
        out.append(loop)
        out.append(IOLoop.current())
        assert loop is not None
        loop.close()

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert out[0] is out[1]
    assert out[0] is not io_loop


def test_make_current(io_loop: IOLoop) -> None:
    assert IOLoop.current() is io_loop
    other = IOLoop()
    try:
        other.make_current()
        assert IOLoop.current() is other
    finally:
        other.close()
    assert IOLoop.current(instance=False) is None


def test_stop_before_start_returns_promptly(io_loop: IOLoop) -> None:
    io_loop.stop()
    io_loop.start()  # would hang without the earlier stop


def test_stop_inside_the_loop_still_runs_callbacks_queued_before_it(io_loop: IOLoop) -> None:
    seen: list[str] = []

    def cb() -> None:
        io_loop.add_callback(seen.append, "queued before stop")  # a server's pending writes
        io_loop.stop()
        io_loop.add_callback(seen.append, "queued after stop")

    io_loop.add_callback(cb)
    io_loop.start()
    assert seen[:1] == ["queued before stop"]


def test_start_twice_is_an_error(io_loop: IOLoop) -> None:
    errors: list[BaseException] = []

    def cb() -> None:
        try:
            io_loop.start()
        except RuntimeError as e:
            errors.append(e)
        io_loop.stop()

    io_loop.add_callback(cb)
    io_loop.start()
    assert len(errors) == 1


def test_add_callback_args_kwargs_and_order(io_loop: IOLoop) -> None:
    seen: list[Any] = []
    io_loop.add_callback(seen.append, 1)
    io_loop.add_callback(lambda x, y=0: seen.append(x + y), 2, y=3)
    io_loop.add_callback(io_loop.stop)
    io_loop.start()
    assert seen == [1, 5]


def test_add_callback_is_thread_safe(io_loop: IOLoop) -> None:
    count = 0
    n_threads, per_thread = 4, 250
    total = n_threads * per_thread

    def incr() -> None:
        nonlocal count
        count += 1
        if count == total:
            io_loop.stop()

    def worker() -> None:
        for _ in range(per_thread):
            io_loop.add_callback(incr)

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]

    # Threads start while the loop is blocked waiting: add_callback must wake it.
    def start_threads() -> None:
        for t in threads:
            t.start()

    io_loop.add_callback(start_threads)
    io_loop.add_timeout(datetime.timedelta(seconds=30), io_loop.stop)
    io_loop.start()
    for t in threads:
        t.join()
    assert count == total


def test_stop_from_other_thread(io_loop: IOLoop) -> None:
    started = threading.Event()
    io_loop.add_callback(started.set)

    def stop_when_started() -> None:
        started.wait(10)
        io_loop.stop()

    t = threading.Thread(target=stop_when_started)
    t.start()
    io_loop.add_timeout(datetime.timedelta(seconds=30), lambda: pytest.fail("stop() from thread ignored"))
    io_loop.start()
    t.join()


def test_add_callback_from_signal(io_loop: IOLoop) -> None:
    import signal

    seen: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        io_loop.add_callback_from_signal(seen.append, signum)
        io_loop.add_callback_from_signal(io_loop.stop)

    old = signal.signal(signal.SIGUSR1, handler)
    try:
        io_loop.add_callback(lambda: signal.raise_signal(signal.SIGUSR1))
        io_loop.start()
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert seen == [signal.SIGUSR1]


def test_add_timeout_with_time_time_deadline(io_loop: IOLoop) -> None:
    seen: list[Any] = []
    start = time.time()
    io_loop.add_timeout(start + 0.02, then_stop(io_loop, lambda a, b=None: seen.append((a, b))), "x", b="y")
    io_loop.start()
    assert seen == [("x", "y")]
    # Not before the deadline, give or take the loop clock's granularity (libuv under uvloop
    # keeps time in whole milliseconds, so a timer may run up to 1 ms early by the wall clock).
    assert time.time() >= start + 0.02 - 0.002


def test_add_timeout_with_timedelta_and_ordering(io_loop: IOLoop) -> None:
    seen: list[str] = []
    io_loop.add_timeout(datetime.timedelta(milliseconds=30), then_stop(io_loop, seen.append, "late"))
    io_loop.add_timeout(datetime.timedelta(milliseconds=1), seen.append, "early")
    io_loop.start()
    assert seen == ["early", "late"]


def test_remove_timeout(io_loop: IOLoop) -> None:
    seen: list[str] = []
    handle = io_loop.add_timeout(time.time() + 0.01, seen.append, "removed")
    io_loop.remove_timeout(handle)
    io_loop.call_later(0.03, io_loop.stop)
    io_loop.start()
    assert seen == []
    io_loop.remove_timeout(handle)  # removing twice is harmless


def test_call_later_and_call_at(io_loop: IOLoop) -> None:
    seen: list[str] = []
    io_loop.call_later(0.01, seen.append, "later")
    io_loop.call_at(io_loop.time() + 0.02, then_stop(io_loop, seen.append, "at"))
    io_loop.start()
    assert seen == ["later", "at"]


def test_past_deadline_runs_promptly(io_loop: IOLoop) -> None:
    seen: list[str] = []
    io_loop.add_timeout(time.time() - 100, then_stop(io_loop, seen.append, "ran"))
    io_loop.start()
    assert seen == ["ran"]


def test_time_is_wall_clock(io_loop: IOLoop) -> None:
    before = time.time()
    t = io_loop.time()
    assert before <= t <= time.time()


@pytest.mark.parametrize(
    "call",
    [
        lambda lp: lp.add_timeout("soon", lambda: None),
        lambda lp: lp.add_timeout(1.0, "not callable"),
        lambda lp: lp.call_later("1", lambda: None),
        lambda lp: lp.call_at(None, lambda: None),
        lambda lp: lp.add_callback(42),
        lambda lp: lp.remove_timeout("handle"),
        lambda lp: lp.add_future("not a future", lambda f: None),
    ],
)
def test_bad_arguments_raise_type_error(io_loop: IOLoop, call: Any) -> None:
    with pytest.raises(TypeError):
        call(io_loop)


def test_exceptions_in_callbacks_are_logged_and_loop_continues(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(kind: str) -> None:
        raise ZeroDivisionError(kind)

    seen: list[str] = []
    io_loop.add_callback(boom, "from add_callback")
    io_loop.add_timeout(datetime.timedelta(milliseconds=1), boom, "from timeout")
    io_loop.add_timeout(datetime.timedelta(milliseconds=20), then_stop(io_loop, seen.append, "still running"))
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert seen == ["still running"]
    records = [r for r in caplog.records if r.name == "tornado.application"]
    assert len(records) == 2
    for rec in records:
        assert rec.exc_info is not None and rec.exc_info[0] is ZeroDivisionError
    assert "ZeroDivisionError: from add_callback" in caplog.text
    assert "ZeroDivisionError: from timeout" in caplog.text


def test_spawn_callback_runs_coroutines_and_logs_their_errors(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def good() -> None:
        await asyncio.sleep(0)
        seen.append("good")

    async def bad() -> None:
        await asyncio.sleep(0)
        raise KeyError("inside coroutine")

    io_loop.spawn_callback(good)
    io_loop.spawn_callback(bad)
    io_loop.call_later(0.02, io_loop.stop)
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert seen == ["good"]
    assert "inside coroutine" in caplog.text


def test_add_callback_after_close_is_dropped(io_loop: IOLoop) -> None:
    other = IOLoop()
    other.close()
    other.add_callback(lambda: None)  # no exception
    with pytest.raises(RuntimeError, match="closed"):
        other.start()


def test_close_while_running_is_an_error(io_loop: IOLoop) -> None:
    errors: list[BaseException] = []

    def cb() -> None:
        try:
            io_loop.close()
        except RuntimeError as e:
            errors.append(e)
        io_loop.stop()

    io_loop.add_callback(cb)
    io_loop.start()
    assert len(errors) == 1
    # Still usable: the failed close() changed nothing.
    assert io_loop.run_sync(lambda: "alive") == "alive"
