"""Running one test's coroutine on an IOLoop: timeouts that say where the test was stuck,
and exceptions that escaped IOLoop callbacks turned into test failures.

Shared by ``gen_test``, ``AsyncHTTPTestCase.fetch`` and the pytest plugin, so a test fails
the same way whichever of them ran it.
"""

from __future__ import annotations

import asyncio
import inspect
import linecache
import logging
import math
import os
import types
from collections.abc import Callable
from typing import Any

from tornado.ioloop import IOLoop
from tornado.util import TimeoutError

__all__ = [
    "ENV_TIMEOUT",
    "CallbackFailures",
    "cancel_leftover_tasks",
    "check_timeout",
    "get_async_test_timeout",
    "run_on_loop",
]

ENV_TIMEOUT = "ASYNC_TEST_TIMEOUT"
DEFAULT_TIMEOUT = 5.0
# How long a timed-out test's coroutine gets to unwind (its finally blocks) after cancelling.
_UNWIND_SECONDS = 1.0
# How long the tasks a test left running get to unwind once cancelled.
_CLEANUP_SECONDS = 1.0
# What tornado.ioloop logs on tornado.application when a callback raises.
_CALLBACK_MESSAGES = ("Exception in callback", "Exception in I/O handler", "Exception in periodic callback")


