"""AsyncTestCase: a fresh IOLoop per test, stop()/wait(), failures in callbacks, teardown."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import warnings
from typing import Any

from tornado.ioloop import IOLoop
from tornado.testing import AsyncTestCase, ExpectLog


def test_each_test_gets_a_fresh_current_loop_closed_afterwards(run_case: Any) -> None:
    seen: list[IOLoop] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            assert IOLoop.current() is self.io_loop
            seen.append(self.io_loop)

    assert run_case(Case, "test_a").status == "passed"
    assert run_case(Case, "test_a").status == "passed"
    first, second = seen
    assert first is not second
    assert first.asyncio_loop.is_closed() and second.asyncio_loop.is_closed()
    assert IOLoop.current(instance=False) is None


def test_the_loop_current_before_the_test_is_current_again_after(run_case: Any) -> None:
    outer = IOLoop(make_current=True)
    try:

        class Case(AsyncTestCase):
            def test_a(self) -> None:
                assert IOLoop.current() is not outer

        assert run_case(Case, "test_a").status == "passed"
        assert IOLoop.current(instance=False) is outer
        assert asyncio.get_event_loop() is outer.asyncio_loop
    finally:
        IOLoop.clear_current()
        outer.close()
        asyncio.set_event_loop(None)


def test_get_new_ioloop_supplies_the_loop(run_case: Any) -> None:
    mine = IOLoop(make_current=False)
    try:

        class Case(AsyncTestCase):
            def get_new_ioloop(self) -> IOLoop:
                return mine

            def test_a(self) -> None:
                assert self.io_loop is mine and IOLoop.current() is mine

        assert run_case(Case, "test_a").status == "passed"
        assert mine.asyncio_loop.is_closed()
    finally:
        mine.close()


def test_stop_arguments_are_what_wait_returns_over_several_cycles(run_case: Any) -> None:
    got: list[Any] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.io_loop.add_callback(self.stop, "positional")
            got.append(self.wait())
            self.io_loop.call_later(0.01, lambda: self.stop(code=200, body=b"x"))
            got.append(self.wait())
            self.io_loop.add_callback(self.stop)
            got.append(self.wait())

    assert run_case(Case, "test_a").status == "passed"
    assert got == ["positional", {"code": 200, "body": b"x"}, None]


def test_stop_before_wait_makes_wait_return_at_once(run_case: Any) -> None:
    got: list[Any] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.stop(42)
            got.append(self.wait(timeout=0.5))

    assert run_case(Case, "test_a").status == "passed"
    assert got == [42]


def test_stop_refuses_both_kinds_of_arguments(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.stop(1, code=2)

    outcome = run_case(Case, "test_a")
    assert outcome.status == "error"
    assert "either one positional argument or keyword arguments" in str(outcome.exception)


def test_wait_with_condition_restarts_the_loop_until_it_holds(run_case: Any) -> None:
    stops: list[int] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            def tick() -> None:
                stops.append(1)
                self.stop()
                if len(stops) < 3:
                    self.io_loop.add_callback(tick)

            self.io_loop.add_callback(tick)
            self.wait(condition=lambda: len(stops) >= 3)

    assert run_case(Case, "test_a").status == "passed"
    assert len(stops) == 3


def test_wait_timeout_fails_the_test_saying_so(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.wait(timeout=0.05)

    outcome = run_case(Case, "test_a")
    assert outcome.status == "failed"
    assert isinstance(outcome.exception, AssertionError)
    assert "timed out after 0.05 seconds" in str(outcome.exception)
    assert "stop()" in str(outcome.exception)


def test_wait_uses_async_test_timeout_from_the_environment(run_case: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.05")

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.wait()

    outcome = run_case(Case, "test_a")
    assert outcome.status == "failed"
    assert "after 0.05 seconds" in str(outcome.exception)


def test_wait_rejects_a_timeout_that_is_not_a_number(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            self.wait(timeout="soon")  # type: ignore[arg-type]

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, TypeError)
    assert "wait() timeout must be a number of seconds, not 'soon'" in str(outcome.exception)


def test_an_exception_in_a_callback_fails_the_test_at_wait(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            def boom() -> None:
                raise ZeroDivisionError("from a callback")

            self.io_loop.add_callback(boom)
            self.wait(timeout=5)

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, ZeroDivisionError)
    assert "from a callback" in outcome.text
    assert "boom" in outcome.text  # the callback's own frame is in the report


def test_an_exception_in_a_timeout_or_io_handler_fails_the_test_too(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_timeout(self) -> None:
            self.io_loop.call_later(0.01, lambda: 1 / 0)
            self.wait(timeout=5)

        def test_handler(self) -> None:
            a, b = socket.socketpair()
            self.addCleanup(a.close)
            self.addCleanup(b.close)

            def on_readable(fd: Any, events: int) -> None:
                raise KeyError("handler")

            self.io_loop.add_handler(a, on_readable, IOLoop.READ)
            b.send(b"x")
            self.wait(timeout=5)

    assert isinstance(run_case(Case, "test_timeout").exception, ZeroDivisionError)
    assert isinstance(run_case(Case, "test_handler").exception, KeyError)


def test_a_callback_exception_expected_with_expectlog_does_not_fail(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            with ExpectLog("tornado.application", "Exception in callback"):
                self.io_loop.add_callback(lambda: 1 / 0)
                self.io_loop.call_later(0.05, self.stop)
                self.wait(timeout=5)

    assert run_case(Case, "test_a").status == "passed"


def test_a_callback_failure_with_no_wait_is_reported_at_teardown(run_case: Any) -> None:
    class Case(AsyncTestCase):
        def test_a(self) -> None:
            async def bad() -> None:
                raise LookupError("left behind")

            self.io_loop.add_callback(bad)
            # Nothing runs the loop here; tearDown does, to cancel what is left.
            self.io_loop.run_sync(lambda: asyncio.sleep(0.01))

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, LookupError)


def test_only_callback_failures_on_the_test_loop_count(run_case: Any) -> None:
    log = logging.getLogger("tornado.application")

    def log_error(message: str) -> None:
        try:
            raise ValueError(message)
        except ValueError:
            log.error(message, exc_info=True)

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            log_error("Exception in callback, logged outside the loop")
            self.io_loop.add_callback(log_error, "Uncaught exception GET / (a handler's, not a callback's)")
            self.io_loop.call_later(0.01, self.stop)
            self.wait()

    assert run_case(Case, "test_a").status == "passed"


def test_async_and_generator_methods_without_gen_test_are_refused(run_case: Any) -> None:
    class Case(AsyncTestCase):
        async def test_coro(self) -> None:
            raise AssertionError("never runs")

        def test_gen(self) -> Any:
            yield
            raise AssertionError("never runs")

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited" left behind
        coro = run_case(Case, "test_coro")
        generator = run_case(Case, "test_gen")
        gc.collect()
    assert isinstance(coro.exception, TypeError)
    assert "returned a coroutine that nothing ran" in str(coro.exception)
    assert "gen_test" in str(coro.exception)
    assert "returned a generator" in str(generator.exception)


def test_tasks_left_running_are_cancelled_and_unwound_in_teardown(run_case: Any) -> None:
    events: list[str] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            async def forever() -> None:
                try:
                    await asyncio.sleep(3600)
                finally:
                    events.append("unwound")

            self.io_loop.run_sync(lambda: asyncio.sleep(0))
            self.io_loop.add_callback(forever)
            self.io_loop.add_callback(self.stop)
            self.wait()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_case(Case, "test_a").status == "passed"
        gc.collect()
    assert events == ["unwound"]


def test_tear_down_closes_file_descriptors_left_on_the_loop(run_case: Any) -> None:
    left: list[socket.socket] = []

    class Case(AsyncTestCase):
        def test_a(self) -> None:
            a, b = socket.socketpair()
            left.extend([a, b])
            self.io_loop.add_handler(a, lambda fd, ev: None, IOLoop.READ)

    assert run_case(Case, "test_a").status == "passed"
    assert left[0].fileno() == -1
    left[1].close()


def test_a_failing_set_up_still_closes_the_loop_and_detaches(run_case: Any) -> None:
    seen: list[IOLoop] = []
    handlers_before = list(logging.getLogger("tornado.application").handlers)

    class Case(AsyncTestCase):
        def setUp(self) -> None:
            super().setUp()
            seen.append(self.io_loop)
            raise RuntimeError("setUp went wrong")

        def test_a(self) -> None:
            raise AssertionError("not reached")

    outcome = run_case(Case, "test_a")
    assert "setUp went wrong" in str(outcome.exception)
    assert seen[0].asyncio_loop.is_closed()
    assert logging.getLogger("tornado.application").handlers == handlers_before
    assert IOLoop.current(instance=False) is None
