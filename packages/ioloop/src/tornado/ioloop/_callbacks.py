"""chain_callback: the 1.0-style ``callback=`` argument, served from a future.

Its own module because it is the convention every package of the stack (iostream,
httpclient, database ...) relies on, built on IOLoop but not part of its API.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any

from ._loop import IOLoop, _AnyFuture

__all__ = ["chain_callback"]

app_log = logging.getLogger("tornado.application")


def chain_callback(
    future: _AnyFuture,
    callback: Callable[[Any], Any] | None,
    errback: Callable[[BaseException], Any] | None = None,
) -> None:
    """Connect a 1.0-style ``callback=`` to a future: the shared convention of the stack.

    When ``future`` resolves, ``callback(result)`` is scheduled on the future's loop
    (exceptions it raises are logged on ``tornado.application``).  When it fails,
    ``errback(exc)`` is scheduled instead, or the exception is logged when there is
    no errback.  Either way the future's exception counts as retrieved.
    """
    if callback is None and errback is None:
        return
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    if isinstance(future, asyncio.Future):
        io_loop = IOLoop._for_loop(future.get_loop())
    elif isinstance(future, concurrent.futures.Future):
        io_loop = IOLoop.current()
        assert io_loop is not None
    else:
        raise TypeError(
            f"future must be an asyncio or concurrent.futures Future, not {type(future).__name__}"
        )

    def on_done(f: Any) -> None:
        if f.cancelled():
            return
        exc = f.exception()
        if exc is None:
            if callback is not None:
                io_loop.add_callback(callback, f.result())
        elif errback is not None:
            io_loop.add_callback(errback, exc)
        else:
            app_log.error("Exception in asynchronous operation", exc_info=(type(exc), exc, exc.__traceback__))

    future.add_done_callback(on_done)
