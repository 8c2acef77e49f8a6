"""WebSocket for tornado (RFC 6455, with permessage-deflate from RFC 7692).

:class:`WebSocketHandler` serves WebSocket endpoints in a ``tornado.web`` application;
:func:`websocket_connect` is the client.
The protocol itself lives in an I/O-free core, :class:`WebSocketProtocol` (bytes in, events
out, bytes to send), with the opening handshake's helpers beside it; the server handler and
the client drive the same core, and so do the tests and fuzzers.
"""

from __future__ import annotations

from ._client import WebSocketClientConnection, websocket_connect
from ._connection import WebSocketConnection
from ._deflate import (
    DeflateParams,
    PerMessageDeflate,
    client_accept,
    client_offer,
    server_negotiate,
    validate_compression_options,
)
from ._errors import HandshakeError, ProtocolError, WebSocketClosedError, WebSocketError
from ._handler import WebSocketHandler
from ._handshake import (
    WEBSOCKET_GUID,
    WEBSOCKET_VERSION,
    accept_key,
    check_request,
    check_response,
    client_request_headers,
    format_extension,
    make_key,
    parse_extensions,
    parse_tokens,
    server_response_headers,
)
from ._protocol import (
    CLIENT,
    DEFAULT_MAX_MESSAGE_SIZE,
    NEED_DATA,
    SERVER,
    Close,
    Event,
    Message,
    Opcode,
    Ping,
    Pong,
    Role,
    WebSocketProtocol,
    is_valid_close_code,
)

__all__ = [
    "WebSocketHandler",
    "WebSocketConnection",
    "websocket_connect",
    "WebSocketClientConnection",
    "WebSocketProtocol",
    "Role",
    "SERVER",
    "CLIENT",
    "Opcode",
    "Message",
    "Ping",
    "Pong",
    "Close",
    "Event",
    "NEED_DATA",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "is_valid_close_code",
    "WebSocketError",
    "WebSocketClosedError",
    "ProtocolError",
    "HandshakeError",
    "DeflateParams",
    "PerMessageDeflate",
    "validate_compression_options",
    "client_offer",
    "client_accept",
    "server_negotiate",
    "WEBSOCKET_GUID",
    "WEBSOCKET_VERSION",
    "make_key",
    "accept_key",
    "parse_tokens",
    "parse_extensions",
    "format_extension",
    "check_request",
    "check_response",
    "server_response_headers",
    "client_request_headers",
]
