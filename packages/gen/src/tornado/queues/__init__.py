"""Queues for coroutines: producers ``put``, consumers ``get``, both may wait.

Not thread-safe (use them from the IOLoop's thread).  ``put`` waits while a bounded queue is
full, ``get`` while it is empty; ``join`` waits until every item got has been marked
:meth:`Queue.task_done`.  Timeouts are an absolute ``IOLoop.time()`` or a ``timedelta``.
``async for item in queue`` gets items forever::

    q = Queue(maxsize=2)

    async def consumer():
        async for item in q:
            try:
                print("Doing work on", item)
            finally:
                q.task_done()
"""

from __future__ import annotations

import asyncio
import collections
import heapq
from collections.abc import Awaitable
from typing import Any, Generic, TypeVar

from tornado.concurrent import _create_future, future_set_result_unless_cancelled
from tornado.locks import Event, _arm_timeout, _Timeout
from tornado.util import TimeoutError

__all__ = ["LifoQueue", "PriorityQueue", "Queue", "QueueEmpty", "QueueFull"]

_T = TypeVar("_T")


class QueueEmpty(Exception):
    """Raised by :meth:`Queue.get_nowait` when the queue has no items."""


class QueueFull(Exception):
    """Raised by :meth:`Queue.put_nowait` when the queue is at its ``maxsize``."""


class _QueueIterator(Generic[_T]):
    def __init__(self, q: Queue[_T]) -> None:
        self.q = q

    def __anext__(self) -> Awaitable[_T]:
        return self.q.get()


class Queue(Generic[_T]):
    """A FIFO queue; ``maxsize=0`` (the default) means unbounded.

    Subclasses change the order by overriding ``_init``, ``_get`` and ``_put``.
    """

    _queue: Any

    def __init__(self, maxsize: int = 0) -> None:
        if maxsize is None:
            raise TypeError("maxsize can't be None")
        if not isinstance(maxsize, int) or isinstance(maxsize, bool):
            raise TypeError(f"maxsize must be an int, not {type(maxsize).__name__}")
        if maxsize < 0:
            raise ValueError("maxsize can't be negative")
        self._maxsize = maxsize
        self._init()
        self._getters: collections.deque[asyncio.Future[_T]] = collections.deque()
        self._putters: collections.deque[tuple[_T, asyncio.Future[None]]] = collections.deque()
        self._unfinished_tasks = 0
        self._finished = Event()
        self._finished.set()

    @property
    def maxsize(self) -> int:
        """Number of items allowed in the queue (0: no limit)."""
        return self._maxsize

    def qsize(self) -> int:
        """Number of items in the queue."""
        return len(self._queue)

    def empty(self) -> bool:
        return not self._queue

    def full(self) -> bool:
        return self._maxsize > 0 and self.qsize() >= self._maxsize

    def put(self, item: _T, timeout: _Timeout = None) -> asyncio.Future[None]:
        """Put ``item``, waiting while the queue is full; raises TimeoutError after ``timeout``."""
        future: asyncio.Future[None] = _create_future()
        try:
            self.put_nowait(item)
        except QueueFull:
            self._putters.append((item, future))

            def expire() -> None:
                future.set_exception(TimeoutError("Timeout putting an item in the queue"))

            _arm_timeout(future, timeout, expire)
        else:
            future.set_result(None)
        return future

    def put_nowait(self, item: _T) -> None:
        """Put ``item`` without waiting; raises :class:`QueueFull` when there is no room."""
        self._drop_expired()
        if self._getters:
            # A consumer is already waiting, so the queue is empty: hand the item over.
            self._put_internal(item)
            future_set_result_unless_cancelled(self._getters.popleft(), self._get())
        elif self.full():
            raise QueueFull
        else:
            self._put_internal(item)

    def get(self, timeout: _Timeout = None) -> asyncio.Future[_T]:
        """Remove and return an item, waiting while the queue is empty; TimeoutError after ``timeout``."""
        future: asyncio.Future[_T] = _create_future()
        try:
            future.set_result(self.get_nowait())
        except QueueEmpty:
            self._getters.append(future)

            def expire() -> None:
                future.set_exception(TimeoutError("Timeout getting an item from the queue"))

            _arm_timeout(future, timeout, expire)
        return future

    def get_nowait(self) -> _T:
        """Remove and return an item without waiting; raises :class:`QueueEmpty` when there is none."""
        self._drop_expired()
        if self._putters:
            # A producer is waiting, so the queue is full: take its item in as we take one out.
            item, putter = self._putters.popleft()
            self._put_internal(item)
            future_set_result_unless_cancelled(putter, None)
            return self._get()
        if self.qsize():
            return self._get()
        raise QueueEmpty

    def task_done(self) -> None:
        """Mark one got item as processed; :meth:`join` returns when all are.

        Raises ValueError when called more times than items were put.
        """
        if self._unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished_tasks -= 1
        if self._unfinished_tasks == 0:
            self._finished.set()

    def join(self, timeout: _Timeout = None) -> asyncio.Future[None]:
        """Wait until every item put has been marked done; TimeoutError after ``timeout``."""
        return self._finished.wait(timeout)

    def __aiter__(self) -> _QueueIterator[_T]:
        return _QueueIterator(self)

    # Storage hooks for subclasses.
    def _init(self) -> None:
        self._queue = collections.deque()

    def _get(self) -> _T:
        return self._queue.popleft()

    def _put(self, item: _T) -> None:
        self._queue.append(item)

    def _put_internal(self, item: _T) -> None:
        self._unfinished_tasks += 1
        self._finished.clear()
        self._put(item)

    def _drop_expired(self) -> None:
        # Waiters that timed out or were cancelled leave their place in line.
        while self._putters and self._putters[0][1].done():
            self._putters.popleft()
        while self._getters and self._getters[0].done():
            self._getters.popleft()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} {self._format()}>"

    def __str__(self) -> str:
        return f"<{type(self).__name__} {self._format()}>"

    def _format(self) -> str:
        parts = [f"maxsize={self.maxsize!r}"]
        if getattr(self, "_queue", None):
            parts.append(f"queue={self._queue!r}")
        if self._getters:
            parts.append(f"getters[{len(self._getters)}]")
        if self._putters:
            parts.append(f"putters[{len(self._putters)}]")
        if self._unfinished_tasks:
            parts.append(f"tasks={self._unfinished_tasks}")
        return " ".join(parts)


class PriorityQueue(Queue[_T]):
    """Items come out lowest first; put ``(priority, item)`` tuples."""

    def _init(self) -> None:
        self._queue = []

    def _put(self, item: _T) -> None:
        heapq.heappush(self._queue, item)

    def _get(self) -> _T:
        return heapq.heappop(self._queue)


class LifoQueue(Queue[_T]):
    """The most recently put item comes out first."""

    def _init(self) -> None:
        self._queue = []

    def _put(self, item: _T) -> None:
        self._queue.append(item)

    def _get(self) -> _T:
        return self._queue.pop()
