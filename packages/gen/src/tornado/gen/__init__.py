"""Generator-based coroutines, the Tornado 3-5 style that Tornado 6 code still uses.

A function decorated with :func:`coroutine` may ``yield`` a Future, any awaitable, or a
list or dict of them; it resumes with the result (or the exception is raised at the
``yield``).  Calling it returns an asyncio Future, so it can be awaited from ``async def``
code, yielded from another coroutine, or given a callback with ``IOLoop.add_future``::

    @gen.coroutine
    def fetch_both(client):
        a, b = yield [client.fetch(url_a), client.fetch(url_b)]
        raise gen.Return(a.body + b.body)      # or simply: return a.body + b.body

Steps whose futures are already resolved run synchronously, without a trip through the loop
(``yield gen.moment`` gives the loop one iteration on purpose).  Each coroutine runs in a copy
of the caller's :mod:`contextvars` context.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextvars
import datetime
import functools
import inspect
import types
from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, TypeVar, Union

from tornado.concurrent import (
    _create_future,
    chain_future,
    future_add_done_callback,
    future_set_exception_unless_cancelled,
    future_set_result_unless_cancelled,
    is_future,
)
from tornado.ioloop import IOLoop
from tornado.log import app_log
from tornado.util import TimeoutError

__all__ = [
    "BadYieldError",
    "Return",
    "TimeoutError",
    "WaitIterator",
    "convert_yielded",
    "coroutine",
    "is_coroutine_function",
    "maybe_future",
    "moment",
    "Multi",
    "multi",
    "multi_future",
    "sleep",
    "with_timeout",
]

_T = TypeVar("_T")
_Yieldable = Union[None, Awaitable[Any], list[Any], dict[Any, Any], "concurrent.futures.Future[Any]"]
_Quiet = Union[type[BaseException], tuple[type[BaseException], ...]]


class BadYieldError(Exception):
    """A coroutine yielded something that is not a Future, awaitable, list or dict."""


class Return(Exception):
    """``raise gen.Return(value)`` ends a coroutine with ``value`` (``return value`` also works)."""

    def __init__(self, value: Any = None) -> None:
        super().__init__(value)
        self.value = value


class _Moment:
    """The object behind :data:`moment`: yielding (or awaiting) it lets the loop run once."""

    def __await__(self) -> Generator[Any, None, None]:
        yield  # a bare yield makes the running asyncio task step again on the next iteration

    def __repr__(self) -> str:
        return "tornado.gen.moment"


moment = _Moment()
"""``yield gen.moment`` gives the IOLoop one iteration (``await asyncio.sleep(0)`` in async code)."""


def is_coroutine_function(func: Any) -> bool:
    """True if ``func`` was decorated with :func:`coroutine` (not for plain ``async def``)."""
    return getattr(func, "__tornado_coroutine__", False)


def _value_or_exc(future: Any) -> tuple[Any, BaseException | None]:
    if future.cancelled():
        return None, asyncio.CancelledError()
    exc = future.exception()
    if exc is not None:
        return None, exc
    return future.result(), None


class _Runner:
    """Drives one generator: sends each resolved result in, converts what it yields."""

    __slots__ = ("gen", "result_future", "ctx", "io_loop")

    def __init__(self, gen: Generator[Any, Any, Any], result_future: asyncio.Future[Any], ctx: Any) -> None:
        self.gen = gen
        self.result_future = result_future
        self.ctx = ctx
        self.io_loop = IOLoop.current()

    def step(self, value: Any = None, exc: BaseException | None = None) -> None:
        # As in Tornado, cancelling the result Future does not stop the generator: it runs
        # on and its outcome is dropped (an exception is logged).
        while True:
            try:
                if exc is not None:
                    yielded = self.ctx.run(self.gen.throw, exc)
                else:
                    yielded = self.ctx.run(self.gen.send, value)
            except (StopIteration, Return) as e:
                future_set_result_unless_cancelled(self.result_future, e.value)
                return
            except asyncio.CancelledError:
                self.result_future.cancel()
                return
            except Exception as e:
                future_set_exception_unless_cancelled(self.result_future, e)
                return
            finally:
                exc = None
            if yielded is moment:
                self.io_loop.asyncio_loop.call_soon(self.step)
                return
            try:
                future = convert_yielded(yielded)
            except BadYieldError as e:
                value, exc = None, e
                continue
            if not future.done():
                future.add_done_callback(self._resume)
                return
            value, exc = _value_or_exc(future)

    def _resume(self, future: Any) -> None:
        value, exc = _value_or_exc(future)
        self.step(value, exc)


def coroutine(func: Callable[..., Any]) -> Callable[..., asyncio.Future[Any]]:
    """Turn a generator function into a coroutine that returns a Future.

    The generator may yield Futures, awaitables, lists or dicts of them, or :data:`moment`;
    it finishes with ``return value`` or ``raise Return(value)``.  A decorated function that
    is not a generator just has its return value (or exception) wrapped in a Future, as is.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        future = _create_future()
        ctx = contextvars.copy_context()
        try:
            result = ctx.run(func, *args, **kwargs)
        except (Return, StopIteration) as e:
            future_set_result_unless_cancelled(future, getattr(e, "value", None))
            return future
        except Exception as e:
            future.set_exception(e)
            return future
        if isinstance(result, types.GeneratorType):
            _Runner(result, future, ctx).step()
        else:
            future.set_result(result)
        return future

    wrapper.__wrapped__ = func
    wrapper.__tornado_coroutine__ = True  # type: ignore[attr-defined]
    return wrapper


