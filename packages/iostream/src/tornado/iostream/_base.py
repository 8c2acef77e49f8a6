"""BaseIOStream: the buffering, reads, writes and closing shared by every stream kind.

A stream watches one file descriptor on the loop (``add_reader``/``add_writer``); a
subclass says how to move bytes through it (``_recv``/``_send``) and how to close it
(``close_fd``): IOStream for sockets, PipeIOStream for pipes, SSLIOStream for TLS.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import logging
import re
import sys
from collections.abc import Callable
from typing import Any, Union

from tornado.ioloop import IOLoop, chain_callback

from ._errors import (
    StreamBufferFullError,
    StreamClosedError,
    UnsatisfiableReadError,
    fail_quietly,
    ignore_error,
)

__all__ = ["BaseIOStream", "DEFAULT_MAX_BUFFER_SIZE", "DEFAULT_READ_CHUNK_SIZE"]

gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024
DEFAULT_READ_CHUNK_SIZE = 64 * 1024

_Buffer = Union[bytes, bytearray, memoryview]

# Read kinds.
_UNTIL = 1
_REGEX = 2
_BYTES = 3
_CLOSE = 4
_INTO = 5

# errnos meaning "the peer went away": closing quietly is the right reaction.
_CONNRESET = {errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT}


class BaseIOStream:
    """A buffered, non-blocking stream over one file descriptor.

    Subclasses set ``self._fd`` before calling this constructor and implement
    ``_recv``, ``_send`` and ``close_fd``.  ``max_write_buffer_size`` (default: no limit)
    makes :meth:`write` raise StreamBufferFullError instead of buffering past it.
    """

    # True when write() may hand data to _send() at once, before queueing it.
    _direct_write = True
    _fd: int

    def __init__(
        self,
        io_loop: IOLoop | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
        max_write_buffer_size: int | None = None,
    ) -> None:
        if max_buffer_size is None:
            max_buffer_size = DEFAULT_MAX_BUFFER_SIZE
        if read_chunk_size is None:
            read_chunk_size = DEFAULT_READ_CHUNK_SIZE
        if not isinstance(max_buffer_size, int) or max_buffer_size <= 0:
            raise ValueError(f"max_buffer_size must be a positive int, not {max_buffer_size!r}")
        if not isinstance(read_chunk_size, int) or read_chunk_size <= 0:
            raise ValueError(f"read_chunk_size must be a positive int, not {read_chunk_size!r}")
        if max_write_buffer_size is not None and (
            not isinstance(max_write_buffer_size, int) or max_write_buffer_size <= 0
        ):
            raise ValueError(
                f"max_write_buffer_size must be a positive int or None, not {max_write_buffer_size!r}"
            )
        if io_loop is None:
            io_loop = IOLoop.current()
            assert io_loop is not None
        self.io_loop = io_loop
        self._loop = io_loop.asyncio_loop
        self.max_buffer_size = max_buffer_size
        self.read_chunk_size = read_chunk_size
        self.max_write_buffer_size = max_write_buffer_size
        self.error: BaseException | None = None

        self._read_buffer = bytearray()
        self._scan_pos = 0
        self._read_future: asyncio.Future[Any] | None = None
        self._read_kind = 0
        self._read_delimiter = b""
        self._read_regex: re.Pattern[bytes] | None = None
        self._read_max_bytes: int | None = None
        self._read_bytes = 0
        self._read_partial = False
        self._read_target: memoryview | None = None
        self._read_filled = 0
        self._streaming_callback: Callable[[bytes], Any] | None = None

        self._write_buffer = bytearray()
        self._queued_total = 0
        self._written_total = 0
        self._write_futures: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

        self._close_callback: Callable[[], Any] | None = None
        self._closed = False
        self._connected = True  # IOStream.connect() clears it until the connection is made
        self._reader_on = False
        self._writer_on = False
        if not hasattr(self, "_fd") and type(self).fileno is not BaseIOStream.fileno:
            # A subclass written for Tornado 6 names its fd through fileno() before calling us.
            self._fd = self.fileno()

    # -- small public helpers ------------------------------------------------------

    def fileno(self) -> int:
        return self._fd

    def closed(self) -> bool:
        """True once the stream is closed."""
        return self._closed

    def reading(self) -> bool:
        """True while a read is pending."""
        return self._read_future is not None

    def writing(self) -> bool:
        """True while written data has not yet gone to the socket."""
        return bool(self._write_buffer)

    def set_close_callback(self, callback: Callable[[], Any] | None) -> None:
        """Call ``callback()`` (on the loop) when the stream closes, for any reason."""
        if callback is not None and not callable(callback):
            raise TypeError(f"close callback must be callable, not {type(callback).__name__}")
        self._close_callback = callback
        if callback is not None and self._closed:
            self._schedule_close_callback()
        elif callback is not None:
            # Watch the socket so a peer close is noticed even with no read pending.
            self._start_reading()

    def set_nodelay(self, value: bool) -> None:
        """Disable (True) or enable Nagle's algorithm; only TCP streams have it."""

    # -- fd registration -----------------------------------------------------------

    def _start_reading(self) -> None:
        if not self._reader_on and not self._closed and self._connected:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reader_on = True

    def _stop_reading(self) -> None:
        if self._reader_on:
            self._loop.remove_reader(self._fd)
            self._reader_on = False

    def _start_writing(self) -> None:
        if not self._writer_on and not self._closed and self._connected:
            self._loop.add_writer(self._fd, self._on_writable)
            self._writer_on = True

    def _stop_writing(self) -> None:
        if self._writer_on:
            self._loop.remove_writer(self._fd)
            self._writer_on = False

    def _io_ready(self) -> bool:
        """True when application data may flow (connected; handshake done for SSL)."""
        return self._connected

    # -- reading -------------------------------------------------------------------

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

    def _on_readable(self) -> None:
        if self._closed:
            return
        if self._read_future is None and self._close_callback is None:
            # Nobody is interested: leave the data in the kernel (start_tls relies on it).
            self._stop_reading()
            return
        if not self._read_to_buffer():
            return
        if self._try_read():
            return
        if len(self._read_buffer) > self.max_buffer_size:
            if self._read_future is not None:
                self._buffer_full()
            else:
                self._stop_reading()  # resumes when a read is requested

    def _recv(self) -> bytes | None:
        """One chunk from the fd; None when it would block; b"" at end of stream.

        Our streams override this; a subclass written for Tornado 6 implements
        :meth:`read_from_fd` instead, which this default calls.
        """
        buf = bytearray(self.read_chunk_size)
        n = self.read_from_fd(buf)
        if n is None:
            return None
        del buf[n:]
        return bytes(buf)

    def read_from_fd(self, buf: bytearray | memoryview) -> int | None:
        """Read up to ``len(buf)`` bytes into ``buf``: how many; None if it would block; 0 at EOF.

        Tornado 6's hook for stream kinds of one's own (with :meth:`write_to_fd`,
        :meth:`fileno` and :meth:`close_fd`); the stream's reads go through it.
        """
        raise NotImplementedError

    def _read_to_buffer(self) -> bool:
        """Move available data into the buffer; False if the stream closed."""
        try:
            chunk = self._recv()
        except OSError as e:
            self.close(None if e.errno in _CONNRESET else e)
            return False
        if chunk is None:
            return True
        if not chunk:
            self.close()
            return False
        self._read_buffer += chunk
        return True

    # -- writing -------------------------------------------------------------------

    def write(self, data: _Buffer, callback: Callable[[], Any] | None = None) -> asyncio.Future[None]:
        """Queue ``data``; the future (and ``callback()``) completes once it reached the socket.

        Data goes straight to the socket when nothing is queued; otherwise it is
        appended to the buffer and flushed together with the rest.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"write() needs bytes, not {type(data).__name__}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._closed:
            raise StreamClosedError(real_error=self.error)
        size = len(data) if not isinstance(data, memoryview) else data.nbytes
        limit = self.max_write_buffer_size
        if limit is not None and len(self._write_buffer) + size > limit:
            raise StreamBufferFullError(f"write would buffer more than max_write_buffer_size={limit} bytes")
        fut: asyncio.Future[None] = self._loop.create_future()
        if callback is not None:
            cb = callback
            chain_callback(fut, lambda _: cb(), ignore_error)
        if size:
            self._queued_total += size
            if self._direct_write and not self._write_buffer and self._io_ready():
                try:
                    sent = self._send(data)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError as e:
                    self._write_futures.append((self._queued_total, fut))
                    self.close(None if e.errno in _CONNRESET else e)
                    return fut
                self._written_total += sent
                if sent < size:
                    with memoryview(data) as view:
                        self._write_buffer += view.cast("B")[sent:]
                    self._start_writing()
            else:
                was_empty = not self._write_buffer
                self._write_buffer += data
                if was_empty and self._io_ready():
                    self._flush()
        if self._written_total >= self._queued_total:
            fut.set_result(None)
        else:
            self._write_futures.append((self._queued_total, fut))
        return fut

    def _send(self, data: _Buffer) -> int:
        """Hand bytes to the fd; how many it took (BlockingIOError when none).

        Our streams override this; the default calls a Tornado 6 subclass's :meth:`write_to_fd`.
        """
        with memoryview(data) as view:
            return self.write_to_fd(view)

    def write_to_fd(self, data: memoryview) -> int:
        """Write some of ``data``; how many bytes the fd took (BlockingIOError when none)."""
        raise NotImplementedError

    def get_fd_error(self) -> Exception | None:
        """The error pending on the fd (such as a failed connect), or None if it cannot tell."""
        return None

    def _flush(self) -> None:
        buf = self._write_buffer
        while buf:
            try:
                sent = self._send(buf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self.close(None if e.errno in _CONNRESET else e)
                return
            if not sent:
                break
            del buf[:sent]
            self._written_total += sent
        futures = self._write_futures
        while futures and futures[0][0] <= self._written_total:
            fut = futures.popleft()[1]
            if not fut.done():
                fut.set_result(None)
        if buf:
            self._start_writing()
        else:
            self._stop_writing()

    def _on_writable(self) -> None:
        if not self._closed:
            self._flush()

    def _after_ready(self) -> None:
        """Data may flow now: push queued writes, resume a waiting read."""
        if self._write_buffer:
            self._flush()
        if not self._closed and (self._read_future is not None or self._close_callback is not None):
            if not self._try_read():
                self._start_reading()

    # -- closing -------------------------------------------------------------------

    def close(self, exc_info: bool | BaseException | None = False) -> None:
        """Close the stream; ``exc_info=True`` records the exception being handled as ``error``.

        An exception instance may be passed instead.  Pending reads are completed from
        the buffer when possible, otherwise failed with StreamClosedError; the close
        callback runs on the loop.
        """
        if self._closed:
            return
        if exc_info is False and self._read_future is not None and self._read_kind == _CLOSE:
            self._take_arrived()
        if isinstance(exc_info, BaseException):
            self.error = exc_info
        elif exc_info is True:
            current = sys.exc_info()[1]
            if current is not None:
                self.error = current
        self._closed = True
        if not self._loop.is_closed():
            self._stop_reading()
            self._stop_writing()
        self._reader_on = self._writer_on = False
        try:
            self.close_fd()
        except OSError:
            pass
        self._finish_read_on_close()
        closed_exc = StreamClosedError(real_error=self.error)
        while self._write_futures:
            fut = self._write_futures.popleft()[1]
            fail_quietly(fut, closed_exc)
        self._write_buffer.clear()
        self._closed_hook(closed_exc)
        self._schedule_close_callback()

    def _take_arrived(self) -> None:
        """Buffer what the kernel already holds, for a read_until_close pending at close().

        6.x reads inline when a read starts, so such a read returns the bytes that had
        arrived even when the stream is then closed from this side.
        """
        if not self._connected or not self._io_ready():
            return
        try:
            while len(self._read_buffer) <= self.max_buffer_size:
                chunk = self._recv()
                if not chunk:
                    return
                self._read_buffer += chunk
        except OSError:
            return

    def close_fd(self) -> None:
        """Close the underlying file descriptor (the stream's close() calls this once)."""
        raise NotImplementedError

    def _closed_hook(self, exc: StreamClosedError) -> None:
        """Subclasses fail their own pending futures here."""

    def _schedule_close_callback(self) -> None:
        cb = self._close_callback
        if cb is not None:
            self._close_callback = None
            self.io_loop.add_callback(cb)
