"""gen_test: async def and generator tests on the test's IOLoop, timeouts and their messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tornado import gen, locks
from tornado.ioloop import IOLoop
from tornado.testing import AsyncTestCase, ExpectLog, gen_test, get_async_test_timeout


def test_async_def_test_runs_on_the_test_loop(run_case: Any) -> None:
    ran: list[bool] = []

    class Case(AsyncTestCase):
        @gen_test
        async def test_a(self) -> None:
            assert asyncio.get_running_loop() is self.io_loop.asyncio_loop
            assert IOLoop.current() is self.io_loop
            await asyncio.sleep(0.01)
            ran.append(True)

    assert run_case(Case, "test_a").status == "passed"
    assert ran == [True]


def test_generator_test_runs_through_gen_coroutine(run_case: Any) -> None:
    got: list[Any] = []

    class Case(AsyncTestCase):
        @gen_test
        def test_a(self) -> Any:
            assert asyncio.get_running_loop() is self.io_loop.asyncio_loop  # first step too
            value = yield gen.sleep(0.01)
            both = yield [gen.maybe_future(1), gen.maybe_future(2)]
            got.append((value, both))

    assert run_case(Case, "test_a").status == "passed"
    assert got == [(None, [1, 2])]


def test_failures_inside_the_coroutine_fail_the_test(run_case: Any) -> None:
    class Case(AsyncTestCase):
        @gen_test
        async def test_assert(self) -> None:
            await asyncio.sleep(0)
            self.assertEqual(1, 2)

        @gen_test(timeout=3)
        def test_raise(self) -> Any:
            yield gen.moment
            raise KeyError("in the generator")

    assert run_case(Case, "test_assert").status == "failed"
    outcome = run_case(Case, "test_raise")
    assert outcome.status == "error" and isinstance(outcome.exception, KeyError)


def test_gen_test_passes_arguments_along(run_case: Any) -> None:
    got: list[Any] = []

    class Case(AsyncTestCase):
        @gen_test
        async def helper(self, a: int, b: int = 0) -> int:
            await asyncio.sleep(0)
            return a + b

        def test_a(self) -> None:
            got.append(self.helper(2, b=3))

    assert run_case(Case, "test_a").status == "passed"
    assert got == [5]


def test_a_gen_coroutine_method_under_gen_test(run_case: Any) -> None:
    class Case(AsyncTestCase):
        @gen_test
        @gen.coroutine
        def test_a(self) -> Any:
            yield gen.sleep(0)
            wrapped = type(self).test_a.__wrapped__  # type: ignore[attr-defined]  # set by functools.wraps
            self.assertTrue(gen.is_coroutine_function(wrapped))

    assert run_case(Case, "test_a").status == "passed"


def test_timeout_says_which_test_and_where_it_was_waiting(run_case: Any) -> None:
    unwound: list[str] = []

    class Case(AsyncTestCase):
        @gen_test(timeout=0.05)
        async def test_stuck(self) -> None:
            event = locks.Event()
            try:
                await self.wait_for_it(event)
            finally:
                unwound.append("finally ran")

        async def wait_for_it(self, event: locks.Event) -> None:
            await event.wait()  # the line the report points at

    outcome = run_case(Case, "test_stuck")
    text = str(outcome.exception)
    assert isinstance(outcome.exception, asyncio.TimeoutError)
    assert text.startswith("Operation timed out after 0.05 seconds")
    assert "test_stuck" in text
    assert "in wait_for_it" in text and "await event.wait()  # the line the report points at" in text
    assert "gen_test(timeout=...)" in text and "ASYNC_TEST_TIMEOUT" in text
    assert unwound == ["finally ran"]


def test_timeout_of_a_generator_test_points_at_its_yield(run_case: Any) -> None:
    closed: list[str] = []

    class Case(AsyncTestCase):
        @gen_test(timeout=0.05)
        def test_stuck(self) -> Any:
            try:
                yield locks.Event().wait()
            finally:
                closed.append("closed")

    outcome = run_case(Case, "test_stuck")
    assert isinstance(outcome.exception, asyncio.TimeoutError)
    assert "yield locks.Event().wait()" in str(outcome.exception)
    assert closed == ["closed"]


def test_environment_timeout_is_the_default(run_case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.05")

    class Case(AsyncTestCase):
        @gen_test
        async def test_a(self) -> None:
            await locks.Event().wait()

    assert "after 0.05 seconds" in str(run_case(Case, "test_a").exception)


def test_the_larger_of_environment_and_argument_wins(run_case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Case(AsyncTestCase):
        @gen_test(timeout=0.05)
        async def test_a(self) -> None:
            await locks.Event().wait()

    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.1")
    assert "after 0.1 seconds" in str(run_case(Case, "test_a").exception)
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.02")
    assert "after 0.05 seconds" in str(run_case(Case, "test_a").exception)


def test_get_async_test_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASYNC_TEST_TIMEOUT", raising=False)
    assert get_async_test_timeout() == 5.0
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "12.5")
    assert get_async_test_timeout() == 12.5
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "")
    assert get_async_test_timeout() == 5.0


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "nan", "inf"])
def test_a_bad_environment_timeout_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", raw)
    with pytest.raises(ValueError, match="ASYNC_TEST_TIMEOUT"):
        get_async_test_timeout()


@pytest.mark.parametrize("bad", ["10", object(), True, [1]])
def test_a_timeout_that_is_not_a_number_is_refused_when_decorating(bad: Any) -> None:
    with pytest.raises(TypeError, match="gen_test timeout must be a number of seconds"):

        @gen_test(timeout=bad)
        async def test_a(self: Any) -> None:
            pass


@pytest.mark.parametrize("bad", [0, -3, float("nan"), float("inf")])
def test_a_timeout_that_is_not_positive_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="gen_test timeout must be a positive, finite number"):
        gen_test(timeout=bad)


def test_gen_test_outside_an_async_test_case_says_what_is_missing() -> None:
    class NotAsync:
        @gen_test
        async def test_a(self) -> None:
            pass

    with pytest.raises(TypeError, match="needs an AsyncTestCase with an io_loop"):
        NotAsync().test_a()


def test_a_callback_failure_ends_the_test_at_once_with_that_exception(run_case: Any) -> None:
    class Case(AsyncTestCase):
        @gen_test(timeout=30)
        async def test_a(self) -> None:
            self.io_loop.call_later(0.01, lambda: dict[str, int]()["missing key"])
            await locks.Event().wait()  # would wait for the whole timeout

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, KeyError)
    assert outcome.events == ["error"]  # reported once, not again by tearDown


def test_a_callback_failure_during_a_passing_test_fails_it(run_case: Any) -> None:
    class Case(AsyncTestCase):
        @gen_test
        async def test_a(self) -> None:
            self.io_loop.add_callback(lambda: 1 / 0)
            await asyncio.sleep(0.01)

        @gen_test
        async def test_expected(self) -> None:
            with ExpectLog("tornado.application", "Exception in callback"):
                self.io_loop.add_callback(lambda: 1 / 0)
                await asyncio.sleep(0.01)

    assert isinstance(run_case(Case, "test_a").exception, ZeroDivisionError)
    assert run_case(Case, "test_expected").status == "passed"


def test_the_test_own_failure_wins_over_a_callback_failure(run_case: Any) -> None:
    class Case(AsyncTestCase):
        @gen_test
        async def test_a(self) -> None:
            self.io_loop.add_callback(lambda: 1 / 0)
            raise LookupError("the test's own")

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, LookupError)
    assert outcome.events == ["error"]
