"""BaseIOStream: the buffering, reads, writes and closing shared by every stream kind.

A stream watches one file descriptor on the loop (``add_reader``/``add_writer``); a
subclass says how to move bytes through it (``_recv``/``_send``) and how to close it
(``close_fd``): IOStream for sockets, PipeIOStream for pipes, SSLIOStream for TLS.
The read methods and their matching of the buffer are inherited from ``_reads``.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import sys
from collections.abc import Callable
from typing import Any, Union

from tornado.ioloop import IOLoop, chain_callback

from ._errors import StreamBufferFullError, StreamClosedError, fail_quietly, ignore_error
from ._reads import _CLOSE, StreamReads

__all__ = ["BaseIOStream", "DEFAULT_MAX_BUFFER_SIZE", "DEFAULT_READ_CHUNK_SIZE"]

DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024
DEFAULT_READ_CHUNK_SIZE = 64 * 1024

_Buffer = Union[bytes, bytearray, memoryview]

# errnos meaning "the peer went away": closing quietly is the right reaction.
_CONNRESET = {errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT}


class BaseIOStream(StreamReads):
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
        self.error = None

        # The pending read (see StreamReads, which declares these).
        self._read_buffer = bytearray()
        self._scan_pos = 0
        self._read_future = None
        self._read_kind = 0
        self._read_delimiter = b""
        self._read_regex = None
        self._read_max_bytes = None
        self._read_bytes = 0
        self._read_partial = False
        self._read_target = None
        self._read_filled = 0
        self._streaming_callback = None

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

    # -- reading from the fd (the read methods are StreamReads') --------------------

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
