"""The input half of the protocol core: bytes from the peer in, events out."""

from __future__ import annotations

from ._errors import ProtocolError
from ._events import CLOSED as _CLOSED
from ._events import EOM as _EOM
from ._events import (
    NEED_DATA,
    PAUSED,
    SERVER,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    RequestHead,
    ResponseHead,
)
from ._grammar import (
    CHUNK_SIZE_RE,
    CTL_RE,
    FIELD_NAMES,
    FIELD_RE,
    REQUEST_LINE_RE,
    check_field_name,
    connection_tokens,
    content_length,
    parse_version,
    split_request_line,
    split_status_line,
    transfer_codings,
)
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
    H1Base,
)
from ._headers import HTTPHeaders

_WS = (" ", "\t")
_MAX_CHUNK_LINE = 4096
# Chunk extensions carry nothing we use; their total size per message is bounded so tiny
# chunks with long extensions cannot make a body cost far more than its size.
_MAX_CHUNK_EXT_TOTAL = 4096


class H1Reader(H1Base):
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
                    if not self._buf and not self._eof:
                        return NEED_DATA
                    return self._read_request_head()
                return self._read_response_head()
            return self._next_event()
        except ProtocolError:
            self._rstate = R_ERROR
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
            if st == R_HEAD:
                if self.role is SERVER:
                    return self._read_request_head()
                return self._read_response_head()
            if st == R_EOM:
                self._rstate = R_DONE
                return _EOM
            if st == R_LENGTH:
                return self._read_counted(R_EOM)
            if st == R_DONE:
                if self._wstate == W_DONE and self.keep_alive and not self._switch_pending:
                    self._start_next_cycle()
                    continue
                return PAUSED
            if st == R_CHUNK_SIZE:
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
                    self._rstate = R_TRAILERS
                    continue
                self._body_size += size
                if self._body_size > self.max_body_size:
                    raise ProtocolError("body exceeds max_body_size", 413)
                self._remaining = size
                self._rstate = R_CHUNK_DATA
                continue
            if st == R_CHUNK_DATA:
                return self._read_counted(R_CHUNK_CRLF)
            if st == R_CHUNK_CRLF:
                if len(buf) < 2:
                    if buf[:1] == b"\n" and not self.strict:
                        del buf[:1]
                        self._rstate = R_CHUNK_SIZE
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
                self._rstate = R_CHUNK_SIZE
                continue
            if st == R_TRAILERS:
                return self._read_trailers()
            if st == R_UNTIL_CLOSE:
                if buf:
                    # No declared length: the limit is checked as the body arrives.
                    self._body_size += len(buf)
                    if self._body_size > self.max_body_size:
                        raise ProtocolError("body exceeds max_body_size", 413)
                    data = bytes(buf)
                    buf.clear()
                    return Data(data)
                if self._eof:
                    self._rstate = R_DONE
                    return _EOM
                return NEED_DATA
            if st == R_CLOSED:
                return _CLOSED
            if st == R_SWITCHED:
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
                self._rstate = R_CLOSED
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
                    self._rstate = R_CLOSED
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
            self._rstate = R_CHUNK_SIZE
            self._body_size = 0
            self._ext_size = 0
        elif cl is not None:
            n = content_length(cl)
            if n > self.max_body_size:
                raise ProtocolError("Content-Length exceeds max_body_size", 413)
            self._remaining = n
            self._rstate = R_LENGTH if n else R_EOM
        else:
            self._rstate = R_EOM
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
                expect_continue = self._rstate != R_EOM
            else:
                raise ProtocolError(f"unsupported expectation {expect!r}", 417)
        self.keep_alive = keep_alive
        self._peer_http11 = http11
        self._request_method = method
        return RequestHead(method, target, version, headers, keep_alive, expect_continue)

    def _read_response_head(self) -> Event:
        if self._wstate == W_IDLE:
            if self._buf:
                raise ProtocolError("response data received before a request was sent")
            if self._eof:
                self._rstate = R_CLOSED
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
                self._rstate = R_SWITCHED
                self._switch_pending = True
            return InformationalResponse(status, reason, version, headers, self.keep_alive)
        te = d.get("Transfer-Encoding")
        cl = d.get("Content-Length")
        method = self._request_method
        if method == "HEAD" or status == 204 or status == 304:
            self._rstate = R_EOM
        elif method == "CONNECT" and status < 300:
            self._rstate = R_SWITCHED
            self._switch_pending = True
        elif te is not None:
            if cl is not None:
                raise ProtocolError("both Content-Length and Transfer-Encoding")
            codings = transfer_codings(te)
            if codings[-1] == "chunked":
                if len(codings) != 1:
                    raise ProtocolError(f"unsupported transfer-coding {codings[0]!r}", 501)
                self._rstate = R_CHUNK_SIZE
                self._body_size = 0
                self._ext_size = 0
            else:
                self._rstate = R_UNTIL_CLOSE
                self.keep_alive = False
        elif cl is not None:
            n = content_length(cl)
            if n > self.max_body_size:
                raise ProtocolError("Content-Length exceeds max_body_size", 413)
            self._remaining = n
            self._rstate = R_LENGTH if n else R_EOM
        else:
            self._rstate = R_UNTIL_CLOSE
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
            self._rstate = R_EOM
            return self._next_event()
        if not self.strict and buf[:1] == b"\n":
            del buf[:1]
            self._rstate = R_EOM
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
        self._rstate = R_DONE
        return EndOfMessage(trailers)

    def _start_next_cycle(self) -> None:
        self._rstate = R_HEAD
        self._wstate = W_IDLE
        self._remaining = 0
        self._body_size = 0
        self._request_method = ""
