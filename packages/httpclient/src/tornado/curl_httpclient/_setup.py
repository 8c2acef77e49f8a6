"""HTTPRequest options -> libcurl options, and libcurl results -> HTTPResponse pieces.

A handle is ``reset()`` before every request, so nothing set for one request (a proxy,
a body, credentials) can leak into the next one that reuses the handle.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from typing import Any

import pycurl
from tornado.httpclient import split_url, will_follow
from tornado.httputil import HTTPHeaders

__all__ = ["setup_curl", "parse_headers", "head_problem", "describe_error", "Transfer", "BodyTooLarge"]

# RFC 9110 5.6.2: methods and field names are tokens.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _head_lines(method: str, items: Any, user_agent: str | None) -> list[bytes]:
    """The request's header lines as libcurl will send them (latin-1, like the pure client).

    Refuses what libcurl would send verbatim: a CR or LF in a value would start a header (or
    a request) of the caller's choosing.  The pure client's H1 writer refuses the same."""
    if not _TOKEN.fullmatch(method):
        raise ValueError(f"invalid method {method!r}")
    lines = []
    for name, value in items:
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(f"invalid character in value of header {name}")
        try:
            lines.append(f"{name}: {value}".encode("latin-1"))
        except UnicodeEncodeError:
            raise ValueError(f"value of header {name} is not encodable as latin-1") from None
    if user_agent:
        _head_lines("GET", [("User-Agent", user_agent)], None)
    return lines


_CAUSES = {
    pycurl.E_COULDNT_RESOLVE_HOST: "DNS lookup failed",
    pycurl.E_COULDNT_RESOLVE_PROXY: "DNS lookup of the proxy failed",
    pycurl.E_COULDNT_CONNECT: "Could not connect (connection refused or unreachable)",
    pycurl.E_OPERATION_TIMEDOUT: "Timeout",
    pycurl.E_SSL_CONNECT_ERROR: "TLS handshake failed",
    pycurl.E_PEER_FAILED_VERIFICATION: "TLS certificate verification failed",
    pycurl.E_GOT_NOTHING: "Server closed the connection without a response",
    pycurl.E_PARTIAL_FILE: "Malformed HTTP response (body shorter than its Content-Length)",
    pycurl.E_RECV_ERROR: "Malformed HTTP response or connection error",
    pycurl.E_BAD_CONTENT_ENCODING: "Bad compressed response body",
    pycurl.E_SEND_ERROR: "Could not send the request",
    pycurl.E_READ_ERROR: "The request body ended before its Content-Length",
    8: "Malformed HTTP response",  # CURLE_WEIRD_SERVER_REPLY
    100: "Malformed HTTP response (headers too large)",  # CURLE_TOO_LARGE
}


class BodyTooLarge(Exception):
    pass


def describe_error(errnum: int, errmsg: str) -> str:
    cause = _CAUSES.get(errnum, f"curl error {errnum}")
    if errnum == pycurl.E_OPERATION_TIMEDOUT and "connect" in errmsg.lower():
        cause = "Timeout while connecting"
    elif errnum == pycurl.E_OPERATION_TIMEDOUT:
        cause = "Timeout during request"
    return f"{cause}: {errmsg}"


class Transfer:
    """The state of one request on one curl handle."""

    __slots__ = (
        "request",
        "callback",
        "curl",
        "lines",
        "chunks",
        "limit",
        "limit_name",
        "size",
        "error",
        "follow",
        "streaming",
        "timer",
        "upload",
        "upload_done",
        "task",
        "paused",
        "head_size",
        "max_header_size",
        "head",
        "upload_left",
    )

    def __init__(self, request: Any, callback: Callable[..., None]) -> None:
        self.request = request
        self.callback = callback
        self.curl: Any = None
        self.lines: list[bytes] = []
        self.chunks: list[bytes] = []
        self.limit = 0
        self.limit_name = "max_body_size"
        self.size = 0
        self.error: str | None = None
        self.follow = False
        self.streaming = request.streaming_callback
        self.timer: Any = None
        self.upload: list[bytes] = []
        self.upload_done = False
        self.task: Any = None
        self.paused = False
        self.head_size = 0
        self.max_header_size = 65536
        self.head: tuple[int, str, HTTPHeaders] | None = None
        self.upload_left: int | None = None  # a body_producer's declared Content-Length, less what it wrote

    def header_line(self, line: bytes) -> int | None:
        """Collect the head; a malformed or oversized one aborts the transfer, which makes
        libcurl close the connection instead of keeping it for the next request."""
        if line[:5] == b"HTTP/":
            self.lines = [line]
            self.head_size = len(line)
        else:
            self.lines.append(line)
            self.head_size += len(line)
        if self.head_size > self.max_header_size:
            self.error = f"Malformed HTTP response: response headers too large (max_header_size={self.max_header_size})"
            return 0
        cb = self.request.header_callback
        if cb is not None:
            try:
                cb(line.decode("latin-1"))
            except Exception as e:
                self.error = f"header_callback raised {e!r}"
                return 0
        if line == b"\r\n":
            code, reason, headers = head = parse_headers(self.lines)
            problem = head_problem(code, self.lines, headers)
            if problem is not None:
                self.error = f"Malformed HTTP response: {problem}"
                return 0
            self.head = head
            if self.streaming is not None:
                self.follow = will_follow(self.request, code, headers.get("Location"))
        return None

    def write(self, data: bytes) -> int | None:
        self.size += len(data)
        if self.size > self.limit:
            self.error = f"response body exceeds {self.limit_name} ({self.limit} bytes)"
            return 0  # aborts the transfer (CURLE_WRITE_ERROR)
        if self.streaming is None:
            self.chunks.append(data)
        elif not self.follow:
            try:
                self.streaming(data)
            except Exception as e:
                self.error = f"streaming_callback raised {e!r}"
                return 0
        return None

    def read(self, size: int) -> bytes | int:
        if self.error is not None:
            # The body_producer failed: abort, so the server never sees a truncated body end
            # as if it were complete (and libcurl closes the connection).
            return int(pycurl.READFUNC_ABORT)
        buf = self.upload
        if not buf:
            if self.upload_done:
                return b""
            self.paused = True
            return pycurl.READFUNC_PAUSE
        chunk = buf[0]
        if len(chunk) <= size:
            buf.pop(0)
            return chunk
        buf[0] = chunk[size:]
        return chunk[:size]


def head_problem(code: int, lines: list[bytes], headers: HTTPHeaders) -> str | None:
    """What libcurl accepts but the pure client's strict parser refuses, or None."""
    if not 100 <= code <= 599:
        return f"bad status line {lines[0][:80] if lines else b''!r}"
    if "Content-Length" in headers and "Transfer-Encoding" in headers:
        return "both Content-Length and Transfer-Encoding"
    return None


