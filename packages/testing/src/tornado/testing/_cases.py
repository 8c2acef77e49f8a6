"""AsyncTestCase and gen_test: unittest tests of IOLoop-based code."""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import unittest
import warnings
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Union, overload

from tornado import gen
from tornado.ioloop import IOLoop

from ._runner import (
    CallbackFailures,
    cancel_leftover_tasks,
    check_timeout,
    env_timeout,
    get_async_test_timeout,
    run_on_loop,
)

__all__ = ["AsyncTestCase", "gen_test"]

_TestMethod = Callable[..., Union[Generator[Any, Any, Any], Coroutine[Any, Any, Any], Any]]
# What @gen_test makes of a test method: a plain method that runs it to the end (Tornado 6 types it
# so too); mypy then knows the call needs no await.
_SyncMethod = Callable[..., None]


class AsyncTestCase(unittest.TestCase):
    """A TestCase whose tests run on a fresh IOLoop, ``self.io_loop``, closed in tearDown.

    Write tests as ``async def`` or generator methods decorated with :func:`gen_test`, or in
    the older style: start work whose callbacks call :meth:`stop`, then :meth:`wait` for it.
    An exception that escapes an IOLoop callback fails the test (``wait`` or ``gen_test``
    raises it) instead of only being logged; wrap it in ``ExpectLog`` when it is expected.
    Override :meth:`get_new_ioloop` to supply another loop.
    """

    io_loop: IOLoop

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        self.__stopped = False
        self.__running = False
        self.__failure: BaseException | None = None
        self.__stop_args: Any = None
        self.__timeout_handle: Any = None
        self.__failures: CallbackFailures | None = None
        self.__previous_loop: IOLoop | None = None
        self.__recorded: list[BaseException] = []

    def setUp(self) -> None:
        super().setUp()
        self.__previous_loop = IOLoop.current(instance=False)
        self.io_loop = self.get_new_ioloop()
        self.io_loop.make_current()
        self.__failures = CallbackFailures(self.io_loop, self.__on_callback_failure).install()
        self.__recorded = self.__failures.failures
        # Also when a subclass's setUp fails after this, and tearDown is not called.
        self.addCleanup(self.__release_loop)

    def tearDown(self) -> None:
        try:
            cancel_leftover_tasks(self.io_loop)
        finally:
            self.__release_loop()
            super().tearDown()
        self.__rethrow()

    def __release_loop(self) -> None:
        """Close the test's loop (unless it is the global instance) and make the loop that was
        current before the test current again; once."""
        failures, self.__failures = self.__failures, None
        if failures is None:
            return
        failures.remove()
        loop = self.io_loop
        if not (IOLoop.initialized() and loop is IOLoop.instance()):
            loop.close(all_fds=True)
        previous = self.__previous_loop
        if previous is not None and previous is not loop and not previous.asyncio_loop.is_closed():
            previous.make_current()
        else:
            IOLoop.clear_current()
            asyncio.set_event_loop(None)

    def get_new_ioloop(self) -> IOLoop:
        """The IOLoop for one test; a new one by default (it is made current in setUp)."""
        return IOLoop(make_current=False)

    # -- failures ------------------------------------------------------------------

    def __on_callback_failure(self, exc: BaseException) -> None:
        if self.__failure is None:
            self.__failure = exc
        if self.__running:
            self.stop()

    def _callback_failures(self) -> CallbackFailures | None:
        return self.__failures

    def _forget_failures(self) -> None:
        """Drop recorded callback failures: the test's own exception is being reported."""
        self.__failure = None
        self.__recorded.clear()

    def __rethrow(self) -> None:
        failure = self.__failure
        if failure is None and self.__recorded:
            failure = self.__recorded[0]
        self.__failure = None
        self.__recorded.clear()
        if failure is not None:
            raise failure

    def _callTestMethod(self, method: Callable[[], Any]) -> None:
        result = method()
        if isinstance(result, (types.GeneratorType, types.CoroutineType)):
            kind = "a coroutine" if inspect.iscoroutine(result) else "a generator"
            result.close()
            raise TypeError(
                f"{self.id()} returned {kind} that nothing ran: decorate async and generator test "
                "methods with @tornado.testing.gen_test"
            )
        if result is not None:
            warnings.warn(
                f"It is deprecated to return a value that is not None from a test case ({method})",
                DeprecationWarning,
                stacklevel=3,
            )

    # -- the 1.0 style: stop() and wait() -------------------------------------------

    def stop(self, _arg: Any = None, **kwargs: Any) -> None:
        """Stop the IOLoop, so that one pending or future :meth:`wait` returns.

        A single positional argument, or the keyword arguments as a dict, is what that
        :meth:`wait` returns.
        """
        if _arg is not None and kwargs:
            raise TypeError("stop() takes either one positional argument or keyword arguments, not both")
        self.__stop_args = kwargs or _arg
        if self.__running:
            self.io_loop.stop()
            self.__running = False
        self.__stopped = True

    def wait(self, condition: Callable[[], bool] | None = None, timeout: float | None = None) -> Any:
        """Run the IOLoop until :meth:`stop` is called (and ``condition()``, when given, is
        true) and return what was passed to ``stop``.

        Fails the test after ``timeout`` seconds (``ASYNC_TEST_TIMEOUT``, default 5), and
        re-raises an exception that escaped a callback meanwhile.
        """
        if condition is not None and not callable(condition):
            raise TypeError(f"wait() condition must be callable, not {type(condition).__name__}")
        if timeout is None:
            timeout = get_async_test_timeout()
        else:
            timeout = check_timeout(timeout, "wait() timeout")
        if not self.__stopped:

            def on_timeout() -> None:
                self.__failure = self.failureException(
                    f"Async operation timed out after {timeout:g} seconds: wait() was not ended by "
                    "stop() in time (allow longer with wait(timeout=...) or ASYNC_TEST_TIMEOUT)"
                )
                self.stop()

            self.__timeout_handle = self.io_loop.call_later(timeout, on_timeout)
            try:
                while True:
                    self.__running = True
                    self.io_loop.start()
                    if self.__failure is not None or condition is None or condition():
                        break
            finally:
                self.__running = False
                self.io_loop.remove_timeout(self.__timeout_handle)
                self.__timeout_handle = None
        self.__stopped = False
        self.__rethrow()
        result = self.__stop_args
        self.__stop_args = None
        return result


