"""An asyncio Protocol that drives the protocol core over a transport, for either role.

The server handler and the client both hand their transport to a :class:`WebSocketConnection`
once the opening handshake is done; it feeds received bytes to the core, answers pings and
close frames as RFC 6455 requires, runs the keep-alive pings, and reports messages to its
*owner* (the handler or the client object) through four methods:
``on_message(data)`` (may return an awaitable: the next message waits for it),
``_ws_ping(data)``, ``_ws_pong(data)`` and ``_ws_closed()``, which runs exactly once.

Writes go straight to the transport, except while one read's several messages are being
handled: what their handlers send is then gathered and written once at the end (in order), so
a client that sends many small messages at once gets its answers in one system call rather
than one each.  :meth:`WebSocketConnection.write_message` returns a future that is already
done unless the transport's buffer is above its high-water mark, in which case it resolves
when asyncio calls ``resume_writing``; awaiting it is how a sender is slowed down to the pace
of a slow reader.

A read that is exactly one small message (the usual case for chat and echo traffic) takes a
shorter way: :meth:`WebSocketProtocol.take_message` unmasks it in one step and the handler is
called at once, with no event objects or queue in between.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ._errors import ProtocolError, WebSocketClosedError
from ._protocol import CLIENT, Close, Message, Ping, Pong, WebSocketProtocol

gen_log = logging.getLogger("tornado.general")
app_log = logging.getLogger("tornado.application")

__all__ = ["WebSocketConnection", "CLOSE_TIMEOUT"]

CLOSE_TIMEOUT = 5.0
"""Seconds to wait for the peer's answer to our close frame before dropping the connection."""

# While a message handler is still running, at most this much further input is read.
_MAX_PENDING_INPUT = 1024 * 1024
# Writes gathered while one read's messages are handled: at most this many frames, each
# smaller than _CORK_FRAME, before they are written (a bigger frame goes out at once).
_CORK_FRAMES = 64
_CORK_FRAME = 1024
# A server's unmasked, uncompressed, final text frame header for each payload length under 126.
_TEXT_HEADS = [bytes((0x81, n)) for n in range(126)]