def check_timeout(value: Any, setting: str) -> float:
    """``value`` as a positive number of seconds, or a TypeError/ValueError naming ``setting``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{setting} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{setting} must be a positive, finite number of seconds, not {value!r}")
    return float(value)


def get_async_test_timeout() -> float:
    """The default timeout of async tests in seconds: ``ASYNC_TEST_TIMEOUT`` or 5.

    A value that is not a positive number raises ValueError naming the variable, rather than
    silently running with the default.
    """
    raw = os.environ.get(ENV_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_TIMEOUT} must be a number of seconds, not {raw!r}") from None
    return check_timeout(value, ENV_TIMEOUT)


def env_timeout() -> float | None:
    """``ASYNC_TEST_TIMEOUT`` when it is set (validated), else None."""
    return get_async_test_timeout() if os.environ.get(ENV_TIMEOUT, "").strip() else None


class CallbackFailures(logging.Handler):
    """Collects the exceptions that escaped callbacks of one IOLoop while a test runs.

    The IOLoop logs them on ``tornado.application`` and carries on, which would let a test
    pass (or merely time out) although its code raised.  This handler sits on that logger, so
    an ``ExpectLog`` on the same logger still silences an expected one.  Exceptions escaping
    plain asyncio callbacks on the loop (asyncio's exception handler) are collected too.
    """

    def __init__(self, io_loop: IOLoop, listener: Callable[[BaseException], None] | None = None) -> None:
        super().__init__()
        self.io_loop = io_loop
        self.listener = listener
        self.failures: list[BaseException] = []
        self._logger = logging.getLogger("tornado.application")
        self._old_handler: Any = None
        self._installed = False

    def install(self) -> CallbackFailures:
        if not self._installed:
            self._logger.addHandler(self)
            loop = self.io_loop.asyncio_loop
            self._old_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._asyncio_handler)
            self._installed = True
        return self

    def remove(self) -> None:
        if self._installed:
            self._logger.removeHandler(self)
            loop = self.io_loop.asyncio_loop
            if not loop.is_closed():
                loop.set_exception_handler(self._old_handler)
            self._installed = False

    def _on_our_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.io_loop.asyncio_loop
        except RuntimeError:
            return False

    def _record(self, exc: BaseException) -> None:
        self.failures.append(exc)
        if self.listener is not None:
            self.listener(exc)

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not str(record.msg).startswith(_CALLBACK_MESSAGES) or not self._on_our_loop():
            return
        self._record(exc)

    def _asyncio_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if isinstance(exc, BaseException) and message.startswith("Exception in callback"):
            self._record(exc)
        if self._old_handler is not None:
            self._old_handler(loop, context)
        else:
            loop.default_exception_handler(context)

    def first(self) -> BaseException | None:
        return self.failures[0] if self.failures else None


def where_suspended(target: Any) -> str:
    """Where a suspended coroutine or generator (and what it awaits, in turn) stands, as
    traceback-style lines; empty when that cannot be told."""
    lines: list[str] = []
    seen = 0
    while target is not None and seen < 50:
        seen += 1
        frame = getattr(target, "cr_frame", None) or getattr(target, "gi_frame", None)
        if frame is None:
            frame = getattr(target, "ag_frame", None)
        if frame is None:
            break
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        text = linecache.getline(code.co_filename, frame.f_lineno).strip()
        if text:
            lines.append(f"    {text}")
        target = (
            getattr(target, "cr_await", None)
            or getattr(target, "gi_yieldfrom", None)
            or getattr(target, "ag_await", None)
        )
    return "\n".join(lines)


def _timeout_error(what: str, timeout: float, where: str) -> TimeoutError:
    message = f"Operation timed out after {timeout:g} seconds: {what} did not finish"
    if where:
        message += f"; it was waiting at:\n{where}\n"
    else:
        message += ". "
    message += f"Allow longer with gen_test(timeout=...) or the {ENV_TIMEOUT} environment variable."
    return TimeoutError(message)


def run_on_loop(
    io_loop: IOLoop,
    awaitable: Any,
    timeout: float,
    what: str,
    target: Any = None,
    failures: CallbackFailures | None = None,
) -> Any:
    """Run ``io_loop`` until ``awaitable`` resolves and return its result.

    ``awaitable`` may also be a function returning one, called once the loop runs (so a
    generator test's first step already runs on the loop).
    After ``timeout`` seconds it is cancelled (a generator ``target`` is closed) and a
    TimeoutError says where ``target`` (the test's coroutine or generator) was waiting.  When
    ``failures`` records an exception from a callback first, the test is cancelled and that
    exception raised; one recorded while the test went on to succeed is raised afterwards.
    """
    if target is None and (inspect.iscoroutine(awaitable) or isinstance(awaitable, types.GeneratorType)):
        target = awaitable

    async def guard() -> Any:
        started = awaitable() if callable(awaitable) and not inspect.isawaitable(awaitable) else awaitable
        task = asyncio.ensure_future(started)
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        previous = failures.listener if failures is not None else None

        def on_failure(exc: BaseException) -> None:
            if not failed.done():
                failed.set_result(None)
            if previous is not None:
                previous(exc)

        if failures is not None:
            failures.listener = on_failure
            if failures.failures:
                failed.set_result(None)
        try:
            done, _ = await asyncio.wait({task, failed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if failures is not None:
                failures.listener = previous
        if task.done():
            if not failed.done():
                failed.cancel()
            result = task.result()
            if failures is not None and failures.first() is not None:
                raise failures.failures.pop(0)
            return result
        where = where_suspended(target)
        task.cancel()
        if isinstance(target, types.GeneratorType):
            target.close()
        await asyncio.wait({task}, timeout=_UNWIND_SECONDS)
        if failed.done() and not failed.cancelled() and failures is not None and failures.failures:
            raise failures.failures.pop(0)
        failed.cancel()
        raise _timeout_error(what, timeout, where)

    return io_loop.run_sync(guard)


def cancel_leftover_tasks(io_loop: IOLoop) -> None:
    """Cancel the tasks a test left running and let them unwind (their finally blocks), so
    they are not destroyed pending when the loop closes."""
    loop = io_loop.asyncio_loop
    if loop.is_closed() or loop.is_running():
        return
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()

    async def settle() -> None:
        await asyncio.wait(tasks, timeout=_CLEANUP_SECONDS)

    io_loop.run_sync(settle)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: it ended while being torn down
