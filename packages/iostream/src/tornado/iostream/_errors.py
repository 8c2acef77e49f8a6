"""The exceptions a stream raises, and how pending futures are failed."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["StreamClosedError", "UnsatisfiableReadError", "StreamBufferFullError"]


class StreamClosedError(IOError):
    """The stream is closed; ``real_error`` holds the cause, when there was one."""

    def __init__(self, real_error: BaseException | None = None) -> None:
        msg = "Stream is closed" if real_error is None else f"Stream is closed: {real_error!r}"
        super().__init__(msg)
        self.real_error = real_error


class UnsatisfiableReadError(Exception):
    """A read could not complete within its ``max_bytes`` limit."""


class StreamBufferFullError(Exception):
    """The read buffer would grow past ``max_buffer_size``."""


def fail_quietly(future: asyncio.Future[Any], exc: BaseException) -> None:
    """Fail ``future`` without an "exception never retrieved" warning if nobody awaits it.

    A caller that dropped the future still learns of the failure through the close
    callback; whoever awaits it still gets the exception.
    """
    if not future.done():
        future.set_exception(exc)
        future.exception()


def ignore_error(exc: BaseException) -> None:
    """1.0 callbacks are not called on failure: the close callback reports it."""
