"""TLS for streams: SSLIOStream and the one ssl_options -> SSLContext conversion."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import warnings
from collections.abc import Callable
from typing import Any

from tornado.ioloop import IOLoop, chain_callback

from ._base import _Buffer
from ._errors import StreamClosedError, fail_quietly, ignore_error
from ._stream import IOStream

__all__ = ["SSLIOStream", "ssl_options_to_context"]

gen_log = logging.getLogger("tornado.general")

# An SSL write must be retried with at least as many bytes as the failed attempt;
# a fixed cap on every attempt guarantees that.
_SSL_WRITE_CAP = 64 * 1024

_Socket = socket.socket


_SSL_OPTION_KEYS = frozenset(
    {"certfile", "keyfile", "password", "cert_reqs", "ca_certs", "ciphers", "check_hostname", "ssl_version"}
)


def ssl_options_to_context(
    ssl_options: dict[str, Any] | ssl.SSLContext | None, server_side: bool | None = None
) -> ssl.SSLContext:
    """Turn a 1.0-style ``ssl.wrap_socket`` keyword dict into an SSLContext.

    The one conversion of the stack (``tornado.netutil`` re-exports it; servers, clients and
    streams all call it).  Keys: certfile, keyfile, password, cert_reqs, ca_certs, ciphers,
    check_hostname, ssl_version.  ``server_side=True`` builds a server context, which needs a
    certfile; ``False`` a client context that verifies the peer (system CAs, or ``ca_certs``)
    unless ``cert_reqs=ssl.CERT_NONE``.  ``None`` is Tornado's older form: a generic context,
    usable on either side, verifying nothing unless ``cert_reqs`` asks (DeprecationWarning).
    An SSLContext is returned unchanged.  Bad settings raise ValueError naming them.
    """
    if isinstance(ssl_options, ssl.SSLContext):
        return ssl_options
    if ssl_options is None:
        if server_side:
            raise ValueError(
                "ssl_options must give a certfile (or be an SSLContext) for a server-side stream"
            )
        return ssl.create_default_context()
    if not isinstance(ssl_options, dict):
        raise TypeError(f"ssl_options must be a dict or ssl.SSLContext, not {type(ssl_options).__name__}")
    unknown = set(ssl_options) - _SSL_OPTION_KEYS
    if unknown:
        raise ValueError(
            f"ssl_options: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_SSL_OPTION_KEYS))}"
        )
    if server_side and "certfile" not in ssl_options:
        raise ValueError("ssl_options['certfile'] is required for a server-side context")
    for key in ("certfile", "keyfile", "ca_certs"):
        path = ssl_options.get(key)
        if path is not None and not os.path.exists(path):
            raise ValueError(f"ssl_options['{key}']: {path!r} does not exist")
    ctx = _new_context(ssl_options, server_side)
    try:
        if "certfile" in ssl_options:
            ctx.load_cert_chain(
                ssl_options["certfile"], ssl_options.get("keyfile"), ssl_options.get("password")
            )
        # A default client context was already made to trust ca_certs alone.
        if "ca_certs" in ssl_options and (server_side is not False or "ssl_version" in ssl_options):
            ctx.load_verify_locations(ssl_options["ca_certs"])
    except ssl.SSLError as e:
        raise ValueError(f"ssl_options: cannot load certfile/keyfile/ca_certs: {e}") from e
    if "cert_reqs" in ssl_options:
        reqs = ssl_options["cert_reqs"]
        if reqs not in (ssl.CERT_NONE, ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED):
            raise ValueError(f"ssl_options['cert_reqs'] must be an ssl.CERT_* constant, not {reqs!r}")
        if reqs == ssl.CERT_NONE:
            ctx.check_hostname = False
        ctx.verify_mode = reqs
    if "check_hostname" in ssl_options:
        if ssl_options["check_hostname"] and ssl_options.get("cert_reqs") == ssl.CERT_NONE:
            # SSLContext would quietly turn verification back on.
            raise ValueError("ssl_options['check_hostname'] needs a cert_reqs other than CERT_NONE")
        ctx.check_hostname = bool(ssl_options["check_hostname"])
    if "ciphers" in ssl_options:
        try:
            ctx.set_ciphers(ssl_options["ciphers"])
        except ssl.SSLError as e:
            raise ValueError(f"ssl_options['ciphers']: {e}") from e
    return ctx


def _new_context(ssl_options: dict[str, Any], server_side: bool | None) -> ssl.SSLContext:
    version = ssl_options.get("ssl_version")
    if version is not None and not isinstance(version, int):
        raise ValueError(f"ssl_options['ssl_version'] must be an ssl.PROTOCOL_* constant, not {version!r}")
    try:
        return _context_for(ssl_options, server_side, version)
    except (ValueError, ssl.SSLError) as e:
        key = "ssl_version" if version is not None else "ca_certs"
        raise ValueError(f"ssl_options['{key}']: {e}") from e


def _context_for(
    ssl_options: dict[str, Any], server_side: bool | None, version: int | None
) -> ssl.SSLContext:
    if server_side is None:
        warnings.warn(
            "ssl_options_to_context() without server_side builds a generic context; pass server_side",
            DeprecationWarning,
            stacklevel=4,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # ssl.PROTOCOL_TLS itself
            return ssl.SSLContext(ssl.PROTOCOL_TLS if version is None else version)
    if version is not None:
        return ssl.SSLContext(version)
    if server_side:
        return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    return ssl.create_default_context(cafile=ssl_options.get("ca_certs"))


class SSLIOStream(IOStream):
    """An IOStream speaking TLS, with a non-blocking handshake on either side.

    On an accepted (connected) socket the stream is the server side and the
    handshake starts at once; on an unconnected socket it is the client side and
    the handshake follows :meth:`connect` (verifying against ``server_hostname``,
    which defaults to the host connected to).  ``ssl_options`` is an SSLContext or
    a dict of ``ssl.wrap_socket`` arguments.  Reads and writes issued before the
    handshake completes wait for it.
    """

    _direct_write = False

    def __init__(
        self,
        socket: _Socket,
        ssl_options: dict[str, Any] | ssl.SSLContext | None = None,
        server_side: bool | None = None,
        server_hostname: str | None = None,
        io_loop: IOLoop | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
        max_write_buffer_size: int | None = None,
    ) -> None:
        super().__init__(
            socket,
            io_loop=io_loop,
            max_buffer_size=max_buffer_size,
            read_chunk_size=read_chunk_size,
            max_write_buffer_size=max_write_buffer_size,
        )
        self._ssl_options = ssl_options
        self._handshake_done = False
        self._handshake_future: asyncio.Future[SSLIOStream] = self._loop.create_future()
        self._server_hostname = server_hostname
        if isinstance(socket, ssl.SSLSocket):
            self._server_side = socket.server_side
            self._start_handshake(None)
            return
        if server_side is None:
            try:
                socket.getpeername()
                server_side = True
            except OSError:
                server_side = False
                self._connected = False
        self._server_side = server_side
        # Fail early on bad options rather than at connect time.
        self._context = ssl_options_to_context(ssl_options, server_side)
        if self._connected:
            self._start_handshake(server_hostname)

    def _io_ready(self) -> bool:
        return self._connected and self._handshake_done

    def _start_handshake(self, server_hostname: str | None) -> None:
        if not isinstance(self.socket, ssl.SSLSocket):
            try:
                self.socket = self._context.wrap_socket(
                    self.socket,
                    server_side=self._server_side,
                    server_hostname=None if self._server_side else server_hostname,
                    do_handshake_on_connect=False,
                )
            except (ssl.SSLError, OSError, ValueError) as e:
                self.close(e)
                return
        if not self._reader_on:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reader_on = True
        self._do_handshake()

    def _do_handshake(self) -> None:
        sock = self.socket
        assert isinstance(sock, ssl.SSLSocket)
        try:
            sock.do_handshake()
        except ssl.SSLWantReadError:
            self._stop_writing()
            return
        except ssl.SSLWantWriteError:
            self._start_writing()
            return
        except (ssl.SSLError, OSError) as e:
            gen_log.debug("SSL handshake failed: %s", e)
            self.close(e)
            return
        self._handshake_done = True
        self._stop_writing()
        if not self._handshake_future.done():
            self._handshake_future.set_result(self)
        self._connect_done()
        if self._read_future is None and self._close_callback is None:
            self._stop_reading()
        self._after_ready()

    def wait_for_handshake(self, callback: Callable[[], Any] | None = None) -> asyncio.Future[SSLIOStream]:
        """Resolves with the stream once the TLS handshake has completed."""
        if callback is not None:
            cb = callback
            chain_callback(self._handshake_future, lambda _: cb(), ignore_error)
        return self._handshake_future

    def _on_connected(self, address: Any, server_hostname: str | None) -> None:
        if server_hostname is None:
            server_hostname = self._server_hostname
        if server_hostname is None and isinstance(address, tuple) and isinstance(address[0], str):
            server_hostname = address[0]
        self._start_handshake(server_hostname)

    def _on_readable(self) -> None:
        if not self._handshake_done:
            if not self._closed:
                self._do_handshake()
            return
        super()._on_readable()
        if self._write_buffer and not self._closed:
            self._flush()  # a write may have been waiting for the peer (renegotiation)

    def _on_writable(self) -> None:
        if not self._handshake_done:
            if not self._closed:
                self._do_handshake()
            return
        super()._on_writable()

    def _recv(self) -> bytes | None:
        sock = self.socket
        assert isinstance(sock, ssl.SSLSocket)
        chunks: list[bytes] = []
        try:
            while True:
                chunk = sock.recv(self.read_chunk_size)
                if not chunk:
                    if chunks:
                        break
                    return b""
                chunks.append(chunk)
                if not sock.pending():
                    break
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
            if not chunks:
                return None
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            if not chunks:
                return b""
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def read_from_fd(self, buf: bytearray | memoryview) -> int | None:
        try:
            return self.socket.recv_into(buf, len(buf))
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
            return None
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return 0

    def _send(self, data: _Buffer) -> int:
        # Only the write buffer (a bytearray) reaches here: _direct_write is off.
        try:
            if len(data) <= _SSL_WRITE_CAP:
                return self.socket.send(data)
            with memoryview(data) as view:
                return self.socket.send(view[:_SSL_WRITE_CAP])
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            return 0

    def _closed_hook(self, exc: StreamClosedError) -> None:
        super()._closed_hook(exc)
        fail_quietly(self._handshake_future, exc)


IOStream._tls_stream_class = SSLIOStream
