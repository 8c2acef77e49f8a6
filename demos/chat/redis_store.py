"""A :class:`~store.MessageStore` in Redis, so several chat processes form one room.

History is a stream capped at ``cache_size`` entries (``XADD ... MAXLEN``); every new
message is also published on a channel to which each process subscribes, and the process
hands it to its own listeners when it comes back.  The append and the publish run in one
MULTI transaction, so the history and the live feed agree on the order everywhere.

When Redis goes away, :meth:`RedisStore.add` and :meth:`RedisStore.recent` raise
:class:`~store.StoreUnavailable` (the handlers answer 503) and every listener is called with
no messages, which ends a waiting long poll cleanly.  When the subscription is back, each
listener gets what it missed after the last message it was given (the store remembers that
per listener), so the room recovers without losing or repeating anything.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from store import Listener, Message, StoreUnavailable

log = logging.getLogger("tornado.application")

RETRY_SECONDS = 1.0


class RedisStore:
    """The room in Redis at ``url`` (``redis://host:port/db``), under the key prefix ``room``.

    Call :meth:`start` on the running loop before serving; it fails at once when Redis
    cannot be reached, naming the URL.
    """

    def __init__(self, url: str, cache_size: int, room: str = "chat") -> None:
        import redis.asyncio

        if cache_size < 1:
            raise ValueError(f"cache_size must be at least 1, got {cache_size!r}")
        if not room:
            raise ValueError("redis_room must not be empty")
        self.url = url
        self.cache_size = cache_size
        # Commands fail fast when Redis is down; the subscription's connection waits forever
        # for messages, and a closed socket is what tells it Redis went away.
        self._redis: Any = redis.asyncio.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5
        )
        self._feed: Any = redis.asyncio.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2)
        self._history = f"{room}:history"
        self._channel = f"{room}:messages"
        self._listeners: list[Listener] = []
        # Listeners whose catch-up is being read: live messages wait here meanwhile, so that
        # the catch-up and the live feed reach them in order and without duplicates.
        self._held: dict[Listener, list[Message]] = {}
        # The id of the last message each listener was given (or the cursor it came with).
        self._last: dict[Listener, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._lost = False

    async def start(self) -> None:
        import redis.exceptions

        try:
            await self._redis.ping()
        except (redis.exceptions.ConnectionError, OSError) as e:
            raise RuntimeError(f"redis_url: cannot reach Redis at {self.url}: {e}") from e
        self._task = asyncio.ensure_future(self._receive())
        await self._subscribed.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self._redis.aclose()
        await self._feed.aclose()

    @property
    def available(self) -> bool:
        """Whether the subscription is up (False from losing Redis until it is back)."""
        return self._subscribed.is_set() and not self._lost

    async def _receive(self) -> None:
        """Deliver what the channel brings, resubscribing after a lost connection."""
        while True:
            pubsub = self._feed.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                if self._lost:
                    self._lost = False
                    log.info("Redis subscription back; catching %d listeners up", len(self._listeners))
                    self._recover()
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        self._dispatch([json.loads(item["data"])])
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if not self._lost:
                    self._lost = True
                    log.warning("Redis subscription lost (%s); retrying every %ss", e, RETRY_SECONDS)
                    # Waiting long polls end now, cleanly; the page asks again with its cursor.
                    self._notify(list(self._listeners), [])
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass

    def _unavailable(self, e: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"the chat's message store (Redis at {self.url}) is unavailable: {e}")

    async def add(self, message: Message) -> None:
        import redis.exceptions

        data = json.dumps(message)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(self._history, {"m": data}, maxlen=self.cache_size, approximate=False)
                pipe.publish(self._channel, data)
                await pipe.execute()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
            raise self._unavailable(e) from e

    async def recent(self) -> list[Message]:
        import redis.exceptions

        try:
            entries = await self._redis.xrange(self._history)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
            raise self._unavailable(e) from e
        return [json.loads(fields["m"]) for _, fields in entries]

    def subscribe(self, listener: Listener, cursor: str | None = None) -> None:
        self._listeners.append(listener)
        if cursor:
            self._last[listener] = cursor
            if self.available:  # else the catch-up runs when Redis is back
                self._held[listener] = []
                asyncio.ensure_future(self._catch_up(listener, cursor))

    def _recover(self) -> None:
        """After an outage: every listener gets what it missed since the last message it had."""
        for listener in list(self._listeners):
            cursor = self._last.get(listener)
            if cursor is None:
                self._notify([listener], [])
            elif listener not in self._held:
                self._held[listener] = []
                asyncio.ensure_future(self._catch_up(listener, cursor))

    async def _catch_up(self, listener: Listener, cursor: str) -> None:
        """Messages after ``cursor`` (the whole history when it is too old), then held live ones."""
        try:
            history = await self.recent()
        except StoreUnavailable as e:
            # Redis went away meanwhile: the catch-up runs again when it is back.
            log.warning("%s", e)
            self._held.pop(listener, None)
            return
        live = self._held.pop(listener, [])
        if listener not in self._listeners:
            return
        ids = [m["id"] for m in history]
        missed = history[ids.index(cursor) + 1 :] if cursor in ids else history
        seen = {m["id"] for m in missed}
        batch = missed + [m for m in live if m["id"] not in seen]
        if batch:
            self._notify([listener], batch)

    def unsubscribe(self, listener: Listener) -> None:
        self._held.pop(listener, None)
        self._last.pop(listener, None)
        try:
            self._listeners.remove(listener)
        except ValueError:
            pass

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def _dispatch(self, messages: list[Message]) -> None:
        ready = []
        for listener in list(self._listeners):
            held = self._held.get(listener)
            if held is not None:
                held.extend(messages)
            else:
                ready.append(listener)
        self._notify(ready, messages)

    def _notify(self, listeners: list[Listener], messages: list[Message]) -> None:
        for listener in listeners:
            if messages:
                self._last[listener] = messages[-1]["id"]
            try:
                listener(messages)
            except Exception:
                log.exception("Error in message listener")
