"""Trying a host's addresses: IPv6 and IPv4 in turn, in the manner of happy eyeballs (RFC 8305).

Addresses of the first family the resolver returned are tried one after another.  The
other family joins in, in parallel, when a first-family attempt fails or when
``initial_delay`` passes without a connection.  The first connected socket wins; every
other attempt is cancelled and its socket closed.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from tornado.iostream import StreamClosedError

__all__ = ["Connector", "split_families", "INITIAL_CONNECT_DELAY"]

# How long the first family has before the second one is tried alongside it.
INITIAL_CONNECT_DELAY = 0.3

Address = tuple[int, Any]
ConnectOne = Callable[[int, Any], Coroutine[Any, Any, socket.socket]]


def split_families(addrinfo: list[Address]) -> tuple[list[Address], list[Address]]:
    """The addresses of the first one's family, then all the others, each in resolver order."""
    if not addrinfo:
        return [], []
    first = addrinfo[0][0]
    return [a for a in addrinfo if a[0] == first], [a for a in addrinfo if a[0] != first]


class Connector:
    """One connection attempt to a resolved host; :meth:`start` resolves with ``(socket, address)``."""

    def __init__(
        self, addrinfo: list[Address], connect_one: ConnectOne, initial_delay: float = INITIAL_CONNECT_DELAY
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._connect_one = connect_one
        self._initial_delay = initial_delay
        primary, secondary = split_families(addrinfo)
        self._primary: Iterator[Address] = iter(primary)
        self._secondary: Iterator[Address] | None = iter(secondary) if secondary else None
        self._secondary_started = False
        self._remaining = len(addrinfo)
        self._pending: set[asyncio.Task[socket.socket]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last_error: BaseException | None = None
        self.tried: list[Any] = []
        self.future: asyncio.Future[tuple[socket.socket, Any]] = self._loop.create_future()

    def start(self) -> asyncio.Future[tuple[socket.socket, Any]]:
        if self._remaining == 0:
            self.future.set_exception(OSError("no address to connect to"))
            return self.future
        self._timer = self._loop.call_later(self._initial_delay, self._start_secondary)
        self._try_next(self._primary)
        return self.future

    def _try_next(self, addrs: Iterator[Address]) -> None:
        if self.future.done():
            return
        try:
            af, address = next(addrs)
        except StopIteration:
            if addrs is self._primary:
                self._start_secondary()  # no point waiting for the timer
            self._fail_if_exhausted()
            return
        self.tried.append(address)
        task = self._loop.create_task(self._connect_one(af, address))
        self._pending.add(task)
        task.add_done_callback(lambda t: self._attempt_done(t, addrs, address))

    def _start_secondary(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._secondary_started or self._secondary is None:
            return
        self._secondary_started = True
        self._try_next(self._secondary)

    def _attempt_done(
        self, task: asyncio.Task[socket.socket], addrs: Iterator[Address], address: Any
    ) -> None:
        self._pending.discard(task)
        self._remaining -= 1
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            sock = task.result()
            if self.future.done():
                sock.close()  # a slower attempt that lost the race
                return
            self.future.set_result((sock, address))
            self.close_pending()
            return
        self._last_error = exc
        if self.future.done():
            return
        if addrs is self._primary:
            self._start_secondary()
        self._try_next(addrs)
        self._fail_if_exhausted()

    def _fail_if_exhausted(self) -> None:
        # Every list keeps going until it runs dry, so nothing in flight and nothing left
        # untried means every address has failed.
        if self.future.done() or self._pending or self._remaining > 0:
            return
        tried = ", ".join(map(str, self.tried))
        self.future.set_exception(
            StreamClosedError(real_error=self._last_error or OSError(f"could not connect to {tried}"))
        )

    def close_pending(self) -> None:
        """Cancel the timer and every attempt still in flight (each closes its socket)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._pending):
            task.cancel()
