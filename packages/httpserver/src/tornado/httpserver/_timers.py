"""A server connection's clocks: the timeout of each phase, and the lingering close.

A mixin of :class:`~._connection.HTTP1ServerConnection`, kept apart because it is the part
of a connection that runs when nothing arrives: one timer per connection, armed for the
nearest deadline of the current phase (idle, head, body) and re-armed lazily rather than
on every read, and the bounded drain of a refused request's input before closing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

gen_log = logging.getLogger("tornado.general")

__all__ = ["ConnectionTimers", "LINGER_TIME", "LINGER_BYTES"]

# What the connection is waiting for; decides which timeout applies.
_IDLE = 0  # between requests, nothing buffered
_HEAD = 1  # part of a request head has arrived
_BODY = 2  # reading a request body
_HANDLING = 3  # the application has the request; no timeout

# Lingering close (as nginx does it): after refusing a request whose input is still coming,
# we half-close and read and discard for at most this long / this many bytes before closing.
# Closing a socket with unread input makes the kernel send a reset, and a client still
# sending then loses the response it has not read yet: it sees "connection reset", not 413.
LINGER_TIME = 5.0
LINGER_BYTES = 1024 * 1024


class ConnectionTimers:
    """Timeouts and lingering close of a server connection (a mixin).

    The connection owns the state used here: ``transport``, ``remote_ip``, ``_loop``,
    ``_phase``, ``_since``, ``_now``, ``_timeouts``, ``_timer``, ``_timer_when``,
    ``_linger_left``, ``_linger_timer``, ``_reading_paused`` and ``_closed``.
    """

    transport: asyncio.Transport | None
    remote_ip: str
    _loop: asyncio.AbstractEventLoop
    _phase: int
    _since: float
    _now: float
    _timeouts: tuple[float | None, float | None, float | None, float | None]
    _timer: asyncio.TimerHandle | None
    _timer_when: float
    _linger_left: int
    _linger_timer: asyncio.TimerHandle | None
    _reading_paused: bool
    _closed: bool

    if TYPE_CHECKING:

        def _flush(self) -> None: ...

        def close(self) -> None: ...

    def _linger(self) -> None:
        """Send what is queued, half-close, and drain the peer's input for a bounded time.

        For a connection closed while the request is not read in full: the client may still
        be sending, and only after it has stopped can we close without a reset that would
        destroy the response in its receive buffer.
        """
        transport = self.transport
        if transport is None or transport.is_closing() or self._linger_left >= 0:
            return
        self._flush()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._linger_left = LINGER_BYTES
        self._linger_timer = self._loop.call_later(LINGER_TIME, self._end_linger)
        if self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()
        if transport.can_write_eof():
            transport.write_eof()  # FIN after the response: the client knows it is all

    def _end_linger(self) -> None:
        self._linger_left = -1
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _set_phase(self, phase: int) -> None:
        """Enter ``phase`` at ``self._now``; arm the timer if this deadline comes sooner."""
        self._phase = phase
        self._since = now = self._now
        t = self._timeouts[phase]
        if t is not None and (self._timer is None or now + t < self._timer_when):
            self._arm_timer()

    def _deadline(self) -> float | None:
        t = self._timeouts[self._phase]
        return None if t is None else self._since + t

    def _arm_timer(self) -> None:
        deadline = self._deadline()
        if deadline is None:
            return
        if self._timer is not None:
            if self._timer_when <= deadline:
                return  # fires early, then re-arms for the real deadline
            self._timer.cancel()
        self._timer_when = deadline
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._closed:
            return
        deadline = self._deadline()
        if deadline is None:
            return
        if self._loop.time() >= deadline:
            what = ("idle connection", "request head", "request body")[self._phase]
            gen_log.info("Closing connection from %s: timed out waiting for %s", self.remote_ip, what)
            self._flush()
            self.close()
            return
        self._arm_timer()
