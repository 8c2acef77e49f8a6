"""The read side of a stream: what a pending read asks for, and when the buffer satisfies it.

The five reads (``read_until``, ``read_until_regex``, ``read_bytes``, ``read_until_close``,
``read_into``) share one pending-read state and one matcher (``_try_read``), and need from
the stream only its buffer, its loop and ``close``.  They are a mixin of BaseIOStream, in a
module of their own, so that ``_base`` keeps the fd, the writes and the closing: the methods
are inherited, so a read goes through no extra call.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tornado.ioloop import chain_callback

from ._errors import (
    StreamBufferFullError,
    StreamClosedError,
    UnsatisfiableReadError,
    fail_quietly,
    ignore_error,
)

__all__ = ["StreamReads"]

gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

# Read kinds.
_UNTIL = 1
_REGEX = 2
_BYTES = 3
_CLOSE = 4
_INTO = 5


class StreamReads:
    """The read methods of BaseIOStream, over the state its constructor sets up."""

    # Set up by BaseIOStream.__init__.
    _loop: asyncio.AbstractEventLoop
    _closed: bool
    error: BaseException | None
    max_buffer_size: int
    _read_buffer: bytearray
    _scan_pos: int
    _read_future: asyncio.Future[Any] | None
    _read_kind: int
    _read_delimiter: bytes
    _read_regex: re.Pattern[bytes] | None
    _read_max_bytes: int | None
    _read_bytes: int
    _read_partial: bool
    _read_target: memoryview | None
    _read_filled: int
    _streaming_callback: Callable[[bytes], Any] | None

    if TYPE_CHECKING:  # BaseIOStream's

        def _start_reading(self) -> None: ...

        def close(self, exc_info: bool | BaseException | None = False) -> None: ...

    def read_until(
        self, delimiter: bytes, callback: Callable[[bytes], Any] | None = None, max_bytes: int | None = None
    ) -> asyncio.Future[bytes]:
        """Read up to and including ``delimiter``.

        With ``max_bytes``, a delimiter not found within that many bytes closes the
        stream; the read fails with StreamClosedError whose ``real_error`` is an
        UnsatisfiableReadError.  ``read_until(delim, 1024)``, the 6.x
        positional form, means ``max_bytes=1024``.
        """
        if isinstance(callback, int) and not isinstance(callback, bool) and max_bytes is None:
            callback, max_bytes = None, callback
        if not isinstance(delimiter, (bytes, bytearray)) or not delimiter:
            raise TypeError(f"delimiter must be non-empty bytes, not {delimiter!r}")
        self._check_max_bytes(max_bytes)
        fut = self._begin_read(_UNTIL, callback)
        self._read_delimiter = bytes(delimiter)
        self._read_max_bytes = max_bytes
        self._scan_pos = 0
        return self._run_read(fut)

    def read_until_regex(
        self,
        regex: bytes | re.Pattern[bytes],
        callback: Callable[[bytes], Any] | None = None,
        max_bytes: int | None = None,
    ) -> asyncio.Future[bytes]:
        """Read up to and including the first match of ``regex`` (a bytes pattern).

        ``max_bytes`` (also accepted as the second positional argument) bounds the
        search as for :meth:`read_until`.
        """
        if isinstance(callback, int) and not isinstance(callback, bool) and max_bytes is None:
            callback, max_bytes = None, callback
        if isinstance(regex, (bytes, bytearray)):
            compiled = re.compile(bytes(regex))
        elif isinstance(regex, re.Pattern) and isinstance(regex.pattern, bytes):
            compiled = regex
        else:
            raise TypeError(f"regex must be a bytes pattern, not {regex!r}")
        self._check_max_bytes(max_bytes)
        fut = self._begin_read(_REGEX, callback)
        self._read_regex = compiled
        self._read_max_bytes = max_bytes
        return self._run_read(fut)

    def read_bytes(
        self,
        num_bytes: int,
        callback: Callable[[bytes], Any] | None = None,
        streaming_callback: Callable[[bytes], Any] | None = None,
        partial: bool = False,
    ) -> asyncio.Future[bytes]:
        """Read exactly ``num_bytes`` (or, with ``partial``, whatever arrives first, up to it).

        With ``streaming_callback`` the data is handed to it chunk by chunk as it
        arrives and the result is ``b""``.  ``read_bytes(n, True)``, the 6.x positional
        form, means ``partial=True``.
        """
        if isinstance(callback, bool):
            callback, partial = None, callback
        if not isinstance(num_bytes, int) or isinstance(num_bytes, bool) or num_bytes < 0:
            raise ValueError(f"num_bytes must be a non-negative int, not {num_bytes!r}")
        self._check_streaming(streaming_callback)
        fut = self._begin_read(_BYTES, callback)
        self._read_bytes = num_bytes
        self._read_partial = bool(partial)
        self._streaming_callback = streaming_callback
        if streaming_callback is None and not partial and num_bytes > self.max_buffer_size:
            self._buffer_full()  # could only complete by buffering past the limit
            return fut
        return self._run_read(fut)

    def read_until_close(
        self,
        callback: Callable[[bytes], Any] | None = None,
        streaming_callback: Callable[[bytes], Any] | None = None,
    ) -> asyncio.Future[bytes]:
        """Read everything until the peer closes (``b""`` result when streaming)."""
        self._check_streaming(streaming_callback)
        fut = self._begin_read(_CLOSE, callback)
        self._streaming_callback = streaming_callback
        return self._run_read(fut)

    def read_into(
        self,
        buf: bytearray | memoryview,
        callback: Callable[[int], Any] | None = None,
        partial: bool = False,
    ) -> asyncio.Future[int]:
        """Read into the writable buffer ``buf``; resolves with the number of bytes stored.

        Completes once ``buf`` is full or, with ``partial``, as soon as any bytes were
        stored.  The data lands in the caller's buffer, so ``max_buffer_size`` does not
        bound it.  ``read_into(buf, True)`` means ``partial=True``.
        """
        if isinstance(callback, bool):
            callback, partial = None, callback
        try:
            target = memoryview(buf).cast("B")
        except TypeError:
            raise TypeError(
                f"read_into() needs a writable contiguous buffer, not {type(buf).__name__}"
            ) from None
        if target.readonly:
            raise TypeError(f"read_into() needs a writable buffer, not a read-only {type(buf).__name__}")
        fut = self._begin_read(_INTO, callback)
        self._read_target = target
        self._read_filled = 0
        self._read_partial = bool(partial)
        return self._run_read(fut)

    @staticmethod
    def _check_max_bytes(max_bytes: int | None) -> None:
        if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes <= 0):
            raise ValueError(f"max_bytes must be a positive int or None, not {max_bytes!r}")

    @staticmethod
    def _check_streaming(cb: Callable[[bytes], Any] | None) -> None:
        if cb is not None and not callable(cb):
            raise TypeError(f"streaming_callback must be callable, not {type(cb).__name__}")

    def _begin_read(self, kind: int, callback: Callable[[Any], Any] | None) -> asyncio.Future[Any]:
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._read_future is not None:
            raise RuntimeError("Already reading: wait for the pending read to finish")
        fut: asyncio.Future[Any] = self._loop.create_future()
        if callback is not None:
            chain_callback(fut, callback, ignore_error)
        self._read_future = fut
        self._read_kind = kind
        self._read_partial = False
        self._streaming_callback = None
        return fut

    def _run_read(self, fut: asyncio.Future[Any]) -> asyncio.Future[Any]:
        if self._try_read():
            return fut
        if self._closed:
            self._finish_read_on_close()
            return fut
        if len(self._read_buffer) > self.max_buffer_size:
            self._buffer_full()
            return fut
        self._start_reading()
        return fut

    def _consume(self, n: int) -> bytes:
        buf = self._read_buffer
        if n >= len(buf):
            data = bytes(buf)
            buf.clear()
        else:
            with memoryview(buf) as view:
                data = view[:n].tobytes()
            del buf[:n]
        self._scan_pos = 0
        return data

    def _finish_read(self, data: bytes | int) -> None:
        fut = self._read_future
        self._read_future = None
        self._streaming_callback = None
        self._read_regex = None
        self._read_target = None
        if fut is not None and not fut.done():
            fut.set_result(data)

    def _fail_read(self, exc: BaseException) -> None:
        fut = self._read_future
        self._read_future = None
        self._streaming_callback = None
        self._read_target = None
        if fut is not None:
            fail_quietly(fut, exc)

    def _run_streaming(self, cb: Callable[[bytes], Any], data: bytes) -> None:
        try:
            cb(data)
        except Exception as e:
            app_log.error("Exception in streaming callback %r", cb, exc_info=True)
            self._fail_read(StreamClosedError(real_error=e))
            self.close(e)

    def _try_read(self) -> bool:
        """Satisfy the pending read from the buffer if possible; True when it finished."""
        if self._read_future is None:
            return False
        buf = self._read_buffer
        kind = self._read_kind
        streaming = self._streaming_callback
        if streaming is not None:
            if buf:
                take = len(buf) if kind == _CLOSE else min(len(buf), self._read_bytes)
                if take:
                    data = self._consume(take)
                    if kind == _BYTES:
                        self._read_bytes -= take
                    self._run_streaming(streaming, data)
                    if self._read_future is None:
                        return True
            if kind == _BYTES and self._read_bytes == 0 and self._read_future is not None:
                self._finish_read(b"")
                return True
            return False
        if kind == _UNTIL:
            delim = self._read_delimiter
            start = max(0, self._scan_pos - len(delim) + 1)
            i = buf.find(delim, start)
            max_bytes = self._read_max_bytes
            if i >= 0:
                end = i + len(delim)
                if max_bytes is not None and end > max_bytes:
                    self._unsatisfiable(f"delimiter {delim!r} not found within max_bytes={max_bytes}")
                    return True
                self._finish_read(self._consume(end))
                return True
            self._scan_pos = len(buf)
            if max_bytes is not None and len(buf) >= max_bytes:
                self._unsatisfiable(f"delimiter {delim!r} not found within max_bytes={max_bytes}")
                return True
        elif kind == _BYTES:
            n = self._read_bytes
            if len(buf) >= n:
                self._finish_read(self._consume(n))
                return True
            if self._read_partial and buf:
                self._finish_read(self._consume(len(buf)))
                return True
        elif kind == _INTO:
            target = self._read_target
            assert target is not None
            filled = self._read_filled
            take = min(len(buf), len(target) - filled)
            if take:
                with memoryview(buf) as view:
                    target[filled : filled + take] = view[:take]
                del buf[:take]
                filled = self._read_filled = filled + take
            if filled == len(target) or (self._read_partial and filled):
                self._finish_read(filled)
                return True
        elif kind == _REGEX:
            assert self._read_regex is not None
            max_bytes = self._read_max_bytes
            m = self._read_regex.search(buf)
            if m is not None:
                end = m.end()
                if max_bytes is not None and end > max_bytes:
                    self._unsatisfiable(
                        f"regex {self._read_regex.pattern!r} not matched within max_bytes={max_bytes}"
                    )
                    return True
                self._finish_read(self._consume(end))
                return True
            if max_bytes is not None and len(buf) >= max_bytes:
                self._unsatisfiable(
                    f"regex {self._read_regex.pattern!r} not matched within max_bytes={max_bytes}"
                )
                return True
        return False

    def _unsatisfiable(self, message: str) -> None:
        # As in 6.x: the read fails with StreamClosedError, the cause in real_error
        # and in ``error``, so one ``except StreamClosedError`` covers every ending.
        exc = UnsatisfiableReadError(message)
        gen_log.info("Closing stream: %s", message)
        self._fail_read(StreamClosedError(real_error=exc))
        self.close(exc)

    def _buffer_full(self) -> None:
        exc = StreamBufferFullError(
            f"read buffer exceeded max_buffer_size={self.max_buffer_size} bytes without satisfying the read"
        )
        gen_log.warning("Closing stream: %s", exc)
        self._fail_read(exc)
        self.close(exc)

    def _finish_read_on_close(self) -> None:
        """The stream is closed: complete the pending read from what is left, or fail it."""
        if self._read_future is None:
            return
        if self._try_read():
            return
        if self._read_future is None:
            return
        if self._read_kind == _CLOSE:
            data = self._consume(len(self._read_buffer))
            if self._streaming_callback is not None:
                if data:
                    self._run_streaming(self._streaming_callback, data)
                data = b""
            self._finish_read(data)
        else:
            self._fail_read(StreamClosedError(real_error=self.error))
