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

import enum
from collections.abc import Iterable, Mapping
from http.client import responses
from typing import Final, Union

from ._errors import HTTPOutputError, ProtocolError
from ._grammar import (
    CHUNK_SIZE_RE,
    CTL_RE,
    FIELD_NAMES,
    FIELD_RE,
    REQUEST_LINE_RE,
    TOKEN_RE,
    check_field_name,
    connection_tokens,
    content_length,
    parse_version,
    split_request_line,
    split_status_line,
    transfer_codings,
)
from ._headers import HTTPHeaders

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
    "format_error_response",
]


class Role(enum.Enum):
    SERVER = "server"
    CLIENT = "client"


SERVER: Final = Role.SERVER
CLIENT: Final = Role.CLIENT


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = _Sentinel("NEED_DATA")
"""More bytes are needed before the next event."""
PAUSED: Final = _Sentinel("PAUSED")
"""The peer's message is complete; waiting for our side (response not finished, or closing)."""


class RequestHead:
    """A request line and its headers.

    ``keep_alive`` is what the request asked for; ``expect_continue`` is true when the client
    sent ``Expect: 100-continue`` and will wait for ``100 Continue`` before sending its body.
    """

    __slots__ = ("method", "target", "version", "headers", "keep_alive", "expect_continue")

    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: HTTPHeaders,
        keep_alive: bool = True,
        expect_continue: bool = False,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue

    def __repr__(self) -> str:
        return f"RequestHead(method={self.method!r}, target={self.target!r}, version={self.version!r})"


class ResponseHead:
    """A status line and its headers."""

    __slots__ = ("status_code", "reason", "version", "headers", "keep_alive")

    def __init__(
        self, status_code: int, reason: str, version: str, headers: HTTPHeaders, keep_alive: bool = True
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, reason={self.reason!r})"


class InformationalResponse(ResponseHead):
    """A 1xx response (``100 Continue``, ``101 Switching Protocols``...); the final one follows."""

    __slots__ = ()


class Data:
    """A piece of a message body (never empty)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Data({self.data[:40]!r}{'...' if len(self.data) > 40 else ''})"


class EndOfMessage:
    """The body is complete; ``trailers`` holds chunked trailer fields, if any."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: HTTPHeaders | None = None) -> None:
        self.trailers = trailers

    def __repr__(self) -> str:
        return f"EndOfMessage(trailers={self.trailers!r})"