def sleep(duration: float) -> asyncio.Future[None]:
    """A Future that resolves with None after ``duration`` seconds (``yield gen.sleep(0.5)``)."""
    future = _create_future()
    IOLoop.current().call_later(duration, lambda: future_set_result_unless_cancelled(future, None))
    return future


def maybe_future(x: Any) -> asyncio.Future[Any]:
    """``x`` if it is a Future, else a resolved Future holding ``x`` (for mixed sync/async APIs)."""
    if is_future(x):
        return convert_yielded(x)
    future = _create_future()
    future.set_result(x)
    return future


# ``object``, not _Yieldable: the types a user registers need not be any of ours.
@functools.singledispatch
def convert_yielded(yielded: object) -> asyncio.Future[Any]:
    """Turn what a coroutine yielded into an asyncio Future.

    Accepts None (resolves at once), Futures (``concurrent.futures`` ones are wrapped onto the
    current loop), awaitables (started as tasks), and lists or dicts of these (:func:`multi`).
    Other types raise :class:`BadYieldError`; register more with ``convert_yielded.register``.
    """
    if yielded is None or yielded is moment:
        future = _create_future()
        future.set_result(None)
        return future
    if isinstance(yielded, asyncio.Future):
        return yielded
    if isinstance(yielded, concurrent.futures.Future):
        return asyncio.wrap_future(yielded, loop=IOLoop.current().asyncio_loop)
    if isinstance(yielded, (list, dict)):
        return multi(yielded)
    if inspect.isawaitable(yielded):
        return asyncio.ensure_future(yielded, loop=IOLoop.current().asyncio_loop)
    raise BadYieldError(f"yielded unknown object {yielded!r}")


def _log_unless_quiet(exc: BaseException, quiet: _Quiet, what: str) -> None:
    if not isinstance(exc, quiet) and not isinstance(exc, asyncio.CancelledError):
        app_log.error(what, exc_info=(type(exc), exc, exc.__traceback__))


def multi(
    children: list[Any] | dict[Any, Any], quiet_exceptions: _Quiet = ()
) -> asyncio.Future[list[Any] | dict[Any, Any]]:
    """Wait for every child (Future, awaitable, or nested list/dict) and resolve with their results.

    A list gives a list and a dict a dict with the same keys.  If children fail, the first
    failure (in the order given) is raised once all are done, and the other exceptions are
    logged unless they are instances of ``quiet_exceptions``.
    """
    return multi_future(children, quiet_exceptions=quiet_exceptions)


# The older spelling, still exported by Tornado 6: the same function.
Multi = multi


