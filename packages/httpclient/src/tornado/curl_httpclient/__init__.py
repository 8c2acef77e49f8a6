"""The libcurl backend: ``CurlAsyncHTTPClient``, a CurlMulti driven by the IOLoop.

libcurl tells us which sockets to watch (``M_SOCKETFUNCTION``) and when it next needs
to run (``M_TIMERFUNCTION``); we register exactly those with the event loop and call
``socket_action`` when one fires, so nothing polls.  ``max_clients`` curl handles are
created once and reused (connections stay in the multi handle's cache, so keep-alive
works across requests); requests beyond that wait in a queue, and the time they wait
counts toward their ``request_timeout``.  Redirects are followed by ``tornado.httpclient``
with the same rules as the pure-Python backend.  Select it with::

    AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

import pycurl
from tornado.httpclient import AsyncHTTPClient, HTTPResponse, failure, split_url

from ._setup import Transfer, describe_error, head_problem, parse_headers, setup_curl

__all__ = ["CurlAsyncHTTPClient"]

_INFO = {
    "queue": None,
    "namelookup": pycurl.NAMELOOKUP_TIME,
    "connect": pycurl.CONNECT_TIME,
    "appconnect": pycurl.APPCONNECT_TIME,
    "pretransfer": pycurl.PRETRANSFER_TIME,
    "starttransfer": pycurl.STARTTRANSFER_TIME,
    "total": pycurl.TOTAL_TIME,
    "redirect": pycurl.REDIRECT_TIME,
}


class CurlAsyncHTTPClient(AsyncHTTPClient):
    """AsyncHTTPClient over libcurl; the same options as the pure client plus
    ``auth_mode="digest"``, ``proxy_auth_mode="digest"`` and ``prepare_curl_callback``.

    ``max_connections_per_host`` caps the connections libcurl opens to one host (requests
    beyond it wait inside libcurl, still bounded by their ``request_timeout``).
    """

    def initialize(  # type: ignore[override]
        self,
        max_clients: int = 10,
        defaults: dict[str, Any] | None = None,
        max_body_size: int | None = None,
        max_buffer_size: int = 104857600,
        max_header_size: int | None = None,
        max_connections_per_host: int | None = None,
    ) -> None:
        super().initialize(defaults)
        for name, value in (("max_clients", max_clients), ("max_buffer_size", max_buffer_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name, opt in (
            ("max_body_size", max_body_size),
            ("max_connections_per_host", max_connections_per_host),
        ):
            if opt is not None and (isinstance(opt, bool) or not isinstance(opt, int) or opt <= 0):
                raise ValueError(f"{name} must be a positive int, got {opt!r}")
        self.max_clients = max_clients
        self.max_buffer_size = max_buffer_size
        self.max_body_size = max_body_size or max_buffer_size
        self.max_header_size = max_header_size or 65536
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._set_timeout)
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._handle_socket)
        if max_connections_per_host is not None:
            self._multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, max_connections_per_host)
        self._curls = [pycurl.Curl() for _ in range(max_clients)]
        self._free = list(self._curls)
        self._queue: collections.deque[Transfer] = collections.deque()
        self._active: dict[Any, Transfer] = {}
        self._fds: dict[int, int] = {}
        self._timer: asyncio.TimerHandle | None = None

    # -------------------------------------------------------------- event loop glue

    def _handle_socket(self, event: int, fd: int, multi: Any, data: Any) -> None:
        loop = self._loop
        old = self._fds.get(fd, 0)
        new = 0 if event == pycurl.POLL_REMOVE else event
        if old & pycurl.POLL_IN and not new & pycurl.POLL_IN:
            loop.remove_reader(fd)
        if old & pycurl.POLL_OUT and not new & pycurl.POLL_OUT:
            loop.remove_writer(fd)
        if new & pycurl.POLL_IN and not old & pycurl.POLL_IN:
            loop.add_reader(fd, self._on_socket, fd, pycurl.CSELECT_IN)
        if new & pycurl.POLL_OUT and not old & pycurl.POLL_OUT:
            loop.add_writer(fd, self._on_socket, fd, pycurl.CSELECT_OUT)
        if new:
            self._fds[fd] = new
        else:
            self._fds.pop(fd, None)

    def _set_timeout(self, msecs: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if msecs >= 0:
            self._timer = self._loop.call_later(msecs / 1000.0, self._on_timeout)

    def _on_timeout(self) -> None:
        self._timer = None
        self._action(pycurl.SOCKET_TIMEOUT, 0)

    def _on_socket(self, fd: int, what: int) -> None:
        self._action(fd, what)

    def _action(self, fd: int, what: int) -> None:
        multi = self._multi
        while True:
            try:
                ret, _ = multi.socket_action(fd, what)
            except pycurl.error as e:
                ret = e.args[0]
            if ret != pycurl.E_CALL_MULTI_PERFORM:
                break
        self._finish_done()

    # ------------------------------------------------------------------ requests

    def fetch_impl(self, request: Any, callback: Callable[[HTTPResponse], None]) -> None:
        split_url(request.request.url)
        if request.proxy_host is not None and request.proxy_port is None:
            raise ValueError("proxy_port is required with proxy_host")
        for name in ("auth_mode", "proxy_auth_mode"):
            if getattr(request, name) not in (None, "basic", "digest"):
                raise ValueError(f"unsupported {name} {getattr(request, name)!r}")
        t = Transfer(request, callback)
        t.max_header_size = self.max_header_size
        if self._free and not self._queue:
            self._start(t)
            return
        timeout = min(request.connect_timeout or 1e9, request.request_timeout or 1e9)
        t.timer = self._loop.call_at(request._start + timeout, self._queue_timeout, t)
        self._queue.append(t)

    def _queue_timeout(self, t: Transfer) -> None:
        try:
            self._queue.remove(t)
        except ValueError:
            return
        self._deliver(t, failure(t.request, "Timeout in request queue", t.request._start, self._loop.time()))

    def _start(self, t: Transfer) -> None:
        req = t.request
        if t.timer is not None:
            t.timer.cancel()
            t.timer = None
        left = None
        if req.request_timeout:
            left = req._start + req.request_timeout - self._loop.time()
            if left <= 0:
                self._deliver(t, failure(req, "Timeout in request queue", req._start, self._loop.time()))
                return
        curl = self._free.pop()
        streamed = t.streaming is not None
        limit = self.max_body_size if streamed else min(self.max_body_size, self.max_buffer_size)
        t.limit_name = (
            "max_body_size" if streamed or self.max_body_size <= self.max_buffer_size else "max_buffer_size"
        )
        try:
            setup_curl(curl, t, left, limit)
        except Exception as e:
            curl.reset()
            self._free.append(curl)
            self._deliver(t, failure(req, f"Invalid request: {e}", req._start, self._loop.time()))
            return
        t.curl = curl
        self._active[curl] = t
        if req.body_producer is not None:
            t.task = asyncio.ensure_future(self._produce(t), loop=self._loop)
        self._multi.add_handle(curl)
        # libcurl arms its timer from add_handle; the transfer starts from that callback.

    async def _produce(self, t: Transfer) -> None:
        async def write(chunk: bytes) -> None:
            if t.curl is None:
                raise ConnectionError("the transfer ended while the body was being sent")
            if chunk:
                if t.upload_left is not None:
                    # libcurl would silently stop at the declared length and drop the rest.
                    if len(chunk) > t.upload_left:
                        raise ValueError(
                            f"body is longer than the declared Content-Length "
                            f"({t.upload_left} bytes left, {len(chunk)} given)"
                        )
                    t.upload_left -= len(chunk)
                t.upload.append(bytes(chunk))
                self._unpause(t)

        try:
            await t.request.body_producer(write)
        except Exception as e:
            t.error = f"body_producer failed: {e!r}"
        t.upload_done = True
        self._unpause(t)

    def _unpause(self, t: Transfer) -> None:
        if t.paused and t.curl is not None:
            t.paused = False
            t.curl.pause(pycurl.PAUSE_CONT)
            self._action(pycurl.SOCKET_TIMEOUT, 0)

    def _finish_done(self) -> None:
        while True:
            _, ok, failed = self._multi.info_read()
            for curl in ok:
                self._finish(curl, 0, "")
            for curl, errnum, errmsg in failed:
                self._finish(curl, errnum, errmsg)
            if not ok and not failed:
                break
        if self._queue and self._free:
            self._process_queue()

    def _process_queue(self) -> None:
        while self._queue and self._free:
            self._start(self._queue.popleft())

    def _finish(self, curl: Any, errnum: int, errmsg: str) -> None:
        t = self._active.pop(curl, None)
        self._multi.remove_handle(curl)
        if t is None:
            return
        t.curl = None
        req = t.request
        now = self._loop.time()
        info = {name: curl.getinfo(opt) for name, opt in _INFO.items() if opt is not None}
        info["queue"] = max(0.0, now - req._start - info["total"])
        code = curl.getinfo(pycurl.RESPONSE_CODE)
        curl.reset()
        self._free.append(curl)
        if t.task is not None and not t.task.done():
            t.task.cancel()
        if t.error is not None or errnum:
            message = t.error or describe_error(errnum, errmsg)
            response = failure(req, message, req._start, now, time_info=info)
        else:
            # The head was checked as it arrived (Transfer.header_line).
            code, reason, headers = t.head or parse_headers(t.lines)
            problem = head_problem(code, t.lines, headers)
            if problem is not None:
                self._deliver(t, failure(req, f"Malformed HTTP response: {problem}", req._start, now))
                return
            if req.decompress_response:
                enc = headers.get("Content-Encoding", "").strip().lower()
                if enc in ("gzip", "deflate", "x-gzip"):
                    headers["X-Consumed-Content-Encoding"] = headers["Content-Encoding"]
                    del headers["Content-Encoding"]
            chunks = t.chunks
            response = HTTPResponse(
                req,
                code,
                headers=headers,
                effective_url=req.request.url,
                reason=reason,
                request_time=now - req._start,
                start_time=req.request.start_time,
                time_info=info,
                body=chunks[0] if len(chunks) == 1 else b"".join(chunks),
            )
        self._deliver(t, response)

    def _deliver(self, t: Transfer, response: HTTPResponse) -> None:
        t.callback(response)

    def close(self) -> None:
        if self._closed:
            return
        super().close()
        now = self._loop.time()
        dropped = list(self._queue) + list(self._active.values())
        self._queue.clear()
        for t in dropped:
            if t.timer is not None:
                t.timer.cancel()
        for fd, events in self._fds.items():
            if events & pycurl.POLL_IN:
                self._loop.remove_reader(fd)
            if events & pycurl.POLL_OUT:
                self._loop.remove_writer(fd)
        self._fds.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for curl in self._curls:
            if curl in self._active:
                self._multi.remove_handle(curl)
            curl.close()
        self._active.clear()
        self._multi.close()
        for t in dropped:
            self._deliver(t, failure(t.request, "AsyncHTTPClient was closed", t.request._start, now))
