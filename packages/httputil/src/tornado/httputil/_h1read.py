"""The input half of the protocol core: bytes from the peer in, events out.

Body bytes are handed out as slices of the pieces given to ``receive_data`` (or as those
pieces themselves), never copied into the buffer and out again: see
:class:`~._h1base.H1Base` for how the input is held.  Heads are parsed by
:class:`~._h1head.H1HeadReader`.
"""

from __future__ import annotations

import re

from ._errors import ProtocolError
from ._events import CLOSED as _CLOSED
from ._events import EOM as _EOM
from ._events import NEED_DATA, PAUSED, SERVER, Data, Event
from ._grammar import CHUNK_SIZE_RE
from ._h1base import (
    R_CHUNK_CRLF,
    R_CHUNK_DATA,
    R_CHUNK_SIZE,
    R_CLOSED,
    R_DONE,
    R_EOM,
    R_ERROR,
    R_HEAD,
    R_LENGTH,
    R_SWITCHED,
    R_TRAILERS,
    R_UNTIL_CLOSE,
    W_DONE,
    W_IDLE,
)
from ._h1head import H1HeadReader

_MAX_CHUNK_LINE = 4096
# Chunk extensions carry nothing we use; their total size per message is bounded so tiny
# chunks with long extensions cannot make a body cost far more than its size.
_MAX_CHUNK_EXT_TOTAL = 4096
_HEX_RE = re.compile(rb"[0-9A-Fa-f]{1,16}")  # a chunk size without extensions