def multi_future(
    children: list[Any] | dict[Any, Any], quiet_exceptions: _Quiet = ()
) -> asyncio.Future[list[Any] | dict[Any, Any]]:
    """:func:`multi` (kept under its older name; children may be any yieldable)."""
    if isinstance(children, dict):
        keys: list[Any] | None = list(children.keys())
        values: Sequence[Any] = list(children.values())
    elif isinstance(children, (list, tuple)):
        keys = None
        values = children
    else:
        raise TypeError(f"multi() needs a list or dict, not {type(children).__name__}")
    futures = [convert_yielded(v) for v in values]
    result = _create_future()
    pending = set(range(len(futures)))
    if not futures:
        result.set_result({} if keys is not None else [])
        return result

    def finish() -> None:
        outcomes = [_value_or_exc(f) for f in futures]
        first: BaseException | None = None
        for _, exc in outcomes:
            if exc is None:
                continue
            if first is None:
                first = exc
            else:
                _log_unless_quiet(exc, quiet_exceptions, "Multiple exceptions in yield list")
        if result.done():
            return
        if first is not None:
            if isinstance(first, asyncio.CancelledError):
                result.cancel()
            else:
                result.set_exception(first)
        elif keys is not None:
            result.set_result(dict(zip(keys, (v for v, _ in outcomes), strict=True)))
        else:
            result.set_result([v for v, _ in outcomes])

    def on_child(index: int) -> Callable[[Any], None]:
        def done(_: Any) -> None:
            pending.discard(index)
            if not pending:
                finish()

        return done

    for i, f in enumerate(futures):
        future_add_done_callback(f, on_child(i))
    return result


def with_timeout(
    timeout: float | datetime.timedelta,
    future: _Yieldable,
    quiet_exceptions: _Quiet = (),
    *,
    message: str | Callable[[], str] | None = None,
) -> asyncio.Future[Any]:
    """Resolve like ``future``, or raise :class:`tornado.util.TimeoutError` at ``timeout``.

    ``timeout`` is an absolute ``IOLoop.time()`` or a ``timedelta`` from now.  The wrapped
    future is not cancelled; if it fails after the timeout its exception is logged, unless
    it is a CancelledError or an instance of ``quiet_exceptions``.  ``message`` becomes the
    TimeoutError's text; a callable is called only when the timeout fires, so an expensive
    description costs nothing on the fast path.
    """
    inner = convert_yielded(future)
    result = _create_future()
    io_loop = IOLoop.current()
    chain_future(inner, result)

    def on_timeout() -> None:
        if not result.done():
            text = message() if callable(message) else message
            result.set_exception(TimeoutError("Timeout" if text is None else text))

            def log_late(f: Any) -> None:
                _, exc = _value_or_exc(f)
                if exc is not None:
                    _log_unless_quiet(exc, quiet_exceptions, f"Exception in Future {f!r} after timeout")

            future_add_done_callback(inner, log_late)

    handle = io_loop.add_timeout(timeout, on_timeout)
    future_add_done_callback(result, lambda _: io_loop.remove_timeout(handle))
    return result


class WaitIterator:
    """Results of several awaitables in the order they finish.

    ::

        it = gen.WaitIterator(f1, f2)          # or WaitIterator(name1=f1, name2=f2)
        while not it.done():
            result = yield it.next()           # raises what that future raised
            print(it.current_index, it.current_future)
        # or, in async code:  async for result in gen.WaitIterator(f1, f2): ...

    :attr:`current_index` is the position (or keyword) of the future that produced the
    latest result, :attr:`current_future` that future.
    """

    _unfinished: dict[asyncio.Future[Any], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("You must provide args or kwargs, not both")
        pairs = list(kwargs.items()) if kwargs else list(enumerate(args))
        self._unfinished = {}
        self._finished: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._running: asyncio.Future[Any] | None = None
        self.current_index: Any = None
        self.current_future: asyncio.Future[Any] | None = None
        futures = [(key, convert_yielded(f)) for key, f in pairs]
        for key, f in futures:
            self._unfinished[f] = key
        for _, f in futures:
            future_add_done_callback(f, self._on_done)

    def done(self) -> bool:
        """True when every result has been returned."""
        if self._finished or self._unfinished:
            return False
        self.current_index = self.current_future = None
        return True

    def next(self) -> asyncio.Future[Any]:
        """A Future for the next result to finish (yield or await it)."""
        self._running = _create_future()
        if self._finished:
            self._deliver(self._finished.popleft())
        return self._running

    def _on_done(self, future: asyncio.Future[Any]) -> None:
        if self._running is not None and not self._running.done():
            self._deliver(future)
        else:
            self._finished.append(future)

    def _deliver(self, future: asyncio.Future[Any]) -> None:
        assert self._running is not None
        self.current_future = future
        self.current_index = self._unfinished.pop(future)
        chain_future(future, self._running)

    def __aiter__(self) -> WaitIterator:
        return self

    def __anext__(self) -> asyncio.Future[Any]:
        if self.done():
            raise StopAsyncIteration()
        return self.next()
