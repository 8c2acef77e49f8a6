"""Turning a detached connection into an IOStream (Tornado 6's ``detach()``).

The server speaks to connections through asyncio transports; a protocol that takes a
connection over after an HTTP handshake expects Tornado's IOStream.  The socket is handed
over by duplicating its descriptor: the transport is closed (after sending what it still
holds) without a shutdown, so the connection lives on in the stream, and the bytes that
had already arrived after the request are put in front of the stream's input.
"""

from __future__ import annotations

import asyncio
import os
import socket

from tornado.httputil import HTTPOutputError
from tornado.iostream import IOStream

__all__ = ["stream_from_transport"]


def stream_from_transport(transport: asyncio.Transport, early: bytes) -> IOStream:
    if transport.get_extra_info("sslcontext") is not None:
        transport.close()
        raise HTTPOutputError(
            "detach() cannot hand a TLS connection to an IOStream (its TLS state lives in the "
            "transport); use detach_transport() and transport.set_protocol()"
        )
    sock = transport.get_extra_info("socket")
    if sock is None:
        transport.close()
        raise HTTPOutputError("detach() needs a socket transport")
    transport.pause_reading()
    dup = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
    transport.set_protocol(asyncio.Protocol())  # what the transport still reports goes nowhere
    transport.close()
    stream = IOStream(dup)
    if early:
        stream._read_buffer += early
    return stream
