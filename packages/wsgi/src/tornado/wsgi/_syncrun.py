"""Run a tornado.web call to completion without waiting on the event loop.

A WSGI server calls the application synchronously and expects the response when the call
returns; there is no IOLoop turning between requests.  A handler whose work is plain code
finishes during the call.  An ``async def`` handler gets a private event loop that runs
only what is ready at once (coroutines that do not really suspend): the moment it would
wait for I/O or a timer there is nothing that could ever wake it, so instead of hanging the
worker we stop and say why.
"""

from __future__ import annotations

import asyncio
import selectors
import threading
from collections.abc import Awaitable, Callable
from typing import Any


class WSGIUnavailableError(RuntimeError):
    """A feature that needs tornado's own server (a running IOLoop) was used under WSGI."""


_HINT = (
    "WSGI calls the application synchronously, so there is no running IOLoop: "
    "@tornado.web.asynchronous, awaiting I/O or timers, AsyncHTTPClient, tornado.auth and "
    "flush() streaming need tornado's HTTPServer (Application.listen) instead of WSGIApplication"
)


class _NoWaitSelector(selectors.DefaultSelector):
    """A selector that refuses to block: a wait means the handler is stuck for good."""

    loop: asyncio.AbstractEventLoop | None = None
    would_block = False

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None or timeout > 0:
            self.would_block = True
            if self.loop is not None:
                self.loop.stop()
            return []
        return super().select(0)


class _ThreadLoop(threading.local):
    loop: asyncio.AbstractEventLoop | None = None
    selector: _NoWaitSelector | None = None


_local = _ThreadLoop()


def _private_loop() -> tuple[asyncio.AbstractEventLoop, _NoWaitSelector]:
    loop, selector = _local.loop, _local.selector
    if loop is None or selector is None or loop.is_closed():
        selector = _NoWaitSelector()
        loop = asyncio.SelectorEventLoop(selector)
        selector.loop = loop
        _local.loop, _local.selector = loop, selector
    return loop, selector


def run_without_waiting(call: Callable[[], Any], what: str) -> None:
    """Call ``call()``; if it returns an awaitable, drive it on a private loop that never
    waits.  Raises WSGIUnavailableError when it would have to."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise WSGIUnavailableError(
            f"{what}: WSGIApplication was called inside a running event loop; a WSGI server "
            "calls it from a worker thread (serve a tornado.web.Application on an event loop "
            "with HTTPServer instead)"
        )
    loop, selector = _private_loop()
    # Handlers schedule their coroutines with asyncio.ensure_future(): let them find this loop.
    asyncio.set_event_loop(loop)
    try:
        result = call()
        if result is None or not hasattr(result, "__await__"):
            return
        _drive(loop, selector, result, what)
    finally:
        asyncio.set_event_loop(None)


def _drive(
    loop: asyncio.AbstractEventLoop, selector: _NoWaitSelector, awaitable: Awaitable[Any], what: str
) -> None:
    future = asyncio.ensure_future(awaitable, loop=loop)
    selector.would_block = False
    try:
        loop.run_until_complete(future)
        return
    except RuntimeError:
        if not selector.would_block or future.done():
            raise
    # Stuck: cancel the handler and let it unwind (it may not wait again).
    future.cancel()
    selector.would_block = False
    try:
        loop.run_until_complete(future)
    except (asyncio.CancelledError, RuntimeError):
        pass
    raise WSGIUnavailableError(f"{what} awaited I/O or a timer on the event loop. {_HINT}")
