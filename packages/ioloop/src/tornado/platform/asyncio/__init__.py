"""Tornado 6's bridge names between the IOLoop and asyncio.

Here every IOLoop already *is* a wrapper around an asyncio loop and every Future an
``asyncio.Future``, so these are thin: :class:`AsyncIOMainLoop` wraps asyncio's current loop,
:class:`AsyncIOLoop` creates a fresh one, and the two converters exist for code written
when the Future types differed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import inspect
import warnings
from typing import Any

from tornado.ioloop import IOLoop

__all__ = [
    "AnyThreadEventLoopPolicy",
    "AsyncIOLoop",
    "AsyncIOMainLoop",
    "BaseAsyncIOLoop",
    "to_asyncio_future",
    "to_tornado_future",
]

BaseAsyncIOLoop = IOLoop
"""Tornado 6's common base of the two classes below: the IOLoop itself."""


class AsyncIOMainLoop(IOLoop):
    """The IOLoop of asyncio's current event loop (``asyncio.get_event_loop()``).

    For applications that start asyncio themselves; the loop is not closed by
    :meth:`IOLoop.close`.  Raises RuntimeError if that loop already has an IOLoop (get it
    with ``IOLoop.current()``).
    """

    def __init__(self, make_current: bool = True) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        super().__init__(asyncio_loop=loop, make_current=make_current)


class AsyncIOLoop(IOLoop):
    """An IOLoop on an asyncio event loop of its own, reachable as :attr:`asyncio_loop`.

    The loop is a new one, or ``asyncio_loop`` (Tornado 6.2+), which is then handed over:
    either way closing the AsyncIOLoop closes the asyncio loop.  It becomes the current
    IOLoop unless ``make_current=False``.
    """

    def __init__(
        self, asyncio_loop: asyncio.AbstractEventLoop | None = None, make_current: bool = True
    ) -> None:
        super().__init__(asyncio_loop=asyncio_loop, make_current=make_current)
        self._owns_loop = True


def to_tornado_future(asyncio_future: asyncio.Future[Any]) -> asyncio.Future[Any]:
    """Return the future unchanged: Tornado Futures are asyncio Futures."""
    return asyncio_future


def to_asyncio_future(tornado_future: Any) -> asyncio.Future[Any]:
    """An asyncio Future for a Future, a ``concurrent.futures.Future`` or any awaitable.

    Lists and dicts of those are accepted too when tornado-gen is installed (this is then
    ``tornado.gen.convert_yielded``).
    """
    loop = IOLoop.current().asyncio_loop
    if isinstance(tornado_future, asyncio.Future):
        return tornado_future
    if isinstance(tornado_future, concurrent.futures.Future):
        return asyncio.wrap_future(tornado_future, loop=loop)
    if inspect.isawaitable(tornado_future):
        return asyncio.ensure_future(tornado_future, loop=loop)
    try:
        convert = importlib.import_module("tornado.gen").convert_yielded
    except ImportError:
        raise TypeError(f"cannot convert {type(tornado_future).__name__} to an asyncio Future") from None
    return convert(tornado_future)


class AnyThreadEventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """An event loop policy that creates a loop on demand in any thread, not only the main one.

    ``asyncio.set_event_loop_policy(AnyThreadEventLoopPolicy())`` restores the pre-5.0
    behaviour that ``IOLoop.current()`` works in a new thread.  Deprecated in Tornado 6.2
    with asyncio's notion of a current loop; here ``IOLoop.current()`` already creates a
    loop per thread, so few programs need it.
    """

    def __init__(self) -> None:
        warnings.warn(
            "AnyThreadEventLoopPolicy is deprecated; use asyncio.run() or create loops explicitly",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__()

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        try:
            return super().get_event_loop()
        except RuntimeError:
            # No loop for this (non-main) thread yet: make one, as the main thread would.
            loop = self.new_event_loop()
            self.set_event_loop(loop)
            return loop
