"""The output half of the protocol core: our messages in, bytes to send out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.client import responses
from typing import Union

from ._errors import HTTPOutputError, ProtocolError
from ._events import CLIENT, SERVER
from ._grammar import CTL_RE, FIELD_NAMES, TOKEN_RE, check_field_name, connection_tokens
from ._h1base import (
    R_CLOSED,
    R_DONE,
    R_EOM,
    R_HEAD,
    W_CHUNKED,
    W_DONE,
    W_IDLE,
    W_LENGTH,
    W_NO_BODY,
    W_UNTIL_CLOSE,
    H1Base,
)
from ._headers import HTTPHeaders

__all__ = ["H1Writer", "format_error_response", "HeadersArg"]

HeadersArg = Union[HTTPHeaders, Mapping[str, str], Iterable[tuple[str, str]], None]

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


class H1Writer(H1Base):
    """Frames our messages (responses in the server role, requests in the client role)."""

    __slots__ = ()

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
        elif type(headers) is list:
            items = headers
        elif isinstance(headers, HTTPHeaders):
            items = headers.get_all()
        elif isinstance(headers, Mapping):
            items = headers.items()
        else:
            items = headers
        names = FIELD_NAMES
        lines = _LINES
        for name, value in items:
            # Only checked str pairs are cached, and only a str equals one: a hit needs no checks.
            try:
                line = lines.get((name, value))
            except TypeError:  # unhashable: not a str, refused below
                line = None
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
        if self.role is not SERVER or self._wstate != W_IDLE:
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
        if self._wstate != W_IDLE or self._rstate in (R_HEAD, R_CLOSED):
            raise HTTPOutputError("no request is waiting for a response")
        lines, length, chunked, close = self._head_fields(headers)
        if close:
            self.keep_alive = False
        if 100 <= status_code < 200:
            if status_code != 101:
                raise HTTPOutputError("send 1xx responses other than 101 with send_continue")
            self._wstate = W_DONE
            self._switch_pending = True
            return (_status_line(status_code, reason) + "".join(lines) + "\r\n").encode("latin-1")
        if self._request_method == "CONNECT" and status_code < 300:
            self._switch_pending = True
        bodiless = status_code == 204 or status_code == 304
        if bodiless:
            if status_code == 204 and (length or chunked):
                raise HTTPOutputError("a 204 response cannot have a body")
            self._wstate = W_NO_BODY
        elif length is None and body_length is not None:
            if chunked:
                raise HTTPOutputError("both Content-Length and Transfer-Encoding given")
            length = body_length
            lines.append(f"Content-Length: {length}\r\n")
        if self._request_method == "HEAD":
            self._wstate = W_NO_BODY
        elif not bodiless:
            if length is not None:
                self._wstate = W_LENGTH
                self._wremaining = length
            elif chunked:
                self._wstate = W_CHUNKED
            elif self._peer_http11:
                self._wstate = W_CHUNKED
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                self._wstate = W_UNTIL_CLOSE
                self.keep_alive = False
        if self._rstate not in (R_DONE, R_EOM):
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
        if self._wstate == W_LENGTH and self._wremaining == len(body):
            # The declared length is exactly this body: nothing left to check or frame.
            self._wstate = W_DONE
            return head + body if body else head
        if body:
            return head + self.send_data(body) + self.send_end()
        return head + self.send_end()

    def send_request_head(self, method: str, target: str, headers: HeadersArg = None) -> bytes:
        """Start a request.  With neither Content-Length nor ``Transfer-Encoding: chunked``
        among ``headers`` the request has no body."""
        if self.role is not CLIENT:
            raise HTTPOutputError("send_request_head is for the client role")
        if self._wstate != W_IDLE:
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
            self._wstate = W_CHUNKED
        else:
            self._wstate = W_LENGTH
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
        if st == W_LENGTH:
            n = len(data)
            if n > self._wremaining:
                raise HTTPOutputError(
                    f"body is longer than the declared Content-Length "
                    f"({self._wremaining} bytes left, {n} given)"
                )
            self._wremaining -= n
            return bytes(data)
        if st == W_CHUNKED:
            if not data:
                return b""
            return b"%x\r\n%s\r\n" % (len(data), data)
        if st == W_UNTIL_CLOSE:
            return bytes(data)
        if st == W_NO_BODY:
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
        if self._wstate == W_DONE or self._rstate in (R_HEAD, R_CLOSED):
            raise HTTPOutputError("no request is waiting for a response")
        if self._rstate not in (R_DONE, R_EOM):
            keep_alive = False
        self._wstate = W_DONE
        self.keep_alive = self.keep_alive and keep_alive

    def send_end(self, trailers: HeadersArg = None) -> bytes:
        """Finish our message (the terminating chunk for chunked bodies)."""
        st = self._wstate
        out = b""
        if st == W_LENGTH:
            if self._wremaining:
                raise HTTPOutputError(f"body ended {self._wremaining} bytes short of its Content-Length")
        elif st == W_CHUNKED:
            if trailers:
                lines = self._head_fields(trailers)[0]
                out = ("0\r\n" + "".join(lines) + "\r\n").encode("latin-1")
            else:
                out = b"0\r\n\r\n"
        elif st == W_IDLE or st == W_DONE:
            raise HTTPOutputError("send_end called without a message in progress")
        self._wstate = W_DONE
        if st == W_UNTIL_CLOSE:
            self.keep_alive = False
        return out
