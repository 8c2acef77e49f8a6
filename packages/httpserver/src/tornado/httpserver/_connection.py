"""One client connection: an asyncio Protocol driving the HTTP/1.1 protocol core.

Why a Protocol and not an IOStream: ``data_received`` hands us the bytes the event loop
already read, and ``transport.write`` tries ``send()`` at once.  A stream would add a
future or callback per read, an extra buffer copy and a loop iteration between
"bytes arrived" and "request parsed".  On this path that overhead is most of the cost
of a small request, so the server talks to the transport directly.

Responses are collected in a small list and written with one ``transport.write``, so a
small response costs one ``send()`` and pipelined responses share one.  Answers produced
inside ``data_received`` are not sent there: the connection joins the server's batch, and
every response of one loop iteration is sent back to back at the start of the next.  A
busy server's peers (a proxy, a load generator) then find several answers per wake-up
instead of being woken for each one; in bench/ this gave about 10 % more requests/s for
the bare hello world and 25 % more for tornado.web's, with lower p99 latency.  Answers
produced later (an async handler) are sent at once.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from tornado.httputil import (
    NEED_DATA,
    PAUSED,
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    H1Connection,
    HTTPOutputError,
    HTTPServerRequest,
    ProtocolError,
    RequestHead,
    format_error_response,
)
from tornado.iostream import IOStream

from ._delegated import UNLIMITED, RequestContext
from ._detach import stream_from_transport
from ._gzip import GZIP_CODINGS, GzipBody
from ._limits import fields_over_limit
from ._owner import ConnectionOwner
from ._respond import NONE, Responder
from ._timers import _BODY, _HANDLING, _HEAD, _IDLE, ConnectionTimers
from ._xheaders import apply_xheaders

app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

__all__ = ["HTTP1ServerConnection"]

_MAX_PAUSED_BUFFER = 256 * 1024

# Bytes asked of each recv() on asyncio's own socket transport (uvloop reads into a buffer it
# reuses).  asyncio asks for 256 KiB: every read allocates a bytes object that size, above
# glibc's 128 KiB mmap threshold, and unless that threshold has adapted upwards, shrinking it
# to the bytes received unmaps it again.  A 40-byte request then cost an mmap, page faults and
# an munmap, a third of the server's CPU under load, and whole runs went at half speed.
# 64 KiB (IOStream's read size too, and the default of HTTPServer's ``chunk_size``, which
# sets it) stays on the heap.
READ_SIZE = 64 * 1024


class HTTP1ServerConnection(Responder, ConnectionTimers, asyncio.Protocol):
    """Serves the requests of one client connection, in order.

    It is ``request.connection``.  Besides the raw 1.0-style ``request.write``, it offers the
    framed interface a framework uses::

        conn.write_headers(200, {"Content-Type": "text/html"}, chunk=b"...")  # start
        conn.write(b"more")       # chunked when no Content-Length was given
        conn.finish()

    ``HEAD`` responses lose their body and ``204``/``304`` never get one.
    """

    def __init__(self, server: ConnectionOwner) -> None:
        self.server = server
        self.conn = H1Connection(
            SERVER, max_header_size=server.max_header_size, max_body_size=server.max_body_size
        )
        self.transport: asyncio.Transport | None = None
        self.request: HTTPServerRequest | None = None
        self.remote_ip = "0.0.0.0"
        loop = server.loop
        self._loop = asyncio.get_running_loop() if loop is None else loop
        self._protocol = server.protocol
        self._body: list[bytes] = []
        self._out: list[bytes] = []
        self._mode = NONE
        self._raw_head = b""
        self._raw_keep_alive: bool | None = None
        self._in_receive = False
        self._flush_scheduled = False
        self._closed = False
        self._closing = False
        self._one_request = False
        self._reading_paused = False
        self._writing_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._close_callback: Callable[[], Any] | None = None
        self._phase = _IDLE
        self._since = 0.0
        self._now = 0.0
        # Timeout per phase (IDLE, HEAD, BODY, HANDLING); a body without body_timeout is
        # bounded by idle_connection_timeout between reads.
        self._timeouts = (
            server.idle_connection_timeout,
            server.header_timeout,
            server.body_timeout if server.body_timeout is not None else server.idle_connection_timeout,
            None,
        )
        self._body_idle = server.body_timeout is None
        self._default_timeouts = self._timeouts
        self._custom_body_timeout = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0
        self._linger_left = -1  # >= 0 while draining input before closing
        self._gzip: GzipBody | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        # Serving a delegate (see _delegated.py) rather than a bare callback.
        self._delegate = server.delegate
        self._md = None
        self._md_reading = False
        self._blocked = False
        self._body_limit = server.max_body_size
        self._body_seen = 0
        self._fields = None
        self._gzip_wanted = False
        self._inflated = 0
        self._pending: collections.deque[bytes] | None = None  # made when a delegate gets a body
        self.context = RequestContext("0.0.0.0", "http", None, server.trusted_downstream)
        if self._delegate is not None:
            self.conn.max_body_size = UNLIMITED

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if hasattr(transport, "max_size"):
            transport.max_size = self.server.chunk_size
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.remote_ip = peer[0]
        if self._protocol is None:
            self._protocol = "https" if transport.get_extra_info("sslcontext") is not None else "http"
        self.context = RequestContext(self.remote_ip, self._protocol, peer, self.server.trusted_downstream)
        self.server.connection_opened(self)
        self._now = self._loop.time()
        self._set_phase(_IDLE)

    def data_received(self, data: bytes) -> None:
        if self._linger_left >= 0:
            self._linger_left -= len(data)
            if self._linger_left < 0:
                self._end_linger()
            return
        self._in_receive = True
        self._now = now = self._loop.time()
        try:
            self.conn.receive_data(data)
            if self._phase == _BODY and self._body_idle:
                self._since = now
            self._process()
        finally:
            self._in_receive = False
        if self._out:
            self.server.flush_soon(self)

    def eof_received(self) -> bool:
        if self._linger_left >= 0:
            self._end_linger()
            return False
        self._in_receive = True
        self._now = self._loop.time()
        try:
            self.conn.receive_data(b"")
            self._process()
        finally:
            self._in_receive = False
        if self._out:
            self._flush()
        if self.request is not None and self._close_callback is not None:
            # Someone waits for this client to go away (a long poll): most clients that stop
            # sending have gone, so close rather than hold a half-open connection.
            self.close()
            return False
        # Otherwise keep the transport open: a half-closed client still gets its response.
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        self.server.connection_closed(self)
        if self._delegate is not None:
            self._delegate_connection_lost()
        for fut in self._drain_waiters:
            if not fut.done():
                fut.set_result(None)
        self._drain_waiters.clear()
        cb = self._close_callback
        if cb is not None:
            self._close_callback = None
            try:
                cb()
            except Exception:
                app_log.exception("Exception in connection close callback")

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    # --------------------------------------------------------------------- parsing

    def _process(self) -> None:
        conn = self.conn
        while not self._closed and not self._blocked:
            try:
                ev = conn.next_event()
            except ProtocolError as e:
                self._protocol_error(e)
                return
            t = type(ev)
            if t is RequestHead:
                self._on_head(ev)
            elif t is Data:
                if self._delegate is not None:
                    self._delegate_data(ev.data)
                elif self._gzip is None:
                    self._body.append(ev.data)
                else:
                    try:
                        piece = self._gzip.feed(ev.data)
                    except ProtocolError as e:
                        self._bad_gzip(e)
                        return
                    if piece:
                        self._body.append(piece)
            elif t is EndOfMessage:
                self._on_end_of_message()
            elif ev is NEED_DATA:
                if self._phase == _IDLE and conn.buffered_size:
                    self._set_phase(_HEAD)
                return
            elif ev is PAUSED:
                if self.request is None and not conn.keep_alive:
                    self.close()
                elif conn.buffered_size > _MAX_PAUSED_BUFFER and not self._reading_paused:
                    self._reading_paused = True
                    assert self.transport is not None
                    self.transport.pause_reading()
                return
            elif t is ConnectionClosed:
                self.close()
                return

    def _on_head(self, head: RequestHead) -> None:
        server = self.server
        if server.no_keep_alive or self._closing:
            self.conn.keep_alive = False
        remote_ip = self.remote_ip
        protocol = self._protocol
        headers = head.headers
        if server.xheaders:
            remote_ip, protocol = apply_xheaders(
                headers,
                remote_ip,
                protocol,  # type: ignore[arg-type]
                server.trusted_downstream,
            )
        self.request = HTTPServerRequest._for_server(
            head.method,
            head.target,
            head.version,
            headers,
            remote_ip,
            protocol,  # type: ignore[arg-type]
            self,
        )
        self._mode = NONE
        self._raw_head = b""
        self._raw_keep_alive = None
        self._gzip = None
        if self._delegate is not None:
            self._start_delegate(head, remote_ip, protocol)  # type: ignore[arg-type]
            return
        if server.decompress_request:
            coding = headers.get("Content-Encoding")
            if coding is not None and coding.strip(" \t").lower() in GZIP_CODINGS:
                self._gzip = GzipBody(server.max_body_size)
        if head.expect_continue:
            self._out.append(self.conn.send_continue())
            if not self._in_receive:
                self._flush()
        self._phase = _BODY
        self._since = now = self._now
        t = self._timeouts[_BODY]
        if t is not None and (self._timer is None or now + t < self._timer_when):
            self._arm_timer()

    def _body_phase(self, active: bool) -> None:
        """Reading the body (its timeout applies), or waiting for the application (none does)."""
        if not active:
            self._phase = _HANDLING
            return
        if not self._in_receive:
            self._now = self._loop.time()
        self._phase = _BODY
        self._since = now = self._now
        t = self._timeouts[_BODY]
        if t is not None and (self._timer is None or now + t < self._timer_when):
            self._arm_timer()

    def _on_end_of_message(self) -> None:
        req = self.request
        assert req is not None
        if self._delegate is not None:
            self._phase = _HANDLING
            self._delegate_end(req)
            return
        body = self._body
        if body:
            req.body = body[0] if len(body) == 1 else b"".join(body)
            self._body = []
        self._phase = _HANDLING
        if self._gzip is not None:
            try:
                self._gzip.finish()
            except ProtocolError as e:
                self._bad_gzip(e)
                return
            self._gzip = None
            headers = req.headers
            headers["X-Consumed-Content-Encoding"] = headers["Content-Encoding"]
            del headers["Content-Encoding"]
            headers["Content-Length"] = str(len(req.body))
        if (req.query or req.body) and not self._within_limits(req):
            return
        try:
            result = self.server.request_callback(req)
        except Exception:
            self._callback_failed(req)
            return
        if result is not None and inspect.isawaitable(result):
            fut = asyncio.ensure_future(result, loop=self._loop)
            fut.add_done_callback(lambda f: self._async_callback_done(f, req))

    def _within_limits(self, req: HTTPServerRequest) -> bool:
        what = fields_over_limit(req, self.server)
        if what is None:
            return True
        gen_log.info("Malformed HTTP request from %s: %s", self.remote_ip, what)
        self._send_error_and_close(400)
        return False

    def _bad_gzip(self, e: ProtocolError) -> None:
        gen_log.info("Bad gzip request body from %s: %s", self.remote_ip, e)
        self._gzip = None
        self._body = []
        self._send_error_and_close(e.status_code)

    # ----------------------------------------------------------------------- errors

    def _protocol_error(self, e: ProtocolError) -> None:
        gen_log.info("Malformed HTTP request from %s: %s", self.remote_ip, e)
        if self.conn.response_started or self._mode != NONE:
            self.close()
            return
        self._send_error_and_close(e.status_code)

    def _send_error_and_close(self, status: int) -> None:
        self._out.append(format_error_response(status))
        self.request = None
        self._linger()

    def _callback_failed(self, req: HTTPServerRequest) -> None:
        app_log.error("Uncaught exception in request callback for %s %s", req.method, req.uri, exc_info=True)
        if self._closed or req is not self.request:
            return
        if self._mode == NONE and not self.conn.response_started:
            self.write_response(500, None, b"", None, req)
        else:
            self._out.clear()
            self.close()

    def _async_callback_done(self, fut: asyncio.Future[Any], req: HTTPServerRequest) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            return
        try:
            raise exc
        except Exception:
            self._callback_failed(req)

    # ------------------------------------------------------------------- lifecycle

    def _response_done(self) -> None:
        req = self.request
        assert req is not None
        req._finish_time = time.time()
        self.request = None
        self._mode = NONE
        if self._md is not None:
            self._md = None
            self._md_reading = False
            if self._pending:
                self._pending.clear()
        if not self.conn.keep_alive or self._closing:
            if not self.conn.message_done and self._delegate is not None:
                self._linger()  # answered before the body was read: let the client finish sending
                return
            self._flush()
            self.close()
            return
        if not self._in_receive:
            self._now = self._loop.time()
        self._phase = _IDLE
        self._since = now = self._now
        t = self._timeouts[_IDLE]
        if t is not None and (self._timer is None or now + t < self._timer_when):
            self._arm_timer()
        if self._reading_paused:
            self._reading_paused = False
            assert self.transport is not None
            self.transport.resume_reading()
        if not self._in_receive:
            # Answered later than the request arrived: send now and look at what is buffered.
            self._flush()
            if self.conn.awaiting_input:
                return  # nothing is: the next data_received parses what comes
            self._in_receive = True
            try:
                self._process()
            finally:
                self._in_receive = False
            if self._out:
                self._flush()

    @property
    def closed(self) -> bool:
        return self._closed

    def set_close_callback(self, callback: Callable[[], Any] | None) -> None:
        """Call ``callback`` when the client goes away (for long polling)."""
        self._close_callback = callback

    def close(self) -> None:
        """Close the connection (pending output is still sent)."""
        if self.transport is not None and not self.transport.is_closing():
            if self._out:
                self._flush()
            self.transport.close()

    def detach(self) -> IOStream:
        """Take the connection over as an IOStream (Tornado 6): HTTP processing stops for good.

        For protocols that tunnel over an HTTP handshake; what is still queued is sent first,
        and bytes that arrived after the request are the stream's first input.  Plain TCP
        only (see :meth:`detach_transport` for TLS).
        """
        transport, early = self.detach_transport()
        return stream_from_transport(transport, early)

    def detach_transport(self) -> tuple[asyncio.Transport, bytes]:
        """Give the transport to another protocol, for an upgrade (WebSocket after its handshake).

        HTTP serving stops for good: queued output is sent, the timers and the close callback
        are dropped, and the server no longer counts (or gracefully closes) this connection.
        Returns the transport and the bytes that arrived after the current request, which are
        the new protocol's first input.  The caller writes its own ``101 Switching Protocols``
        answer and installs itself with ``transport.set_protocol(new_protocol)``.
        """
        transport = self.transport
        if self._closed or transport is None or transport.is_closing():
            raise HTTPOutputError("cannot detach a closed connection")
        self._flush()
        self._closed = True  # ends _process() if we are inside data_received
        for timer in (self._timer, self._linger_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._linger_timer = None
        self._close_callback = None
        self._md = None
        self._md_reading = False
        self.server.connection_closed(self)
        data, _eof = self.conn.trailing_data
        self.request = None
        self.transport = None
        if self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()
        return transport, data

    def serve_one(self) -> None:
        """Answer one request, then close: for a connection taken from the accept queue while
        draining, whose client has sent (or is sending) its request already."""
        self._closing = True
        self._one_request = True

    def close_gracefully(self) -> None:
        """Graceful shutdown: finish the request in flight, then close."""
        self._closing = True
        if self.request is None and not self._one_request:
            self._flush()
            self.close()
        elif not self.conn.response_started and self._mode == NONE:
            self.conn.keep_alive = False