def parse_headers(lines: list[bytes]) -> tuple[int, str, HTTPHeaders]:
    headers = HTTPHeaders()
    if not lines:
        return 0, "", headers
    status = lines[0].decode("latin-1").rstrip("\r\n").split(" ", 2)
    try:
        code = int(status[1])
    except (IndexError, ValueError):
        code = 0
    reason = status[2] if len(status) > 2 else ""
    for raw in lines[1:]:
        line = raw.decode("latin-1").rstrip("\r\n")
        if line:
            name, sep, value = line.partition(":")
            if sep:
                headers.add(name.strip(), value.strip())
    return code, reason, headers


def _ssl(curl: Any, request: Any) -> None:
    opts = request.ssl_options
    verify = bool(request.validate_cert)
    ca = request.ca_certs
    cert, key = request.client_cert, request.client_key
    if opts is not None:
        if isinstance(opts, ssl.SSLContext):
            raise ValueError(
                "ssl_options as an ssl.SSLContext is not supported by the curl client (use a dict)"
            )
        ca = opts.get("ca_certs", ca)
        cert = opts.get("certfile", cert)
        key = opts.get("keyfile", key)
        if opts.get("cert_reqs") == ssl.CERT_NONE:
            verify = False
        if "ciphers" in opts:
            curl.setopt(pycurl.SSL_CIPHER_LIST, opts["ciphers"])
    curl.setopt(pycurl.SSL_VERIFYPEER, 1 if verify else 0)
    curl.setopt(pycurl.SSL_VERIFYHOST, 2 if verify else 0)
    if ca is not None:
        curl.setopt(pycurl.CAINFO, ca)
    if cert is not None:
        curl.setopt(pycurl.SSLCERT, cert)
    if key is not None:
        curl.setopt(pycurl.SSLKEY, key)


def _auth_mode(name: str, mode: str | None) -> int:
    if mode in (None, "basic"):
        return int(pycurl.HTTPAUTH_BASIC)
    if mode == "digest":
        return int(pycurl.HTTPAUTH_DIGEST)
    raise ValueError(f"unsupported {name} {mode!r}")


