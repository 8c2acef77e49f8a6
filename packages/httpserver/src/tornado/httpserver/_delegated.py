"""Serving an ``HTTPServerConnectionDelegate`` (Tornado 4+'s interface) on a connection.

With a bare callback the server reads a whole request and then calls it.  A delegate
(``tornado.web.Application``, a ``tornado.routing`` router, any 6.x delegate) instead gets
one :class:`~tornado.httputil.HTTPMessageDelegate` per request and is told about the head,
each body piece as it arrives, and the end.  An awaitable returned by ``headers_received``
or ``data_received`` stops reading (the transport is paused) until it is done, so a slow
consumer of a large upload holds one read's worth of it in memory, not the whole body.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any, Literal

from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerRequest,
    ProtocolError,
    RequestHead,
    RequestStartLine,
)

from ._gzip import GZIP_CODINGS, GzipBody
from ._limits import FieldCounter

app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

__all__ = ["RequestContext", "DelegateDriver"]

_new_tuple = tuple.__new__
_BODY = 2  # the connection's phase while a body is read (see _connection.py)

# The protocol core's own body limit while a delegate reads: the connection applies the
# limit itself, after the delegate's headers_received (which may change it).
UNLIMITED = 1 << 62


class RequestContext:
    """``request_conn.context``: where the current request came from (after ``xheaders``)."""

    __slots__ = ("remote_ip", "protocol", "address", "trusted_downstream")

    def __init__(
        self, remote_ip: str, protocol: str, address: Any, trusted_downstream: frozenset[str]
    ) -> None:
        self.remote_ip = remote_ip
        self.protocol = protocol
        self.address = address
        self.trusted_downstream = trusted_downstream

    def __str__(self) -> str:
        return self.remote_ip


def _content_length(headers: HTTPHeaders) -> int:
    values = headers._dict.get("Content-Length")
    if not values:
        return -1
    # The protocol core has checked that every value is the same number.
    return int(values[0].split(",")[0])


class DelegateDriver(HTTPConnection):
    """The delegate half of :class:`~._connection.HTTP1ServerConnection` (a mixin).

    Attributes it uses are set up by the connection: ``_md`` (the current message
    delegate), ``_blocked`` (waiting for an awaitable from it), ``_body_limit``,
    ``_body_seen``, ``_fields`` and ``context``.
    """

    # Provided by the connection.
    server: Any
    conn: Any
    transport: Any
    request: HTTPServerRequest | None
    _loop: asyncio.AbstractEventLoop
    _md: HTTPMessageDelegate | None
    _delegate: Any  # the server's HTTPServerConnectionDelegate
    _md_reading: bool
    _timeouts: tuple[float | None, float | None, float | None, float | None]
    _default_timeouts: tuple[float | None, float | None, float | None, float | None]
    _body_idle: bool
    _custom_body_timeout: bool
    _pending: collections.deque[bytes] | None
    _inflated: int
    context: RequestContext
    _blocked: bool
    _body_limit: int
    _body_seen: int
    _fields: FieldCounter | Literal[False] | None  # None until the body starts, False for a non-form body
    _gzip: GzipBody | None
    _gzip_wanted: bool
    _closed: bool
    _in_receive: bool
    _out: list[bytes]

    _phase: int
    _since: float
    _now: float
    _timer: asyncio.TimerHandle | None
    _timer_when: float

    if TYPE_CHECKING:

        def _arm_timer(self) -> None: ...
        def _process(self) -> None: ...
        def _send_error_and_close(self, status: int) -> None: ...
        def _flush(self) -> None: ...
        def _body_phase(self, active: bool) -> None: ...
        def _callback_failed(self, req: HTTPServerRequest) -> None: ...

    # ------------------------------------------------------------ Tornado 6 API

    def set_max_body_size(self, max_body_size: int) -> None:
        """The body size limit for the current request (from ``headers_received`` or ``prepare``)."""
        if not isinstance(max_body_size, int) or isinstance(max_body_size, bool) or max_body_size < 0:
            raise ValueError(f"max_body_size must be a non-negative int, got {max_body_size!r}")
        self._body_limit = max_body_size

    def set_body_timeout(self, timeout: float) -> None:
        """The longest the rest of this request's body may take to arrive (from now), in
        place of the server's ``body_timeout``; the next request gets the server's again."""
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError(f"body timeout must be a positive number, got {timeout!r}")
        idle, head, _body, handling = self._timeouts
        self._timeouts = (idle, head, timeout, handling)
        self._body_idle = False
        self._custom_body_timeout = True
        self._body_phase(not self._blocked)

    # ------------------------------------------------------------------- reading

    def _start_delegate(self, head: RequestHead, remote_ip: str, protocol: str) -> None:
        """A request head arrived: hand it to a new message delegate."""
        request = self.request
        assert request is not None
        server = self.server
        if head.expect_continue:
            self._out.append(self.conn.send_continue())
            if not self._in_receive:
                self._flush()
        # Reading the body from now on (inlined _body_phase(True): this runs per request).
        if not self._in_receive:
            self._now = self._loop.time()
        self._phase = _BODY
        self._since = now = self._now
        t = self._timeouts[_BODY]
        if t is not None and (self._timer is None or now + t < self._timer_when):
            self._arm_timer()
        if request.query and request.query.count("&") >= server.max_query_arguments:
            gen_log.info(
                "Malformed HTTP request from %s: more than %d query arguments",
                remote_ip,
                server.max_query_arguments,
            )
            self._send_error_and_close(400)
            return
        if server.xheaders:
            ctx = self.context
            if ctx.remote_ip != remote_ip or ctx.protocol != protocol:
                self.context = RequestContext(remote_ip, protocol, ctx.address, ctx.trusted_downstream)
        if self._custom_body_timeout:
            self._custom_body_timeout = False
            self._timeouts = self._default_timeouts
            self._body_idle = server.body_timeout is None
        self._md = md = self._delegate.start_request(self, self)
        self._md_reading = True
        self._body_limit = server.max_body_size
        self._body_seen = 0
        self._fields = None
        self._gzip_wanted = False
        headers = head.headers
        if server.decompress_request:
            coding = headers.get("Content-Encoding")
            if coding is not None and coding.strip(" \t").lower() in GZIP_CODINGS:
                self._gzip_wanted = True
                self._inflated = 0
                headers["X-Consumed-Content-Encoding"] = headers["Content-Encoding"]
                del headers["Content-Encoding"]
        try:
            result = md.headers_received(
                _new_tuple(RequestStartLine, (head.method, head.target, head.version)), headers
            )
        except Exception:
            self._delegate_failed(request)
            return
        if result is not None:
            self._wait(result, request, self._check_length)
            return
        if "Content-Length" in headers._dict:
            self._check_length(request)

    def _check_length(self, request: HTTPServerRequest) -> None:
        if self._closed or self.request is not request:
            return
        n = _content_length(request.headers)
        if n > self._body_limit:
            self._too_large()

    def _too_large(self) -> None:
        gen_log.info("Request body from %s exceeds max_body_size", self.context.remote_ip)
        self._abandon_message()
        self._send_error_and_close(413)

    def _delegate_data(self, data: bytes) -> None:
        if not self._md_reading:
            return  # the response is already complete; the rest of the body is dropped
        self._body_seen += len(data)
        if self._gzip_wanted:
            if self._gzip is None:
                self._gzip = GzipBody(self._body_limit)
            try:
                data = self._gzip.feed(data)
            except ProtocolError as e:
                gen_log.info("Bad gzip request body from %s: %s", self.context.remote_ip, e)
                self._abandon_message()
                self._send_error_and_close(e.status_code)
                return
            if not data:
                return
            self._inflated += len(data)
        elif self._body_seen > self._body_limit:
            self._too_large()
            return
        fields = self._fields
        if fields is None:
            fields = self._fields = FieldCounter.for_headers(self.request.headers)  # type: ignore[union-attr]
        if fields:
            fields.feed(data)
        size = self.server.chunk_size
        pending = self._pending
        if pending is None:  # most connections never carry a body: no deque until one does
            pending = self._pending = collections.deque()
        if len(data) > size:
            pending.extend(data[i : i + size] for i in range(0, len(data), size))
        else:
            pending.append(data)
        self._pump()

    def _pump(self) -> None:
        """Hand the pieces received to the delegate until it asks us to wait."""
        pending = self._pending
        if pending is None:
            return
        request = self.request
        md = self._md
        while pending and not self._blocked and md is not None and self._md_reading:
            data = pending.popleft()
            try:
                result = md.data_received(data)
            except Exception:
                pending.clear()
                self._delegate_failed(request)  # type: ignore[arg-type]
                return
            if result is not None:
                self._wait(result, request, None)  # type: ignore[arg-type]
        if not self._md_reading:
            pending.clear()

    def _delegate_end(self, request: HTTPServerRequest) -> None:
        md = self._md
        if md is None or not self._md_reading:
            return
        if self._gzip is not None:
            try:
                self._gzip.finish()
            except ProtocolError as e:
                gen_log.info("Bad gzip request body from %s: %s", self.context.remote_ip, e)
                self._abandon_message()
                self._send_error_and_close(e.status_code)
                return
            self._gzip = None
        if self._gzip_wanted:
            request.headers["Content-Length"] = str(self._inflated)
        fields = self._fields
        if fields:
            what = fields.over_limit(self.server)
            if what is not None:
                self._refuse_fields(what)
                return
        self._md_reading = False
        try:
            md.finish()
        except Exception:
            self._delegate_failed(request)

    def _refuse_fields(self, what: str) -> None:
        gen_log.info("Malformed HTTP request from %s: %s", self.context.remote_ip, what)
        self._abandon_message()
        self._send_error_and_close(400)

    def _abandon_message(self) -> None:
        """The request will not be read to its end: its delegate hears that the connection closed."""
        md = self._md
        self._md = None
        if md is not None and self._md_reading:
            self._md_reading = False
            try:
                md.on_connection_close()
            except Exception:
                app_log.exception("Exception in on_connection_close")

    def _delegate_failed(self, request: HTTPServerRequest) -> None:
        self._md_reading = False
        self._blocked = False
        self._callback_failed(request)

    # ---------------------------------------------------------------- flow control

    def _wait(self, result: Any, request: HTTPServerRequest, then: Any) -> None:
        """Read no more until ``result`` (an awaitable from the delegate) is done."""
        try:
            fut = asyncio.ensure_future(result, loop=self._loop)
        except TypeError:
            return  # not awaitable: nothing to wait for
        self._blocked = True
        self._body_phase(False)
        if self.transport is not None and not self._closed:
            self.transport.pause_reading()
        fut.add_done_callback(lambda f: self._resume(f, request, then))

    def _resume(self, fut: asyncio.Future[Any], request: HTTPServerRequest, then: Any) -> None:
        if self._closed or self.request is not request or not self._blocked:
            return
        if not fut.cancelled() and fut.exception() is not None:
            try:
                raise fut.exception()  # type: ignore[misc]
            except Exception:
                self._delegate_failed(request)
            return
        self._blocked = False
        self._body_phase(True)
        if self.transport is not None:
            self.transport.resume_reading()
        self._in_receive = True
        try:
            if then is not None:
                then(request)
            self._pump()
            if not self._blocked:
                self._process()
        finally:
            self._in_receive = False
        if self._out:
            self._flush()

    # -------------------------------------------------------------------- closing

    def _delegate_connection_lost(self) -> None:
        self._abandon_message()
        delegate = self.server.delegate
        try:
            delegate.on_close(self)
        except Exception:
            app_log.exception("Exception in on_close of %r", delegate)