class WebSocketConnection(asyncio.Protocol):
    """One open WebSocket over an asyncio transport."""

    __slots__ = (
        "ws",
        "transport",
        "owner",
        "close_code",
        "close_reason",
        "_loop",
        "_busy",
        "_reading_paused",
        "_write_paused",
        "_text_frames",
        "_cork",
        "_drain",
        "_ready",
        "_lost",
        "_reported",
        "_pinger",
        "_close_timer",
    )

    def __init__(
        self,
        ws: WebSocketProtocol,
        transport: asyncio.Transport,
        owner: Any,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.owner = owner
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._loop = asyncio.get_running_loop()
        self._busy = True  # until start(): the owner's open() may still be running
        self._reading_paused = False
        low_high = transport.get_write_buffer_limits()
        self._write_paused = transport.get_write_buffer_size() > low_high[1]
        # A server without compression frames its small text messages itself (write_message),
        # until the connection is lost.
        self._text_frames = ws.role is not CLIENT and ws._deflate is None
        # While not None, writes gather here (see _process) instead of going to the transport.
        self._cork: list[bytes] | None = None
        self._drain: list[asyncio.Future[None]] | None = None
        # What write_message returns while the buffer is below its high-water mark: one
        # completed future, made on the first write and reused, instead of one per message.
        self._ready: asyncio.Future[None] | None = None
        self._lost = False
        self._reported = False
        # Keep-alive state, only when pings are on (an idle socket without them holds none).
        self._pinger: _Pinger | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        if ping_interval:
            if ping_timeout is None:
                ping_timeout = max(3 * ping_interval, 30.0)
            self._pinger = p = _Pinger(ping_interval, ping_timeout, self._loop.time() + ping_interval)
            p.timer = self._loop.call_at(p.next_ping, self._on_ping_timer)

    # ----------------------------------------------------------------- asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        if not self._busy:
            message = ws.take_message(data)
            if message is None:
                ws.receive_data(data)
                self._process()
                return
            try:
                result = self.owner.on_message(message)
            except Exception:
                app_log.exception("Uncaught exception in WebSocket message handler")
                self._fail(1011, "")
                return
            if result is not None and hasattr(result, "__await__"):
                self._wait_for_handler(result)
            return
        ws.receive_data(data)
        if ws.buffered > _MAX_PENDING_INPUT and not self._reading_paused and not self._lost:
            self._reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.ws.receive_data(b"")
        if not self._busy:
            self._process()
        return False  # asyncio closes the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._text_frames = False
        pinger = self._pinger
        if pinger is not None and pinger.timer is not None:
            pinger.timer.cancel()
            pinger.timer = None
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        self._wake_writers()
        self._report_closed()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writers()

    def _wake_writers(self) -> None:
        waiters = self._drain
        if waiters:
            self._drain = None
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    # ------------------------------------------------------------------------ input

    def start(self, data: bytes = b"") -> None:
        """Begin delivering messages (after the owner's ``open``); ``data`` came with the handshake."""
        if data:
            self.ws.receive_data(data)
        self._busy = False
        self._process()

    def _process(self) -> None:
        """Hand every available event to the owner; what it writes meanwhile goes out in one write."""
        if self._cork is not None:  # re-entered from a handler: the outer call flushes
            self._process_events()
            return
        self._cork = []
        try:
            self._process_events()
        finally:
            self._uncork()

    def _process_events(self) -> None:
        ws = self.ws
        owner = self.owner
        while not self._lost:
            try:
                ev = ws.next_event()
            except ProtocolError as e:
                gen_log.info("WebSocket protocol error from peer: %s", e)
                self._fail(e.code, e.reason)
                return
            t = type(ev)
            if t is Message:
                try:
                    result = owner.on_message(ev.data)  # type: ignore[union-attr]
                except Exception:
                    app_log.exception("Uncaught exception in WebSocket message handler")
                    self._fail(1011, "")
                    return
                if result is not None and hasattr(result, "__await__"):
                    self._wait_for_handler(result)
                    return
            elif t is Ping:
                if not ws.close_sent:
                    self._send(ws.send_pong(ev.payload))  # type: ignore[union-attr]
                self._call(owner._ws_ping, ev.payload)  # type: ignore[union-attr]
            elif t is Pong:
                if self._pinger is not None:
                    self._pinger.since = None
                self._call(owner._ws_pong, ev.payload)  # type: ignore[union-attr]
            elif t is Close:
                self._on_close_frame(ev)  # type: ignore[arg-type]
                return
            else:  # NEED_DATA
                if self._reading_paused:
                    self._reading_paused = False
                    self.transport.resume_reading()
                return

    def _wait_for_handler(self, result: Any) -> None:
        """An async message handler: deliver nothing more until it has finished."""
        self._busy = True
        fut = asyncio.ensure_future(result)
        fut.add_done_callback(self._message_done)

    def _call(self, fn: Any, arg: Any) -> None:
        try:
            fn(arg)
        except Exception:
            app_log.exception("Uncaught exception in WebSocket callback")

    def _message_done(self, fut: asyncio.Future[Any]) -> None:
        self._busy = False
        if not fut.cancelled() and fut.exception() is not None:
            exc = fut.exception()
            app_log.error("Uncaught exception in WebSocket message handler", exc_info=exc)
            self._fail(1011, "")
            return
        if not self._lost:
            self._process()

    def _on_close_frame(self, ev: Close) -> None:
        if ev.code == 1006:  # the input ended without a close frame
            self._abort()
            return
        if self.close_code is None and ev.code != 1005:
            self.close_code = ev.code
            self.close_reason = ev.reason
        ws = self.ws
        if not ws.close_sent:
            self._send(ws.send_close(None if ev.code == 1005 else ev.code))
        self._finish_closing()

    def _finish_closing(self) -> None:
        """Both close frames are out: the server closes TCP; the client waits for it, briefly."""
        if self.ws.role is CLIENT:
            self._arm_close_timer(CLOSE_TIMEOUT)
        else:
            self._uncork()
            self.transport.close()
            self._arm_close_timer(CLOSE_TIMEOUT)  # close() waits for the buffer to drain

    def _fail(self, code: int, reason: str) -> None:
        ws = self.ws
        if not ws.close_sent and not self._lost:
            try:
                self._send(ws.send_close(code, reason[:100]))
            except ValueError:
                self._send(ws.send_close(code))
        self._uncork()
        self.transport.close()
        self._arm_close_timer(CLOSE_TIMEOUT)

    def _abort(self) -> None:
        self._cork = None
        if not self._lost:
            self.transport.abort()

    @property
    def lost(self) -> bool:
        """The transport is gone (closed, aborted or failed)."""
        return self._lost

    def abort(self) -> None:
        """Drop the connection at once, without the closing handshake."""
        self._abort()

    def _arm_close_timer(self, delay: float) -> None:
        if self._close_timer is None and not self._lost:
            self._close_timer = self._loop.call_later(delay, self._abort)

    def _report_closed(self) -> None:
        if not self._reported:
            self._reported = True
            try:
                self.owner._ws_closed()
            except Exception:
                app_log.exception("Uncaught exception in WebSocket close handler")

    # ----------------------------------------------------------------------- output

    @property
    def closing(self) -> bool:
        """Our close frame was sent, or the connection is gone: no more messages can be sent."""
        return self._lost or self.ws.close_sent

    def _send(self, data: bytes) -> None:
        """Write ``data``, or gather it while a read's messages are being handled (see _process)."""
        cork = self._cork
        if cork is None:
            self.transport.write(data)
        elif len(data) < _CORK_FRAME and len(cork) < _CORK_FRAMES:
            cork.append(data)
        else:
            self._uncork()
            self._cork = []
            self.transport.write(data)

    def _uncork(self) -> None:
        """Write what was gathered, in one call, and stop gathering."""
        cork = self._cork
        if cork is not None:
            self._cork = None
            if cork and not self._lost:
                self.transport.write(cork[0] if len(cork) == 1 else b"".join(cork))

    def write_message(self, message: str | bytes, binary: bool = False) -> asyncio.Future[None]:
        """Send one message; the future waits while the transport's buffer is over its high-water mark."""
        if self._text_frames and not binary and type(message) is str and not self.ws._close_sent:
            # A server's small text message, the common case: framed here in one step.
            payload = message.encode()
            n = len(payload)
            if n < 126:
                if self._cork is None:
                    self.transport.write(_TEXT_HEADS[n] + payload)
                else:
                    self._send(_TEXT_HEADS[n] + payload)
                ready = self._ready
                if ready is not None and not self._write_paused:
                    return ready
                return self._written()
        if self._lost:
            raise WebSocketClosedError("the WebSocket connection is closed")
        self._send(self.ws.send_message(message, binary=binary))
        return self._written()

    def _written(self) -> asyncio.Future[None]:
        """What write_message returns: done, unless the buffer is over its high-water mark."""
        if not self._write_paused:
            ready = self._ready
            if ready is None:
                ready = self._ready = self._loop.create_future()
                ready.set_result(None)
            return ready
        fut: asyncio.Future[None] = self._loop.create_future()
        if self._drain is None:
            self._drain = []
        self._drain.append(fut)
        return fut

    def ping(self, data: bytes | str = b"") -> None:
        if self._lost:
            raise WebSocketClosedError("the WebSocket connection is closed")
        self._send(self.ws.send_ping(data))

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Start the closing handshake (a code of None and a reason means 1000)."""
        if self._lost or self.ws.close_sent:
            return
        if code is None and reason:
            code = 1000
        self._send(self.ws.send_close(code, reason or ""))
        if self.ws.close_received:
            self._finish_closing()
        else:
            self._arm_close_timer(CLOSE_TIMEOUT)

    # ------------------------------------------------------------------------ pings

    def _on_ping_timer(self) -> None:
        p = self._pinger
        assert p is not None
        p.timer = None
        if self._lost or self.ws.close_sent:
            return
        interval, timeout = p.interval, p.timeout
        now = self._loop.time()
        since = p.since
        if since is not None and now >= since + timeout:
            gen_log.info("WebSocket peer did not answer a ping within %.1f s; closing", timeout)
            self._abort()
            return
        if now >= p.next_ping:
            self._send(self.ws.send_ping(b""))
            if since is None:
                p.since = since = now
            p.next_ping = now + interval
        wake = p.next_ping if since is None else min(p.next_ping, since + timeout)
        p.timer = self._loop.call_at(wake, self._on_ping_timer)


class _Pinger:
    """Keep-alive state of a connection that sends pings: made only when pings are on."""

    __slots__ = ("interval", "timeout", "since", "next_ping", "timer")

    def __init__(self, interval: float, timeout: float, next_ping: float) -> None:
        self.interval = interval
        self.timeout = timeout
        self.since: float | None = None  # when the oldest unanswered ping was sent
        self.next_ping = next_ping
        self.timer: asyncio.TimerHandle | None = None
