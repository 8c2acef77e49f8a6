"""A non-blocking, single-threaded TCP server (Tornado's ``tcpserver``).

Subclass :class:`TCPServer` and override ``handle_stream``; each accepted connection
arrives as an :class:`~tornado.iostream.IOStream` (an ``SSLIOStream`` with ``ssl_options``)::

    class EchoServer(TCPServer):
        async def handle_stream(self, stream, address):
            while True:
                try:
                    line = await stream.read_until(b"\\n")
                except StreamClosedError:
                    break
                await stream.write(line)

    EchoServer().listen(8888)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from tornado.iostream import IOStream, SSLIOStream, ssl_options_to_context
from tornado.netutil import add_accept_handler, bind_sockets
from tornado.netutil._sockets import _DEFAULT_BACKLOG
from tornado.process import fork_processes

__all__ = ["TCPServer"]

app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")


def _optional_size(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"TCPServer setting {name} must be a positive int or None, got {value!r}")
    return value


class TCPServer:
    """Accepts TCP connections and hands each to :meth:`handle_stream` as a stream.

    Three ways to start it, as in Tornado: :meth:`listen` (one process; with
    ``reuse_port=True`` several copies of the program can share a port);
    ``bind_sockets`` + ``fork_processes`` + :meth:`add_sockets` (pre-forked workers);
    or :meth:`bind` + :meth:`start` (the older form of the same).

    ``ssl_options`` (an SSLContext or a dict such as ``{"certfile": ..., "keyfile": ...}``)
    makes every stream an SSLIOStream whose handshake runs as the stream is used;
    ``max_buffer_size`` and ``read_chunk_size`` are passed to each stream.
    """

    def __init__(
        self,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
    ) -> None:
        self.ssl_options = ssl_options
        # Converted now so a bad certificate path fails here, naming the setting.
        self._ssl_context = (
            ssl_options_to_context(ssl_options, server_side=True) if ssl_options is not None else None
        )
        self.max_buffer_size = _optional_size("max_buffer_size", max_buffer_size)
        self.read_chunk_size = _optional_size("read_chunk_size", read_chunk_size)
        self._sockets: dict[int, socket.socket] = {}
        self._handlers: dict[int, Callable[[], None]] = {}
        self._pending_sockets: list[socket.socket] = []
        self._started = False
        self._stopped = False

    def listen(
        self,
        port: int,
        address: str | None = None,
        family: socket.AddressFamily = socket.AF_UNSPEC,
        backlog: int = _DEFAULT_BACKLOG,
        flags: int | None = None,
        reuse_port: bool = False,
    ) -> None:
        """Start accepting on ``port`` now (the loop must run); arguments as for ``bind_sockets``."""
        sockets = bind_sockets(port, address, family, backlog, flags=flags, reuse_port=reuse_port)
        self.add_sockets(sockets)

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """Accept on listening sockets made elsewhere (``bind_sockets``, a supervisor...)."""
        for sock in sockets:
            fd = sock.fileno()
            if fd in self._sockets:
                raise ValueError(f"socket {sock!r} is already served by this TCPServer")
            self._sockets[fd] = sock
            self._handlers[fd] = add_accept_handler(sock, self._handle_connection)
        self._stopped = False

    def add_socket(self, socket: socket.socket) -> None:
        """:meth:`add_sockets` for one socket."""
        self.add_sockets([socket])

    def bind(
        self,
        port: int,
        address: str | None = None,
        family: socket.AddressFamily = socket.AF_UNSPEC,
        backlog: int = _DEFAULT_BACKLOG,
        flags: int | None = None,
        reuse_port: bool = False,
    ) -> None:
        """Bind now, accept after :meth:`start` (which may fork first); may be called repeatedly."""
        sockets = bind_sockets(port, address, family, backlog, flags=flags, reuse_port=reuse_port)
        if self._started:
            self.add_sockets(sockets)
        else:
            self._pending_sockets.extend(sockets)

    def start(self, num_processes: int | None = 1, max_restarts: int | None = None) -> None:
        """Accept on the sockets given to :meth:`bind`, after forking unless ``num_processes == 1``.

        None or <= 0 forks one worker per CPU (see ``tornado.process.fork_processes``, which
        also takes ``max_restarts``).  With several processes, no IOLoop may exist before this.
        """
        if self._started:
            raise RuntimeError("TCPServer.start() was already called")
        self._started = True
        if num_processes != 1:
            fork_processes(num_processes, max_restarts)
        sockets, self._pending_sockets = self._pending_sockets, []
        self.add_sockets(sockets)

    def stop(self) -> None:
        """Stop accepting and close the listening sockets; open connections carry on."""
        if self._stopped:
            return
        self._stopped = True
        for fd, sock in self._sockets.items():
            self._handlers.pop(fd)()
            sock.close()
        self._sockets = {}
        for sock in self._pending_sockets:
            sock.close()
        self._pending_sockets = []

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> Awaitable[None] | None:
        """Serve one connection; override it.  It may be a coroutine.

        Its exceptions, raised at once or later by the coroutine, are logged and the server
        keeps accepting.  With TLS it runs before the handshake has finished; await
        ``stream.wait_for_handshake()`` to look at the peer's certificate or ALPN choice.
        """
        raise NotImplementedError(f"{type(self).__name__} must override handle_stream()")

    def _handle_connection(self, connection: socket.socket, address: Any) -> None:
        try:
            stream: IOStream
            if self._ssl_context is not None:
                stream = SSLIOStream(
                    connection,
                    ssl_options=self._ssl_context,
                    server_side=True,
                    max_buffer_size=self.max_buffer_size,
                    read_chunk_size=self.read_chunk_size,
                )
            else:
                stream = IOStream(
                    connection, max_buffer_size=self.max_buffer_size, read_chunk_size=self.read_chunk_size
                )
        except (OSError, ValueError) as e:
            # The peer may have gone already (the socket cannot even be set up).
            gen_log.debug("Dropping connection from %r: %s", address, e)
            connection.close()
            return
        try:
            result = self.handle_stream(stream, address)
        except Exception:
            app_log.error("Error in connection callback", exc_info=True)
            return
        if result is not None:
            try:
                future = asyncio.ensure_future(result)
            except TypeError:
                app_log.error("handle_stream returned %r, which is not awaitable", result)
                return
            future.add_done_callback(_log_failure)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        app_log.error("Error in connection callback", exc_info=exc)