class H1Reader(H1HeadReader):
    """Parses the peer's messages (requests in the server role, responses in the client role)."""

    __slots__ = ()

    def next_event(self) -> Event:
        """Return the next event, ``NEED_DATA`` or ``PAUSED``; raise ProtocolError on bad input."""
        # The common server cycle (head, end of a bodiless message, next head or NEED_DATA)
        # is handled here without going through the general state loop.
        st = self._rstate
        if st == R_EOM:
            self._rstate = R_DONE
            return _EOM
        if st == R_DONE and self._wstate == W_DONE and self.keep_alive and not self._switch_pending:
            self._rstate = st = R_HEAD
            self._wstate = W_IDLE
            self._remaining = 0
            self._body_size = 0
            self._request_method = ""
        try:
            if st == R_HEAD:
                if self.role is SERVER:
                    if not self._in and not self._buf and not self._eof:
                        return NEED_DATA
                    return self._read_request_head()
                return self._read_response_head()
            return self._next_event()
        except ProtocolError:
            self._rstate = R_ERROR
            self.keep_alive = False
            raise

    def _read_counted(self, then: int) -> Event:
        """Up to ``_remaining`` body bytes; enter state ``then`` once all are read."""
        buf = self._buf
        n = self._remaining
        if buf:
            # Left in the buffer by a head or chunk line that arrived split across pieces.
            if len(buf) <= n:
                data = bytes(buf)
                buf.clear()
            else:
                data = bytes(buf[:n])
                del buf[:n]
        elif self._in:
            # _take, inlined: this runs once per body piece.
            src = self._in
            pos = self._pos
            end = pos + n
            if end >= len(src):
                self._in = b""
                self._pos = 0
                if pos == 0:
                    data = src
                else:
                    data = memoryview(src)[pos:] if self.data_views else src[pos:]  # type: ignore[assignment]
            else:
                self._pos = end
                data = memoryview(src)[pos:end] if self.data_views else src[pos:end]  # type: ignore[assignment]
        else:
            if self._eof:
                raise ProtocolError("connection closed in the middle of the body")
            return NEED_DATA
        n -= len(data)
        self._remaining = n
        if n == 0:
            self._rstate = then
        return Data(data)

    def _chunk_size(self, line: bytes) -> None:
        """Act on a chunk-size line (without its line ending)."""
        m = CHUNK_SIZE_RE.fullmatch(line)
        if m is None:
            raise ProtocolError(f"invalid chunk size line {line[:40]!r}")
        ext = m.end(2) - m.start(2)
        if ext:
            self._ext_size += ext
            if self._ext_size > _MAX_CHUNK_EXT_TOTAL:
                raise ProtocolError("chunk extensions too long")
        size = int(m.group(1), 16)
        if size == 0:
            self._rstate = R_TRAILERS
            return
        self._body_size += size
        if self._body_size > self.max_body_size:
            raise ProtocolError("body exceeds max_body_size", 413)
        self._remaining = size
        self._rstate = R_CHUNK_DATA

    def _next_chunk(self, after_data: bool) -> bool:
        """The common case in one step: [CRLF after chunk data,] a plain size line, in the held piece.

        Returns False, having changed nothing, for anything else (a line split across
        pieces, the last chunk, errors): the general path then looks at it.
        """
        src = self._in
        pos = self._pos
        if after_data:
            if not src.startswith(b"\r\n", pos):
                return False
            pos += 2
        idx = src.find(b"\r\n", pos, pos + 18)  # at most 16 hex digits
        if idx <= pos:
            return False
        m = _HEX_RE.fullmatch(src, pos, idx)
        if m is None:
            return False
        size = int(m.group(), 16)
        if size == 0:
            return False
        self._body_size += size
        if self._body_size > self.max_body_size:
            raise ProtocolError("body exceeds max_body_size", 413)
        self._remaining = size
        self._rstate = R_CHUNK_DATA
        idx += 2
        if idx == len(src):
            self._in = b""
            self._pos = 0
        else:
            self._pos = idx
        return True

    def _read_chunk_size(self) -> Event | None:
        """Read a chunk-size line: None once the state has moved on, else NEED_DATA."""
        buf = self._buf
        if not buf:
            src = self._in
            if src:
                pos = self._pos
                idx = src.find(b"\r\n", pos, pos + _MAX_CHUNK_LINE + 2)
                if idx >= 0:
                    line = src[pos:idx]
                    self._skip(idx + 2 - pos)
                    if b"\n" in line:
                        raise ProtocolError("bare LF in chunk size line")
                    self._chunk_size(line)
                    return None
        # Split across pieces (or unusual): the line is looked at in the buffer, which gets
        # no more of the held piece than the longest allowed line.
        self._top_up(_MAX_CHUNK_LINE + 2)
        idx = buf.find(b"\r\n")
        if idx < 0:
            if len(buf) > _MAX_CHUNK_LINE:
                raise ProtocolError("chunk size line too long")
            if b"\n" in buf:
                if self.strict:
                    raise ProtocolError("bare LF in chunk size line")
                idx = buf.find(b"\n")
                line = bytes(buf[:idx])
                del buf[: idx + 1]
            else:
                if self._eof:
                    raise ProtocolError("connection closed in the middle of the body")
                return NEED_DATA
        else:
            line = bytes(buf[:idx])
            del buf[: idx + 2]
            if b"\n" in line:
                raise ProtocolError("bare LF in chunk size line")
        self._chunk_size(line)
        return None

    def _read_chunk_end(self) -> Event | None:
        """Read the CRLF after chunk data: None once the state has moved on, else NEED_DATA."""
        buf = self._buf
        if not buf and self._in.startswith(b"\r\n", self._pos):
            self._skip(2)
            self._rstate = R_CHUNK_SIZE
            return None
        self._top_up(2)
        if len(buf) < 2:
            if buf[:1] == b"\n" and not self.strict:
                del buf[:1]
                self._rstate = R_CHUNK_SIZE
                return None
            if buf[:1] not in (b"", b"\r"):
                raise ProtocolError("chunk data not followed by CRLF")
            if self._eof:
                raise ProtocolError("connection closed in the middle of the body")
            return NEED_DATA
        if buf[0] == 13 and buf[1] == 10:
            del buf[:2]
        elif buf[0] == 10 and not self.strict:
            del buf[:1]
        else:
            raise ProtocolError("chunk data not followed by CRLF")
        self._rstate = R_CHUNK_SIZE
        return None

    def _read_until_close(self) -> Event:
        """A body without declared length: whatever arrives until the peer closes."""
        buf = self._buf
        n = len(buf) or len(self._in) - self._pos
        if n:
            # No declared length: the limit is checked as the body arrives.
            self._body_size += n
            if self._body_size > self.max_body_size:
                raise ProtocolError("body exceeds max_body_size", 413)
            if buf:
                data = bytes(buf)
                buf.clear()
            else:
                data = self._take(n)
            return Data(data)
        if self._eof:
            self._rstate = R_DONE
            return _EOM
        return NEED_DATA

    def _next_event(self) -> Event:
        while True:
            st = self._rstate
            if st == R_LENGTH or st == R_CHUNK_DATA:
                return self._read_counted(R_EOM if st == R_LENGTH else R_CHUNK_CRLF)
            if (st == R_CHUNK_CRLF or st == R_CHUNK_SIZE) and self._in and not self._buf:
                if self._next_chunk(st == R_CHUNK_CRLF):
                    return self._read_counted(R_CHUNK_CRLF)
            if st == R_CHUNK_SIZE:
                ev = self._read_chunk_size()
                if ev is None:
                    continue
                return ev
            if st == R_CHUNK_CRLF:
                ev = self._read_chunk_end()
                if ev is None:
                    continue
                return ev
            if st == R_HEAD:
                if self.role is SERVER:
                    return self._read_request_head()
                return self._read_response_head()
            if st == R_EOM:
                self._rstate = R_DONE
                return _EOM
            if st == R_DONE:
                if self._wstate == W_DONE and self.keep_alive and not self._switch_pending:
                    self._start_next_cycle()
                    continue
                return PAUSED
            if st == R_TRAILERS:
                return self._read_trailers()
            if st == R_UNTIL_CLOSE:
                return self._read_until_close()
            if st == R_CLOSED:
                return _CLOSED
            if st == R_SWITCHED:
                return PAUSED
            raise ProtocolError("connection is in an error state")

    def _start_next_cycle(self) -> None:
        self._rstate = R_HEAD
        self._wstate = W_IDLE
        self._remaining = 0
        self._body_size = 0
        self._request_method = ""
