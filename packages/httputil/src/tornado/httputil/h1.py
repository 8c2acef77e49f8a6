"""The I/O-free HTTP/1.1 protocol core (RFC 9112).

An :class:`H1Connection` is fed the bytes that arrived (:meth:`~H1Connection.receive_data`)
and hands back events (:meth:`~H1Connection.next_event`); what our side says is turned into
bytes by the ``send_*`` methods.  It never touches a socket, so the server, the client,
tests and fuzzers all drive it the same way.

Server role::

    conn = H1Connection(SERVER)
    conn.receive_data(b"GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n")
    head = conn.next_event()          # RequestHead(method='GET', target='/', ...)
    conn.next_event()                 # EndOfMessage
    out = conn.send_response(200, [("Content-Type", "text/plain")], b"hi")

Parsing is strict: anything ambiguous raises :class:`ProtocolError`, whose
``status_code`` is what a server should answer (400, 413, 417, 431, 501 or 505) before
closing.  Messages are parsed one at a time: after a request ends, the next pipelined
request is only parsed once our response to it has been sent in full (``PAUSED`` until
then).
"""

from __future__ import annotations

from ._errors import ProtocolError
from ._events import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    Role,
)
from ._h1read import H1Reader
from ._h1write import H1Writer, HeadersArg, format_error_response

__all__ = [
    "Role",
    "SERVER",
    "CLIENT",
    "H1Connection",
    "ProtocolError",
    "RequestHead",
    "ResponseHead",
    "InformationalResponse",
    "Data",
    "EndOfMessage",
    "ConnectionClosed",
    "NEED_DATA",
    "PAUSED",
    "Event",
    "HeadersArg",
    "format_error_response",
]


class H1Connection(H1Reader, H1Writer):
    """One side of an HTTP/1.1 connection, as a state machine over bytes.

    ``strict`` rejects bare LF line endings (RFC 9112 allows it as an option);
    everything ambiguous is rejected in both modes.  ``max_body_size`` may be changed
    between messages (for example after seeing a request head).  Body bytes are not
    copied through a buffer: a ``Data`` event holds the ``bytes`` piece given to
    :meth:`receive_data` or a slice of it (a read-only ``memoryview`` with
    ``data_views=True``, for consumers that only join or write the pieces).

    Input: :meth:`receive_data` and :meth:`next_event` (:class:`~._h1read.H1Reader`).
    Output: ``send_*`` and :meth:`end_raw_response` (:class:`~._h1write.H1Writer`).
    """

    __slots__ = ()
