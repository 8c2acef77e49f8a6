"""A non-blocking TCP connection factory (Tornado's ``tcpclient``).

::

    stream = await TCPClient().connect("example.com", 443, ssl_options={}, timeout=10)
    await stream.write(b"...")

The host is resolved with a :class:`~tornado.netutil.Resolver`; its addresses are tried
IPv6 and IPv4 in turn, the second family joining in when the first is slow or fails.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tornado.iostream import IOStream, SSLIOStream, ssl_options_to_context
from tornado.netutil import Resolver
from tornado.util import TimeoutError

from ._connector import Connector

__all__ = ["TCPClient"]

_T = TypeVar("_T")


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be seconds or a datetime.timedelta, not {timeout!r}")
    return float(timeout)


async def _before(aw: Awaitable[_T], deadline: float | None, what: str | Callable[[], str]) -> _T:
    """``await aw``, raising TimeoutError(``what``) if ``deadline`` (loop time) passes first.

    ``what`` may be a function, for a message that depends on what happened meanwhile.
    """
    if deadline is None:
        return await aw
    remaining = deadline - asyncio.get_running_loop().time()
    try:
        return await asyncio.wait_for(aw, max(remaining, 0.0))
    except asyncio.TimeoutError:
        raise TimeoutError(what if isinstance(what, str) else what()) from None


class TCPClient:
    """Opens :class:`~tornado.iostream.IOStream` connections.

    ``resolver`` defaults to a new ``Resolver()`` (the configured implementation), which
    :meth:`close` closes; a resolver you pass stays yours.
    """

    def __init__(self, resolver: Resolver | None = None) -> None:
        if resolver is not None and not isinstance(resolver, Resolver):
            raise TypeError(f"resolver must be a tornado.netutil.Resolver, not {type(resolver).__name__}")
        if resolver is None:
            self.resolver: Resolver = Resolver()
            self._own_resolver = True
        else:
            self.resolver = resolver
            self._own_resolver = False

    def close(self) -> None:
        if self._own_resolver:
            self.resolver.close()

    async def connect(
        self,
        host: str,
        port: int,
        af: socket.AddressFamily = socket.AF_UNSPEC,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        max_buffer_size: int | None = None,
        source_ip: str | None = None,
        source_port: int | None = None,
        timeout: float | datetime.timedelta | None = None,
    ) -> IOStream:
        """Connect to ``host``:``port`` and return the stream (an SSLIOStream with ``ssl_options``).

        ``af`` limits the address family; ``source_ip``/``source_port`` bind the local end.
        ``timeout`` (seconds or a ``timedelta``) bounds the whole call; its TimeoutError says
        which phase ran out: resolving, connecting (with the addresses tried) or the TLS
        handshake.  When every address refuses, StreamClosedError is raised with the last
        error as ``real_error``.  ``ssl_options`` verify the server's name against ``host``.
        """
        loop = asyncio.get_running_loop()
        seconds = _timeout_seconds(timeout)
        deadline = None if seconds is None else loop.time() + seconds
        context = ssl_options_to_context(ssl_options, server_side=False) if ssl_options is not None else None
        if source_port is not None and (
            not isinstance(source_port, int) or isinstance(source_port, bool) or not 0 <= source_port <= 65535
        ):
            raise ValueError(f"source_port must be an int in 0..65535, got {source_port!r}")
        where = f"{host}:{port}"
        addrinfo = await _before(
            self.resolver.resolve(host, port, af), deadline, f"Timeout while resolving {where}"
        )
        if not addrinfo:
            raise OSError(f"{host!r} resolved to no addresses")

        async def connect_one(family: int, address: Any) -> socket.socket:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                if source_ip is not None or source_port is not None:
                    sock.bind((source_ip or "", source_port or 0))
                await loop.sock_connect(sock, address)
            except BaseException:
                sock.close()
                raise
            return sock

        connector = Connector(addrinfo, connect_one)
        try:
            sock, address = await _before(
                connector.start(),
                deadline,
                lambda: f"Timeout while connecting to {where} (tried {', '.join(map(str, connector.tried))})",
            )
        finally:
            connector.close_pending()
        if context is None:
            return IOStream(sock, max_buffer_size=max_buffer_size)
        stream = SSLIOStream(
            sock,
            ssl_options=context,
            server_side=False,
            server_hostname=host,
            max_buffer_size=max_buffer_size,
        )
        try:
            await _before(stream.wait_for_handshake(), deadline, f"Timeout during TLS handshake with {where}")
        except BaseException:
            stream.close()
            raise
        return stream
