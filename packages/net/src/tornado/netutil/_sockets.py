"""Listening sockets: binding (TCP and Unix), accepting on the IOLoop, address checks."""

from __future__ import annotations

import errno
import logging
import os
import socket
import stat
import struct
import weakref
from collections.abc import Callable
from typing import Any

from tornado.ioloop import IOLoop

__all__ = ["bind_sockets", "bind_unix_socket", "add_accept_handler", "is_valid_ip", "listen_backlog"]

gen_log = logging.getLogger("tornado.general")

_DEFAULT_BACKLOG = 128
# One readiness event accepts at most this many connections, so a flood on one listener
# cannot starve the rest of the loop.
_ACCEPTS_PER_EVENT = 128
# Out of descriptors or memory: stop accepting this long instead of spinning on a socket
# that stays readable.
_ACCEPT_PAUSE = 0.1
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

# Backlogs given to bind_sockets, for platforms where a socket cannot tell its own.
_BACKLOGS: weakref.WeakKeyDictionary[socket.socket, int] = weakref.WeakKeyDictionary()
_TCP_LISTEN = 10


def _check_port(port: Any) -> int:
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int in 0..65535, got {port!r}")
    return port


def _check_backlog(backlog: Any) -> int:
    if not isinstance(backlog, int) or isinstance(backlog, bool) or backlog < 0:
        raise ValueError(f"backlog must be a non-negative int, got {backlog!r}")
    return backlog


def bind_sockets(
    port: int,
    address: str | None = None,
    family: socket.AddressFamily = socket.AF_UNSPEC,
    backlog: int = _DEFAULT_BACKLOG,
    flags: int | None = None,
    reuse_port: bool = False,
) -> list[socket.socket]:
    """Listening, non-blocking sockets for ``port`` on every address ``address`` resolves to.

    ``address`` None or ``""`` listens on all interfaces (IPv4 and IPv6 when available;
    ``family`` restricts that).  IPv6 sockets are IPv6-only, so the IPv4 socket can share the
    port.  With ``port=0`` every socket gets the same kernel-chosen port.  ``flags`` are
    ``getaddrinfo``'s ``AI_*`` bits (default ``AI_PASSIVE``); ``reuse_port`` sets
    ``SO_REUSEPORT`` (ValueError where the platform lacks it).
    """
    _check_port(port)
    _check_backlog(backlog)
    if reuse_port and not hasattr(socket, "SO_REUSEPORT"):
        raise ValueError("reuse_port: SO_REUSEPORT is not supported on this platform")
    if not address:
        address = None
    if flags is None:
        flags = socket.AI_PASSIVE
    if not socket.has_ipv6 and family == socket.AF_UNSPEC:
        family = socket.AF_INET
    sockets: list[socket.socket] = []
    bound_port: int | None = None
    seen: set[tuple[Any, ...]] = set()
    infos = socket.getaddrinfo(address, port, family, socket.SOCK_STREAM, 0, flags)
    for af, socktype, proto, _canon, sockaddr in sorted(infos, key=lambda i: i[0]):
        key = (af, sockaddr[:2])
        if key in seen:
            continue
        seen.add(key)
        if af == socket.AF_INET6 and len(sockaddr) == 4 and sockaddr[3] != 0:
            continue  # a link-local scoped address
        try:
            sock = socket.socket(af, socktype, proto)
        except OSError as e:
            if e.errno == errno.EAFNOSUPPORT:
                continue  # e.g. IPv6 compiled in but disabled
            raise
        try:
            if os.name != "nt":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if af == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            addr: Any = sockaddr
            if port == 0 and bound_port is not None:
                addr = (sockaddr[0], bound_port) + tuple(sockaddr[2:])
            sock.setblocking(False)
            sock.bind(addr)
            bound_port = sock.getsockname()[1]
            sock.listen(backlog)
            _BACKLOGS[sock] = backlog
        except BaseException:
            sock.close()
            for s in sockets:
                s.close()
            raise
        sockets.append(sock)
    if not sockets:
        raise OSError(f"could not bind any socket for {address!r}:{port}")
    return sockets


def bind_unix_socket(file: str, mode: int = 0o600, backlog: int = _DEFAULT_BACKLOG) -> socket.socket:
    """A listening, non-blocking Unix socket at path ``file``, with permissions ``mode``.

    A stale socket file at that path is replaced; any other kind of file there is an error
    (ValueError), so a typo cannot delete data.
    """
    if not hasattr(socket, "AF_UNIX"):
        raise ValueError("bind_unix_socket: Unix sockets are not supported on this platform")
    _check_backlog(backlog)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        try:
            st = os.stat(file)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISSOCK(st.st_mode):
                raise ValueError(f"bind_unix_socket: {file!r} exists and is not a socket")
            os.remove(file)
        sock.bind(file)
        os.chmod(file, mode)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    _BACKLOGS[sock] = backlog
    return sock


def listen_backlog(sock: socket.socket) -> int:
    """The backlog ``sock`` listens with, for code that must call ``listen()`` again.

    asyncio's ``create_server`` re-listens with the backlog it is given.  Linux reports a
    listening TCP socket's backlog in ``TCP_INFO``; elsewhere the value passed to
    :func:`bind_sockets` is used, or the default for sockets made by other means.
    """
    tcp_info = getattr(socket, "TCP_INFO", None)
    if tcp_info is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, tcp_info, 104)
        except OSError:
            info = b""
        if len(info) >= 32 and info[0] == _TCP_LISTEN:
            return int(struct.unpack_from("I", info, 28)[0])
    return _BACKLOGS.get(sock, _DEFAULT_BACKLOG)


def add_accept_handler(
    sock: socket.socket, callback: Callable[[socket.socket, Any], None]
) -> Callable[[], None]:
    """Accept connections on listening ``sock`` from the current IOLoop.

    ``callback(connection, address)`` runs for each one.  The returned function stops
    accepting (the socket stays open).  When the process runs out of descriptors the error
    is logged and accepting pauses briefly rather than spinning on the still-readable socket.
    """
    if not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    io_loop = IOLoop.current()
    removed = False
    paused: Any = None

    def resume() -> None:
        nonlocal paused
        paused = None
        if not removed:
            io_loop.add_handler(sock, accept_handler, IOLoop.READ)

    def accept_handler(fd: Any, events: int) -> None:
        nonlocal paused
        for _ in range(_ACCEPTS_PER_EVENT):
            if removed:
                return  # the callback stopped us mid-batch
            try:
                connection, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # the peer gave up while queued
            except OSError as e:
                if e.errno not in _RESOURCE_ERRNOS:
                    raise
                gen_log.error("accept() on %s failed: %s; pausing for %ss", sock, e, _ACCEPT_PAUSE)
                io_loop.remove_handler(sock)
                paused = io_loop.call_later(_ACCEPT_PAUSE, resume)
                return
            callback(connection, address)

    def remove_handler() -> None:
        nonlocal removed, paused
        if removed:
            return
        removed = True
        if paused is not None:
            io_loop.remove_timeout(paused)
            paused = None
        else:
            io_loop.remove_handler(sock)

    io_loop.add_handler(sock, accept_handler, IOLoop.READ)
    return remove_handler


def is_valid_ip(ip: str) -> bool:
    """True when ``ip`` is a literal IPv4 or IPv6 address (not a host name)."""
    if not isinstance(ip, str) or not ip or "\x00" in ip or len(ip) > 255:
        return False
    try:
        infos = socket.getaddrinfo(ip, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror:
        return False
    except UnicodeError:
        return False
    return bool(infos)
