"""Where the chat room's messages live, behind one small interface.

Both transports (the long poll and the WebSocket) talk only to a :class:`MessageStore`, so a
message posted over either reaches listeners of both, and the room's storage can change (the
in-memory :class:`MemoryStore` here; a shared one such as Redis for several server processes)
without touching the handlers.  ``add`` and ``recent`` are awaitable because a networked store
needs I/O for them; listeners are plain callbacks because they only write to a connection.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from typing import Any, Protocol

Message = dict[str, Any]
Listener = Callable[[list[Message]], None]

log = logging.getLogger("tornado.application")


class StoreUnavailable(Exception):
    """The store cannot be reached right now (its server is down); the handlers answer 503."""


class MessageStore(Protocol):
    """The room: recent messages, new ones, and who is listening for them."""

    async def add(self, message: Message) -> None:
        """Keep ``message`` and hand it to every listener."""

    async def recent(self) -> list[Message]:
        """The messages a newly opened page shows, oldest first."""

    def subscribe(self, listener: Listener, cursor: str | None = None) -> None:
        """Call ``listener(messages)`` for every batch added from now on.

        With a ``cursor`` (the id of the last message a page has) the messages after it are
        delivered first, so a page that reconnects misses nothing and sees nothing twice.
        """

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""

    @property
    def listeners(self) -> int:
        """How many listeners are subscribed (for monitoring and tests)."""


class MemoryStore:
    """A :class:`MessageStore` in this process: the last ``cache_size`` messages."""

    def __init__(self, cache_size: int) -> None:
        if cache_size < 1:
            raise ValueError(f"cache_size must be at least 1, got {cache_size!r}")
        self._listeners: list[Listener] = []
        self._cache: collections.deque[Message] = collections.deque(maxlen=cache_size)

    async def add(self, message: Message) -> None:
        self._cache.append(message)
        self._notify(list(self._listeners), [message])

    async def recent(self) -> list[Message]:
        return list(self._cache)

    def since(self, cursor: str | None) -> list[Message]:
        """Messages after ``cursor``.

        A cursor no longer in the cache (too old, or from before a restart) gets the whole
        cache: that is everything the room still remembers.
        """
        if not cursor:
            return []
        ids = [m["id"] for m in self._cache]
        if cursor not in ids:
            return list(self._cache)
        return list(self._cache)[ids.index(cursor) + 1 :]

    def subscribe(self, listener: Listener, cursor: str | None = None) -> None:
        # Registered before the catch-up, so a listener may unsubscribe while handling it.
        self._listeners.append(listener)
        missed = self.since(cursor)
        if missed:
            self._notify([listener], missed)

    def unsubscribe(self, listener: Listener) -> None:
        try:
            self._listeners.remove(listener)
        except ValueError:
            pass

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def _notify(self, listeners: list[Listener], messages: list[Message]) -> None:
        log.info("Sending %d message(s) to %d listeners", len(messages), len(listeners))
        for listener in listeners:
            try:
                listener(messages)
            except Exception:
                log.exception("Error in message listener")
