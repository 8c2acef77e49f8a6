"""One pooled client connection: an asyncio Protocol driving the HTTP/1.1 core (client role).

Why a Protocol and not an IOStream (the same reasoning as the server's): ``data_received``
hands over the bytes the loop already read and ``transport.write`` sends at once, so a
small exchange costs one ``send()``, one ``recv()`` and no futures or extra copies.

A connection carries one :class:`Exchange` (request and response) at a time.  When the
response ends it goes back to the pool only if the protocol core says the connection can
carry another message (keep-alive, fully framed, request fully sent, nothing extra
buffered); anything else closes it.
"""

from __future__ import annotations

import asyncio
import base64
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tornado.httpclient import HTTPResponse, Target, failure, will_follow
from tornado.httputil import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    H1Connection,
    HTTPHeaders,
    HTTPOutputError,
    InformationalResponse,
    ProtocolError,
    ResponseHead,
)

from ._body import BodyTooLarge, Decompressor

if TYPE_CHECKING:
    from . import SimpleAsyncHTTPClient

__all__ = ["Connection", "Exchange"]

READ_SIZE = 64 * 1024  # per recv(); see tornado.httpserver's note on asyncio's 256 KiB reads
# A streaming callback gets pieces of at most this size.  Reads reach the protocol core
# whole (uvloop's are 256 KiB) and its Data events are views of them, so a buffered body is
# copied once, when the pieces are joined; a streamed piece is copied once, into bytes of
# this size: below glibc's 128 KiB mmap threshold those copies stay on the heap instead of
# mapping and faulting in fresh pages every time.
FEED_SIZE = 64 * 1024
IDEMPOTENT = frozenset(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"])


def basic_auth(username: str, password: str | None) -> str:
    raw = f"{username}:{password or ''}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class Exchange:
    """One request/response hop of a fetch, from queueing to the response callback."""

    __slots__ = (
        "client",
        "request",
        "callback",
        "target",
        "key",
        "conn",
        "timer",
        "deadline",
        "connect_deadline",
        "connected",
        "reused",
        "got_bytes",
        "code",
        "reason",
        "headers",
        "chunks",
        "decompressor",
        "follow",
        "streaming",
        "done",
        "body_pending",
        "task",
        "started",
        "limit",
    )

    def __init__(
        self,
        client: SimpleAsyncHTTPClient,
        request: Any,
        callback: Callable[[HTTPResponse], None],
        target: Target,
        key: tuple[Any, ...],
    ) -> None:
        self.client = client
        self.request = request
        self.callback = callback
        self.target = target
        self.key = key
        self.conn: Connection | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.deadline = 0.0
        self.connect_deadline = 0.0
        self.connected = False
        self.reused = False
        self.got_bytes = False
        self.code = 0
        self.reason = ""
        self.headers: HTTPHeaders | None = None
        self.chunks: list[bytes] = []
        self.decompressor: Decompressor | None = None
        self.follow = False
        self.streaming: Callable[[bytes], Any] | None = None
        self.done = False
        self.body_pending = False
        self.task: asyncio.Future[Any] | None = None
        self.started = False
        # A streamed body is never held: only max_body_size bounds it.
        streamed = request.streaming_callback is not None
        self.limit = client.max_body_size if streamed else min(client.max_body_size, client.max_buffer_size)

    def limit_name(self) -> str:
        c = self.client
        streamed = self.request.streaming_callback is not None
        return "max_body_size" if streamed or c.max_body_size <= c.max_buffer_size else "max_buffer_size"

    # ------------------------------------------------------------------ request side

    def request_head(self, h1: H1Connection, proxied: bool) -> tuple[bytes, bytes | None]:
        """The request head (and the body, when it is a plain bytes body) as bytes."""
        req = self.request
        target = self.target
        given = req.request.headers
        lines = list(given.get_all()) if given else []
        has = given.__contains__ if given else _never
        if not has("Host"):
            lines.append(("Host", target.netloc))
        if req.auth_username is not None and not has("Authorization"):
            if req.auth_mode not in (None, "basic"):
                raise ValueError(f"auth_mode {req.auth_mode!r} is not supported by the simple client")
            lines.append(("Authorization", basic_auth(req.auth_username, req.auth_password)))
        elif target.username is not None and not has("Authorization"):
            lines.append(("Authorization", basic_auth(target.username, target.password)))
        if req.user_agent and not has("User-Agent"):
            lines.append(("User-Agent", req.user_agent))
        if req.decompress_response and not has("Accept-Encoding"):
            lines.append(("Accept-Encoding", "gzip"))
        body = req.body
        if req.body_producer is not None:
            if not has("Content-Length") and not has("Transfer-Encoding"):
                lines.append(("Transfer-Encoding", "chunked"))
        elif body is not None:
            if not has("Content-Length") and not has("Transfer-Encoding"):
                lines.append(("Content-Length", str(len(body))))
            if req.method == "POST" and not has("Content-Type"):
                lines.append(("Content-Type", "application/x-www-form-urlencoded"))
        if req.expect_100_continue and (body or req.body_producer is not None):
            lines.append(("Expect", "100-continue"))
            self.body_pending = True
        if proxied:
            if req.proxy_username is not None and not has("Proxy-Authorization"):
                if req.proxy_auth_mode not in (None, "basic"):
                    raise ValueError(
                        f"proxy_auth_mode {req.proxy_auth_mode!r} is not supported by the simple client"
                    )
                lines.append(("Proxy-Authorization", basic_auth(req.proxy_username, req.proxy_password)))
            path = f"{target.scheme}://{target.netloc}{target.path}"
        else:
            path = target.path
        head = h1.send_request_head(req.method, path, lines)
        return head, body

    # ----------------------------------------------------------------- response side

    def on_head(self, head: ResponseHead, h1: H1Connection) -> None:
        req = self.request
        self.code = head.status_code
        self.reason = head.reason
        headers = self.headers = head.headers
        cb = req.header_callback
        if cb is not None:
            cb(f"{head.version} {head.status_code} {head.reason}\r\n")
            for name, value in headers.get_all():
                cb(f"{name}: {value}\r\n")
            cb("\r\n")
        self.follow = follow = will_follow(req, self.code, headers.get("Location"))
        if not follow:
            self.streaming = req.streaming_callback
            if req.decompress_response:
                enc = headers.get("Content-Encoding")
                if enc is not None:
                    enc = enc.strip().lower()
                    if enc in ("gzip", "deflate", "x-gzip"):
                        self.decompressor = Decompressor(
                            "deflate" if enc == "deflate" else "gzip", self.limit, self.limit_name()
                        )
                        headers["X-Consumed-Content-Encoding"] = headers["Content-Encoding"]
                        del headers["Content-Encoding"]

    def on_data(self, data: bytes) -> None:
        if self.follow:
            return  # the body of a redirect we follow is read and dropped
        d = self.decompressor
        if d is not None:
            data = d.decompress(data)
            if not data:
                return
        s = self.streaming
        if s is None:
            self.chunks.append(data)  # bytes or a view of a received piece; joined at the end
        elif len(data) <= FEED_SIZE:
            s(data if data.__class__ is bytes else bytes(data))
        else:
            view = memoryview(data)
            for start in range(0, len(view), FEED_SIZE):
                s(bytes(view[start : start + FEED_SIZE]))  # a raising callback ends the exchange

    def response(self, loop_time: float) -> HTTPResponse:
        req = self.request
        chunks = self.chunks
        d = self.decompressor
        if d is not None:
            tail = d.flush()
            if tail:
                if self.streaming is not None:
                    self.streaming(tail)
                else:
                    chunks.append(tail)
        body = bytes(chunks[0]) if len(chunks) == 1 else b"".join(chunks)
        return HTTPResponse(
            req,
            self.code,
            headers=self.headers,
            effective_url=req.request.url,
            reason=self.reason,
            request_time=loop_time - req._start,
            start_time=req.request.start_time,
            body=body,
        )

    def fail(self, message: str) -> HTTPResponse:
        req = self.request
        return failure(req, message, req._start, self.client._loop.time(), effective_url=req.request.url)


def _never(name: object) -> bool:
    return False


class Connection(asyncio.Protocol):
    """A client connection in the pool; see the module docstring."""

    def __init__(self, client: SimpleAsyncHTTPClient, key: tuple[Any, ...], proxied: bool) -> None:
        self.client = client
        self.key = key
        self.proxied = proxied
        # data_views: body pieces stay views of the received bytes until they are joined
        # or handed to a callback (Exchange.on_data, Exchange.response).
        self.h1 = H1Connection(
            CLIENT,
            max_header_size=client.max_header_size,
            max_body_size=client.max_body_size,
            data_views=True,
        )
        self.transport: asyncio.Transport | None = None
        self.exchange: Exchange | None = None
        self.closed = False
        self.idle_since = 0.0
        self.tunnel: asyncio.Future[ResponseHead] | None = None
        self._writing_paused = False
        self._drain: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if getattr(transport, "max_size", 0) > READ_SIZE:
            transport.max_size = READ_SIZE  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.h1.receive_data(data)
        if self.tunnel is not None:
            self._tunnel_events()
            return
        ex = self.exchange
        if ex is None:
            self.close()  # bytes nobody asked for: this connection is unusable
            return
        ex.got_bytes = True
        self._process(ex)

    def eof_received(self) -> bool:
        if self.closed:
            return False
        self.h1.receive_data(b"")
        if self.tunnel is not None:
            self._tunnel_events()
        elif self.exchange is not None:
            self._process(self.exchange)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        for f in self._drain:
            if not f.done():
                f.set_result(None)
        self._drain.clear()
        if self.tunnel is not None and not self.tunnel.done():
            self.tunnel.set_exception(ConnectionError(f"proxy closed the connection ({exc or 'EOF'})"))
        ex = self.exchange
        self.exchange = None
        self.client._connection_lost(self)
        if ex is not None and not ex.done:
            reason = f"{exc}" if exc else "closed by the server"
            self.client._exchange_failed(ex, f"Connection closed before the response was complete ({reason})")

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        waiters, self._drain = self._drain, []
        for f in waiters:
            if not f.done():
                f.set_result(None)

    # ------------------------------------------------------------------- exchanges

    def send(self, ex: Exchange) -> None:
        """Write the request of ``ex``; a streamed or 100-continue body follows later."""
        self.exchange = ex
        ex.conn = self
        self.h1.max_body_size = ex.limit
        head, body = ex.request_head(self.h1, self.proxied)
        transport = self.transport
        assert transport is not None
        if ex.request.body_producer is not None:
            transport.write(head)
            if not ex.body_pending:
                ex.task = asyncio.ensure_future(self._produce(ex), loop=self.client._loop)
        elif ex.body_pending:
            transport.write(head)
        elif body:
            transport.write(head + self.h1.send_data(body) + self.h1.send_end())
        else:
            transport.write(head + self.h1.send_end())

    def _send_body(self, ex: Exchange) -> None:
        ex.body_pending = False
        if ex.request.body_producer is not None:
            ex.task = asyncio.ensure_future(self._produce(ex), loop=self.client._loop)
        else:
            assert self.transport is not None
            self.transport.write(self.h1.send_data(ex.request.body) + self.h1.send_end())

    async def _produce(self, ex: Exchange) -> None:
        h1 = self.h1

        async def write(chunk: bytes) -> None:
            if self.closed or ex.done or self.exchange is not ex:
                raise ConnectionError("the connection closed while the body was being sent")
            data = h1.send_data(chunk)
            if data:
                assert self.transport is not None
                self.transport.write(data)
            if self._writing_paused:
                f: asyncio.Future[None] = self.client._loop.create_future()
                self._drain.append(f)
                await f

        try:
            await ex.request.body_producer(write)
            if not self.closed and self.exchange is ex and not ex.done:
                end = h1.send_end()
                assert self.transport is not None
                if end:
                    self.transport.write(end)
        except Exception as e:
            if not ex.done:
                self.client._exchange_failed(ex, f"body_producer failed: {e!r}")

    def _process(self, ex: Exchange) -> None:
        h1 = self.h1
        try:
            while True:
                ev = h1.next_event()
                cls = ev.__class__
                if cls is Data:
                    ex.on_data(ev.data)  # type: ignore[union-attr]
                elif ev is NEED_DATA:
                    return
                elif cls is ResponseHead:
                    ex.on_head(ev, h1)  # type: ignore[arg-type]
                elif cls is EndOfMessage:
                    self._end_of_message(ex)
                    return
                elif cls is InformationalResponse:
                    if ev.status_code == 100 and ex.body_pending:  # type: ignore[union-attr]
                        self._send_body(ex)
                    elif ev.status_code == 101:  # type: ignore[union-attr]
                        raise ProtocolError("unexpected 101 Switching Protocols")
                elif ev is PAUSED or cls is ConnectionClosed:
                    return
        except ProtocolError as e:
            if e.status_code == 413:
                self._fail(ex, f"response body exceeds {ex.limit_name()} ({ex.limit} bytes)")
            elif e.status_code == 431:
                limit = self.client.max_header_size
                self._fail(ex, f"response headers exceed max_header_size ({limit} bytes)")
            else:
                self._fail(ex, f"Malformed HTTP response: {e}")
        except BodyTooLarge as e:
            self._fail(ex, str(e))
        except HTTPOutputError as e:
            self._fail(ex, f"Bad request: {e}")
        except zlib.error as e:
            self._fail(ex, f"Bad compressed response body: {e}")
        except Exception as e:
            self._fail(ex, f"Error in callback while reading the response: {e!r}")

    def _fail(self, ex: Exchange, message: str) -> None:
        self.exchange = None
        self.close()
        self.client._exchange_failed(ex, message)

    def _end_of_message(self, ex: Exchange) -> None:
        h1 = self.h1
        response = ex.response(self.client._loop.time())
        reusable = h1.keep_alive and not ex.body_pending and not self.closed
        if reusable:
            try:
                # Starts the next cycle; bytes after the end of the response (the peer broke
                # framing) are a ProtocolError there, as no request has been sent.
                reusable = h1.next_event() is NEED_DATA
            except ProtocolError:
                reusable = False
        self.exchange = None
        self.client._exchange_done(ex, self, reusable, response)

    # ---------------------------------------------------------------- CONNECT tunnel

    def start_tunnel(self, target: Target, request: Any) -> asyncio.Future[ResponseHead]:
        """Ask an HTTP proxy for a tunnel to the target (``CONNECT host:port``)."""
        authority = (
            f"{target.host}:{target.port}" if ":" not in target.host else f"[{target.host}]:{target.port}"
        )
        lines = [("Host", authority)]
        if request.proxy_username is not None:
            if request.proxy_auth_mode not in (None, "basic"):
                raise ValueError(
                    f"proxy_auth_mode {request.proxy_auth_mode!r} is not supported by the simple client"
                )
            lines.append(("Proxy-Authorization", basic_auth(request.proxy_username, request.proxy_password)))
        self.tunnel = fut = self.client._loop.create_future()
        assert self.transport is not None
        self.transport.write(self.h1.send_request_head("CONNECT", authority, lines) + self.h1.send_end())
        return fut

    def _tunnel_events(self) -> None:
        fut = self.tunnel
        assert fut is not None
        try:
            while not fut.done():
                ev = self.h1.next_event()
                if isinstance(ev, ResponseHead) and not isinstance(ev, InformationalResponse):
                    if 200 <= ev.status_code < 300:
                        if self.h1.trailing_data[0]:
                            raise ProtocolError("proxy sent data before the tunnel was used")
                        self.h1 = H1Connection(
                            CLIENT,
                            max_header_size=self.client.max_header_size,
                            max_body_size=self.client.max_body_size,
                            data_views=True,
                        )
                    self.tunnel = None
                    fut.set_result(ev)
                    return
                if ev is NEED_DATA or ev is PAUSED:
                    return
        except ProtocolError as e:
            self.tunnel = None
            fut.set_exception(ConnectionError(f"malformed proxy response to CONNECT: {e}"))

    # -------------------------------------------------------------------- lifecycle

    def usable(self) -> bool:
        t = self.transport
        return not self.closed and t is not None and not t.is_closing()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.closed = True
