"""Futures: the result objects of asynchronous operations, and helpers to connect them.

:class:`Future` *is* :class:`asyncio.Future`, so anything here can be awaited, yielded from a
``gen.coroutine`` or given a callback with ``IOLoop.add_future``.  The helpers also accept
``concurrent.futures.Future`` (what thread pools return) and move its completion onto the
right event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import types
from collections.abc import Callable
from typing import Any, TypeVar, Union, overload

from tornado.ioloop import IOLoop
from tornado.log import app_log

__all__ = [
    "DummyExecutor",
    "FUTURES",
    "Future",
    "chain_future",
    "dummy_executor",
    "future_add_done_callback",
    "future_set_exc_info",
    "future_set_exception_unless_cancelled",
    "future_set_result_unless_cancelled",
    "is_future",
    "run_on_executor",
]

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

Future = asyncio.Future
FUTURES = (asyncio.Future, concurrent.futures.Future)
_AnyFuture = Union["asyncio.Future[Any]", "concurrent.futures.Future[Any]"]


def is_future(x: Any) -> bool:
    """True for an asyncio or a ``concurrent.futures`` Future."""
    return isinstance(x, FUTURES)


def _create_future() -> asyncio.Future[Any]:
    """A new Future on the current IOLoop's asyncio loop."""
    return IOLoop.current().asyncio_loop.create_future()


class DummyExecutor(concurrent.futures.Executor):
    """An executor that runs each call at once, in the calling thread.

    For code written against an executor (``run_on_executor``, ``IOLoop.run_in_executor``)
    where the work is cheap or a thread is unwanted (tests, a resolver that never blocks).
    ``submit`` returns a finished ``concurrent.futures.Future`` holding the result or the
    exception; exceptions that are not ``Exception``s (KeyboardInterrupt) propagate.
    """

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[_T]:
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as e:
            future.set_exception(e)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Nothing to stop: no call outlives ``submit``."""


dummy_executor = DummyExecutor()


def future_set_result_unless_cancelled(future: _AnyFuture, value: Any) -> None:
    """Set ``future``'s result unless it was cancelled (a cancelled waiter just goes away)."""
    if not future.cancelled():
        future.set_result(value)


def future_set_exception_unless_cancelled(future: _AnyFuture, exc: BaseException) -> None:
    """Set ``future``'s exception; if it was cancelled, log the exception instead of losing it."""
    if not future.cancelled():
        future.set_exception(exc)
    else:
        app_log.error("Exception after Future was cancelled", exc_info=(type(exc), exc, exc.__traceback__))


def future_set_exc_info(
    future: _AnyFuture,
    exc_info: tuple[type[BaseException] | None, BaseException | None, types.TracebackType | None],
) -> None:
    """Set ``future``'s exception from a ``sys.exc_info()`` tuple (its traceback is kept)."""
    if exc_info[1] is None:
        raise Exception("future_set_exc_info called with no exception")
    future_set_exception_unless_cancelled(future, exc_info[1])


@overload
def future_add_done_callback(
    future: concurrent.futures.Future[_T], callback: Callable[[concurrent.futures.Future[_T]], None]
) -> None: ...


@overload
def future_add_done_callback(
    future: asyncio.Future[_T], callback: Callable[[asyncio.Future[_T]], None]
) -> None: ...


def future_add_done_callback(future: Any, callback: Callable[[Any], None]) -> None:
    """Call ``callback(future)`` when ``future`` is done; at once if it is already done.

    Unlike ``asyncio.Future.add_done_callback`` a finished future does not wait for the next
    loop iteration, so code that chains already-resolved futures runs synchronously.
    """
    if not isinstance(future, FUTURES):
        raise TypeError(
            f"future must be an asyncio or concurrent.futures Future, not {type(future).__name__}"
        )
    if future.done():
        callback(future)
    else:
        future.add_done_callback(callback)


def _copy_outcome(src: _AnyFuture, dst: _AnyFuture) -> None:
    if dst.done():
        return
    if src.cancelled():
        dst.cancel()
        return
    exc = src.exception()
    if exc is not None:
        future_set_exception_unless_cancelled(dst, exc)
    else:
        future_set_result_unless_cancelled(dst, src.result())


def chain_future(a: _AnyFuture, b: _AnyFuture) -> None:
    """When ``a`` finishes, copy its result (or exception) to ``b``, unless ``b`` is done by then.

    Either may be an asyncio or a ``concurrent.futures`` Future; an asyncio ``b`` is always
    completed on its own loop's thread.
    """
    if not isinstance(a, FUTURES) or not isinstance(b, FUTURES):
        raise TypeError("chain_future() needs two Futures")

    def copy(src: Any) -> None:
        if isinstance(b, asyncio.Future) and isinstance(src, concurrent.futures.Future):
            loop = b.get_loop()
            try:
                loop.call_soon_threadsafe(_copy_outcome, src, b)
            except RuntimeError:
                pass  # b's loop is closed: nobody can wait for b any more
        else:
            _copy_outcome(src, b)

    future_add_done_callback(a, copy)


@overload
def run_on_executor(fn: _F) -> _F: ...


@overload
def run_on_executor(*, executor: str = "executor") -> Callable[[_F], _F]: ...


def run_on_executor(*args: Any, **kwargs: Any) -> Any:
    """Decorate a blocking method so that calling it runs it on ``self.executor`` and returns a Future.

    ``@run_on_executor(executor="_pool")`` names another attribute.  The Future is an
    asyncio Future of the current IOLoop: await it, yield it, or ``add_future`` it.
    """

    def decorate(fn: Callable[..., Any], attr: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(self: Any, *a: Any, **kw: Any) -> asyncio.Future[Any]:
            try:
                pool = getattr(self, attr)
            except AttributeError:
                raise AttributeError(
                    f"run_on_executor: {type(self).__name__} has no attribute {attr!r} holding an executor"
                ) from None
            return IOLoop.current().run_in_executor(pool, functools.partial(fn, self, *a, **kw))

        return wrapper

    if args and kwargs:
        raise ValueError("cannot combine positional and keyword args to run_on_executor")
    if len(args) == 1 and callable(args[0]):
        return decorate(args[0], "executor")
    if args:
        raise ValueError(f"expected 1 argument to run_on_executor, got {len(args)}")
    unknown = set(kwargs) - {"executor"}
    if unknown:
        raise TypeError(f"run_on_executor got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    attr = kwargs.get("executor", "executor")
    return lambda fn: decorate(fn, attr)
