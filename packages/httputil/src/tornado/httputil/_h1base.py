"""The state an :class:`~.h1.H1Connection` keeps, shared by its input and output halves."""

from __future__ import annotations

from ._events import Role

# Read states
R_HEAD = 0
R_LENGTH = 1
R_CHUNK_SIZE = 2
R_CHUNK_DATA = 3
R_CHUNK_CRLF = 4
R_TRAILERS = 5
R_UNTIL_CLOSE = 6
R_EOM = 7  # body complete, EndOfMessage not yet delivered
R_DONE = 8  # message delivered; waiting for our side
R_CLOSED = 9
R_SWITCHED = 10  # 101 / CONNECT: the bytes are no longer HTTP/1.1
R_ERROR = 11

# Write states
W_IDLE = 0
W_LENGTH = 1
W_CHUNKED = 2
W_UNTIL_CLOSE = 3
W_NO_BODY = 4  # HEAD response or 204/304: data is not sent
W_DONE = 5


class H1Base:
    """What both halves of the protocol core see: settings, input and the two states.

    ``strict`` rejects bare LF line endings (RFC 9112 allows it as an option);
    everything ambiguous is rejected in both modes.  ``max_body_size`` may be changed
    between messages (for example after seeing a request head).  With ``data_views``,
    :class:`~._events.Data` may carry a read-only ``memoryview`` of the received bytes
    instead of a ``bytes`` copy (for consumers that only write or join the pieces).

    The unread input is ``_buf`` followed by ``_in[_pos:]``: a ``bytes`` piece from
    :meth:`receive_data` is held as it is, so body bytes leave as slices of it (or as the
    piece itself) instead of being copied into the buffer and out again.  Only what must be
    looked at whole (a head, a chunk-size line) moves to ``_buf``, and only as far as that
    needs.  Whenever ``NEED_DATA`` is returned, ``_in`` is empty: what waits is in ``_buf``,
    which the limits bound.
    """

    __slots__ = (
        "role",
        "max_header_size",
        "max_body_size",
        "strict",
        "keep_alive",
        "data_views",
        "_buf",
        "_in",
        "_pos",
        "_eof",
        "_rstate",
        "_wstate",
        "_remaining",
        "_body_size",
        "_request_method",
        "_peer_http11",
        "_wremaining",
        "_scan",
        "_switch_pending",
        "_ext_size",
    )

    def __init__(
        self,
        role: Role,
        max_header_size: int = 65536,
        max_body_size: int = 100 * 1024 * 1024,
        strict: bool = True,
        data_views: bool = False,
    ) -> None:
        if not isinstance(role, Role):
            raise TypeError(f"role must be SERVER or CLIENT, got {role!r}")
        if not isinstance(max_header_size, int) or max_header_size <= 0:
            raise ValueError(f"max_header_size must be a positive int, got {max_header_size!r}")
        if not isinstance(max_body_size, int) or max_body_size < 0:
            raise ValueError(f"max_body_size must be a non-negative int, got {max_body_size!r}")
        self.role = role
        self.max_header_size = max_header_size
        self.max_body_size = max_body_size
        self.strict = strict
        self.data_views = data_views
        self.keep_alive = True
        self._buf = bytearray()
        self._in = b""
        self._pos = 0
        self._eof = False
        self._rstate = R_HEAD
        self._wstate = W_IDLE
        self._remaining = 0
        self._body_size = 0
        self._request_method = ""
        self._peer_http11 = True
        self._wremaining = 0
        self._scan = 0
        self._switch_pending = False
        self._ext_size = 0

    # ------------------------------------------------------------------ input side

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes from the peer; ``b""`` means the peer closed its sending side.

        A ``bytes`` piece is kept by reference, not copied; other buffers (``bytearray``,
        ``memoryview``) are copied, since their owner may change them afterwards.
        """
        if data:
            if self._eof:
                raise RuntimeError('receive_data called after end of input (b"" was already received)')
            if self._in:
                self._spill()
            if type(data) is bytes:
                self._in = data
            else:
                self._buf += data
        else:
            self._eof = True

    def _spill(self) -> None:
        """Move all of the held piece to the buffer."""
        if self._pos:
            self._buf += memoryview(self._in)[self._pos :]
            self._pos = 0
        else:
            self._buf += self._in
        self._in = b""

    def _top_up(self, size: int) -> None:
        """Move bytes of the held piece to the buffer until it holds ``size`` bytes (or the piece is used up)."""
        src = self._in
        need = size - len(self._buf)
        if need <= 0 or not src:
            return
        pos = self._pos
        end = pos + need
        if end >= len(src):
            self._spill()
        else:
            self._buf += memoryview(src)[pos:end]
            self._pos = end

    def _skip(self, n: int) -> None:
        """Drop ``n`` bytes (no more than it holds) from the front of the held piece."""
        pos = self._pos + n
        if pos >= len(self._in):
            self._in = b""
            self._pos = 0
        else:
            self._pos = pos

    def _take(self, n: int) -> bytes:
        """Up to ``n`` bytes of the held piece: the piece itself when it is all taken, else a slice.

        The slice is a ``memoryview`` with ``data_views`` (no copy; the piece is immutable
        ``bytes``, so it stays valid whatever arrives later), else a ``bytes`` copy.
        """
        src = self._in
        pos = self._pos
        end = pos + n
        if end >= len(src):
            self._in = b""
            self._pos = 0
            if pos == 0:
                return src
            end = len(src)
        else:
            self._pos = end
        if self.data_views:
            return memoryview(src)[pos:end]  # type: ignore[return-value]
        return src[pos:end]

    @property
    def buffered_size(self) -> int:
        """Bytes received but not yet turned into events (for back-pressure)."""
        return len(self._buf) + len(self._in) - self._pos

    @property
    def trailing_data(self) -> tuple[bytes, bool]:
        """Unparsed bytes and whether the peer closed: what follows a protocol switch."""
        return bytes(self._buf) + self._in[self._pos :], self._eof

    @property
    def response_started(self) -> bool:
        """Whether our side has begun sending the current message."""
        return self._wstate != W_IDLE

    @property
    def message_done(self) -> bool:
        """Whether the peer's current message has been read to its end."""
        return self._rstate == R_DONE

    @property
    def awaiting_input(self) -> bool:
        """Whether only more input can produce an event: the peer's message is read to its end
        and no bytes (nor the peer's close) wait to be parsed.  A server that answered late can
        then skip asking for the next event; the next :meth:`receive_data` will ask."""
        return self._rstate == R_DONE and not self._in and not self._buf and not self._eof
