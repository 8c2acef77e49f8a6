"""IOStream: a buffered, non-blocking stream over a socket watched directly on the loop."""

from __future__ import annotations

import asyncio
import collections
import errno
import logging
import re
import socket
import ssl
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Union

from tornado.ioloop import IOLoop, chain_callback

from ._errors import (
    StreamBufferFullError,
    StreamClosedError,
    UnsatisfiableReadError,
    fail_quietly,
    ignore_error,
)

if TYPE_CHECKING:
    from ._tls import SSLIOStream

__all__ = ["IOStream"]

gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024
DEFAULT_READ_CHUNK_SIZE = 64 * 1024

_Buffer = Union[bytes, bytearray, memoryview]
_Socket = socket.socket

# Read kinds.
_UNTIL = 1
_REGEX = 2
_BYTES = 3
_CLOSE = 4

# errnos meaning "the peer went away": closing quietly is the right reaction.
_CONNRESET = {errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT}


class IOStream:
    """A buffered, non-blocking wrapper around a connected (or connecting) socket."""

    _direct_write = True
    # start_tls builds an SSLIOStream, which lives in the TLS module above this one; that
    # module registers the class here, so the two modules do not import each other.
    _tls_stream_class: ClassVar[type[SSLIOStream] | None] = None

    def __init__(
        self,
        socket: _Socket,
        io_loop: IOLoop | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
    ) -> None:
        if not hasattr(socket, "fileno") or not hasattr(socket, "recv"):
            raise TypeError(f"socket must be a socket object, not {type(socket).__name__}")
        if max_buffer_size is None:
            max_buffer_size = DEFAULT_MAX_BUFFER_SIZE
        if read_chunk_size is None:
            read_chunk_size = DEFAULT_READ_CHUNK_SIZE
        if not isinstance(max_buffer_size, int) or max_buffer_size <= 0:
            raise ValueError(f"max_buffer_size must be a positive int, not {max_buffer_size!r}")
        if not isinstance(read_chunk_size, int) or read_chunk_size <= 0:
            raise ValueError(f"read_chunk_size must be a positive int, not {read_chunk_size!r}")
        if socket.fileno() < 0:
            raise ValueError("socket is closed")
        self.socket: _Socket = socket
        self.socket.setblocking(False)
        if io_loop is None:
            io_loop = IOLoop.current()
            assert io_loop is not None
        self.io_loop = io_loop
        self._loop = io_loop.asyncio_loop
        self._fd = socket.fileno()
        self.max_buffer_size = max_buffer_size
        self.read_chunk_size = read_chunk_size
        self.error: BaseException | None = None

        self._read_buffer = bytearray()
        self._scan_pos = 0
        self._read_future: asyncio.Future[bytes] | None = None
        self._read_kind = 0
        self._read_delimiter = b""
        self._read_regex: re.Pattern[bytes] | None = None
        self._read_max_bytes: int | None = None
        self._read_bytes = 0
        self._read_partial = False
        self._streaming_callback: Callable[[bytes], Any] | None = None

        self._write_buffer = bytearray()
        self._queued_total = 0
        self._written_total = 0
        self._write_futures: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

        self._close_callback: Callable[[], Any] | None = None
        self._closed = False
        self._connected = True  # until connect() says otherwise
        self._connect_future: asyncio.Future[Any] | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._reader_on = False
        self._writer_on = False

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
        """Disable (True) or enable Nagle's algorithm on TCP sockets."""
        if self._closed or self.socket.family not in (socket.AF_INET, socket.AF_INET6):
            return
        try:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if value else 0)
        except OSError as e:
            # The peer may already be gone; that is reported by the next read or write.
            if e.errno != errno.EINVAL:
                raise

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
        stream with UnsatisfiableReadError.
        """
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
        """Read up to and including the first match of ``regex`` (a bytes pattern)."""
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
        arrives and the result is ``b""``.
        """
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

    @staticmethod
    def _check_max_bytes(max_bytes: int | None) -> None:
        if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes <= 0):
            raise ValueError(f"max_bytes must be a positive int or None, not {max_bytes!r}")

    @staticmethod
    def _check_streaming(cb: Callable[[bytes], Any] | None) -> None:
        if cb is not None and not callable(cb):
            raise TypeError(f"streaming_callback must be callable, not {type(cb).__name__}")

    def _begin_read(self, kind: int, callback: Callable[[bytes], Any] | None) -> asyncio.Future[bytes]:
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._read_future is not None:
            raise RuntimeError("Already reading: wait for the pending read to finish")
        fut: asyncio.Future[bytes] = self._loop.create_future()
        if callback is not None:
            chain_callback(fut, callback, ignore_error)
        self._read_future = fut
        self._read_kind = kind
        self._read_partial = False
        self._streaming_callback = None
        return fut

    def _run_read(self, fut: asyncio.Future[bytes]) -> asyncio.Future[bytes]:
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

    def _finish_read(self, data: bytes) -> None:
        fut = self._read_future
        self._read_future = None
        self._streaming_callback = None
        self._read_regex = None
        if fut is not None and not fut.done():
            fut.set_result(data)

    def _fail_read(self, exc: BaseException) -> None:
        fut = self._read_future
        self._read_future = None
        self._streaming_callback = None
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
        exc = UnsatisfiableReadError(message)
        gen_log.info("Closing stream: %s", message)
        self._fail_read(exc)
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
        if not self._read_from_socket():
            return
        if self._try_read():
            return
        if len(self._read_buffer) > self.max_buffer_size:
            if self._read_future is not None:
                self._buffer_full()
            else:
                self._stop_reading()  # resumes when a read is requested

    def _recv(self) -> bytes | None:
        """One chunk from the socket; None when it would block; b"" at end of stream."""
        try:
            return self.socket.recv(self.read_chunk_size)
        except (BlockingIOError, InterruptedError):
            return None

    def _read_from_socket(self) -> bool:
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
        fut: asyncio.Future[None] = self._loop.create_future()
        if callback is not None:
            cb = callback
            chain_callback(fut, lambda _: cb(), ignore_error)
        size = len(data) if not isinstance(data, memoryview) else data.nbytes
        if size:
            self._queued_total += size
            if self._direct_write and not self._write_buffer and self._io_ready():
                try:
                    sent = self.socket.send(data)
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

    def _send(self, buf: bytearray) -> int:
        return self.socket.send(buf)

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

    # -- connecting ----------------------------------------------------------------

    def connect(
        self, address: Any, callback: Callable[[], Any] | None = None, server_hostname: str | None = None
    ) -> asyncio.Future[IOStream]:
        """Connect the (unconnected) socket to ``address``; resolves with the stream.

        Writes issued before the connection completes are queued.  Failure (e.g.
        connection refused) closes the stream, sets ``error`` and fails the future
        with StreamClosedError.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._closed:
            raise StreamClosedError(real_error=self.error)
        if self._connect_future is not None:
            raise RuntimeError("connect() already called on this stream")
        fut: asyncio.Future[IOStream] = self._loop.create_future()
        if callback is not None:
            cb = callback
            chain_callback(fut, lambda _: cb(), ignore_error)
        self._connect_future = fut
        self._connected = False
        self._stop_reading()
        self._stop_writing()
        self._connect_task = self._loop.create_task(self._do_connect(address, server_hostname))
        return fut

    async def _do_connect(self, address: Any, server_hostname: str | None) -> None:
        try:
            await self._loop.sock_connect(self.socket, address)
        except asyncio.CancelledError:
            return
        except OSError as e:
            if not self._closed:
                gen_log.debug("Connect to %r failed: %s", address, e)
                self.close(e)
            return
        if self._closed:
            return
        self._connected = True
        self._on_connected(address, server_hostname)

    def _on_connected(self, address: Any, server_hostname: str | None) -> None:
        self._connect_done()
        self._after_ready()

    def _connect_done(self) -> None:
        fut = self._connect_future
        if fut is not None and not fut.done():
            fut.set_result(self)

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
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
        try:
            self.socket.close()
        except OSError:
            pass
        self._finish_read_on_close()
        closed_exc = StreamClosedError(real_error=self.error)
        while self._write_futures:
            fut = self._write_futures.popleft()[1]
            fail_quietly(fut, closed_exc)
        self._write_buffer.clear()
        if self._connect_future is not None:
            fail_quietly(self._connect_future, closed_exc)
        self._closed_hook(closed_exc)
        self._schedule_close_callback()

    def _closed_hook(self, exc: StreamClosedError) -> None:
        """Subclasses fail their own pending futures here."""

    def _schedule_close_callback(self) -> None:
        cb = self._close_callback
        if cb is not None:
            self._close_callback = None
            self.io_loop.add_callback(cb)

    # -- TLS upgrade -----------------------------------------------------------------

    def start_tls(
        self,
        server_side: bool,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> asyncio.Future[SSLIOStream]:
        """Upgrade this idle stream to TLS; resolves with a new SSLIOStream after the handshake.

        This stream is unusable afterwards.  It must have no pending read or write and
        no buffered data.  The close callback is not carried over.
        """
        if self._closed:
            raise StreamClosedError(real_error=self.error)
        if self._read_future is not None or self._write_buffer or self._read_buffer or not self._connected:
            raise ValueError("IOStream is not idle (pending or buffered data); cannot start TLS")
        if server_side and ssl_options is None:
            raise ValueError("start_tls(server_side=True) needs ssl_options with a certificate")
        self._stop_reading()
        self._stop_writing()
        sock = self.socket
        self._closed = True
        self._close_callback = None
        tls_class = IOStream._tls_stream_class
        assert tls_class is not None, "tornado.iostream registers SSLIOStream on import"
        new = tls_class(
            sock,
            ssl_options=ssl_options,
            server_side=server_side,
            server_hostname=server_hostname,
            io_loop=self.io_loop,
            max_buffer_size=self.max_buffer_size,
            read_chunk_size=self.read_chunk_size,
        )
        return new.wait_for_handshake()
