"""What tornado.web needs from a server: the request it is given and the connection it answers on.

Any server whose objects have these members can run an Application; tornado.httpserver's
HTTPServerRequest and HTTP1ServerConnection are one such pair (mypy checks it below).
Members are read-only properties here, so a plain attribute satisfies them as well.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, Union

from tornado.httputil import HTTPFile, HTTPHeaders

# A response's headers: a dict, or (name, value) pairs when a name repeats (Set-Cookie).
ResponseHeaders = Union[dict[str, str], list[tuple[str, str]]]


class Connection(Protocol):
    """Where a response goes: whole (``write_response``) or streamed (``write_headers``,
    ``write``..., ``finish``). ``request`` is the request object the server handed over.

    ``set_close_callback`` (for ``on_connection_close``) and ``close`` (to drop a response
    that failed after its headers went out) are part of the contract, but web looks them up
    with ``getattr`` and does without them when a server lacks them.
    """

    def write_response(
        self, status: int, headers: ResponseHeaders, body: bytes, reason: str | None, request: Any, /
    ) -> None: ...

    def write_headers(
        self, status: int, headers: ResponseHeaders, chunk: bytes | None, reason: str | None, /
    ) -> Awaitable[None] | None: ...

    def write(self, chunk: bytes, /) -> Awaitable[None] | None: ...

    def finish(self, request: Any, /) -> None: ...

    def flush(self) -> Awaitable[None] | None: ...

    @property
    def closed(self) -> bool: ...

    def set_close_callback(self, callback: Callable[[], Any] | None, /) -> None: ...

    def close(self) -> None: ...


class Request(Protocol):
    """One HTTP request as a handler sees it (``self.request``): Tornado's documented request
    attributes, with headers as tornado.httputil.HTTPHeaders and argument values as bytes."""

    @property
    def method(self) -> str: ...

    @property
    def uri(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def headers(self) -> HTTPHeaders: ...

    @property
    def body(self) -> bytes: ...

    @property
    def remote_ip(self) -> str: ...

    @property
    def protocol(self) -> str: ...

    @property
    def host(self) -> str: ...

    @property
    def host_name(self) -> str: ...

    @property
    def arguments(self) -> dict[str, list[bytes]]: ...

    @property
    def query_arguments(self) -> dict[str, list[bytes]]: ...

    @property
    def body_arguments(self) -> dict[str, list[bytes]]: ...

    @property
    def files(self) -> dict[str, list[HTTPFile]]: ...

    @property
    def cookies(self) -> Mapping[str, Any]: ...

    @property
    def connection(self) -> Connection | None: ...

    def full_url(self) -> str: ...

    def request_time(self) -> float: ...


if TYPE_CHECKING:
    from tornado.httpserver import HTTP1ServerConnection, HTTPServerRequest

    def _our_server_fits(request: HTTPServerRequest, connection: HTTP1ServerConnection) -> None:
        _request: Request = request
        _connection: Connection = connection