class ConnectionClosed:
    """The peer closed its side cleanly between messages."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ConnectionClosed()"


Event = Union[RequestHead, ResponseHead, Data, EndOfMessage, ConnectionClosed, _Sentinel]
HeadersArg = Union[HTTPHeaders, Mapping[str, str], Iterable[tuple[str, str]], None]

# Read states
_R_HEAD = 0
_R_LENGTH = 1
_R_CHUNK_SIZE = 2
_R_CHUNK_DATA = 3
_R_CHUNK_CRLF = 4
_R_TRAILERS = 5
_R_UNTIL_CLOSE = 6
_R_EOM = 7  # body complete, EndOfMessage not yet delivered
_R_DONE = 8  # message delivered; waiting for our side
_R_CLOSED = 9
_R_SWITCHED = 10  # 101 / CONNECT: the bytes are no longer HTTP/1.1
_R_ERROR = 11

# Write states
_W_IDLE = 0
_W_LENGTH = 1
_W_CHUNKED = 2
_W_UNTIL_CLOSE = 3
_W_NO_BODY = 4  # HEAD response or 204/304: data is not sent
_W_DONE = 5

_WS = (" ", "\t")
_MAX_CHUNK_LINE = 4096
# Chunk extensions carry nothing we use; their total size per message is bounded so tiny
# chunks with long extensions cannot make a body cost far more than its size.
_MAX_CHUNK_EXT_TOTAL = 4096

# Response header lines already validated, keyed by (name, value).  Servers send the same
# Server/Content-Type/Date lines over and over; framing headers (Content-Length,
# Transfer-Encoding, Connection) are never cached because they change the message state.
_LINES: dict[tuple[str, str], str] = {}
_LINES_MAX = 1024


_STATUS_LINES: dict[int, str] = {}


def _status_line(code: int, reason: str | None) -> str:
    if reason is None or reason == responses.get(code):  # the standard phrase: cached line
        line = _STATUS_LINES.get(code)
        if line is None:
            if not isinstance(code, int) or not 100 <= code <= 999:
                raise HTTPOutputError(f"invalid status code {code!r}")
            line = f"HTTP/1.1 {code} {responses.get(code, 'Unknown')}\r\n"
            _STATUS_LINES[code] = line
        return line
    if not isinstance(code, int) or not 100 <= code <= 999:
        raise HTTPOutputError(f"invalid status code {code!r}")
    if "\r" in reason or "\n" in reason:
        raise HTTPOutputError(f"invalid reason phrase {reason!r}")
    return f"HTTP/1.1 {code} {reason}\r\n"


def format_error_response(status_code: int, reason: str | None = None) -> bytes:
    """A complete, bodiless error response that closes the connection."""
    return (_status_line(status_code, reason) + "Content-Length: 0\r\nConnection: close\r\n\r\n").encode(
        "latin-1"
    )


class H1Connection:
    """One side of an HTTP/1.1 connection, as a state machine over bytes.

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
        self._rstate = _R_HEAD
        self._wstate = _W_IDLE
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
        return self._wstate != _W_IDLE

    @property
    def message_done(self) -> bool:
        """Whether the peer's current message has been read to its end."""
        return self._rstate == _R_DONE

    def next_event(self) -> Event:
        """Return the next event, ``NEED_DATA`` or ``PAUSED``; raise ProtocolError on bad input."""
        # The common server cycle (head, end of a bodiless message, next head or NEED_DATA)
        # is handled here without going through the general state loop.
        st = self._rstate
        if st == _R_EOM:
            self._rstate = _R_DONE
            return _EOM
        if st == _R_DONE and self._wstate == _W_DONE and self.keep_alive and not self._switch_pending:
            self._rstate = st = _R_HEAD
            self._wstate = _W_IDLE
            self._remaining = 0
            self._body_size = 0
            self._request_method = ""
        try:
            if st == _R_HEAD:
                if self.role is SERVER:
                    if not self._buf and not self._eof:
                        return NEED_DATA
                    return self._read_request_head()
                return self._read_response_head()
            return self._next_event()
        except ProtocolError:
            self._rstate = _R_ERROR
            self.keep_alive = False
            raise

    def _read_counted(self, then: int) -> Event:
        """Up to ``_remaining`` body bytes from the buffer; enter state ``then`` once all are read."""
        buf = self._buf
        if not buf:
            if self._eof:
                raise ProtocolError("connection closed in the middle of the body")
            return NEED_DATA
        n = self._remaining
        if len(buf) <= n:
            data = bytes(buf)
            buf.clear()
        else:
            data = bytes(buf[:n])
            del buf[:n]
        n -= len(data)
        self._remaining = n
        if n == 0:
            self._rstate = then
        return Data(data)

    def _next_event(self) -> Event:
        buf = self._buf
        while True:
            st = self._rstate
            if st == _R_HEAD:
                if self.role is SERVER:
                    return self._read_request_head()
                return self._read_response_head()
            if st == _R_EOM:
                self._rstate = _R_DONE
                return _EOM
            if st == _R_LENGTH:
                return self._read_counted(_R_EOM)
            if st == _R_DONE:
                if self._wstate == _W_DONE and self.keep_alive and not self._switch_pending:
                    self._start_next_cycle()
                    continue
                return PAUSED
            if st == _R_CHUNK_SIZE:
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
                    self._rstate = _R_TRAILERS
                    continue
                self._body_size += size
                if self._body_size > self.max_body_size:
                    raise ProtocolError("body exceeds max_body_size", 413)
                self._remaining = size
                self._rstate = _R_CHUNK_DATA
                continue
            if st == _R_CHUNK_DATA:
                return self._read_counted(_R_CHUNK_CRLF)
            if st == _R_CHUNK_CRLF:
                if len(buf) < 2:
                    if buf[:1] == b"\n" and not self.strict:
                        del buf[:1]
                        self._rstate = _R_CHUNK_SIZE
                        continue
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
                self._rstate = _R_CHUNK_SIZE
                continue
            if st == _R_TRAILERS:
                return self._read_trailers()
            if st == _R_UNTIL_CLOSE:
                if buf:
                    data = bytes(buf)
                    buf.clear()
                    return Data(data)
                if self._eof:
                    self._rstate = _R_DONE
                    return _EOM
                return NEED_DATA
            if st == _R_CLOSED:
                return _CLOSED
            if st == _R_SWITCHED:
                return PAUSED
            raise ProtocolError("connection is in an error state")

    def _find_head(self) -> str | None:
        """Cut the next head (start line + fields) out of the buffer, as latin-1 text."""
        buf = self._buf
        # RFC 9112 2.2: ignore empty lines before a request line.
        while buf[:2] == b"\r\n":
            del buf[:2]
        if not self.strict:
            while buf[:1] == b"\n":
                del buf[:1]
        start = self._scan
        idx = buf.find(b"\r\n\r\n", start)
        if idx < 0:
            if len(buf) > self.max_header_size:
                raise ProtocolError("request headers too large", 431)
            if self.strict:
                # Only the bytes that arrived since the last look: a head trickled in small
                # pieces must not be rescanned from its start each time (quadratic).
                if buf.count(b"\n", start + 1) != buf.count(b"\r\n", start):
                    raise ProtocolError("bare LF in message head")
            else:
                lf = buf.find(b"\n\n", start)
                crlf_lf = buf.find(b"\n\r\n", start)
                ends = [(i, n) for i, n in ((lf, 2), (crlf_lf, 3)) if i >= 0]
                if ends:
                    i, n = min(ends)
                    head = buf[:i].decode("latin-1").replace("\r\n", "\n").replace("\n", "\r\n")
                    del buf[: i + n]
                    self._scan = 0
                    return head + "\r\n"
            if self._eof:
                if buf:
                    raise ProtocolError("connection closed in the middle of the head")
            self._scan = max(0, len(buf) - 3)
            return None
        if idx > self.max_header_size:
            raise ProtocolError("request headers too large", 431)
        head = buf[: idx + 2].decode("latin-1")
        del buf[: idx + 4]
        self._scan = 0
        return head

    def _split_head(self, head: str) -> list[str]:
        head = head[:-2]
        lines = head.split("\r\n")
        n = len(lines) - 1
        if head.count("\n") != n or head.count("\r") != n:
            if self.strict or head.count("\r") != n:
                raise ProtocolError("bare CR or LF in message head")
            lines = [line.rstrip("\r") for line in head.split("\n")]
        if CTL_RE.search(head):
            raise ProtocolError("control character in message head")
        return lines

    def _parse_fields(self, lines: list[str], start: int) -> HTTPHeaders:
        headers = HTTPHeaders.__new__(HTTPHeaders)
        d: dict[str, list[str]] = {}
        headers._dict = d
        names = FIELD_NAMES
        for i in range(start, len(lines)):
            line = lines[i]
            colon = line.find(":")
            if colon <= 0:
                if line[:1] in (" ", "\t"):
                    raise ProtocolError("obsolete line folding (obs-fold) is not allowed")
                raise ProtocolError(f"malformed header line {line[:60]!r}")
            name = line[:colon]
            norm = names.get(name)
            if norm is None:
                norm = check_field_name(name)
            value = line[colon + 1 :].strip(" \t")
            lst = d.get(norm)
            if lst is None:
                d[norm] = [value]
            else:
                lst.append(value)
        return headers

    def _read_request_head(self) -> Event:
        buf = self._buf
        if not buf:
            if self._eof:
                self._rstate = _R_CLOSED
                return _CLOSED
            return NEED_DATA
        # Fast path: a whole head at the start of the buffer, matched by two regexes.
        idx = -1 if self._scan else buf.find(b"\r\n\r\n")
        if 0 < idx <= self.max_header_size and buf[0] != 13:
            head = buf[: idx + 2].decode("latin-1")
            del buf[: idx + 4]
        else:
            head = self._find_head()  # type: ignore[assignment]
            if head is None:
                if self._eof and not self._buf:
                    self._rstate = _R_CLOSED
                    return _CLOSED
                return NEED_DATA
        m = REQUEST_LINE_RE.match(head)
        if m is not None:
            fields = FIELD_RE.findall(head, m.end())
            if len(fields) == head.count("\n") - 1:
                method, target, version = m.groups()
                headers = HTTPHeaders.__new__(HTTPHeaders)
                d: dict[str, list[str]] = {}
                headers._dict = d
                names = FIELD_NAMES
                for name, value in fields:
                    norm = names.get(name)
                    if norm is None:
                        norm = check_field_name(name)
                    if value[-1:] in _WS:
                        value = value.rstrip(" \t")
                    lst = d.get(norm)
                    if lst is None:
                        d[norm] = [value]
                    else:
                        lst.append(value)
                return self._request_head(method, target, version, headers)
        lines = self._split_head(head)
        method, target, version = split_request_line(lines[0], self.strict)
        return self._request_head(method, target, version, self._parse_fields(lines, 1))

    def _request_head(self, method: str, target: str, version: str, headers: HTTPHeaders) -> RequestHead:
        if version == "HTTP/1.1":
            http11 = True
        elif version == "HTTP/1.0":
            http11 = False
        else:
            parse_version(version)
            http11 = True
        d = headers._dict
        if http11 and self.strict:
            host = d.get("Host")
            if host is None or len(host) != 1:
                raise ProtocolError("HTTP/1.1 request needs exactly one Host header")
        te = d.get("Transfer-Encoding")
        cl = d.get("Content-Length")
        if te is not None:
            if cl is not None:
                raise ProtocolError("both Content-Length and Transfer-Encoding")
            if not http11:
                raise ProtocolError("Transfer-Encoding in an HTTP/1.0 request")
            codings = transfer_codings(te)
            for c in codings:
                if c != "chunked":
                    raise ProtocolError(f"unsupported transfer-coding {c!r}", 501)
            if len(codings) != 1:
                raise ProtocolError("chunked applied more than once")
            self._rstate = _R_CHUNK_SIZE
            self._body_size = 0
            self._ext_size = 0
        elif cl is not None:
            n = content_length(cl)
            if n > self.max_body_size:
                raise ProtocolError("Content-Length exceeds max_body_size", 413)
            self._remaining = n
            self._rstate = _R_LENGTH if n else _R_EOM
        else:
            self._rstate = _R_EOM
        conn = d.get("Connection")
        if conn is None:
            keep_alive = http11
        else:
            tokens = connection_tokens(conn)
            keep_alive = "close" not in tokens and (http11 or "keep-alive" in tokens)
        expect_continue = False
        expect = d.get("Expect")
        if expect is not None and http11:
            if len(expect) == 1 and expect[0].lower() == "100-continue":
                expect_continue = self._rstate != _R_EOM
            else:
                raise ProtocolError(f"unsupported expectation {expect!r}", 417)
        self.keep_alive = keep_alive
        self._peer_http11 = http11
        self._request_method = method
        return RequestHead(method, target, version, headers, keep_alive, expect_continue)

    def _read_response_head(self) -> Event:
        if self._wstate == _W_IDLE:
            if self._buf:
                raise ProtocolError("response data received before a request was sent")
            if self._eof:
                self._rstate = _R_CLOSED
                return _CLOSED
            return NEED_DATA
        if not self._buf:
            if self._eof:
                raise ProtocolError("connection closed before a response was received")
            return NEED_DATA
        head = self._find_head()
        if head is None:
            if self._eof:
                raise ProtocolError("connection closed before a response was received")
            return NEED_DATA
        lines = self._split_head(head)
        version, status, reason = split_status_line(lines[0])
        parse_version(version)
        http11 = version != "HTTP/1.0"
        headers = self._parse_fields(lines, 1)
        d = headers._dict
        if status < 200:
            if status == 101:
                self._rstate = _R_SWITCHED
                self._switch_pending = True
            return InformationalResponse(status, reason, version, headers, self.keep_alive)
        te = d.get("Transfer-Encoding")
        cl = d.get("Content-Length")
        method = self._request_method
        if method == "HEAD" or status == 204 or status == 304:
            self._rstate = _R_EOM
        elif method == "CONNECT" and status < 300:
            self._rstate = _R_SWITCHED
            self._switch_pending = True
        elif te is not None:
            if cl is not None:
                raise ProtocolError("both Content-Length and Transfer-Encoding")
            codings = transfer_codings(te)
            if codings[-1] == "chunked":
                if len(codings) != 1:
                    raise ProtocolError(f"unsupported transfer-coding {codings[0]!r}", 501)
                self._rstate = _R_CHUNK_SIZE
                self._body_size = 0
                self._ext_size = 0
            else:
                self._rstate = _R_UNTIL_CLOSE
                self.keep_alive = False
        elif cl is not None:
            n = content_length(cl)
            if n > self.max_body_size:
                raise ProtocolError("Content-Length exceeds max_body_size", 413)
            self._remaining = n
            self._rstate = _R_LENGTH if n else _R_EOM
        else:
            self._rstate = _R_UNTIL_CLOSE
            self.keep_alive = False
        conn = d.get("Connection")
        if conn is not None:
            tokens = connection_tokens(conn)
            if "close" in tokens or (not http11 and "keep-alive" not in tokens):
                self.keep_alive = False
        elif not http11:
            self.keep_alive = False
        self._peer_http11 = http11
        return ResponseHead(status, reason, version, headers, self.keep_alive)

    def _read_trailers(self) -> Event:
        buf = self._buf
        if buf[:2] == b"\r\n":
            del buf[:2]
            self._rstate = _R_EOM
            return self._next_event()
        if not self.strict and buf[:1] == b"\n":
            del buf[:1]
            self._rstate = _R_EOM
            return self._next_event()
        if len(buf) < 2:
            if self._eof:
                raise ProtocolError("connection closed in the middle of the body")
            return NEED_DATA
        head = self._find_head()
        if head is None:
            if self._eof:
                raise ProtocolError("connection closed in the middle of the body")
            return NEED_DATA
        trailers = self._parse_fields(self._split_head(head), 0)
        self._rstate = _R_DONE
        return EndOfMessage(trailers)

    def _start_next_cycle(self) -> None:
        self._rstate = _R_HEAD
        self._wstate = _W_IDLE
        self._remaining = 0
        self._body_size = 0
        self._request_method = ""

    # ----------------------------------------------------------------- output side

    def _head_fields(self, headers: HeadersArg) -> tuple[list[str], int | None, bool, bool]:
        """Render header lines; report Content-Length, chunked and Connection: close."""
        out: list[str] = []
        length: int | None = None
        chunked = False
        close = False
        if headers is None:
            return out, length, chunked, close
        if type(headers) is dict:
            items: Iterable[tuple[str, str]] = headers.items()
        elif isinstance(headers, HTTPHeaders):
            items = headers.get_all()
        elif isinstance(headers, Mapping):
            items = headers.items()
        else:
            items = headers
        names = FIELD_NAMES
        lines = _LINES
        for name, value in items:
            if type(value) is str and type(name) is str:
                line = lines.get((name, value))
                if line is not None:
                    out.append(line)
                    continue
            norm = names.get(name)
            if norm is None:
                if not isinstance(name, str):
                    raise HTTPOutputError(f"header name must be str, got {type(name).__name__}")
                try:
                    norm = check_field_name(name)
                except ProtocolError:
                    raise HTTPOutputError(f"invalid header name {name!r}") from None
            if type(value) is not str:
                if isinstance(value, int) and not isinstance(value, bool):
                    value = str(value)
                elif isinstance(value, str):
                    value = str(value)
                else:
                    raise HTTPOutputError(f"value of header {name} must be str, got {type(value).__name__}")
            if "\n" in value or "\r" in value or "\x00" in value:
                raise HTTPOutputError(f"invalid character in value of header {name}")
            if norm == "Content-Length":
                if not (value.isdigit() and value.isascii()) or (length is not None and int(value) != length):
                    raise HTTPOutputError(f"invalid Content-Length {value!r}")
                length = int(value)
            elif norm == "Transfer-Encoding":
                if value.strip().lower() != "chunked":
                    raise HTTPOutputError(f"unsupported Transfer-Encoding {value!r}")
                chunked = True
            elif norm == "Connection":
                if "close" in connection_tokens([value]):
                    close = True
            else:
                line = f"{name}: {value}\r\n"
                if len(lines) >= _LINES_MAX:
                    lines.clear()
                lines[(name, value)] = line
                out.append(line)
                continue
            out.append(f"{name}: {value}\r\n")
        if length is not None and chunked:
            raise HTTPOutputError("both Content-Length and Transfer-Encoding given")
        return out, length, chunked, close

    def send_continue(self) -> bytes:
        """``100 Continue``, for a request head that had ``expect_continue``."""
        if self.role is not SERVER or self._wstate != _W_IDLE:
            raise HTTPOutputError("100 Continue can only precede the final response of a server")
        return b"HTTP/1.1 100 Continue\r\n\r\n"

    def send_response_head(
        self,
        status_code: int,
        headers: HeadersArg = None,
        reason: str | None = None,
        body_length: int | None = None,
    ) -> bytes:
        """Start a response; without Content-Length the body is chunked (HTTP/1.1) or
        delimited by closing (HTTP/1.0).

        ``body_length`` adds a Content-Length header for a body that is about to follow.
        """
        if self.role is not SERVER:
            raise HTTPOutputError("send_response_head is for the server role")
        if self._wstate != _W_IDLE or self._rstate in (_R_HEAD, _R_CLOSED):
            raise HTTPOutputError("no request is waiting for a response")
        lines, length, chunked, close = self._head_fields(headers)
        if close:
            self.keep_alive = False
        if 100 <= status_code < 200:
            if status_code != 101:
                raise HTTPOutputError("send 1xx responses other than 101 with send_continue")
            self._wstate = _W_DONE
            self._switch_pending = True
            return (_status_line(status_code, reason) + "".join(lines) + "\r\n").encode("latin-1")
        if self._request_method == "CONNECT" and status_code < 300:
            self._switch_pending = True
        bodiless = status_code == 204 or status_code == 304
        if bodiless:
            if status_code == 204 and (length or chunked):
                raise HTTPOutputError("a 204 response cannot have a body")
            self._wstate = _W_NO_BODY
        elif length is None and body_length is not None:
            if chunked:
                raise HTTPOutputError("both Content-Length and Transfer-Encoding given")
            length = body_length
            lines.append(f"Content-Length: {length}\r\n")
        if self._request_method == "HEAD":
            self._wstate = _W_NO_BODY
        elif not bodiless:
            if length is not None:
                self._wstate = _W_LENGTH
                self._wremaining = length
            elif chunked:
                self._wstate = _W_CHUNKED
            elif self._peer_http11:
                self._wstate = _W_CHUNKED
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                self._wstate = _W_UNTIL_CLOSE
                self.keep_alive = False
        if self._rstate not in (_R_DONE, _R_EOM):
            # Answering before the request body was read: the rest of it cannot be skipped
            # reliably, so this is the last exchange.
            self.keep_alive = False
        if not self.keep_alive:
            if not close:
                lines.append("Connection: close\r\n")
        elif not self._peer_http11:
            lines.append("Connection: keep-alive\r\n")
        try:
            return (_status_line(status_code, reason) + "".join(lines) + "\r\n").encode("latin-1")
        except UnicodeEncodeError as e:
            raise HTTPOutputError(f"header value not encodable as latin-1: {e}") from None

    def send_response(
        self, status_code: int, headers: HeadersArg = None, body: bytes = b"", reason: str | None = None
    ) -> bytes:
        """A complete response in one buffer; Content-Length is added when not given."""
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f"body must be bytes, got {type(body).__name__}")
        blen = len(body) if status_code != 204 and status_code != 304 else None
        if blen == 0 and status_code == 304:
            blen = None
        head = self.send_response_head(status_code, headers, reason, body_length=blen)
        if self._wstate == _W_LENGTH and self._wremaining == len(body):
            # The declared length is exactly this body: nothing left to check or frame.
            self._wstate = _W_DONE
            return head + body if body else head
        if body:
            return head + self.send_data(body) + self.send_end()
        return head + self.send_end()

    def send_request_head(self, method: str, target: str, headers: HeadersArg = None) -> bytes:
        """Start a request.  With neither Content-Length nor ``Transfer-Encoding: chunked``
        among ``headers`` the request has no body."""
        if self.role is not CLIENT:
            raise HTTPOutputError("send_request_head is for the client role")
        if self._wstate != _W_IDLE:
            raise HTTPOutputError("a request is already in progress")
        if not isinstance(method, str) or not TOKEN_RE.fullmatch(method):
            raise HTTPOutputError(f"invalid method {method!r}")
        if (
            not isinstance(target, str)
            or not target
            or CTL_RE.search(target)
            or " " in target
            or "\r" in target
            or "\n" in target
        ):
            raise HTTPOutputError(f"invalid request target {target!r}")
        lines, length, chunked, close = self._head_fields(headers)
        if not any(line[:5].lower() == "host:" for line in lines):
            raise HTTPOutputError("an HTTP/1.1 request needs a Host header")
        if close:
            self.keep_alive = False
        if chunked:
            self._wstate = _W_CHUNKED
        else:
            self._wstate = _W_LENGTH
            self._wremaining = length or 0
        self._request_method = method
        try:
            return (f"{method} {target} HTTP/1.1\r\n" + "".join(lines) + "\r\n").encode("latin-1")
        except UnicodeEncodeError as e:
            raise HTTPOutputError(f"request not encodable as latin-1: {e}") from None

    def send_request(self, method: str, target: str, headers: HeadersArg = None, body: bytes = b"") -> bytes:
        """A complete request in one buffer; Content-Length is added for a body."""
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f"body must be bytes, got {type(body).__name__}")
        hdrs = HTTPHeaders(headers) if headers is not None else HTTPHeaders()
        if (
            "Content-Length" not in hdrs
            and "Transfer-Encoding" not in hdrs
            and (body or method in ("POST", "PUT", "PATCH"))
        ):
            hdrs["Content-Length"] = str(len(body))
        head = self.send_request_head(method, target, hdrs)
        if body:
            return head + self.send_data(body) + self.send_end()
        return head + self.send_end()

    def send_data(self, data: bytes) -> bytes:
        """Frame a piece of the body; HEAD/204/304 bodies are dropped."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"body data must be bytes, got {type(data).__name__}")
        st = self._wstate
        if st == _W_LENGTH:
            n = len(data)
            if n > self._wremaining:
                raise HTTPOutputError(
                    f"body is longer than the declared Content-Length "
                    f"({self._wremaining} bytes left, {n} given)"
                )
            self._wremaining -= n
            return bytes(data)
        if st == _W_CHUNKED:
            if not data:
                return b""
            return b"%x\r\n%s\r\n" % (len(data), data)
        if st == _W_UNTIL_CLOSE:
            return bytes(data)
        if st == _W_NO_BODY:
            return b""
        raise HTTPOutputError("send_data called without a message head in progress")

    def end_raw_response(self, keep_alive: bool) -> None:
        """Record that a complete response was sent as raw bytes composed elsewhere.

        For servers that let the application write the status line and headers itself
        (Tornado 1.0's ``request.write``): the core cannot see the framing, so the caller
        says whether the connection may carry another request.
        """
        if self.role is not SERVER:
            raise HTTPOutputError("end_raw_response is for the server role")
        if self._wstate == _W_DONE or self._rstate in (_R_HEAD, _R_CLOSED):
            raise HTTPOutputError("no request is waiting for a response")
        if self._rstate not in (_R_DONE, _R_EOM):
            keep_alive = False
        self._wstate = _W_DONE
        self.keep_alive = self.keep_alive and keep_alive

    def send_end(self, trailers: HeadersArg = None) -> bytes:
        """Finish our message (the terminating chunk for chunked bodies)."""
        st = self._wstate
        out = b""
        if st == _W_LENGTH:
            if self._wremaining:
                raise HTTPOutputError(f"body ended {self._wremaining} bytes short of its Content-Length")
        elif st == _W_CHUNKED:
            if trailers:
                lines = self._head_fields(trailers)[0]
                out = ("0\r\n" + "".join(lines) + "\r\n").encode("latin-1")
            else:
                out = b"0\r\n\r\n"
        elif st == _W_IDLE or st == _W_DONE:
            raise HTTPOutputError("send_end called without a message in progress")
        self._wstate = _W_DONE
        if st == _W_UNTIL_CLOSE:
            self.keep_alive = False
        return out


_EOM: Final = EndOfMessage()
_CLOSED: Final = ConnectionClosed()
