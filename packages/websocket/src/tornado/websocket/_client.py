"""The WebSocket client: :func:`websocket_connect` and :class:`WebSocketClientConnection`.

The request is described with tornado.httpclient's :class:`~tornado.httpclient.HTTPRequest`
(headers, ``connect_timeout``/``request_timeout``, ``validate_cert``, ``ca_certs``, client
certificates, ``ssl_options``), so a WebSocket is configured like any other fetch.  The
connection itself is made with asyncio's ``create_connection`` and a small Protocol that sends
the upgrade request and reads the answer with the HTTP/1.1 core: the fetch machinery of
httpclient ends with a response body and would not give up its socket after a ``101``, while a
transport can be handed straight to the same :class:`~._connection.WebSocketConnection` the
server uses (one code path for both roles, and no stream layer between socket and frames).
"""

from __future__ import annotations

import asyncio
import collections
import socket
import ssl
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tornado.escape import json_encode
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.httputil import CLIENT as H1_CLIENT
from tornado.httputil import NEED_DATA, H1Connection, HTTPHeaders, InformationalResponse, ProtocolError
from tornado.httputil import ResponseHead as H1ResponseHead
from tornado.iostream import ssl_options_to_context

from ._connection import WebSocketConnection
from ._deflate import PerMessageDeflate, client_accept, client_offer, validate_compression_options
from ._errors import HandshakeError, WebSocketClosedError, WebSocketError
from ._handshake import check_response, client_request_headers, make_key
from ._protocol import CLIENT, DEFAULT_MAX_MESSAGE_SIZE, WebSocketProtocol

__all__ = ["websocket_connect", "WebSocketClientConnection"]

# Messages held for read_message() before the connection stops reading from the server.
_QUEUE_LIMIT = 16


