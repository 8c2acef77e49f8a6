"""The answering half of a server connection: raw (1.0) and framed responses, batched sends.

Output is collected in ``_out`` and written with one ``transport.write``: while the
connection is handling input (``_in_receive``) it joins the server's batch for the next
loop iteration, otherwise it is sent at once (see ``_connection.py``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Union

from tornado.httputil import HTTPHeaders, HTTPOutputError, HTTPServerRequest, ResponseStartLine

from ._delegated import DelegateDriver
from ._raw import raw_keeps_alive

__all__ = ["Responder", "HeadersArg", "NONE", "RAW", "FRAMED"]

HeadersArg = Union[HTTPHeaders, dict[str, str], list[tuple[str, str]], None]

# Response modes
NONE = 0
RAW = 1
FRAMED = 2


class Responder(DelegateDriver):
    """Writes the responses of :class:`~._connection.HTTP1ServerConnection` (a mixin).

    The connection owns the state used here: ``conn`` (the protocol core), ``request``,
    ``_mode``, ``_out``, ``_raw_head``, ``_raw_keep_alive``, ``_flush_scheduled``,
    ``_writing_paused`` and ``_drain_waiters``.
    """

    _mode: int
    _raw_head: bytes
    _raw_keep_alive: bool | None
    _flush_scheduled: bool
    _writing_paused: bool
    _drain_waiters: list[asyncio.Future[None]]

    if TYPE_CHECKING:

        def _response_done(self) -> None: ...

    def _check_request(self, req: HTTPServerRequest | None) -> bool:
        """False when the write belongs to a request that is over or a closed connection."""
        if self._closed:
            return False
        if req is not None and req is not self.request:
            if self.request is None:
                raise HTTPOutputError("the response to this request was already finished")
            raise HTTPOutputError("this request is not the one currently being answered")
        if self.request is None:
            raise HTTPOutputError("no request is being answered on this connection")
        return True

    def write_raw(self, data: bytes, request: HTTPServerRequest | None = None) -> None:
        """Send raw response bytes (Tornado 1.0 ``request.write``)."""
        if (request is not self.request or self._closed) and not self._check_request(request):
            return
        if self._mode == FRAMED:
            raise HTTPOutputError("raw write after write_headers on the same response")
        self._mode = RAW
        if self._raw_keep_alive is None:
            self._sniff_raw_head(data)
        self._out.append(data)
        if not self._in_receive and not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _sniff_raw_head(self, data: bytes) -> None:
        """Decide from a raw response head whether the connection can carry another request."""
        head = self._raw_head + data if self._raw_head else data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            self._raw_head = head[:65536]
            return
        self._raw_head = b""
        ka = self.conn.keep_alive
        if ka:
            req = self.request
            assert req is not None
            ka = raw_keeps_alive(head[: end + 2], req.version, req.method)
        self._raw_keep_alive = ka

    def write_headers(
        self,
        start_line: int | ResponseStartLine,
        headers: HeadersArg = None,
        chunk: bytes | None = None,
        reason: str | None = None,
    ) -> asyncio.Future[None]:
        """Start the response.  Give a Content-Length header when the body size is known;
        otherwise the body is sent chunked (HTTP/1.1) or until close (HTTP/1.0).

        ``start_line`` is a status code or (Tornado 6) a ResponseStartLine.  The future
        resolves when more may be written (flow control).
        """
        if type(start_line) is int:
            status_code = start_line
        elif isinstance(start_line, ResponseStartLine):
            status_code = start_line.code
            if reason is None:
                reason = start_line.reason or None
        else:
            raise TypeError(f"write_headers needs a status code or ResponseStartLine, got {start_line!r}")
        if not self._check_request(None):
            return self._written()
        if self._mode != NONE:
            raise HTTPOutputError("write_headers called twice for one response")
        self._mode = FRAMED
        self._out.append(self.conn.send_response_head(status_code, headers, reason))
        if chunk:
            self._out.append(self.conn.send_data(chunk))
        return self._written()

    def write(self, chunk: bytes) -> asyncio.Future[None]:
        """Send part of the body started by :meth:`write_headers`; the future resolves when
        more may be written."""
        if not self._check_request(None):
            return self._written()
        if self._mode != FRAMED:
            raise HTTPOutputError("write() needs write_headers() first (use request.write for raw bytes)")
        data = self.conn.send_data(chunk)
        if data:
            self._out.append(data)
        return self._written()

    def _written(self) -> asyncio.Future[None]:
        """After queueing output: while serving input it joins the batch, otherwise it goes now."""
        if self._in_receive:
            fut: asyncio.Future[None] = self._loop.create_future()
            fut.set_result(None)
            return fut
        return self.flush()

    def write_response(
        self,
        status_code: int,
        headers: HeadersArg,
        body: bytes,
        reason: str | None = None,
        request: HTTPServerRequest | None = None,
    ) -> None:
        """A whole response (Content-Length set) and finish, composed into one write."""
        if not self._check_request(request):
            return
        if self._mode != NONE:
            raise HTTPOutputError("a response was already started")
        self._mode = FRAMED
        self._out.append(self.conn.send_response(status_code, headers, body, reason))
        self._response_done()

    def finish(self, request: HTTPServerRequest | None = None) -> None:
        """End the current response."""
        if (request is not self.request or self._closed) and not self._check_request(request):
            return
        mode = self._mode
        if mode == FRAMED:
            end = self.conn.send_end()
            if end:
                self._out.append(end)
        elif mode == RAW:
            self.conn.end_raw_response(bool(self._raw_keep_alive))
        else:
            raise HTTPOutputError("finish() called before anything was written")
        self._response_done()

    def _flush(self) -> None:
        self._flush_scheduled = False
        out = self._out
        if not out:
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        if not self._closed and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    send_pending = _flush  # for the server's batched send

    def flush(self) -> asyncio.Future[None]:
        """Send what is queued; the future resolves once the kernel is accepting data again."""
        self._flush()
        fut: asyncio.Future[None] = self._loop.create_future()
        if self._writing_paused and not self._closed:
            self._drain_waiters.append(fut)
        else:
            fut.set_result(None)
        return fut
