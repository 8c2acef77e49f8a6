"""HTTPResponse and HTTPClientError."""

from __future__ import annotations

import io
from typing import Any

from tornado.httputil import HTTPHeaders, responses

__all__ = ["HTTPResponse", "HTTPClientError", "HTTPError"]


class HTTPClientError(Exception):
    """A fetch that did not end in a 2xx response.

    ``code`` is the HTTP status, or 599 when no HTTP answer arrived (connection refused,
    DNS failure, timeout, TLS failure, a malformed response); ``message`` names the cause
    and ``response`` is the :class:`HTTPResponse`, when there is one.
    """

    def __init__(self, code: int, message: str | None = None, response: HTTPResponse | None = None) -> None:
        self.code = code
        self.message = message or responses.get(code, "Unknown")
        self.response = response
        super().__init__(code, self.message, response)

    def __str__(self) -> str:
        return f"HTTP {self.code}: {self.message}"

    __repr__ = __str__


HTTPError = HTTPClientError


class HTTPResponse:
    """The result of a fetch.

    ``body`` is the (decompressed) payload, ``buffer`` the same as a file object; both are
    empty with a ``streaming_callback``.  ``error`` is set for non-2xx codes and failures
    (code 599), and :meth:`rethrow` raises it.  ``request_time`` is the seconds from
    ``fetch()`` to the end, ``start_time`` the wall-clock time the fetch began;
    ``time_info`` holds the curl backend's timing breakdown.
    """

    def __init__(
        self,
        request: Any,
        code: int,
        headers: HTTPHeaders | None = None,
        buffer: io.BytesIO | None = None,
        effective_url: str | None = None,
        error: BaseException | None = None,
        request_time: float | None = None,
        time_info: dict[str, float] | None = None,
        reason: str | None = None,
        start_time: float | None = None,
        body: bytes | None = None,
    ) -> None:
        self.request = request.request if hasattr(request, "defaults") else request
        self.code = code
        self.reason = reason or responses.get(code, "Unknown")
        self.headers = headers if headers is not None else HTTPHeaders()
        self._buffer = buffer
        self._body = body
        self.effective_url = effective_url if effective_url is not None else request.url
        if error is None and not 200 <= code < 300:
            error = HTTPClientError(code, self.reason, response=self)
        self.error = error
        self.request_time = request_time
        self.start_time = start_time
        self.time_info = time_info or {}

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self._buffer.getvalue() if self._buffer is not None else b""
        return self._body

    @property
    def buffer(self) -> io.BytesIO:
        if self._buffer is None:
            self._buffer = io.BytesIO(self._body or b"")
        return self._buffer

    def rethrow(self) -> None:
        """Raise :attr:`error` if the fetch failed."""
        if self.error is not None:
            raise self.error

    def __repr__(self) -> str:
        return f"HTTPResponse(code={self.code!r}, effective_url={self.effective_url!r})"
