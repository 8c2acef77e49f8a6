"""``WebSocketHandler``: WebSocket endpoints in a tornado.web application.

The handshake is an ordinary ``GET`` through the application (routing, ``prepare``, cookies
and ``current_user`` all work); once it is accepted the handler answers ``101 Switching
Protocols``, takes the transport over from the HTTP server (``connection.detach_transport()``) and a
:class:`~._connection.WebSocketConnection` drives the frame protocol from then on.

Cross-site WebSocket hijacking: browsers let any page open a WebSocket to any site, and send
that site's cookies with the handshake; the same-origin policy that protects ``fetch`` does
not apply.  A handler that trusts its cookies (a logged-in user's chat, say) would otherwise
talk to a hostile page on the user's behalf.  So :meth:`WebSocketHandler.check_origin` refuses,
with 403, any handshake whose ``Origin`` is not the host being asked; override it to allow the
origins you trust.  Non-browser clients that send no ``Origin`` are not affected.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from tornado.escape import json_encode
from tornado.web import RequestHandler

from ._connection import WebSocketConnection
from ._deflate import PerMessageDeflate, server_negotiate, validate_compression_options
from ._errors import HandshakeError, WebSocketClosedError
from ._handshake import check_request, parse_tokens, server_response_headers
from ._protocol import DEFAULT_MAX_MESSAGE_SIZE, SERVER, WebSocketProtocol

_NO_HEADERS: Any = MappingProxyType({})  # read-only: a header set after the upgrade fails loudly
_NO_OUTPUT: Any = ()
gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

__all__ = ["WebSocketHandler"]


def _setting_seconds(settings: dict[str, Any], name: str) -> float | None:
    value = settings.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"the {name} setting must be a non-negative number of seconds, not {value!r}")
    return float(value)


class _UpgradedConnection:
    """``request.connection`` once the HTTP connection has become a WebSocket.

    It keeps what still means something (``context``: the peer's address and protocol; whether
    the socket is closed; ``close``) and refuses HTTP output, which can no longer be sent.
    """

    __slots__ = ("context", "_wsc")

    def __init__(self, context: Any, wsc: WebSocketConnection | None) -> None:
        self.context = context
        self._wsc = wsc

    @property
    def closed(self) -> bool:
        return self._wsc is None or self._wsc.lost

    def set_close_callback(self, callback: Any) -> None:
        """Ignored: :meth:`WebSocketHandler.on_close` is how a closed WebSocket is reported."""

    def close(self) -> None:
        if self._wsc is not None:
            self._wsc.abort()

    def _refuse(self, *args: Any) -> Any:
        raise WebSocketClosedError("the connection was upgraded to WebSocket; HTTP output is over")

    write_response = write_headers = write = finish = flush = _refuse


class WebSocketHandler(RequestHandler):
    """Subclass this and override :meth:`on_message` (and :meth:`open`, :meth:`on_close`)::

        class EchoWebSocket(WebSocketHandler):
            def open(self):
                print("WebSocket opened")

            def on_message(self, message):
                self.write_message("You said: " + message)

            def on_close(self):
                print("WebSocket closed")

    Application settings: ``websocket_ping_interval`` (seconds between keep-alive pings; off
    by default), ``websocket_ping_timeout`` (close a peer that has not answered a ping for this
    long; default ``max(3 * interval, 30)``) and ``websocket_max_message_size`` (10 MiB; a
    bigger message closes the connection with 1009).
    """

    def __init__(self, application: Any, request: Any, **kwargs: Any) -> None:
        super().__init__(application, request, **kwargs)
        self.ws_connection: WebSocketConnection | None = None
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.open_args: tuple[Any, ...] = ()
        self.open_kwargs: dict[str, Any] = {}
        self._selected_subprotocol: str | None = None
        self._on_close_called = False

    # -- configuration hooks --------------------------------------------------------------

    @property
    def ping_interval(self) -> float | None:
        """Seconds between pings (``websocket_ping_interval``), or None for no pings."""
        return _setting_seconds(self.settings, "websocket_ping_interval")

    @property
    def ping_timeout(self) -> float | None:
        """Seconds a ping may go unanswered (``websocket_ping_timeout``)."""
        return _setting_seconds(self.settings, "websocket_ping_timeout")

    @property
    def max_message_size(self) -> int | None:
        """The largest message accepted (``websocket_max_message_size``, default 10 MiB)."""
        value = self.settings.get("websocket_max_message_size", DEFAULT_MAX_MESSAGE_SIZE)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"the websocket_max_message_size setting must be a byte count, not {value!r}")
        return value

    def check_origin(self, origin: str) -> bool:
        """Whether to accept a handshake sent with this ``Origin`` header (default: same host only).

        Return True to accept any origin, or compare against the sites you trust.  See the
        module documentation on cross-site WebSocket hijacking before loosening this.
        """
        host = self.request.headers.get("Host", "")
        return urlsplit(origin).netloc.lower() == host.lower()

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        """Pick one of the client's ``Sec-WebSocket-Protocol`` values, or None (the default)."""
        return None

    @property
    def selected_subprotocol(self) -> str | None:
        """The subprotocol chosen by :meth:`select_subprotocol`."""
        return self._selected_subprotocol

    def get_compression_options(self) -> dict[str, Any] | None:
        """Return a dict (``{}`` for the defaults) to offer permessage-deflate; None disables it.

        Keys: ``compression_level``, ``mem_level``, ``server_no_context_takeover``,
        ``client_no_context_takeover``, ``server_max_window_bits``, ``client_max_window_bits``.
        """
        return None

    # -- event hooks ------------------------------------------------------------------------

    def open(self, *args: Any, **kwargs: Any) -> Awaitable[None] | None:
        """Called when the connection is open, with the URL's path arguments; may be async.

        No message is delivered before it returns (or its coroutine finishes).
        """
        return None

    def on_message(self, message: str | bytes) -> Awaitable[None] | None:
        """Called for each message: ``str`` for text, ``bytes`` for binary.

        May be ``async``; the next message is delivered after it finishes.
        """
        raise NotImplementedError

    def on_ping(self, data: bytes) -> None:
        """Called for each ping received (the pong has already been sent)."""

    def on_pong(self, data: bytes) -> None:
        """Called for each pong received."""

    def on_close(self) -> None:
        """Called once when the connection is gone; ``close_code``/``close_reason`` tell why."""

    # -- the handshake --------------------------------------------------------------------

    def get(self, *args: Any, **kwargs: Any) -> None:
        self.open_args = args
        # The same values as path_kwargs: share that dict rather than hold a second one.
        self.open_kwargs = self.path_kwargs if kwargs == getattr(self, "path_kwargs", None) else kwargs
        headers: Any = self.request.headers  # an HTTPHeaders (multi-valued) from tornado.httpserver
        try:
            key = check_request(self.request.method, headers)
        except HandshakeError as e:
            self.set_status(e.status_code)
            if e.status_code == 426:
                self.set_header("Sec-WebSocket-Version", "13")
            gen_log.debug("Refused WebSocket handshake: %s", e)
            self.finish(str(e))
            return
        origin = headers.get("Origin")
        if origin is not None and not self.check_origin(origin):
            self.set_status(403)
            self.finish("Cross origin websockets not allowed")
            return
        try:
            offered = parse_tokens(headers.get_list("Sec-WebSocket-Protocol"))
        except HandshakeError:
            self.set_status(400)
            self.finish("Bad Sec-WebSocket-Protocol header")
            return
        if offered:
            chosen = self.select_subprotocol(offered)
            if chosen is not None and chosen not in offered:
                raise ValueError(f"select_subprotocol returned {chosen!r}, which the client did not offer")
            self._selected_subprotocol = chosen
        deflate = None
        extensions = None
        options = self.get_compression_options()
        if options is not None:
            validate_compression_options(options, "get_compression_options()")
            try:
                params = server_negotiate(headers.get_list("Sec-WebSocket-Extensions"), options)
            except HandshakeError:
                self.set_status(400)
                self.finish("Bad Sec-WebSocket-Extensions header")
                return
            if params is not None:
                deflate = PerMessageDeflate(True, params, options)
                extensions = params.header()
        conn: Any = self.request.connection
        if not hasattr(conn, "detach_transport"):
            raise RuntimeError("WebSocketHandler needs tornado.httpserver's connections (detach_transport())")
        ws = WebSocketProtocol(SERVER, max_message_size=self.max_message_size, deflate=deflate)
        ping_interval, ping_timeout = self.ping_interval, self.ping_timeout
        self.set_status(101)
        self.clear_header("Content-Type")
        for name, value in server_response_headers(key, self._selected_subprotocol, extensions):
            self.set_header(name, value)
        self._auto_finish = False
        self.flush()  # the 101 is queued on the HTTP connection, and sent by detach()
        transport, early = conn.detach_transport()
        self._finished = True
        self.application.log_request(self)
        self.ws_connection = wsc = WebSocketConnection(ws, transport, self, ping_interval, ping_timeout)
        transport.set_protocol(wsc)
        self._release_http_state()
        try:
            result = self.open(*args, **kwargs)
        except Exception:
            app_log.exception("Uncaught exception in %s.open", type(self).__name__)
            wsc.close(1011)
            wsc.start(early)
            return
        if result is not None and hasattr(result, "__await__"):
            fut = asyncio.ensure_future(result)
            fut.add_done_callback(lambda f: self._opened(f, early))
            return
        wsc.start(early)

    def _opened(self, fut: asyncio.Future[Any], early: bytes) -> None:
        wsc = self.ws_connection
        if wsc is None:
            return
        if not fut.cancelled() and fut.exception() is not None:
            app_log.error("Uncaught exception in %s.open", type(self).__name__, exc_info=fut.exception())
            wsc.close(1011)
        wsc.start(early)

    def _release_http_state(self) -> None:
        """Drop what only the HTTP response needed: an open socket should cost little memory.

        The HTTP connection object (its parser, buffers and timers) is replaced in the request
        by a small stand-in, so that it can be freed while the WebSocket stays open.
        """
        # Shared empty stand-ins, not a fresh dict and list per socket: the response is sent,
        # and the HTTP output methods are refused from here on.
        self._headers = _NO_HEADERS
        self._write_buffer = _NO_OUTPUT
        request: Any = self.request
        old = request.connection
        upgraded = _UpgradedConnection(getattr(old, "context", None), self.ws_connection)
        request.connection = upgraded
        if getattr(request, "server_connection", None) is old:
            request.server_connection = upgraded

    # -- output ---------------------------------------------------------------------------

    def write_message(
        self, message: str | bytes | dict[str, Any], binary: bool = False
    ) -> asyncio.Future[None]:
        """Send a message: text unless ``binary``; a dict is sent as JSON text.

        Returns a future that waits while the transport's buffer is over its high-water mark:
        ``await`` it to slow down to a slow reader.  Raises :class:`WebSocketClosedError` once
        the connection is closing.
        """
        wsc = self.ws_connection
        if wsc is None:
            raise WebSocketClosedError("the WebSocket connection is closed")
        if binary or type(message) is not str:  # text is the common case: it goes straight through
            if isinstance(message, dict):
                message = json_encode(message)
            elif not isinstance(message, (str, bytes, bytearray, memoryview)):
                raise TypeError(f"write_message expects str, bytes or dict, got {type(message).__name__}")
            if binary and isinstance(message, str):
                message = message.encode("utf-8")
        # Raises WebSocketClosedError once the connection is lost or our close frame went out.
        return wsc.write_message(message, binary)

    def ping(self, data: bytes | str = b"") -> None:
        """Send a ping (at most 125 bytes); :meth:`on_pong` sees the answer."""
        wsc = self.ws_connection
        if wsc is None or wsc.closing:
            raise WebSocketClosedError("the WebSocket connection is closed")
        wsc.ping(data)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Start closing: send a close frame (``code``, ``reason``) and wait for the client's."""
        wsc = self.ws_connection
        if wsc is not None:
            wsc.close(code, reason)

    def set_nodelay(self, value: bool) -> None:
        """Turn Nagle's algorithm off (True) or on for this connection's socket."""
        wsc = self.ws_connection
        sock = wsc.transport.get_extra_info("socket") if wsc is not None else None
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if value else 0)

    def on_connection_close(self) -> None:
        if self.ws_connection is not None:
            self._ws_closed()

    # -- what the connection reports -------------------------------------------------------

    def _ws_ping(self, data: bytes) -> None:
        self.on_ping(data)

    def _ws_pong(self, data: bytes) -> None:
        self.on_pong(data)

    def _ws_closed(self) -> None:
        wsc = self.ws_connection
        if wsc is not None:
            self.close_code = wsc.close_code
            self.close_reason = wsc.close_reason
        if not self._on_close_called:
            self._on_close_called = True
            self.on_close()
