"""Message heads for the input half of the protocol core: request and status lines, fields, trailers.

Each head is first tried against a regex fast path (a start line and header fields that
are plainly valid); anything it does not match goes through the line-by-line rules of
:mod:`._grammar`, which accept or reject the same way and name the problem.
"""

from __future__ import annotations

from ._errors import ProtocolError
from ._events import CLOSED as _CLOSED
from ._events import EOM as _EOM
from ._events import NEED_DATA, EndOfMessage, Event, InformationalResponse, RequestHead, ResponseHead
from ._grammar import (
    CTL_RE,
    FIELD_NAMES,
    FIELD_RE,
    REQUEST_LINE_RE,
    STATUS_LINE_RE,
    check_field_name,
    connection_tokens,
    content_length,
    parse_version,
    split_request_line,
    split_status_line,
    transfer_codings,
)
from ._h1base import (
    R_CHUNK_SIZE,
    R_CLOSED,
    R_DONE,
    R_EOM,
    R_LENGTH,
    R_SWITCHED,
    R_UNTIL_CLOSE,
    W_IDLE,
    H1Base,
)
from ._headers import HTTPHeaders

_WS = (" ", "\t")


def _is_http11(version: str) -> bool:
    """HTTP/1.1 semantics (keep-alive by default) for 1.1 and for any later 1.x; 1.0 is not."""
    if version == "HTTP/1.1":
        return True
    if version == "HTTP/1.0":
        return False
    parse_version(version)  # raises for anything that is not a well-formed HTTP version
    return True


def _fast_fields(fields: list[tuple[str, str]]) -> HTTPHeaders:
    """Headers from (name, value) pairs that FIELD_RE matched (names are tokens, values clean)."""
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
    return headers


class H1HeadReader(H1Base):
    """Cuts heads out of the input and turns them into RequestHead / ResponseHead events."""

    __slots__ = ()

    def _take_head(self) -> str | None:
        """The next head (start line + fields, CRLF-terminated) as latin-1 text, None until complete.

        A head wholly inside the held piece is decoded from it in place; anything else
        (a head split across pieces, leading empty lines, bare LFs) goes through the buffer.
        The rest of a head split across pieces moves to the buffer only up to its end, so a
        body after it still leaves as slices of the piece.
        """
        buf = self._buf
        if not buf:
            src = self._in
            pos = self._pos
            idx = src.find(b"\r\n\r\n", pos, pos + self.max_header_size + 4)
            if idx > pos and src[pos] != 13:
                head = src[pos : idx + 2].decode("latin-1")
                pos = idx + 4
                if pos == len(src):
                    self._in = b""
                    self._pos = 0
                else:
                    self._pos = pos
                return head
            if src:
                self._spill()
        elif self._in:
            src = self._in
            pos = self._pos
            # Where the blank line ends in the piece: it may begin in the buffer's last bytes.
            tail = min(3, len(buf))
            k = (bytes(buf[-tail:]) + src[pos : pos + 3]).find(b"\r\n\r\n")
            if k >= 0:
                end = pos + k + 4 - tail
            else:
                idx = src.find(b"\r\n\r\n", pos, pos + self.max_header_size + 4)
                end = idx + 4 if idx >= 0 else len(src)
            self._top_up(len(buf) + end - pos)
        idx = -1 if self._scan else buf.find(b"\r\n\r\n")
        if 0 < idx <= self.max_header_size and buf[0] != 13:
            head = buf[: idx + 2].decode("latin-1")
            del buf[: idx + 4]
            return head
        found = self._find_head()
        if found is None and self._in:
            # Not a head after all (leading empty lines, say): NEED_DATA must leave nothing held.
            self._spill()
            found = self._find_head()
        return found

    def _find_head(self) -> str | None:
        """Cut the next head out of the buffer, in any form the rules allow (the general path)."""
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

    # ------------------------------------------------------------------- requests

    def _read_request_head(self) -> Event:
        src = self._in
        if src and not self._buf:
            # The server's common case, inlined from _take_head: a whole head in the piece.
            pos = self._pos
            idx = src.find(b"\r\n\r\n", pos, pos + self.max_header_size + 4)
            if idx > pos and src[pos] != 13:
                head = src[pos : idx + 2].decode("latin-1")
                pos = idx + 4
                if pos == len(src):
                    self._in = b""
                    self._pos = 0
                else:
                    self._pos = pos
            else:
                head = self._take_head()  # type: ignore[assignment]
        elif not src and not self._buf:
            if self._eof:
                self._rstate = R_CLOSED
                return _CLOSED
            return NEED_DATA
        else:
            head = self._take_head()  # type: ignore[assignment]
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
                return self._request_head(method, target, version, _fast_fields(fields))
        lines = self._split_head(head)
        method, target, version = split_request_line(lines[0], self.strict)
        return self._request_head(method, target, version, self._parse_fields(lines, 1))

    def _request_head(self, method: str, target: str, version: str, headers: HTTPHeaders) -> RequestHead:
        http11 = _is_http11(version)
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

    # ------------------------------------------------------------------ responses

    def _read_response_head(self) -> Event:
        if self._wstate == W_IDLE:
            if self._buf or self._in:
                raise ProtocolError("response data received before a request was sent")
            if self._eof:
                self._rstate = R_CLOSED
                return _CLOSED
            return NEED_DATA
        if not self._buf and not self._in:
            if self._eof:
                raise ProtocolError("connection closed before a response was received")
            return NEED_DATA
        head = self._take_head()
        if head is None:
            if self._eof:
                raise ProtocolError("connection closed before a response was received")
            return NEED_DATA
        m = STATUS_LINE_RE.match(head)
        if m is not None:
            fields = FIELD_RE.findall(head, m.end())
            if len(fields) == head.count("\n") - 1:
                version, status, reason = m.groups()
                return self._response_head(version, int(status), reason or "", _fast_fields(fields))
        lines = self._split_head(head)
        version, code, reason = split_status_line(lines[0])
        parse_version(version)
        return self._response_head(version, code, reason, self._parse_fields(lines, 1))

    def _response_head(self, version: str, status: int, reason: str, headers: HTTPHeaders) -> ResponseHead:
        http11 = _is_http11(version)
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

    # ------------------------------------------------------------------- trailers

    def _read_trailers(self) -> Event:
        """The end of a chunked body: an empty line, or trailer fields and then one."""
        buf = self._buf
        if self._in:
            if not buf and self._in.startswith(b"\r\n", self._pos):
                self._skip(2)
                self._rstate = R_DONE
                return _EOM
            self._spill()
        if buf[:2] == b"\r\n":
            del buf[:2]
            self._rstate = R_DONE
            return _EOM
        if not self.strict and buf[:1] == b"\n":
            del buf[:1]
            self._rstate = R_DONE
            return _EOM
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