def setup_curl(curl: Any, t: Transfer, timeout: float | None, max_body_size: int) -> None:
    """Configure a reset handle for ``t.request``; ``timeout`` is what is left of request_timeout."""
    req = t.request
    curl.reset()
    setopt = curl.setopt
    setopt(pycurl.URL, req.request.url)
    setopt(pycurl.NOSIGNAL, 1)
    setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
    setopt(pycurl.FOLLOWLOCATION, 0)
    headers = req.request.headers
    items = list(headers.get_all()) if headers else []
    lines = _head_lines(req.method, items, req.user_agent)
    has = headers.__contains__ if headers else (lambda name: False)
    if not has("Expect"):
        lines.append(b"Expect: 100-continue" if req.expect_100_continue else b"Expect:")
    if not has("Accept"):
        lines.append(b"Accept:")
    t.limit = max_body_size
    setopt(pycurl.HEADERFUNCTION, t.header_line)
    setopt(pycurl.WRITEFUNCTION, t.write)
    if req.connect_timeout:
        setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(1000 * req.connect_timeout)))
    if timeout is not None:
        setopt(pycurl.TIMEOUT_MS, max(1, int(1000 * timeout)))
    if req.user_agent:
        setopt(pycurl.USERAGENT, req.user_agent.encode("latin-1"))
    if req.decompress_response:
        setopt(pycurl.ACCEPT_ENCODING, "gzip,deflate")
    if req.proxy_host:
        if req.proxy_port is None:
            raise ValueError("proxy_port is required with proxy_host")
        setopt(pycurl.PROXY, req.proxy_host)
        setopt(pycurl.PROXYPORT, req.proxy_port)
        setopt(pycurl.PROXYTYPE, pycurl.PROXYTYPE_HTTP)
        if req.proxy_username is not None:
            setopt(pycurl.PROXYUSERPWD, f"{req.proxy_username}:{req.proxy_password or ''}".encode())
            setopt(pycurl.PROXYAUTH, _auth_mode("proxy_auth_mode", req.proxy_auth_mode))
    else:
        setopt(pycurl.PROXY, "")
    if req.request.url[:6].lower() == "https:":
        _ssl(curl, req)
    if not req.allow_ipv6:
        # IPRESOLVE only governs name lookups; libcurl would still dial an IPv6 literal.
        host = split_url(req.request.url).host
        if ":" in host:
            raise ValueError(f"allow_ipv6 is False but {host} is an IPv6 address")
        setopt(pycurl.IPRESOLVE, pycurl.IPRESOLVE_V4)
    if req.network_interface:
        setopt(pycurl.INTERFACE, req.network_interface)
    if req.auth_username is not None:
        setopt(pycurl.HTTPAUTH, _auth_mode("auth_mode", req.auth_mode))
        # UTF-8, as the pure client encodes basic credentials (RFC 7617's charset).
        setopt(pycurl.USERPWD, f"{req.auth_username}:{req.auth_password or ''}".encode())
    method = req.method
    body = req.body
    if req.body_producer is not None:
        setopt(pycurl.UPLOAD, 1)
        setopt(pycurl.READFUNCTION, t.read)
        length = headers.get("Content-Length") if headers else None
        if length is not None:
            setopt(pycurl.INFILESIZE_LARGE, int(length))
            t.upload_left = int(length)
        elif not has("Transfer-Encoding"):
            lines.append(b"Transfer-Encoding: chunked")
        setopt(pycurl.CUSTOMREQUEST, method)
    elif body is not None:
        length = headers.get("Content-Length") if headers else None
        if length is not None and length.strip() != str(len(body)):
            # libcurl would send the caller's header with a body of another size: the server
            # would wait for bytes never sent, or read the rest as a request of its own.
            raise ValueError(f"Content-Length header {length!r} does not match the body ({len(body)} bytes)")
        setopt(pycurl.POSTFIELDSIZE_LARGE, len(body))
        setopt(pycurl.POSTFIELDS, body)
        if method != "POST":
            setopt(pycurl.CUSTOMREQUEST, method)
            if not has("Content-Type"):
                lines.append(b"Content-Type:")
    elif method == "HEAD":
        setopt(pycurl.NOBODY, 1)
    elif method != "GET":
        setopt(pycurl.CUSTOMREQUEST, method)
    setopt(pycurl.HTTPHEADER, lines)
    if req.prepare_curl_callback is not None:
        req.prepare_curl_callback(curl)
