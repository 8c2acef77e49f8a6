"""IOLoop: Tornado's loop API (handlers, timeouts, callbacks, run_sync) over one asyncio loop.

The class and the bookkeeping every loop needs (which IOLoop wraps which asyncio loop,
the current one per thread, the global instance) live here; what is built on top of an
IOLoop (PeriodicCallback, chain_callback) lives in modules of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import functools
import inspect
import logging
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar, Union, overload

from ._loopkind import new_event_loop

__all__ = ["IOLoop", "TimeoutError"]

app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

_T = TypeVar("_T")

# What run_sync raises on timeout: asyncio's TimeoutError (the builtin one on Python 3.11+),
# the same class as tornado.util.TimeoutError.
TimeoutError = asyncio.TimeoutError


class _Selectable(Protocol):
    def fileno(self) -> int: ...

    def close(self) -> None: ...


_FdOrObj = Union[int, _Selectable]
_AnyFuture = Union["asyncio.Future[Any]", "concurrent.futures.Future[Any]"]


def _log_callback_exception(what: object) -> None:
    app_log.error("Exception in callback %r", what, exc_info=True)


def _log_future_exception(future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        app_log.error("Exception in callback", exc_info=(type(exc), exc, exc.__traceback__))


class IOLoop:
    """A level-triggered I/O loop, Tornado's API over one asyncio event loop.

    ``IOLoop()`` creates and owns a new asyncio loop and, as in Tornado 6.3+, becomes this
    thread's current IOLoop unless ``make_current=False``.  ``IOLoop(asyncio_loop=loop)``
    wraps an existing one (at most one IOLoop per asyncio loop) without making it current
    unless ``make_current=True``.  Inside running code use :meth:`current`.
    """

    # epoll-compatible event masks, as in Tornado 1.0.
    NONE = 0
    READ = 0x001
    WRITE = 0x004
    ERROR = 0x008 | 0x010

    _instance: IOLoop | None = None
    _instance_lock = threading.Lock()
    _by_loop: dict[asyncio.AbstractEventLoop, IOLoop] = {}
    _registry_lock = threading.Lock()
    _local = threading.local()

    def __init__(
        self, asyncio_loop: asyncio.AbstractEventLoop | None = None, make_current: bool | None = None
    ) -> None:
        owned = asyncio_loop is None
        loop = new_event_loop() if asyncio_loop is None else asyncio_loop
        if not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(f"asyncio_loop must be an asyncio event loop, not {type(loop).__name__}")
        with IOLoop._registry_lock:
            # Drop wrappers of loops that were closed behind our back (asyncio.run).
            for stale in [lp for lp in IOLoop._by_loop if lp.is_closed()]:
                del IOLoop._by_loop[stale]
            if loop in IOLoop._by_loop:
                if owned:
                    loop.close()
                raise RuntimeError("this asyncio loop already has an IOLoop; use IOLoop.current()")
            IOLoop._by_loop[loop] = self
        self.asyncio_loop: asyncio.AbstractEventLoop = loop
        self._owns_loop = owned
        self._closed = False
        # asyncio's event loop before make_current() replaced it: (thread id, loop), put back
        # by clear_current() and close() so asyncio is not left pointing at a closed loop.
        self._replaced: tuple[int, asyncio.AbstractEventLoop | None] | None = None
        self._handlers: dict[int, tuple[_FdOrObj, Callable[[Any, int], None], int]] = {}
        self._executor: concurrent.futures.Executor | None = None
        self._owns_executor = False
        if make_current if make_current is not None else owned:
            self.make_current()

    # -- finding the loop ----------------------------------------------------------

    @classmethod
    def _for_loop(cls, loop: asyncio.AbstractEventLoop) -> IOLoop:
        with cls._registry_lock:
            existing = cls._by_loop.get(loop)
        if existing is not None:
            return existing
        try:
            return cls(asyncio_loop=loop)
        except RuntimeError:
            # Another thread registered it between the lookup and the constructor.
            return cls._by_loop[loop]

    @staticmethod
    def _running_loop() -> asyncio.AbstractEventLoop | None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    @classmethod
    def instance(cls) -> IOLoop:
        """The global IOLoop (Tornado 1.0 style).

        Inside a running asyncio loop this is that loop's IOLoop, so 1.0-style code
        also works under ``asyncio.run()``.
        """
        running = cls._running_loop()
        if running is not None:
            return cls._for_loop(running)
        with cls._instance_lock:
            inst = cls._instance
            if inst is None or inst._closed:
                inst = cls._instance = cls(make_current=False)
        if (
            getattr(cls._local, "current", None) is None
            and threading.current_thread() is threading.main_thread()
        ):
            inst.make_current()
        return inst

    @classmethod
    def initialized(cls) -> bool:
        """True if the global instance exists (and is not closed)."""
        return cls._instance is not None and not cls._instance._closed

    def install(self) -> None:
        """Make this IOLoop the global instance."""
        with IOLoop._instance_lock:
            IOLoop._instance = self

    @classmethod
    def clear_instance(cls) -> None:
        """Forget the global instance (does not close it)."""
        with cls._instance_lock:
            cls._instance = None

    @overload
    @classmethod
    def current(cls) -> IOLoop: ...

    @overload
    @classmethod
    def current(cls, instance: Literal[True]) -> IOLoop: ...

    @overload
    @classmethod
    def current(cls, instance: bool) -> IOLoop | None: ...

    @classmethod
    def current(cls, instance: bool = True) -> IOLoop | None:
        """The IOLoop of the running asyncio loop, else this thread's current IOLoop.

        With no current IOLoop, returns the global instance in the main thread, a new
        IOLoop (made current) in other threads, or None when ``instance`` is False.
        """
        running = cls._running_loop()
        if running is not None:
            return cls._for_loop(running)
        cur: IOLoop | None = getattr(cls._local, "current", None)
        if cur is not None and not cur._closed:
            return cur
        if not instance:
            return None
        if threading.current_thread() is threading.main_thread():
            return cls.instance()
        return cls(make_current=True)

    def make_current(self) -> None:
        """Make this the IOLoop returned by :meth:`current` in this thread.

        asyncio's event loop for the thread becomes this one's; the one it replaces comes
        back with :meth:`clear_current` or :meth:`close`.
        """
        IOLoop._local.current = self
        if self._closed:
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                old: asyncio.AbstractEventLoop | None = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            old = None
        if old is not self.asyncio_loop:
            self._replaced = (threading.get_ident(), old)
            asyncio.set_event_loop(self.asyncio_loop)

    def _restore_asyncio_loop(self) -> None:
        replaced, self._replaced = self._replaced, None
        if replaced is None or replaced[0] != threading.get_ident():
            return
        old = replaced[1]
        asyncio.set_event_loop(None if old is None or old.is_closed() else old)

    @classmethod
    def clear_current(cls) -> None:
        """Forget this thread's current IOLoop (and give asyncio back its previous loop)."""
        cur: IOLoop | None = getattr(cls._local, "current", None)
        cls._local.current = None
        if cur is not None:
            cur._restore_asyncio_loop()

    # -- running -------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("IOLoop is closed")

    def start(self) -> None:
        """Run the loop until :meth:`stop` is called."""
        self._check_open()
        if self.asyncio_loop.is_running():
            raise RuntimeError("IOLoop is already running")
        previous = getattr(IOLoop._local, "current", None)
        self.make_current()
        try:
            self.asyncio_loop.run_forever()
        finally:
            IOLoop._local.current = previous

    def stop(self) -> None:
        """Stop the loop soon; safe from any thread.

        Calling stop() before start() makes the next start() return promptly.  From inside
        the loop, the stop is itself scheduled, so callbacks queued before it (such as a
        server sending the responses of this iteration) still run.
        """
        if self._closed:
            return
        if self._running_loop() is self.asyncio_loop:
            self.asyncio_loop.call_soon(self.asyncio_loop.stop)
        else:
            try:
                self.asyncio_loop.call_soon_threadsafe(self.asyncio_loop.stop)
            except RuntimeError:
                pass  # closed meanwhile

    def is_running(self) -> bool:
        return self.asyncio_loop.is_running()

    def close(self, all_fds: bool = False) -> None:
        """Release the loop; with ``all_fds`` also close every registered fd/object.

        The asyncio loop itself is closed only if this IOLoop created it.
        """
        if self._closed:
            return
        if self._owns_loop and self.asyncio_loop.is_running():
            raise RuntimeError("cannot close a running IOLoop; stop() it first")
        for fd, (obj, _, _) in list(self._handlers.items()):
            self.remove_handler(fd)
            if all_fds:
                try:
                    if isinstance(obj, int):
                        os.close(obj)
                    else:
                        obj.close()
                except OSError:
                    gen_log.debug("error closing fd %r", obj, exc_info=True)
        self._closed = True
        if self._executor is not None and self._owns_executor:
            self._executor.shutdown(wait=False)
        self._executor = None
        with IOLoop._registry_lock:
            if IOLoop._by_loop.get(self.asyncio_loop) is self:
                del IOLoop._by_loop[self.asyncio_loop]
        if getattr(IOLoop._local, "current", None) is self:
            IOLoop._local.current = None
        self._restore_asyncio_loop()
        with IOLoop._instance_lock:
            if IOLoop._instance is self:
                IOLoop._instance = None
        if self._owns_loop:
            self.asyncio_loop.close()

    def run_sync(self, func: Callable[[], Any], timeout: float | None = None) -> Any:
        """Start the loop, run ``func`` in it, and stop when its result is ready.

        ``func`` may return an awaitable (awaited) or a plain value.  With ``timeout``
        (seconds) a slow ``func`` is cancelled and :data:`TimeoutError` is raised.
        """
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
            raise ValueError(f"timeout must be a non-negative number of seconds, not {timeout!r}")
        self._check_open()
        if self.asyncio_loop.is_running():
            raise RuntimeError("run_sync() cannot be called while the IOLoop is running")

        async def runner() -> Any:
            result = func()
            if inspect.isawaitable(result):
                fut = asyncio.ensure_future(result)
                if timeout is None:
                    return await fut
                try:
                    return await asyncio.wait_for(fut, timeout)
                except asyncio.TimeoutError as e:
                    raise TimeoutError(f"Operation timed out after {timeout} seconds") from e
            return result

        previous = getattr(IOLoop._local, "current", None)
        self.make_current()
        try:
            return self.asyncio_loop.run_until_complete(runner())
        finally:
            IOLoop._local.current = previous

    def time(self) -> float:
        """Wall-clock time (``time.time()``), the base of :meth:`add_timeout` deadlines."""
        return time.time()

    # -- callbacks -----------------------------------------------------------------

    def _run_callback(self, callback: Callable[[], Any]) -> None:
        """Run a callback, logging (not propagating) its exceptions; await coroutines."""
        try:
            result = callback()
        except Exception:
            _log_callback_exception(callback)
            return
        if result is not None and inspect.isawaitable(result):
            try:
                fut = asyncio.ensure_future(result, loop=self.asyncio_loop)
            except Exception:
                _log_callback_exception(callback)
                return
            fut.add_done_callback(_log_future_exception)

    def add_callback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``callback`` on the next loop iteration; safe from any thread and signal handler."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._closed:
            return
        cb = functools.partial(callback, *args, **kwargs) if (args or kwargs) else callback
        try:
            self.asyncio_loop.call_soon_threadsafe(self._run_callback, cb)
        except RuntimeError:
            # The loop was closed concurrently; as in Tornado, late callbacks are dropped.
            gen_log.debug("callback dropped: loop closed")

    def add_callback_from_signal(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Like :meth:`add_callback`, for use inside a signal handler."""
        self.add_callback(callback, *args, **kwargs)

    def spawn_callback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``callback`` (function or coroutine function) detached from the caller."""
        self.add_callback(callback, *args, **kwargs)

    def _loop_deadline(self, deadline: float | datetime.timedelta) -> float:
        if isinstance(deadline, datetime.timedelta):
            return self.asyncio_loop.time() + deadline.total_seconds()
        if isinstance(deadline, (int, float)) and not isinstance(deadline, bool):
            return self.asyncio_loop.time() + (deadline - time.time())
        raise TypeError(f"deadline must be a time.time() float or a timedelta, not {type(deadline).__name__}")

    def add_timeout(
        self, deadline: float | datetime.timedelta, callback: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> asyncio.TimerHandle:
        """Call ``callback`` at ``deadline`` (``time.time()`` based) or after a timedelta.

        Returns a handle for :meth:`remove_timeout`.
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        when = self._loop_deadline(deadline)
        cb = functools.partial(callback, *args, **kwargs) if (args or kwargs) else callback
        return self.asyncio_loop.call_at(when, self._run_callback, cb)

    def call_later(
        self, delay: float, callback: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> asyncio.TimerHandle:
        """Call ``callback`` after ``delay`` seconds."""
        if not isinstance(delay, (int, float)) or isinstance(delay, bool):
            raise TypeError(f"delay must be a number of seconds, not {type(delay).__name__}")
        return self.add_timeout(datetime.timedelta(seconds=delay), callback, *args, **kwargs)

    def call_at(
        self, when: float, callback: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> asyncio.TimerHandle:
        """Call ``callback`` at ``when``, a value of :meth:`time`."""
        if not isinstance(when, (int, float)) or isinstance(when, bool):
            raise TypeError(f"when must be a number (IOLoop.time() based), not {type(when).__name__}")
        return self.add_timeout(when, callback, *args, **kwargs)

    def remove_timeout(self, timeout: asyncio.TimerHandle) -> None:
        """Cancel a pending timeout; harmless if it already ran."""
        if not callable(getattr(timeout, "cancel", None)):
            raise TypeError(f"expected a handle from add_timeout, not {type(timeout).__name__}")
        timeout.cancel()

    # -- futures and executors -----------------------------------------------------

    def add_future(self, future: _AnyFuture, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(future)`` on this loop once ``future`` (asyncio or concurrent) is done."""
        if not isinstance(future, (asyncio.Future, concurrent.futures.Future)):
            raise TypeError(
                f"future must be an asyncio or concurrent.futures Future, not {type(future).__name__}"
            )
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        future.add_done_callback(lambda f: self.add_callback(callback, f))

    def run_in_executor(
        self, executor: concurrent.futures.Executor | None, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        """Run ``func(*args)`` in ``executor`` (a shared thread pool when None); awaitable."""
        self._check_open()
        if executor is None:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=(os.cpu_count() or 1) * 5, thread_name_prefix="tornado-executor"
                )
                self._owns_executor = True
            executor = self._executor
        return self.asyncio_loop.run_in_executor(executor, func, *args)

    def set_default_executor(self, executor: concurrent.futures.Executor) -> None:
        """Use ``executor`` when :meth:`run_in_executor` is given None.

        The pool this loop created itself is shut down; one you set stays yours to shut down.
        """
        if not isinstance(executor, concurrent.futures.Executor):
            raise TypeError(f"executor must be a concurrent.futures.Executor, not {type(executor).__name__}")
        if self._executor is not None and self._owns_executor:
            self._executor.shutdown(wait=False)
        self._executor = executor
        self._owns_executor = False

    # -- file descriptors ----------------------------------------------------------

    def split_fd(self, fd: _FdOrObj) -> tuple[int, _FdOrObj]:
        """``(fileno, fd)`` for an int or an object with ``fileno()`` (the 6.x helper)."""
        return self._split_fd(fd), fd

    def close_fd(self, fd: _FdOrObj) -> None:
        """Close an int fd or an object with ``close()``, ignoring OSError (it may be closed already)."""
        try:
            if isinstance(fd, int):
                os.close(fd)
            else:
                fd.close()
        except OSError:
            pass

    @staticmethod
    def _split_fd(fd: _FdOrObj) -> int:
        if isinstance(fd, bool):
            raise TypeError("fd must be an int or an object with fileno(), not bool")
        if isinstance(fd, int):
            return fd
        fileno = getattr(fd, "fileno", None)
        if fileno is None:
            raise TypeError(f"fd must be an int or an object with fileno(), not {type(fd).__name__}")
        return int(fileno())

    def _handle_events(self, fd: int, events: int) -> None:
        entry = self._handlers.get(fd)
        if entry is None:
            return
        obj, handler, _ = entry
        try:
            handler(obj, events)
        except Exception:
            app_log.error("Exception in I/O handler for fd %r", obj, exc_info=True)

    def _register(self, fd: int, events: int) -> None:
        loop = self.asyncio_loop
        if events & IOLoop.READ:
            loop.add_reader(fd, self._handle_events, fd, IOLoop.READ)
        else:
            loop.remove_reader(fd)
        if events & IOLoop.WRITE:
            loop.add_writer(fd, self._handle_events, fd, IOLoop.WRITE)
        else:
            loop.remove_writer(fd)

    def add_handler(self, fd: _FdOrObj, handler: Callable[[Any, int], None], events: int) -> None:
        """Call ``handler(fd, events)`` whenever ``fd`` is ready for ``events``.

        ``fd`` is an int or an object with ``fileno()`` (a socket); the handler receives
        it back unchanged.  Error conditions surface as READ (the next read fails).
        """
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        if not isinstance(events, int) or events & ~(IOLoop.READ | IOLoop.WRITE | IOLoop.ERROR):
            raise ValueError(f"events must be a mask of IOLoop.READ/WRITE/ERROR, not {events!r}")
        self._check_open()
        num = self._split_fd(fd)
        if num in self._handlers:
            raise ValueError(f"fd {num} already has a handler; use update_handler")
        self._handlers[num] = (fd, handler, events)
        self._register(num, events)

    def update_handler(self, fd: _FdOrObj, events: int) -> None:
        """Change the events ``fd`` is watched for."""
        if not isinstance(events, int) or events & ~(IOLoop.READ | IOLoop.WRITE | IOLoop.ERROR):
            raise ValueError(f"events must be a mask of IOLoop.READ/WRITE/ERROR, not {events!r}")
        num = self._split_fd(fd)
        entry = self._handlers.get(num)
        if entry is None:
            raise ValueError(f"fd {num} has no handler; use add_handler")
        self._handlers[num] = (entry[0], entry[1], events)
        self._register(num, events)

    def remove_handler(self, fd: _FdOrObj) -> None:
        """Stop watching ``fd``; harmless if it is not registered."""
        num = self._split_fd(fd) if not isinstance(fd, socket.socket) or fd.fileno() >= 0 else -1
        if num < 0:
            # A closed socket object: find it by identity.
            for key, entry in self._handlers.items():
                if entry[0] is fd:
                    num = key
                    break
            else:
                return
        if self._handlers.pop(num, None) is None:
            return
        if not self.asyncio_loop.is_closed():
            self.asyncio_loop.remove_reader(num)
            self.asyncio_loop.remove_writer(num)
