"""Non-blocking socket streams for the IOLoop: buffered reads and writes.

Every operation takes the 1.0-style ``callback=`` and also returns an asyncio
Future, so ``stream.read_until(b"\\r\\n\\r\\n", self.on_headers)`` and
``await stream.read_until(b"\\r\\n\\r\\n")`` both work.

The stream watches its file descriptor directly on the underlying asyncio loop
(``add_reader``/``add_writer``): readiness handlers call ``recv``/``send`` on the
socket themselves, which measured faster than asyncio transports on the stdlib
loop and on par with them under uvloop, and keeps ``start_tls`` simple.

The code lives in ``_errors`` (exceptions), ``_reads`` (the read methods and their
matching of the buffer), ``_base`` (BaseIOStream: the fd, buffering, writes, closing),
``_stream`` (IOStream over a socket), ``_pipe`` (PipeIOStream) and ``_tls`` (SSLIOStream
and ``ssl_options_to_context``).
"""

from __future__ import annotations

from ._base import DEFAULT_MAX_BUFFER_SIZE, DEFAULT_READ_CHUNK_SIZE, BaseIOStream
from ._errors import StreamBufferFullError, StreamClosedError, UnsatisfiableReadError
from ._pipe import PipeIOStream
from ._stream import IOStream
from ._tls import SSLIOStream, ssl_options_to_context

__all__ = [
    "BaseIOStream",
    "IOStream",
    "PipeIOStream",
    "SSLIOStream",
    "StreamClosedError",
    "UnsatisfiableReadError",
    "StreamBufferFullError",
    "ssl_options_to_context",
    "DEFAULT_MAX_BUFFER_SIZE",
    "DEFAULT_READ_CHUNK_SIZE",
]
