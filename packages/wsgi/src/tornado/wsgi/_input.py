"""``wsgi.input`` for a body that is still arriving: the loop thread feeds it, the WSGI
application reads it (blocking) in its worker thread.

At most about ``limit`` bytes wait unread: beyond that ``feed`` returns a future and the
server reads no more from the socket until the application has caught up.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Iterator


class ClientDisconnected(OSError):
    """The client closed the connection before the whole request body arrived."""


class InputStream:
    """A file-like, read-only, blocking request body (``read``, ``readline``, iteration)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = 256 * 1024) -> None:
        self._loop = loop
        self._limit = limit
        self._cond = threading.Condition()
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ loop thread

    def feed(self, data: bytes) -> asyncio.Future[None] | None:
        with self._cond:
            self._chunks.append(data)
            self._size += len(data)
            self._cond.notify_all()
            if self._size <= self._limit:
                return None
            waiter = self._waiter = self._loop.create_future()
            return waiter

    def end(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            if not self._eof:
                self._error = ClientDisconnected("the client closed the connection during the request body")
            self._cond.notify_all()
        self.release()

    def release(self) -> None:
        """Let the server read again (the application took data, or will take no more)."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---------------------------------------------------------------- worker thread

    def _take(self, size: int) -> bytes:
        """Up to ``size`` buffered bytes (all with size < 0); the lock is held."""
        chunks = self._chunks
        if size < 0 or size >= self._size:
            out = b"".join(chunks)
            chunks.clear()
        else:
            parts = []
            need = size
            while need:
                head = chunks[0]
                if len(head) <= need:
                    parts.append(chunks.popleft())
                    need -= len(head)
                else:
                    parts.append(head[:need])
                    chunks[0] = head[need:]
                    need = 0
            out = b"".join(parts)
        before = self._size
        self._size -= len(out)
        if before > self._limit >= self._size and self._waiter is not None:
            try:
                self._loop.call_soon_threadsafe(self.release)
            except RuntimeError:
                pass  # the loop is closed; nothing waits any more
        return out

    def _block(self) -> None:
        """Wait for the loop thread to feed more (the lock is held).  A loop that stopped running
        will never feed the rest: end the read with an error instead of hanging the worker."""
        if not self._cond.wait(1.0) and not self._loop.is_running() and not self._eof and self._error is None:
            self._error = ClientDisconnected("the server stopped during the request body")

    def _wait_for(self, enough: int) -> None:
        """Block until ``enough`` bytes are buffered (any amount when < 0 means all) or the end."""
        with self._cond:
            while not self._eof and self._error is None and (enough < 0 or self._size < enough):
                if self._waiter is not None:
                    # Over the limit and not enough for this read: take what is here first.
                    break
                self._block()

    def read(self, size: int | None = -1) -> bytes:
        if size is None:
            size = -1
        out = []
        remaining = size
        while True:
            self._wait_for(remaining)
            with self._cond:
                if self._size == 0 and self._error is not None:
                    raise self._error
                piece = self._take(remaining)
                out.append(piece)
                if remaining >= 0:
                    remaining -= len(piece)
                if remaining == 0 or (self._eof and self._size == 0):
                    return b"".join(out)

    def readline(self, size: int | None = -1) -> bytes:
        if size is None:
            size = -1
        line = []
        total = 0
        while size < 0 or total < size:
            with self._cond:
                while not self._chunks and not self._eof and self._error is None:
                    self._block()
                if not self._chunks:
                    if self._error is not None:
                        raise self._error
                    break
                head = self._chunks[0]
                newline = head.find(b"\n")
                n = newline + 1 if newline >= 0 else len(head)
                if size >= 0:
                    n = min(n, size - total)
                piece = self._take(n)
            line.append(piece)
            total += len(piece)
            if piece.endswith(b"\n"):
                break
        return b"".join(line)

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line
