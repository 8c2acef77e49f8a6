"""Subprocess: ``subprocess.Popen`` with pipe streams and exit notification on the IOLoop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Callable
from typing import Any, ClassVar

from tornado.ioloop import IOLoop
from tornado.iostream import PipeIOStream

__all__ = ["Subprocess", "CalledProcessError"]

# What wait_for_exit raises: the standard library's class, so existing except clauses work.
CalledProcessError = subprocess.CalledProcessError

_STREAM_NAMES = ("stdin", "stdout", "stderr")


class Subprocess:
    """``subprocess.Popen`` whose pipes can be non-blocking streams.

    Takes Popen's arguments; ``stdin``, ``stdout`` and ``stderr`` may also be
    :attr:`STREAM`, which makes that attribute a :class:`~tornado.iostream.PipeIOStream`
    (the caller closes it when done).  Other values behave as in Popen, and the Popen object
    is ``self.proc``.  :meth:`set_exit_callback` and :meth:`wait_for_exit` report the exit
    through a ``SIGCHLD`` handler on one IOLoop, or pidfds (see :meth:`initialize`).  Unix only.
    """

    STREAM: ClassVar[object] = object()

    _initialized: ClassVar[bool] = False
    _signal_loop: ClassVar[asyncio.AbstractEventLoop | None] = None
    _waiting: ClassVar[dict[int, Subprocess]] = {}
    # Without a SIGCHLD handler: one pidfd per child, read on that child's loop.
    _pidfd_mode: ClassVar[bool] = False
    _pidfds: ClassVar[dict[int, tuple[asyncio.AbstractEventLoop, int]]] = {}

    stdin: Any
    stdout: Any
    stderr: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.io_loop = IOLoop.current()
        child_ends: list[int] = []  # the pipe ends the child gets, closed here after the spawn
        streams: list[PipeIOStream] = []
        try:
            for name in _STREAM_NAMES:
                if kwargs.get(name) is not Subprocess.STREAM:
                    continue
                read_fd, write_fd = os.pipe()
                ours, theirs = (write_fd, read_fd) if name == "stdin" else (read_fd, write_fd)
                child_ends.append(theirs)
                kwargs[name] = theirs
                stream = PipeIOStream(ours)
                streams.append(stream)
                setattr(self, name, stream)
            self.proc = subprocess.Popen(*args, **kwargs)
        except BaseException:
            for stream in streams:
                stream.close()
            raise
        finally:
            for fd in child_ends:
                os.close(fd)
        for name in _STREAM_NAMES:
            if not hasattr(self, name):
                setattr(self, name, getattr(self.proc, name))
        self.pid = self.proc.pid
        self.returncode: int | None = None
        self._exit_callback: Callable[[int], Any] | None = None
        # Futures from wait_for_exit, each with its raise_error flag.
        self._exit_futures: list[tuple[asyncio.Future[int], bool]] = []

    def set_exit_callback(self, callback: Callable[[int], Any]) -> None:
        """Call ``callback(returncode)`` on this object's IOLoop once the process has exited.

        Installs the ``SIGCHLD`` handler on the current IOLoop if none is installed (see
        :meth:`initialize`).  A negative return code is the signal that killed the process.
        A close callback on an output stream is an alternative when the handler is a problem.
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._exit_callback = callback
        self._watch()

    def wait_for_exit(self, raise_error: bool = True) -> asyncio.Future[int]:
        """A Future for the return code; with ``raise_error`` a non-zero one fails it.

        The failure is ``subprocess.CalledProcessError`` (also ``tornado.process``'s name).
        This is the non-blocking replacement for ``Popen.wait``.
        """
        future: asyncio.Future[int] = self.io_loop.asyncio_loop.create_future()
        self._exit_futures.append((future, bool(raise_error)))
        self._watch()
        return future

    def _watch(self) -> None:
        if self.returncode is not None:
            self.io_loop.add_callback(self._set_returncode, self.returncode)
            return
        Subprocess.initialize()
        Subprocess._waiting[self.pid] = self
        if Subprocess._pidfd_mode:
            self._watch_pidfd()
        # The process may have exited before anything was watching for it.
        Subprocess._try_cleanup_process(self.pid)

    @classmethod
    def initialize(cls) -> None:
        """Install the ``SIGCHLD`` handler, run on the current IOLoop.

        That loop reaps children for every Subprocess, whichever loop (and thread) they
        belong to.  Calling it again is harmless; when the loop it used has been closed, the
        handler moves to the current one.  Where the loop cannot take the signal (uvloop keeps
        SIGCHLD for itself; a loop outside the main thread cannot have signal handlers), each
        child is watched instead through a Linux pidfd on its own loop.
        """
        if cls._initialized and cls._signal_loop is not None and not cls._signal_loop.is_closed():
            return
        loop = IOLoop.current().asyncio_loop
        try:
            loop.add_signal_handler(signal.SIGCHLD, cls._cleanup)
            pidfd_mode = False
        except (RuntimeError, ValueError):
            if not hasattr(os, "pidfd_open"):
                raise
            pidfd_mode = True
        Subprocess._signal_loop = loop
        Subprocess._pidfd_mode = pidfd_mode
        Subprocess._initialized = True
        # Children registered while nothing was watching.
        for sub in list(cls._waiting.values()):
            if pidfd_mode:
                sub._watch_pidfd()
        cls._cleanup()

    @classmethod
    def uninitialize(cls) -> None:
        """Remove the ``SIGCHLD`` handler; exits are no longer reported until :meth:`initialize`."""
        if not cls._initialized:
            return
        loop = cls._signal_loop
        if not cls._pidfd_mode and loop is not None and not loop.is_closed():
            loop.remove_signal_handler(signal.SIGCHLD)
        for pid in list(cls._pidfds):
            cls._unwatch_pidfd(pid)
        Subprocess._signal_loop = None
        Subprocess._pidfd_mode = False
        Subprocess._initialized = False

    def _watch_pidfd(self) -> None:
        if self.pid in Subprocess._pidfds:
            return
        try:
            fd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            return  # already reaped: _try_cleanup_process reports it
        loop = self.io_loop.asyncio_loop
        Subprocess._pidfds[self.pid] = (loop, fd)
        loop.add_reader(fd, Subprocess._pidfd_ready, self.pid)

    @classmethod
    def _pidfd_ready(cls, pid: int) -> None:
        cls._unwatch_pidfd(pid)
        cls._try_cleanup_process(pid)

    @classmethod
    def _unwatch_pidfd(cls, pid: int) -> None:
        entry = cls._pidfds.pop(pid, None)
        if entry is None:
            return
        loop, fd = entry
        if not loop.is_closed():
            loop.remove_reader(fd)
        os.close(fd)

    @classmethod
    def _cleanup(cls) -> None:
        for pid in list(cls._waiting):
            cls._try_cleanup_process(pid)

    @classmethod
    def _try_cleanup_process(cls, pid: int) -> None:
        sub = cls._waiting.get(pid)
        if sub is None:
            return
        ret = sub.proc.poll()  # a non-blocking waitpid that also keeps Popen's state right
        if ret is None:
            return
        del cls._waiting[pid]
        cls._unwatch_pidfd(pid)
        sub.io_loop.add_callback(sub._set_returncode, ret)

    def _set_returncode(self, returncode: int) -> None:
        self.returncode = returncode
        callback, self._exit_callback = self._exit_callback, None
        futures, self._exit_futures = self._exit_futures, []
        for future, raise_error in futures:
            if future.done():
                continue  # cancelled by its waiter
            if returncode != 0 and raise_error:
                future.set_exception(CalledProcessError(returncode, self.proc.args))
            else:
                future.set_result(returncode)
        if callback is not None:
            callback(returncode)
