"""Network helpers below the servers and clients (Tornado's ``netutil``).

Listening sockets (:func:`bind_sockets`, :func:`bind_unix_socket`), accepting on the IOLoop
(:func:`add_accept_handler`), asynchronous name resolution (:class:`Resolver` and its
implementations) and TLS settings.  The ``ssl_options`` conversion lives in
:mod:`tornado.iostream`, the lowest layer that needs it, and is re-exported here::

    sockets = bind_sockets(8888)          # IPv4 and IPv6, non-blocking, listening
    remove = add_accept_handler(sockets[0], lambda conn, addr: conn.close())
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from tornado.iostream import ssl_options_to_context

from ._resolver import (
    BlockingResolver,
    DefaultExecutorResolver,
    DefaultLoopResolver,
    ExecutorResolver,
    OverrideResolver,
    Resolver,
    ThreadedResolver,
)
from ._sockets import (
    add_accept_handler,
    bind_sockets,
    bind_unix_socket,
    is_valid_ip,
    listen_backlog,
)

__all__ = [
    "bind_sockets",
    "bind_unix_socket",
    "add_accept_handler",
    "is_valid_ip",
    "listen_backlog",
    "Resolver",
    "DefaultLoopResolver",
    "DefaultExecutorResolver",
    "ExecutorResolver",
    "BlockingResolver",
    "ThreadedResolver",
    "OverrideResolver",
    "ssl_options_to_context",
    "ssl_wrap_socket",
]


def ssl_wrap_socket(
    socket: socket.socket,
    ssl_options: dict[str, Any] | ssl.SSLContext,
    server_hostname: str | None = None,
    server_side: bool | None = None,
    **kwargs: Any,
) -> ssl.SSLSocket:
    """Wrap ``socket`` in TLS using ``ssl_options`` (a dict or an SSLContext).

    ``server_side`` None wraps as a client with a generic context (Tornado's older form).
    Further keywords go to ``SSLContext.wrap_socket`` (e.g. ``do_handshake_on_connect``).
    """
    context = ssl_options_to_context(ssl_options, server_side)
    return context.wrap_socket(
        socket, server_side=bool(server_side), server_hostname=server_hostname, **kwargs
    )
