"""A :class:`~store.MessageStore` in Redis, so several chat processes form one room.

History is a stream capped at ``cache_size`` entries (``XADD ... MAXLEN``); every new
message is also published on a channel to which each process subscribes, and the process
hands it to its own listeners when it comes back.  The append and the publish run in one
MULTI transaction, so the history and the live feed agree on the order everywhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from store import Listener, Message

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
        self._redis: Any = redis.asyncio.Redis.from_url(url, decode_responses=True)
        self._history = f"{room}:history"
        self._channel = f"{room}:messages"
        self._listeners: list[Listener] = []
        # Listeners whose catch-up is being read: live messages wait here meanwhile, so that
        # the catch-up and the live feed reach them in order and without duplicates.
        self._held: dict[Listener, list[Message]] = {}
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

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

    async def _receive(self) -> None:
        """Deliver what the channel brings, resubscribing after a lost connection."""
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        self._dispatch([json.loads(item["data"])])
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("Redis subscription lost (%s); retrying in %ss", e, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass

    async def add(self, message: Message) -> None:
        data = json.dumps(message)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._history, {"m": data}, maxlen=self.cache_size, approximate=False)
            pipe.publish(self._channel, data)
            await pipe.execute()

    async def recent(self) -> list[Message]:
        return [json.loads(fields["m"]) for _, fields in await self._redis.xrange(self._history)]

    def subscribe(self, listener: Listener, cursor: str | None = None) -> None:
        self._listeners.append(listener)
        if cursor:
            self._held[listener] = []
            asyncio.ensure_future(self._catch_up(listener, cursor))

    async def _catch_up(self, listener: Listener, cursor: str) -> None:
        """Messages after ``cursor`` (the whole history when it is too old), then held live ones."""
        try:
            history = await self.recent()
        except Exception:
            log.exception("Could not read the chat history from Redis")
            history = []
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
            try:
                listener(messages)
            except Exception:
                log.exception("Error in message listener")
