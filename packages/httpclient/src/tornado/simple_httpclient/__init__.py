"""The pure-Python HTTP client: pooled keep-alive connections on the shared HTTP/1.1 core.

``SimpleAsyncHTTPClient`` is what ``AsyncHTTPClient()`` builds by default.  It keeps idle
connections in a pool keyed by everything that decides whether a connection can serve a
request (scheme, host, port, TLS settings, proxy, address family, source address), runs
at most ``max_clients`` requests at once and queues the rest; time spent queued counts
toward ``request_timeout``.  Connections are asyncio Protocols on the IOLoop's loop
(``_connection``); addresses are resolved and tried by the loop without blocking it,
IPv6 and IPv4 alike (Happy Eyeballs where the loop supports it).
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import socket
import ssl
from collections.abc import Callable
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPResponse, split_url
from tornado.httputil import HTTPOutputError
from tornado.iostream import ssl_options_to_context

from ._connection import IDEMPOTENT, Connection, Exchange

__all__ = ["SimpleAsyncHTTPClient"]

_happy_cache: dict[type, bool] = {}


def _supports_happy_eyeballs(loop: asyncio.AbstractEventLoop) -> bool:
    kind = type(loop)
    ok = _happy_cache.get(kind)
    if ok is None:
        try:
            ok = "happy_eyeballs_delay" in inspect.signature(loop.create_connection).parameters
        except (TypeError, ValueError):
            ok = False
        _happy_cache[kind] = ok
    return ok


def _positive_int(name: str, value: Any, allow_none: bool = False) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def describe_connect_error(e: BaseException, host: str, port: int) -> str:
    """A 599 message naming why a connection could not be made."""
    if isinstance(e, socket.gaierror):
        return f"DNS lookup failed for {host}: {e.strerror or e}"
    if isinstance(e, ConnectionRefusedError):
        return f"Connection refused by {host}:{port}"
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed for {host}: {e.verify_message or e}"
    if isinstance(e, ssl.SSLError):
        return f"TLS handshake with {host}:{port} failed: {e}"
    if isinstance(e, ConnectionError) and e.args and isinstance(e.args[0], str) and "proxy" in e.args[0]:
        return str(e)
    return f"Could not connect to {host}:{port}: {e}"


class SimpleAsyncHTTPClient(AsyncHTTPClient):
    """The default AsyncHTTPClient.

    Options: ``max_clients`` (requests in flight, 10), ``max_connections_per_host``
    (default: no limit beyond max_clients), ``idle_timeout`` (seconds an idle pooled
    connection is kept, 60), ``hostname_mapping`` (``{"host": "other"}`` or
    ``{("host", port): ("other", port2)}``, for tests and overrides), ``resolver`` (an
    object with ``async resolve(host, port, family)`` returning ``[(family, sockaddr)]``),
    ``max_buffer_size`` (largest body held in memory, 100 MiB), ``max_body_size`` (largest
    body accepted, also with streaming_callback and after decompression; defaults to
    max_buffer_size), ``max_header_size`` (64 KiB), ``defaults``.
    """

    def initialize(  # type: ignore[override]
        self,
        max_clients: int = 10,
        hostname_mapping: dict[Any, Any] | None = None,
        max_buffer_size: int = 104857600,
        resolver: Any = None,
        defaults: dict[str, Any] | None = None,
        max_header_size: int | None = None,
        max_body_size: int | None = None,
        max_connections_per_host: int | None = None,
        idle_timeout: float = 60.0,
    ) -> None:
        super().initialize(defaults)
        self.max_clients = _positive_int("max_clients", max_clients)
        self.max_buffer_size = _positive_int("max_buffer_size", max_buffer_size)
        self.max_header_size = _positive_int("max_header_size", max_header_size or 65536)
        self.max_body_size = _positive_int("max_body_size", max_body_size or max_buffer_size)
        self.max_connections_per_host = _positive_int(
            "max_connections_per_host", max_connections_per_host, allow_none=True
        )
        if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, (int, float)) or idle_timeout <= 0:
            raise ValueError(f"idle_timeout must be a positive number of seconds, got {idle_timeout!r}")
        self.idle_timeout = float(idle_timeout)
        if hostname_mapping is not None and not isinstance(hostname_mapping, dict):
            raise TypeError(f"hostname_mapping must be a dict, not {type(hostname_mapping).__name__}")
        self.hostname_mapping = hostname_mapping or {}
        if resolver is not None and not callable(getattr(resolver, "resolve", None)):
            raise TypeError("resolver must have an async resolve(host, port, family) method")
        self.resolver = resolver
        self._per_host = self.max_connections_per_host or self.max_clients
        self._queue: collections.deque[Exchange] = collections.deque()
        self._active = 0
        self._busy: dict[tuple[Any, ...], int] = {}
        self._idle: dict[tuple[Any, ...], list[Connection]] = {}
        self._conns: set[Connection] = set()
        self._ssl_cache: dict[tuple[Any, ...], ssl.SSLContext] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._happy = _supports_happy_eyeballs(self._loop)
        self.connections_opened = 0

    # ----------------------------------------------------------------- scheduling

    def fetch_impl(self, request: Any, callback: Callable[[HTTPResponse], None]) -> None:
        target = split_url(request.request.url)
        for name in ("auth_mode", "proxy_auth_mode"):
            mode = getattr(request, name)
            if mode not in (None, "basic"):
                raise ValueError(f"{name}={mode!r} needs the curl client (the simple client does basic)")
        proxy_host = request.proxy_host
        if proxy_host is not None and request.proxy_port is None:
            raise ValueError("proxy_port is required with proxy_host")
        key = self._key(request, target)
        ex = Exchange(self, request, callback, target, key)
        if not self._queue and self._active < self.max_clients and self._busy.get(key, 0) < self._per_host:
            self._start(ex)
            return
        timeout = min(request.connect_timeout or 1e9, request.request_timeout or 1e9)
        ex.timer = self._loop.call_at(request._start + timeout, self._queue_timeout, ex)
        self._queue.append(ex)

    def _key(self, request: Any, target: Any) -> tuple[Any, ...]:
        https = target.scheme == "https"
        proxy = (request.proxy_host, request.proxy_port) if request.proxy_host else None
        if proxy is not None and not https:
            # Absolute-form requests to the proxy: one connection serves every http origin.
            return ("http", None, 0, None, proxy, request.allow_ipv6, request.network_interface)
        tls = self._ssl_key(request) if https else None
        return (
            target.scheme,
            target.host,
            target.port,
            tls,
            proxy,
            request.allow_ipv6,
            request.network_interface,
        )

    @staticmethod
    def _ssl_key(request: Any) -> tuple[Any, ...]:
        opts = request.ssl_options
        if opts is not None:
            return ("opts", id(opts) if isinstance(opts, ssl.SSLContext) else repr(sorted(opts.items())))
        return (bool(request.validate_cert), request.ca_certs, request.client_cert, request.client_key)

    def _ssl_context(self, request: Any) -> ssl.SSLContext:
        key = self._ssl_key(request)
        ctx = self._ssl_cache.get(key)
        if ctx is None:
            opts = request.ssl_options
            if opts is None:
                opts = {}
                if request.ca_certs is not None:
                    opts["ca_certs"] = request.ca_certs
                if request.client_cert is not None:
                    opts["certfile"] = request.client_cert
                    if request.client_key is not None:
                        opts["keyfile"] = request.client_key
                if not request.validate_cert:
                    opts["cert_reqs"] = ssl.CERT_NONE
            ctx = ssl_options_to_context(opts, server_side=False)
            self._ssl_cache[key] = ctx
        return ctx

    def _queue_timeout(self, ex: Exchange) -> None:
        try:
            self._queue.remove(ex)
        except ValueError:
            return
        ex.done = True
        ex.callback(ex.fail("Timeout in request queue"))

    def _process_queue(self) -> None:
        q = self._queue
        while q and self._active < self.max_clients:
            if self.max_connections_per_host is None:
                ex = q.popleft()
            else:
                for ex in q:
                    if self._busy.get(ex.key, 0) < self._per_host:
                        break
                else:
                    return
                q.remove(ex)
            if ex.timer is not None:
                ex.timer.cancel()
                ex.timer = None
            self._start(ex)

    def _start(self, ex: Exchange) -> None:
        self._active += 1
        key = ex.key
        self._busy[key] = self._busy.get(key, 0) + 1
        ex.started = True
        req = ex.request
        loop = self._loop
        rt = req.request_timeout
        ex.deadline = req._start + rt if rt else float("inf")
        conn = self._take_idle(key)
        if conn is not None:
            ex.reused = ex.connected = True
            self._arm(ex, ex.deadline)
            self._send(conn, ex)
            return
        ct = req.connect_timeout
        ex.connect_deadline = loop.time() + ct if ct else float("inf")
        self._arm(ex, min(ex.deadline, ex.connect_deadline))
        ex.task = asyncio.ensure_future(self._connect(ex), loop=loop)

    def _arm(self, ex: Exchange, when: float) -> None:
        if ex.timer is not None:
            ex.timer.cancel()
        ex.timer = self._loop.call_at(when, self._on_timeout, ex) if when != float("inf") else None

    def _on_timeout(self, ex: Exchange) -> None:
        ex.timer = None
        if ex.done:
            return
        connecting = not ex.connected and ex.connect_deadline < ex.deadline
        due = ex.connect_deadline if connecting else ex.deadline
        # The loop may run a timer up to its clock resolution early.
        if self._loop.time() + 0.002 < due:
            self._arm(ex, due)
        elif connecting:
            self._exchange_failed(ex, "Timeout while connecting", retry=False)
        else:
            self._exchange_failed(ex, "Timeout during request", retry=False)

    def _send(self, conn: Connection, ex: Exchange) -> None:
        try:
            conn.send(ex)
        except (HTTPOutputError, ValueError, TypeError) as e:
            conn.exchange = None
            conn.close()
            self._exchange_failed(ex, f"Invalid request: {e}", retry=False)

    # ---------------------------------------------------------------- connections

    async def _connect(self, ex: Exchange) -> None:
        req = ex.request
        target = ex.target
        try:
            conn = await self._open(ex)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if req.proxy_host is not None:
                host, port = req.proxy_host, req.proxy_port
                if isinstance(e, ssl.SSLError) or (isinstance(e, ConnectionError) and "proxy" in str(e)):
                    host, port = target.host, target.port
            else:
                host, port = target.host, target.port
            self._exchange_failed(ex, describe_connect_error(e, host, port), retry=False)
            return
        ex.task = None
        if ex.done:
            conn.close()
            return
        self._conns.add(conn)
        self.connections_opened += 1
        ex.connected = True
        self._arm(ex, ex.deadline)
        self._send(conn, ex)

    async def _open(self, ex: Exchange) -> Connection:
        req = ex.request
        target = ex.target
        https = target.scheme == "https"
        tunnel = req.proxy_host is not None and https
        if req.proxy_host is not None:
            host, port = req.proxy_host, req.proxy_port
        else:
            host, port = self._map(target.host, target.port)
        ctx = self._ssl_context(req) if https else None
        conn = Connection(self, ex.key, proxied=req.proxy_host is not None and not https)
        try:
            return await self._dial(conn, ex, host, port, ctx, tunnel)
        except BaseException:
            conn.close()
            raise

    async def _dial(
        self, conn: Connection, ex: Exchange, host: str, port: int, ctx: ssl.SSLContext | None, tunnel: bool
    ) -> Connection:
        req = ex.request
        target = ex.target
        loop = self._loop
        kw: dict[str, Any] = {"family": 0 if req.allow_ipv6 else socket.AF_INET}
        if req.network_interface:
            kw["local_addr"] = (req.network_interface, 0)
        if ctx is not None and not tunnel:
            kw["ssl"] = ctx
            kw["server_hostname"] = target.host
        if self.resolver is not None:
            addrs = await self.resolver.resolve(host, port, kw["family"])
            last: BaseException = OSError(f"resolver returned no address for {host}")
            for _family, sockaddr in addrs:
                try:
                    await loop.create_connection(lambda: conn, sockaddr[0], sockaddr[1], **kw)
                    break
                except OSError as e:
                    last = e
            else:
                raise last
        else:
            if self._happy and req.allow_ipv6:
                kw["happy_eyeballs_delay"] = 0.25
            await loop.create_connection(lambda: conn, host, port, **kw)
        if tunnel:
            head = await conn.start_tunnel(target, req)
            if not 200 <= head.status_code < 300:
                conn.close()
                raise ConnectionError(
                    f"proxy refused CONNECT to {target.host}:{target.port}: {head.status_code} {head.reason}"
                )
            assert conn.transport is not None and ctx is not None
            conn.transport = await loop.start_tls(conn.transport, conn, ctx, server_hostname=target.host)
        return conn

    def _map(self, host: str, port: int) -> tuple[str, int]:
        m = self.hostname_mapping
        if not m:
            return host, port
        if (host, port) in m:
            return tuple(m[(host, port)])
        return m.get(host, host), port

    def _take_idle(self, key: tuple[Any, ...]) -> Connection | None:
        lst = self._idle.get(key)
        while lst:
            conn = lst.pop()
            if conn.usable():
                return conn
        return None

    def _put_idle(self, conn: Connection) -> None:
        conn.idle_since = self._loop.time()
        self._idle.setdefault(conn.key, []).append(conn)
        if self._sweeper is None:
            self._sweeper = self._loop.call_later(self.idle_timeout, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        limit = self._loop.time() - self.idle_timeout
        remaining = False
        for key, lst in list(self._idle.items()):
            for conn in [c for c in lst if c.idle_since <= limit]:
                lst.remove(conn)
                conn.close()
            if lst:
                remaining = True
            else:
                del self._idle[key]
        if remaining:
            self._sweeper = self._loop.call_later(self.idle_timeout / 2, self._sweep)

    def _connection_lost(self, conn: Connection) -> None:
        self._conns.discard(conn)
        lst = self._idle.get(conn.key)
        if lst and conn in lst:
            lst.remove(conn)

    # ------------------------------------------------------------------ outcomes

    def _release(self, ex: Exchange) -> None:
        if ex.timer is not None:
            ex.timer.cancel()
            ex.timer = None
        if not ex.started:
            return
        ex.started = False
        self._active -= 1
        n = self._busy[ex.key] - 1
        if n:
            self._busy[ex.key] = n
        else:
            del self._busy[ex.key]

    def _exchange_done(self, ex: Exchange, conn: Connection, reusable: bool, response: HTTPResponse) -> None:
        ex.done = True
        self._release(ex)
        if reusable and not self._closed and conn.usable():
            self._put_idle(conn)
        else:
            conn.close()
        if self._queue:
            self._process_queue()
        ex.callback(response)

    def _exchange_failed(self, ex: Exchange, message: str, retry: bool = True) -> None:
        if ex.done:
            return
        conn = ex.conn
        if conn is not None and conn.exchange is ex:
            conn.exchange = None
            conn.close()
        req = ex.request
        if (
            retry
            and ex.reused
            and not ex.got_bytes
            and req.method in IDEMPOTENT
            and req.body_producer is None
            and not self._closed
        ):
            # A pooled connection the server had already closed: try once on a fresh one.
            ex.reused = ex.connected = False
            ex.conn = None
            ct = req.connect_timeout
            ex.connect_deadline = self._loop.time() + ct if ct else float("inf")
            self._arm(ex, min(ex.deadline, ex.connect_deadline))
            ex.task = asyncio.ensure_future(self._connect(ex), loop=self._loop)
            return
        ex.done = True
        task = ex.task
        if task is not None and not task.done():
            try:
                current = asyncio.current_task(self._loop)
            except RuntimeError:
                current = None
            if task is not current:
                task.cancel()
        self._release(ex)
        if self._queue:
            self._process_queue()
        ex.callback(ex.fail(message))

    def close(self) -> None:
        """Close idle connections and fail queued requests; requests in flight finish first."""
        if self._closed:
            return
        super().close()
        for lst in self._idle.values():
            for conn in lst:
                conn.close()
        self._idle.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        queued = list(self._queue)
        self._queue.clear()
        for ex in queued:
            if ex.timer is not None:
                ex.timer.cancel()
            ex.done = True
            ex.callback(ex.fail("AsyncHTTPClient was closed before the request started"))
