"""PeriodicCallback: a callback run on a fixed period by the current IOLoop.

Its own module because it is a user of IOLoop (timeouts on the current loop) rather than
part of it; it adds the period arithmetic: missed beats, jitter, awaiting coroutines.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import logging
import math
import random
from collections.abc import Callable
from typing import Any

from ._loop import IOLoop, _log_future_exception

__all__ = ["PeriodicCallback"]

app_log = logging.getLogger("tornado.application")


class PeriodicCallback:
    """Call ``callback`` every ``callback_time`` milliseconds.

    Missed beats (the loop was busy) are skipped rather than run in a burst.
    ``jitter`` (0..1) randomises each interval by up to that fraction, to spread load.
    A coroutine callback is awaited before the next beat is scheduled.
    """

    def __init__(self, callback: Callable[[], Any], callback_time: float, jitter: float = 0) -> None:
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if isinstance(callback_time, datetime.timedelta):
            callback_time = callback_time.total_seconds() * 1000
        if not isinstance(callback_time, (int, float)) or callback_time <= 0:
            raise ValueError(
                f"callback_time must be a positive number of milliseconds, not {callback_time!r}"
            )
        if not isinstance(jitter, (int, float)) or not 0 <= jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, not {jitter!r}")
        self.callback = callback
        self.callback_time = float(callback_time)
        self.jitter = float(jitter)
        self.io_loop: IOLoop | None = None
        self._running = False
        self._timeout: asyncio.TimerHandle | None = None
        self._next_timeout = 0.0

    def start(self) -> None:
        """Begin calling the callback on the current IOLoop."""
        if self._running:
            return
        io_loop = IOLoop.current()
        assert io_loop is not None
        self.io_loop = io_loop
        self._running = True
        self._next_timeout = io_loop.time()
        self._schedule_next()

    def stop(self) -> None:
        """Stop calling the callback."""
        self._running = False
        if self._timeout is not None and self.io_loop is not None:
            self.io_loop.remove_timeout(self._timeout)
        self._timeout = None

    def is_running(self) -> bool:
        return self._running

    def _run(self) -> None:
        self._timeout = None
        if not self._running:
            return
        try:
            result = self.callback()
        except Exception:
            app_log.error("Exception in periodic callback %r", self.callback, exc_info=True)
            result = None
        if result is not None and inspect.isawaitable(result):
            assert self.io_loop is not None
            fut = asyncio.ensure_future(result, loop=self.io_loop.asyncio_loop)

            def done(f: asyncio.Future[Any]) -> None:
                _log_future_exception(f)
                self._schedule_next()

            fut.add_done_callback(done)
            return
        self._schedule_next()

    def _schedule_next(self) -> None:
        if not self._running or self.io_loop is None:
            return
        period = self.callback_time / 1000.0
        if self.jitter:
            period *= 1 + self.jitter * (random.random() - 0.5)
        now = self.io_loop.time()
        self._next_timeout += period
        if self._next_timeout <= now:
            # Skip the beats we missed instead of firing them back to back.
            missed = math.floor((now - self._next_timeout) / period) + 1
            self._next_timeout += missed * period
        self._timeout = self.io_loop.add_timeout(self._next_timeout, self._run)
