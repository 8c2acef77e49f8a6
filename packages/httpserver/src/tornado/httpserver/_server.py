"""HTTPServer: listening sockets, TLS, pre-forking and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Union

from tornado.httputil import HTTPServerConnectionDelegate, HTTPServerRequest
from tornado.ioloop import IOLoop
from tornado.iostream import ssl_options_to_context
from tornado.netutil import bind_sockets, listen_backlog
from tornado.process import fork_processes, task_id

from ._connection import READ_SIZE, HTTP1ServerConnection

gen_log = logging.getLogger("tornado.general")

# bind_sockets, fork_processes and task_id live in tornado.netutil and tornado.process;
# they are re-exported here, where they were first published.
__all__ = ["HTTPServer", "bind_sockets", "fork_processes", "task_id", "ssl_options_to_context"]

RequestCallback = Union[
    Callable[[HTTPServerRequest], Union[None, Awaitable[Any], Any]], HTTPServerConnectionDelegate
]

# More than Tornado's 128: a busy HTTP server should not drop SYNs while it is accepting.
_DEFAULT_BACKLOG = 1024


def _positive(name: str, value: Any, allow_none: bool = False, allow_zero: bool = False) -> Any:
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        raise ValueError(f"HTTPServer setting {name} must be a positive number, got {value!r}")
    return value


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        what = "a positive int" if minimum == 1 else "a non-negative int"
        raise ValueError(f"HTTPServer setting {name} must be {what}, got {value!r}")
    return value


def _ip_list(name: str, value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (str, bytes)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"HTTPServer setting {name} must be a list of IP address strings, got {value!r}")
    return frozenset(value)


class HTTPServer:
    """A non-blocking, single-threaded HTTP/1.1 server.

    ``request_callback(request)`` is called with an :class:`HTTPServerRequest` once its
    whole body has arrived.  It may be a plain function that answers now or later
    (``request.write``/``finish``, ``request.respond`` or ``request.connection``'s framed
    methods) or an ``async def`` whose awaitable the server runs.  An exception escaping it
    is logged on ``tornado.application`` and answered with 500 when nothing was sent yet.

    ``request_callback`` may instead be a :class:`~tornado.httputil.HTTPServerConnectionDelegate`
    (``tornado.web.Application``, a ``tornado.routing`` router): its message delegates get
    the body piece by piece as it arrives, with flow control (see ``_delegated.py``).

    The bare server logs no access lines (``tornado.web`` does).  Typical use::

        server = HTTPServer(handle_request)
        server.listen(8888)
        IOLoop.current().start()

    or, pre-forked: ``server.bind(8888); server.start(0); IOLoop.current().start()``.

    Settings (Tornado 6's keywords, with their meaning there):

    * ``no_keep_alive``: close every connection after one response.
    * ``xheaders``: take the client address and scheme from ``X-Real-Ip`` /
      ``X-Forwarded-For`` and ``X-Scheme`` / ``X-Forwarded-Proto`` (set by a proxy in front).
      ``trusted_downstream``: addresses of further proxies, skipped when picking the client
      from the right end of ``X-Forwarded-For``.
    * ``ssl_options``: an :class:`ssl.SSLContext` or a dict (``certfile``, ``keyfile``...).
    * ``protocol``: ``"http"`` or ``"https"`` for ``request.protocol``, when a proxy
      terminates TLS and ``xheaders`` is not used.
    * ``decompress_request``: inflate ``Content-Encoding: gzip`` bodies;
      ``max_body_size`` then bounds the inflated size.
    * ``max_header_size`` (64 KiB): request line and headers; larger heads get 431.
    * ``max_body_size``: bodies larger get 413 (default: ``max_buffer_size``).
    * ``max_buffer_size`` (100 MiB): the most bytes of one request held in memory; a
      callback's request bodies are buffered whole, so for a callback it also caps
      ``max_body_size`` (a delegate gets bodies piece by piece and is not capped).
    * ``chunk_size`` (64 KiB): how many bytes are read from the socket at once.
    * ``idle_connection_timeout`` (3600 s): a keep-alive connection with no request is closed.
    * ``body_timeout``: the longest a request body may take to arrive, counted from the end
      of its head (without it, ``idle_connection_timeout`` bounds each pause in the body).
    * ``header_timeout`` (60 s): the longest a request head may take to arrive, counted from
      its first byte.
    * ``max_query_arguments``, ``max_body_arguments`` (1000 each): more query-string or
      urlencoded body fields than this get 400; ``max_multipart_parts`` (1000) does the same
      for multipart/form-data parts.
    """

    def __init__(
        self,
        request_callback: RequestCallback,
        no_keep_alive: bool = False,
        xheaders: bool = False,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        protocol: str | None = None,
        decompress_request: bool = False,
        chunk_size: int | None = None,
        max_header_size: int | None = None,
        idle_connection_timeout: float | None = 3600.0,
        body_timeout: float | None = None,
        max_body_size: int | None = None,
        max_buffer_size: int | None = None,
        trusted_downstream: list[str] | None = None,
        header_timeout: float | None = 60.0,
        max_query_arguments: int = 1000,
        max_body_arguments: int = 1000,
        max_multipart_parts: int = 1000,
    ) -> None:
        if isinstance(request_callback, HTTPServerConnectionDelegate):
            self.delegate: HTTPServerConnectionDelegate | None = request_callback
        elif callable(request_callback):
            self.delegate = None
        else:
            raise TypeError(
                "request_callback must be callable or an HTTPServerConnectionDelegate,"
                f" got {type(request_callback).__name__}"
            )
        if protocol is not None and protocol not in ("http", "https"):
            raise ValueError(f"HTTPServer setting protocol must be 'http' or 'https', got {protocol!r}")
        max_buffer_size = _count(
            "max_buffer_size", 100 * 1024 * 1024 if max_buffer_size is None else max_buffer_size
        )
        max_header_size = _count("max_header_size", 65536 if max_header_size is None else max_header_size)
        if max_body_size is None:
            max_body_size = max_buffer_size
        max_body_size = _count("max_body_size", max_body_size, minimum=0)
        if self.delegate is None:
            # A callback gets the body whole, so it must fit in the buffer; a delegate gets
            # it piece by piece (a streaming handler may take far more than fits in memory).
            max_body_size = min(max_body_size, max_buffer_size)
        self.request_callback = request_callback
        self.no_keep_alive = bool(no_keep_alive)
        self.xheaders = bool(xheaders)
        self.trusted_downstream = _ip_list("trusted_downstream", trusted_downstream)
        self.ssl_options = ssl_options
        self.ssl_context = (
            ssl_options_to_context(ssl_options, server_side=True) if ssl_options is not None else None
        )
        self.protocol = protocol
        self.decompress_request = bool(decompress_request)
        self.chunk_size = _count("chunk_size", READ_SIZE if chunk_size is None else chunk_size)
        self.max_buffer_size = max_buffer_size
        self.max_header_size = max_header_size
        self.max_body_size = max_body_size
        self.idle_connection_timeout = _positive("idle_connection_timeout", idle_connection_timeout, True)
        self.body_timeout = _positive("body_timeout", body_timeout, True)
        self.header_timeout = _positive("header_timeout", header_timeout, True)
        self.max_query_arguments = _count("max_query_arguments", max_query_arguments)
        self.max_body_arguments = _count("max_body_arguments", max_body_arguments)
        self.max_multipart_parts = _count("max_multipart_parts", max_multipart_parts)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending_sockets: list[socket.socket] = []
        self._sockets: list[socket.socket] = []
        self._servers: list[asyncio.AbstractServer] = []
        self._starting: list[asyncio.Task[asyncio.AbstractServer]] = []
        self._connections: set[HTTP1ServerConnection] = set()
        # Connections whose responses, produced during this loop iteration, wait to be sent.
        self._unflushed: list[HTTP1ServerConnection] = []
        self._all_closed: asyncio.Future[None] | None = None
        self._stopped = False

    # -------------------------------------------------------------------- sockets

    def listen(self, port: int, address: str = "") -> None:
        """Listen on ``port`` (all interfaces unless ``address``); serving starts with the loop."""
        self.add_sockets(bind_sockets(port, address, backlog=_DEFAULT_BACKLOG))

    def bind(
        self,
        port: int,
        address: str | None = None,
        family: socket.AddressFamily = socket.AF_UNSPEC,
        backlog: int = _DEFAULT_BACKLOG,
        reuse_port: bool = False,
    ) -> None:
        """Bind now, serve after :meth:`start` (which may fork first)."""
        self._pending_sockets.extend(bind_sockets(port, address, family, backlog, reuse_port=reuse_port))

    def start(self, num_processes: int | None = 1) -> None:
        """Start serving the sockets given to :meth:`bind`, after forking when ``num_processes != 1``."""
        sockets, self._pending_sockets = self._pending_sockets, []
        if num_processes != 1:
            fork_processes(num_processes)
        self.add_sockets(sockets)

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """Serve already-listening sockets (see :func:`bind_sockets`) on the current IOLoop."""
        loop = IOLoop.current().asyncio_loop
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("HTTPServer sockets must all be served on the same IOLoop")
        self._stopped = False
        for sock in sockets:
            self._sockets.append(sock)
            coro = loop.create_server(
                self._make_connection, sock=sock, ssl=self.ssl_context, backlog=listen_backlog(sock)
            )
            task = loop.create_task(coro)
            self._starting.append(task)
            task.add_done_callback(self._server_started)

    def add_socket(self, socket: socket.socket) -> None:
        self.add_sockets([socket])

    def _server_started(self, task: asyncio.Task[asyncio.AbstractServer]) -> None:
        if task in self._starting:
            self._starting.remove(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            gen_log.error("Could not start serving: %s", exc, exc_info=exc)
            return
        server = task.result()
        if self._stopped:
            server.close()
        else:
            self._servers.append(server)

    def _make_connection(self) -> HTTP1ServerConnection:
        return HTTP1ServerConnection(self)

    # ----------------------------------------------- what connections tell us

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def connection_opened(self, conn: HTTP1ServerConnection) -> None:
        self._connections.add(conn)

    def flush_soon(self, conn: HTTP1ServerConnection) -> None:
        batch = self._unflushed
        if not batch:
            (self._loop or asyncio.get_running_loop()).call_soon(self._flush_unflushed)
        batch.append(conn)

    def _flush_unflushed(self) -> None:
        conns, self._unflushed = self._unflushed, []
        for conn in conns:
            conn.send_pending()

    def connection_closed(self, conn: HTTP1ServerConnection) -> None:
        self._connections.discard(conn)
        if not self._connections and self._all_closed is not None and not self._all_closed.done():
            self._all_closed.set_result(None)

    # ------------------------------------------------------------------- shutdown

    def stop(self) -> None:
        """Stop accepting connections; open connections keep being served."""
        self._stopped = True
        for task in self._starting:
            task.cancel()
        for server in self._servers:
            server.close()
        self._servers = []
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
        self._sockets = []

    async def close_all_connections(self) -> None:
        """Close every connection gracefully: idle ones now, busy ones after their response."""
        if not self._connections:
            return
        loop = asyncio.get_running_loop()
        if self._all_closed is None or self._all_closed.done():
            self._all_closed = loop.create_future()
        waiter = self._all_closed
        for conn in list(self._connections):
            conn.close_gracefully()
        await waiter

    async def drain(self, timeout: float | None = None) -> bool:
        """Stop accepting, answer the requests in flight, close idle keep-alive connections.

        The graceful exit of a frontend behind a load balancer (await it on SIGTERM): new
        connections go to the other frontends while this one finishes what it started,
        including the connections the kernel had already queued for it (each answers one
        request), which closing the listening socket would otherwise reset.
        Requests that never end by themselves (long polls) should be answered by the
        application meanwhile.  After ``timeout`` seconds the connections still open are
        closed abruptly.  Returns True when every connection ended gracefully.
        """
        if timeout is not None:
            _positive("drain_timeout", timeout, allow_zero=True)
        taken = self._take_queued()
        self.stop()
        try:
            await asyncio.wait_for(self._finish(taken), timeout)
            return True
        except asyncio.TimeoutError:
            for task in taken:
                task.cancel()
            for conn in list(self._connections):
                conn.close()
            return False

    def _take_queued(self) -> list[asyncio.Task[Any]]:
        """Accept the connections the kernel has queued, each to answer one request.

        Closing a listening socket resets the connections still in its queue, and a proxy
        resends only idempotent requests elsewhere; taken in first, they are answered here.
        """
        loop = self._loop
        taken: list[asyncio.Task[Any]] = []
        if loop is None:
            return taken
        for sock in self._sockets:
            try:
                sock.setblocking(False)
            except OSError:
                continue
            for _ in range(listen_backlog(sock)):  # bounded: clients may keep arriving
                try:
                    client, _addr = sock.accept()
                except OSError:  # BlockingIOError: the queue is empty
                    break
                client.setblocking(False)
                setup = loop.connect_accepted_socket(self._make_last_connection, client, ssl=self.ssl_context)
                taken.append(loop.create_task(setup))
        return taken

    def _make_last_connection(self) -> HTTP1ServerConnection:
        conn = self._make_connection()
        conn.serve_one()
        return conn

    async def _finish(self, taken: list[asyncio.Task[Any]]) -> None:
        if taken:
            await asyncio.gather(*taken, return_exceptions=True)
        await asyncio.shield(self.close_all_connections())

    @property
    def connections(self) -> int:
        """How many client connections are open."""
        return len(self._connections)
