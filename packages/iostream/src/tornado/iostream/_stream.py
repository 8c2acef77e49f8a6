"""IOStream: a BaseIOStream over a TCP (or Unix) socket, with connect and start_tls."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from tornado.ioloop import IOLoop, chain_callback

from ._base import BaseIOStream, _Buffer
from ._errors import StreamClosedError, fail_quietly, ignore_error

if TYPE_CHECKING:
    from ._tls import SSLIOStream

__all__ = ["IOStream"]

gen_log = logging.getLogger("tornado.general")

_Socket = socket.socket


class IOStream(BaseIOStream):
    """A buffered, non-blocking wrapper around a connected (or connecting) socket."""

    # start_tls builds an SSLIOStream, which lives in the TLS module above this one; that
    # module registers the class here, so the two modules do not import each other.
    _tls_stream_class: ClassVar[type[SSLIOStream] | None] = None

    def __init__(
        self,
        socket: _Socket,
        io_loop: IOLoop | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
        max_write_buffer_size: int | None = None,
    ) -> None:
        if not hasattr(socket, "fileno") or not hasattr(socket, "recv"):
            raise TypeError(f"socket must be a socket object, not {type(socket).__name__}")
        super().__init__(io_loop, max_buffer_size, read_chunk_size, max_write_buffer_size)
        if socket.fileno() < 0:
            raise ValueError("socket is closed")
        self.socket: _Socket = socket
        self.socket.setblocking(False)
        self._fd = socket.fileno()
        self._connect_future: asyncio.Future[Any] | None = None
        self._connect_task: asyncio.Task[None] | None = None

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

    def _recv(self) -> bytes | None:
        try:
            return self.socket.recv(self.read_chunk_size)
        except (BlockingIOError, InterruptedError):
            return None

    def _send(self, data: _Buffer) -> int:
        return self.socket.send(data)

    def read_from_fd(self, buf: bytearray | memoryview) -> int | None:
        try:
            return self.socket.recv_into(buf, len(buf))
        except (BlockingIOError, InterruptedError):
            return None

    def write_to_fd(self, data: memoryview) -> int:
        return self._send(data)

    def get_fd_error(self) -> Exception | None:
        """The socket's pending error (``SO_ERROR``), e.g. why a connect failed; None if none."""
        code = self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return OSError(code, os.strerror(code)) if code else None

    def close_fd(self) -> None:
        # A connect still in flight watches this fd: stop it before the fd can be reused.
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
        self.socket.close()

    def _closed_hook(self, exc: StreamClosedError) -> None:
        if self._connect_future is not None:
            fail_quietly(self._connect_future, exc)

    # -- connecting ----------------------------------------------------------------

    def connect(
        self,
        address: Any,
        callback: Callable[[], Any] | str | None = None,
        server_hostname: str | None = None,
    ) -> asyncio.Future[IOStream]:
        """Connect the (unconnected) socket to ``address``; resolves with the stream.

        Writes issued before the connection completes are queued.  Failure (e.g.
        connection refused) closes the stream, sets ``error`` and fails the future
        with StreamClosedError.  ``connect(address, "host")``, the 6.x positional form,
        means ``server_hostname="host"``.
        """
        if isinstance(callback, str) and server_hostname is None:
            callback, server_hostname = None, callback
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

    # -- TLS upgrade -----------------------------------------------------------------

    def start_tls(
        self,
        server_side: bool,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> asyncio.Future[SSLIOStream]:
        """Upgrade this idle stream to TLS; resolves with a new SSLIOStream after the handshake.

        This stream is unusable afterwards.  It must have no pending read or write and
        no buffered data (data still in the kernel is fine).  A close callback set on this
        stream moves to the new one.
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
        close_callback, self._close_callback = self._close_callback, None
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
            max_write_buffer_size=self.max_write_buffer_size,
        )
        if close_callback is not None:
            new.set_close_callback(close_callback)
        return new.wait_for_handshake()
