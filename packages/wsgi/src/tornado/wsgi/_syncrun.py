"""Run a tornado.web call to completion without waiting on the event loop.

A WSGI server calls the application synchronously and expects the response when the call
returns; there is no IOLoop turning between requests.  Each call runs on a private event
loop of the worker thread that only runs what is ready at once: handlers find a running
loop, coroutines that do not really suspend complete, and callbacks already scheduled run.
The moment the handler would wait for I/O or a timer there is nothing that could ever wake
it, so instead of hanging the worker we stop and say why.
"""

from __future__ import annotations

import asyncio
import atexit
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


class _PrivateLoop:
    """One worker thread's loop; closed when the thread's data goes away (or at exit), so its
    self-pipe sockets are released rather than reported as leaked."""

    def __init__(self) -> None:
        self.selector = _NoWaitSelector()
        self.loop = asyncio.SelectorEventLoop(self.selector)
        self.selector.loop = self.loop

    def close(self) -> None:
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()

    def __del__(self) -> None:
        self.close()


class _ThreadLoop(threading.local):
    holder: _PrivateLoop | None = None


_local = _ThreadLoop()


def _private_loop() -> tuple[asyncio.AbstractEventLoop, _NoWaitSelector]:
    holder = _local.holder
    if holder is None or holder.loop.is_closed():
        holder = _local.holder = _PrivateLoop()
    return holder.loop, holder.selector


@atexit.register
def _close_main_thread_loop() -> None:
    holder = _local.holder
    if holder is not None:
        holder.close()


def run_without_waiting(
    call: Callable[[], Any], what: str, finished: asyncio.Future[None] | None = None
) -> None:
    """Run ``call()`` (and the awaitable it returns, if any) on a private loop that never waits,
    then let that loop run what is ready until ``finished`` resolves.  Raises
    WSGIUnavailableError when something would have to wait for I/O or a timer."""
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
    state = {"returned": False}

    async def main() -> None:
        # Inside the loop, so handlers (and what they call) find a running loop.
        result = call()
        if result is not None and hasattr(result, "__await__"):
            await result
        state["returned"] = True
        if finished is not None:
            await finished

    asyncio.set_event_loop(loop)
    try:
        _drive(loop, selector, main(), what, state)
    finally:
        asyncio.set_event_loop(None)


def new_finished_future() -> asyncio.Future[None]:
    """A future on this thread's private loop, for run_without_waiting's ``finished``."""
    return _private_loop()[0].create_future()


def _drive(
    loop: asyncio.AbstractEventLoop,
    selector: _NoWaitSelector,
    coro: Awaitable[Any],
    what: str,
    state: dict[str, bool],
) -> None:
    future = asyncio.ensure_future(coro, loop=loop)
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
    if state["returned"]:
        raise WSGIUnavailableError(
            f"{what}: the handler returned without finishing the response (an @asynchronous "
            f"method, or one waiting for a callback from the IOLoop). {_HINT}"
        )
    raise WSGIUnavailableError(f"{what} awaited I/O or a timer on the event loop. {_HINT}")
