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
    """What both halves of the protocol core see: settings, buffer and the two states.

    ``strict`` rejects bare LF line endings (RFC 9112 allows it as an option);
    everything ambiguous is rejected in both modes.  ``max_body_size`` may be changed
    between messages (for example after seeing a request head).
    """

    __slots__ = (
        "role",
        "max_header_size",
        "max_body_size",
        "strict",
        "keep_alive",
        "_buf",
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
        self.keep_alive = True
        self._buf = bytearray()
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

    def receive_data(self, data: bytes) -> None:
        """Add bytes from the peer; ``b""`` means the peer closed its sending side."""
        if data:
            if self._eof:
                raise RuntimeError('receive_data called after end of input (b"" was already received)')
            self._buf += data
        else:
            self._eof = True

    @property
    def buffered_size(self) -> int:
        """Bytes received but not yet turned into events (for back-pressure)."""
        return len(self._buf)

    @property
    def trailing_data(self) -> tuple[bytes, bool]:
        """Unparsed bytes and whether the peer closed: what follows a protocol switch."""
        return bytes(self._buf), self._eof

    @property
    def response_started(self) -> bool:
        """Whether our side has begun sending the current message."""
        return self._wstate != W_IDLE

    @property
    def message_done(self) -> bool:
        """Whether the peer's current message has been read to its end."""
        return self._rstate == R_DONE