class WebSocketClientConnection:
    """An open client connection, made by :func:`websocket_connect`.

    Read with :meth:`read_message` (or give ``on_message_callback``), send with
    :meth:`write_message`; ``close_code`` and ``close_reason`` are set once it is closed.
    """

    def __init__(
        self,
        request: HTTPRequest,
        on_message_callback: Callable[[str | bytes | None], Any] | None,
        selected_subprotocol: str | None,
    ) -> None:
        self.request = request
        self.selected_subprotocol = selected_subprotocol
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.protocol: WebSocketConnection | None = None
        self._on_message_callback = on_message_callback
        self._queue: collections.deque[str | bytes | None] = collections.deque()
        self._readers: collections.deque[asyncio.Future[str | bytes | None]] = collections.deque()
        self._room: asyncio.Future[None] | None = None
        self._closed = False

    # -- reading ------------------------------------------------------------------------

    def read_message(
        self, callback: Callable[[asyncio.Future[str | bytes | None]], Any] | None = None
    ) -> asyncio.Future[str | bytes | None]:
        """The next message (``str`` or ``bytes``), or None once the connection is closed.

        ``callback``, if given, is called with the resolved future.
        """
        fut: asyncio.Future[str | bytes | None] = asyncio.get_running_loop().create_future()
        if self._queue:
            fut.set_result(self._queue.popleft())
            room = self._room
            if room is not None and len(self._queue) < _QUEUE_LIMIT:
                self._room = None
                if not room.done():
                    room.set_result(None)
        elif self._closed:
            fut.set_result(None)
        else:
            self._readers.append(fut)
        if callback is not None:
            fut.add_done_callback(callback)
        return fut

    def _deliver(self, message: str | bytes | None) -> asyncio.Future[None] | None:
        cb = self._on_message_callback
        if cb is not None:
            result = cb(message)
            return result if result is not None and hasattr(result, "__await__") else None
        while self._readers:
            fut = self._readers.popleft()
            if not fut.done():
                fut.set_result(message)
                return None
        self._queue.append(message)
        if message is not None and len(self._queue) >= _QUEUE_LIMIT:
            # Nobody is reading: stop taking messages off the socket until someone does.
            self._room = asyncio.get_running_loop().create_future()
            return self._room
        return None

    # -- writing --------------------------------------------------------------------------

    def write_message(
        self, message: str | bytes | dict[str, Any], binary: bool = False
    ) -> asyncio.Future[None]:
        """Send a message (a dict as JSON); the future waits while the send buffer is full."""
        conn = self.protocol
        if conn is None or conn.closing:
            raise WebSocketClosedError("the WebSocket connection is closed")
        if isinstance(message, dict):
            message = json_encode(message)
        if binary and isinstance(message, str):
            message = message.encode("utf-8")
        return conn.write_message(message, binary=binary)

    def ping(self, data: bytes | str = b"") -> None:
        """Send a ping (at most 125 bytes)."""
        conn = self.protocol
        if conn is None or conn.closing:
            raise WebSocketClosedError("the WebSocket connection is closed")
        conn.ping(data)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Start the closing handshake; :meth:`read_message` then returns None."""
        if self.protocol is not None:
            self.protocol.close(code, reason)

    # -- what the connection reports -------------------------------------------------------

    def on_message(self, message: str | bytes) -> asyncio.Future[None] | None:
        """Each message: to ``on_message_callback`` if one was given, else to read_message()."""
        return self._deliver(message)

    def _ws_ping(self, data: bytes) -> None:
        self.on_ping(data)

    def _ws_pong(self, data: bytes) -> None:
        self.on_pong(data)

    def _ws_closed(self) -> None:
        if self.protocol is not None:
            self.close_code = self.protocol.close_code
            self.close_reason = self.protocol.close_reason
        self._closed = True
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        self._deliver(None)

    def on_ping(self, data: bytes) -> None:
        """Called for each ping from the server (the pong is already sent); override or assign."""

    def on_pong(self, data: bytes) -> None:
        """Called for each pong from the server."""


class _Handshake(asyncio.Protocol):
    """Sends the upgrade request and reads the answer; then hands the transport over."""

    def __init__(self, h1: H1Connection, request_bytes: bytes, done: asyncio.Future[tuple[Any, ...]]) -> None:
        self.h1 = h1
        self.request_bytes = request_bytes
        self.done = done
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request_bytes)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            return
        self.h1.receive_data(data)
        self._parse()

    def eof_received(self) -> bool:
        if not self.done.done():
            self.h1.receive_data(b"")
            self._parse()
        return False

    def _parse(self) -> None:
        try:
            ev = self.h1.next_event()
        except ProtocolError as e:
            self.done.set_exception(WebSocketError(f"bad handshake response: {e}"))
            return
        if ev is NEED_DATA:
            return
        if isinstance(ev, (InformationalResponse, H1ResponseHead)):
            rest, _eof = self.h1.trailing_data
            self.done.set_result((ev.status_code, ev.reason, ev.headers, rest))
        else:
            self.done.set_exception(WebSocketError("connection closed during the handshake"))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(WebSocketError(f"connection closed during the handshake: {exc or 'EOF'}"))


def _ssl_context(request: HTTPRequest) -> ssl.SSLContext:
    opts = request.ssl_options
    if opts is None:
        d: dict[str, Any] = {}
        if request.ca_certs is not None:
            d["ca_certs"] = request.ca_certs
        if request.client_cert is not None:
            d["certfile"] = request.client_cert
            if request.client_key is not None:
                d["keyfile"] = request.client_key
        if request.validate_cert is False:
            d["cert_reqs"] = ssl.CERT_NONE
        opts = d
    return ssl_options_to_context(opts, server_side=False)


def _http_url(url: str) -> tuple[str, bool, str, int, str, str]:
    """(http(s) URL, tls, host, port, request target, Host header) of a ws(s) or http(s) URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    schemes = {
        "ws": ("http", False),
        "wss": ("https", True),
        "http": ("http", False),
        "https": ("https", True),
    }
    if scheme not in schemes:
        raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r} (ws or wss)")
    http_scheme, tls = schemes[scheme]
    if not parts.hostname:
        raise ValueError(f"url has no host: {url!r}")
    port = parts.port or (443 if tls else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rpartition("@")[2]
    return urlunsplit((http_scheme,) + tuple(parts)[1:]), tls, parts.hostname, port, target, host_header


async def _connect(
    request: HTTPRequest,
    on_message_callback: Callable[[str | bytes | None], Any] | None,
    compression_options: dict[str, Any] | None,
    ping_interval: float | None,
    ping_timeout: float | None,
    max_message_size: int | None,
    subprotocols: list[str] | None,
) -> WebSocketClientConnection:
    loop = asyncio.get_running_loop()
    _url, tls, host, port, target, host_header = _http_url(request.url)
    key = make_key()
    offer = client_offer(compression_options) if compression_options is not None else None
    headers = HTTPHeaders()
    headers["Host"] = host_header
    for name, value in request.headers.get_all():
        headers.add(name, value)
    for name, value in client_request_headers(key, subprotocols or (), offer):
        headers[name] = value
    h1 = H1Connection(H1_CLIENT, max_header_size=65536)
    request_bytes = h1.send_request_head("GET", target, headers)
    done: asyncio.Future[tuple[Any, ...]] = loop.create_future()
    ctx = _ssl_context(request) if tls else None
    connect_timeout = request.connect_timeout if request.connect_timeout is not None else 20.0
    request_timeout = request.request_timeout if request.request_timeout is not None else 20.0
    try:
        transport, handshake = await asyncio.wait_for(
            loop.create_connection(
                lambda: _Handshake(h1, request_bytes, done),
                host,
                port,
                ssl=ctx,
                server_hostname=host if ctx is not None else None,
                family=socket.AF_UNSPEC if request.allow_ipv6 is not False else socket.AF_INET,
            ),
            connect_timeout,
        )
    except asyncio.TimeoutError:
        raise HTTPClientError(599, "Timeout while connecting") from None
    try:
        status, reason, resp_headers, rest = await asyncio.wait_for(done, request_timeout)
        if status != 101:
            raise HTTPClientError(status, reason or None)
        try:
            chosen = check_response(status, resp_headers, key, subprotocols or ())
            params = None
            if compression_options is not None:
                params = client_accept(resp_headers.get_list("Sec-WebSocket-Extensions"), compression_options)
            elif resp_headers.get_list("Sec-WebSocket-Extensions"):
                raise HandshakeError("the server chose an extension we did not offer")
        except HandshakeError as e:
            raise WebSocketError(f"handshake refused: {e}") from None
    except BaseException as e:
        transport.abort()
        if isinstance(e, asyncio.TimeoutError):
            raise HTTPClientError(599, "Timeout during the WebSocket handshake") from None
        raise
    deflate = PerMessageDeflate(False, params, compression_options) if params is not None else None
    ws = WebSocketProtocol(CLIENT, max_message_size=max_message_size, deflate=deflate)
    client = WebSocketClientConnection(request, on_message_callback, chosen)
    conn = WebSocketConnection(ws, transport, client, ping_interval, ping_timeout)
    client.protocol = conn
    transport.set_protocol(conn)
    conn.start(rest)
    return client


def websocket_connect(
    url: str | HTTPRequest,
    callback: Callable[[asyncio.Future[WebSocketClientConnection]], Any] | None = None,
    connect_timeout: float | None = None,
    on_message_callback: Callable[[str | bytes | None], Any] | None = None,
    compression_options: dict[str, Any] | None = None,
    ping_interval: float | None = None,
    ping_timeout: float | None = None,
    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    subprotocols: list[str] | None = None,
) -> asyncio.Future[WebSocketClientConnection]:
    """Open a WebSocket to ``url`` (``ws://`` or ``wss://``, or an HTTPRequest); await the result.

    ``callback`` (the 1.0 style) is called with the resolved future.  ``on_message_callback``
    receives each message and then None at close, instead of :meth:`read_message`.
    ``compression_options`` (a dict, ``{}`` for defaults) offers permessage-deflate.  A
    non-101 answer raises :class:`~tornado.httpclient.HTTPClientError` with its status;
    a certificate that does not verify raises :class:`ssl.SSLCertVerificationError`.
    """
    if isinstance(url, HTTPRequest):
        request = url
        if connect_timeout is not None:
            request.connect_timeout = connect_timeout
    else:
        request = HTTPRequest(url, connect_timeout=connect_timeout)
    _http_url(request.url)  # a bad URL fails here, not in the future
    if compression_options is not None:
        validate_compression_options(compression_options)
    if max_message_size is not None and (
        isinstance(max_message_size, bool) or not isinstance(max_message_size, int) or max_message_size < 0
    ):
        raise ValueError(f"max_message_size must be a non-negative int or None, not {max_message_size!r}")
    for name, value in (("ping_interval", ping_interval), ("ping_timeout", ping_timeout)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
        ):
            raise ValueError(f"{name} must be a non-negative number of seconds, not {value!r}")
    if subprotocols is not None:
        if isinstance(subprotocols, str):
            raise ValueError(f"subprotocols must be a list of strings, not the string {subprotocols!r}")
        client_request_headers("", subprotocols)  # a bad subprotocol fails here, naming the argument
    fut = asyncio.ensure_future(
        _connect(
            request,
            on_message_callback,
            compression_options,
            ping_interval,
            ping_timeout,
            max_message_size,
            subprotocols,
        )
    )
    if callback is not None:
        fut.add_done_callback(callback)
    return fut
