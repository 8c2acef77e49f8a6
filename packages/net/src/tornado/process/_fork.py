"""Pre-forking: one listening process becomes N workers, restarted when they crash."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any

__all__ = ["cpu_count", "fork_processes", "task_id"]

gen_log = logging.getLogger("tornado.general")

_DEFAULT_MAX_RESTARTS = 100
_FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_task_id: int | None = None


def cpu_count() -> int:
    """How many processors this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        pass
    count = os.cpu_count()
    if count:
        return count
    gen_log.error("Could not detect number of processors; assuming 1")
    return 1


def task_id() -> int | None:
    """Which forked worker this is (0..n-1), or None outside :func:`fork_processes`."""
    return _task_id


def _check_count(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"{name} must be an int or None, got {value!r}")


def fork_processes(num_processes: int | None, max_restarts: int | None = None) -> int:
    """Fork worker processes and return, in each worker, its task id (0..n-1).

    ``num_processes`` None or <= 0 forks one worker per CPU.  The parent never returns: it
    waits for the workers, forks a replacement with the same id for one that dies by a signal
    or exits non-zero (at most ``max_restarts`` times in all, default 100, then RuntimeError),
    and exits with status 0 once every worker has exited normally.  SIGTERM and SIGINT sent
    to the parent are passed on to the workers, which are then not restarted; the parent
    then ends by the same signal.  Nothing may have touched an event loop before this call.
    """
    global _task_id
    _check_count("num_processes", num_processes)
    _check_count("max_restarts", max_restarts)
    if not hasattr(os, "fork"):
        raise RuntimeError("fork_processes needs os.fork, which this platform lacks")
    if _task_id is not None:
        raise RuntimeError("fork_processes was already called in this process")
    if num_processes is None or num_processes <= 0:
        num_processes = cpu_count()
    if max_restarts is None:
        max_restarts = _DEFAULT_MAX_RESTARTS
    if max_restarts < 0:
        raise ValueError(f"max_restarts must be >= 0, got {max_restarts!r}")
    gen_log.info("Starting %d processes", num_processes)
    children: dict[int, int] = {}
    stopping: list[int] = []

    def start_child(i: int) -> int | None:
        # Signals wait until the child has put back its own handlers: a worker must not
        # run the parent's forwarding handler.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _FORWARDED_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                global _task_id
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
                _task_id = i
                return i
            children[pid] = i
            return None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def forward(signum: int, frame: Any) -> None:
        if not stopping:
            stopping.append(signum)
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    # Signal handlers can only be set in the main thread; elsewhere signals are not passed on.
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {signum: signal.getsignal(signum) for signum in _FORWARDED_SIGNALS}
        for signum in _FORWARDED_SIGNALS:
            signal.signal(signum, forward)
    for i in range(num_processes):
        child_id = start_child(i)
        if child_id is not None:
            return child_id
    try:
        num_restarts = 0
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in children:
                continue
            child_id = children.pop(pid)
            if stopping:
                gen_log.info("child %d (pid %d) stopped", child_id, pid)
                continue  # shutting down: the signal we passed on ended it
            if os.WIFSIGNALED(status):
                gen_log.warning(
                    "child %d (pid %d) killed by signal %d, restarting", child_id, pid, os.WTERMSIG(status)
                )
            elif os.WEXITSTATUS(status) != 0:
                gen_log.warning(
                    "child %d (pid %d) exited with status %d, restarting",
                    child_id,
                    pid,
                    os.WEXITSTATUS(status),
                )
            else:
                gen_log.info("child %d (pid %d) exited normally", child_id, pid)
                continue
            num_restarts += 1
            if num_restarts > max_restarts:
                raise RuntimeError(f"Too many child restarts ({max_restarts}), giving up")
            new_id = start_child(child_id)
            if new_id is not None:
                return new_id
        if stopping:
            signal.signal(stopping[0], signal.SIG_DFL)
            os.kill(os.getpid(), stopping[0])
        sys.exit(0)
    except RuntimeError:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
