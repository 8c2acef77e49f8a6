"""The ASGI lifespan protocol, from the server's side: startup before serving, shutdown after."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ._exchange import ASGIApp, Message
from ._scope import ASGI_VERSION

gen_log = logging.getLogger("tornado.general")


class LifespanError(RuntimeError):
    """The application reported ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class Lifespan:
    """Runs ``app`` with a lifespan scope for the life of the server.

    An application that raises on the lifespan scope before answering does not support it
    (the ASGI spec says to carry on without lifespan events); one that answers
    ``...failed`` makes startup()/shutdown() raise LifespanError with its message.
    """

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.supported: bool | None = None  # None until startup() ran
        self._inbox: asyncio.Queue[Message] | None = None
        self._answer: asyncio.Future[Message] | None = None
        self._task: asyncio.Future[Any] | None = None

    async def _receive(self) -> Message:
        assert self._inbox is not None
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        kind = message.get("type")
        if kind not in (
            "lifespan.startup.complete",
            "lifespan.startup.failed",
            "lifespan.shutdown.complete",
            "lifespan.shutdown.failed",
        ):
            raise ValueError(f"ASGI message type {kind!r} is not valid for the lifespan scope")
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(message)

    async def _exchange(self, event: str) -> Message | None:
        """Send ``lifespan.<event>`` and wait for the answer, or for the application to end."""
        assert self._inbox is not None and self._task is not None
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        await self._inbox.put({"type": f"lifespan.{event}"})
        await asyncio.wait([self._answer, self._task], return_when=asyncio.FIRST_COMPLETED)
        if self._answer.done():
            return self._answer.result()
        self._answer.cancel()
        return None

    async def startup(self) -> None:
        if self.supported is not None:
            raise RuntimeError("lifespan startup already ran")
        self._inbox = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": ASGI_VERSION, "state": self.state}
        self._task = asyncio.ensure_future(self.app(scope, self._receive, self._send))
        answer = await self._exchange("startup")
        if answer is None:
            exc = self._task.exception() if not self._task.cancelled() else None
            gen_log.info("ASGI application does not support lifespan (%r); serving without it", exc)
            self.supported = False
            return
        self.supported = True
        if answer["type"] == "lifespan.startup.failed":
            await self._finish_task()
            raise LifespanError(f"ASGI lifespan startup failed: {answer.get('message', '')}")

    async def shutdown(self) -> None:
        if not self.supported or self._task is None or self._task.done():
            return
        answer = await self._exchange("shutdown")
        await self._finish_task()
        if answer is not None and answer["type"] == "lifespan.shutdown.failed":
            raise LifespanError(f"ASGI lifespan shutdown failed: {answer.get('message', '')}")

    async def _finish_task(self) -> None:
        task = self._task
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except asyncio.TimeoutError:
            task.cancel()
        except Exception:
            pass  # a failing application has reported it through its answer
