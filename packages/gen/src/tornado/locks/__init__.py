"""Coordination primitives for coroutines on one IOLoop: Condition, Event, Semaphore, Lock.

Like :mod:`asyncio`'s, they are not thread-safe.  Every waiting method returns a Future
(await it or yield it from a ``gen.coroutine``) and accepts ``timeout``: an absolute
``IOLoop.time()`` deadline or a ``datetime.timedelta`` from now.  Waiters are served in the
order they arrived.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import types
from collections.abc import Callable
from typing import Any

from tornado.concurrent import _create_future, future_set_result_unless_cancelled
from tornado.ioloop import IOLoop
from tornado.util import TimeoutError

__all__ = ["BoundedSemaphore", "Condition", "Event", "Lock", "Semaphore"]

_Timeout = float | datetime.timedelta | None


def _arm_timeout(future: asyncio.Future[Any], timeout: _Timeout, on_timeout: Callable[[], None]) -> None:
    """Call ``on_timeout()`` at ``timeout`` unless ``future`` is done first (the timer is then dropped)."""
    if timeout is None:
        return
    io_loop = IOLoop.current()

    def fire() -> None:
        if not future.done():
            on_timeout()

    handle = io_loop.add_timeout(timeout, fire)
    future.add_done_callback(lambda _: io_loop.remove_timeout(handle))


class _WaiterQueue:
    """Pending futures in arrival order; timed-out or cancelled ones are skipped."""

    def __init__(self) -> None:
        self.waiters: collections.deque[asyncio.Future[Any]] = collections.deque()

    def add(
        self, timeout: _Timeout, on_timeout: Callable[[asyncio.Future[Any]], None]
    ) -> asyncio.Future[Any]:
        waiter = _create_future()
        self.waiters.append(waiter)

        def expire() -> None:
            on_timeout(waiter)
            try:
                self.waiters.remove(waiter)
            except ValueError:
                pass

        _arm_timeout(waiter, timeout, expire)
        return waiter

    def pop_live(self) -> asyncio.Future[Any] | None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def __len__(self) -> int:
        return sum(1 for w in self.waiters if not w.done())


class Condition:
    """Let coroutines wait until another one notifies them.

    ``yield condition.wait()`` (or ``await``) resolves True when notified, False if
    ``timeout`` passes first.
    """

    def __init__(self) -> None:
        self._waiters = _WaiterQueue()

    def __repr__(self) -> str:
        n = len(self._waiters)
        return f"<{type(self).__name__}{f' waiters[{n}]' if n else ''}>"

    def wait(self, timeout: _Timeout = None) -> asyncio.Future[bool]:
        """Wait for :meth:`notify`; the Future resolves True, or False on timeout."""
        return self._waiters.add(timeout, lambda w: w.set_result(False))

    def notify(self, n: int = 1) -> None:
        """Wake up to ``n`` waiters, oldest first."""
        woken: list[asyncio.Future[Any]] = []
        while len(woken) < n:
            waiter = self._waiters.pop_live()
            if waiter is None:
                break
            woken.append(waiter)
        for waiter in woken:
            future_set_result_unless_cancelled(waiter, True)

    def notify_all(self) -> None:
        """Wake up every waiter."""
        self.notify(len(self._waiters.waiters))


class Event:
    """A flag coroutines can wait for: :meth:`wait` blocks until :meth:`set` is called.

    Unlike a :class:`Condition`, once set it stays set (waiting returns at once) until
    :meth:`clear`.
    """

    def __init__(self) -> None:
        self._value = False
        self._waiters: set[asyncio.Future[None]] = set()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {'set' if self.is_set() else 'clear'}>"

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        if self._value:
            return
        self._value = True
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            future_set_result_unless_cancelled(waiter, None)

    def clear(self) -> None:
        """Reset the flag; later :meth:`wait` calls block again."""
        self._value = False

    def wait(self, timeout: _Timeout = None) -> asyncio.Future[None]:
        """A Future that resolves when the flag is set; raises TimeoutError after ``timeout``."""
        waiter = _create_future()
        if self._value:
            waiter.set_result(None)
            return waiter
        self._waiters.add(waiter)

        def expire() -> None:
            self._waiters.discard(waiter)
            waiter.set_exception(TimeoutError("Timeout waiting for Event"))

        _arm_timeout(waiter, timeout, expire)
        waiter.add_done_callback(self._waiters.discard)
        return waiter


class _ReleasingContextManager:
    """What ``yield semaphore.acquire()`` gives: ``with`` it to release on exit."""

    def __init__(self, obj: Semaphore | Lock) -> None:
        self._obj = obj

    def __enter__(self) -> None:
        pass

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self._obj.release()


class Semaphore:
    """A counter limiting how many coroutines hold it at once.

    :meth:`acquire` decrements it, waiting while it is zero; :meth:`release` increments it
    and hands it to the oldest waiter.  Use ``async with sem:`` or, in a ``gen.coroutine``,
    ``with (yield sem.acquire()):``.
    """

    def __init__(self, value: int = 1) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"semaphore initial value must be an int, not {type(value).__name__}")
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value
        self._waiters = _WaiterQueue()
        self._owner: Semaphore | Lock = self

    def __repr__(self) -> str:
        state = "locked" if self._value == 0 else f"unlocked,value:{self._value}"
        n = len(self._waiters)
        return f"<{type(self).__name__} [{state}{f',waiters:{n}' if n else ''}]>"

    def release(self) -> None:
        """Increment the counter and wake one waiter."""
        self._value += 1
        waiter = self._waiters.pop_live()
        if waiter is not None:
            self._value -= 1
            waiter.set_result(_ReleasingContextManager(self._owner))

    def acquire(self, timeout: _Timeout = None) -> asyncio.Future[_ReleasingContextManager]:
        """Decrement the counter, waiting while it is zero; raises TimeoutError after ``timeout``."""
        if self._value > 0:
            self._value -= 1
            future = _create_future()
            future.set_result(_ReleasingContextManager(self._owner))
            return future
        return self._waiters.add(
            timeout, lambda w: w.set_exception(TimeoutError("Timeout acquiring semaphore"))
        )

    def __enter__(self) -> None:
        raise RuntimeError("Use 'async with' instead of 'with' for Semaphore")

    def __exit__(self, *args: Any) -> None:
        pass

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *args: Any) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """A :class:`Semaphore` whose :meth:`release` raises ValueError above the initial value."""

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def release(self) -> None:
        if self._value >= self._initial_value:
            raise ValueError("Semaphore released too many times")
        super().release()


class Lock:
    """A mutex for coroutines: one holder at a time, waiters served in order.

    ``async with lock:`` or, in a ``gen.coroutine``, ``with (yield lock.acquire()):``.
    """

    def __init__(self) -> None:
        self._block = BoundedSemaphore(1)
        self._block._owner = self  # what ``with (yield lock.acquire())`` releases

    def __repr__(self) -> str:
        return f"<{type(self).__name__} _block={self._block!r}>"

    def acquire(self, timeout: _Timeout = None) -> asyncio.Future[_ReleasingContextManager]:
        """Take the lock, waiting while it is held; raises TimeoutError after ``timeout``."""
        return self._block.acquire(timeout)

    def release(self) -> None:
        """Unlock, handing the lock to the oldest waiter; RuntimeError if it is not locked."""
        try:
            self._block.release()
        except ValueError:
            raise RuntimeError("release unlocked lock") from None

    def __enter__(self) -> None:
        raise RuntimeError("Use 'async with' instead of 'with' for Lock")

    def __exit__(self, *args: Any) -> None:
        pass

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *args: Any) -> None:
        self.release()