@overload
def gen_test(func: _TestMethod, timeout: float | None = None) -> _SyncMethod: ...


@overload
def gen_test(func: None = None, timeout: float | None = None) -> Callable[[_TestMethod], _SyncMethod]: ...


def gen_test(
    func: _TestMethod | None = None, timeout: float | None = None
) -> _SyncMethod | Callable[[_TestMethod], _SyncMethod]:
    """Run an ``async def`` or generator test method of an :class:`AsyncTestCase` on its IOLoop.

    Use it bare (``@gen_test``) or with a timeout in seconds (``@gen_test(timeout=10)``; the
    default is ``ASYNC_TEST_TIMEOUT`` or 5, and when both are set the larger wins).  A test
    still running at its timeout is cancelled with a TimeoutError telling where it waited.
    """
    if timeout is not None:
        timeout = check_timeout(timeout, "gen_test timeout")
    if func is not None and not callable(func):
        raise TypeError(f"gen_test decorates a test method, not {type(func).__name__}")

    def wrap(f: _TestMethod) -> _SyncMethod:
        @functools.wraps(f)
        def wrapper(self: AsyncTestCase, *args: Any, **kwargs: Any) -> Any:
            io_loop = getattr(self, "io_loop", None)
            if not isinstance(io_loop, IOLoop):
                raise TypeError(
                    f"@gen_test needs an AsyncTestCase with an io_loop; {type(self).__name__} has none "
                    "(is it a subclass of tornado.testing.AsyncTestCase, and did setUp call super().setUp()?)"
                )
            effective = _effective_timeout(timeout)
            result = f(self, *args, **kwargs)
            target: Any = None
            if isinstance(result, types.GeneratorType):
                target = result
                awaitable: Any = gen.coroutine(lambda: result)  # started on the running loop
            elif inspect.isawaitable(result):
                awaitable = result
            else:
                return result
            failures = self._callback_failures() if isinstance(self, AsyncTestCase) else None
            try:
                return run_on_loop(io_loop, awaitable, effective, _test_name(self, f), target, failures)
            except BaseException:
                if isinstance(self, AsyncTestCase):
                    self._forget_failures()  # reported once, by this exception
                raise

        wrapper.__tornado_gen_test__ = True  # type: ignore[attr-defined]
        return wrapper

    if func is not None:
        return wrap(func)
    return wrap


def _effective_timeout(timeout: float | None) -> float:
    env = env_timeout()
    if timeout is None:
        return env if env is not None else get_async_test_timeout()
    return max(timeout, env) if env is not None else timeout


def _test_name(case: Any, f: Callable[..., Any]) -> str:
    test_id = case.id() if isinstance(case, unittest.TestCase) else ""
    return test_id or getattr(f, "__qualname__", repr(f))
