"""What tornado.web needs from a server: the request it is given and the connection it answers on.

Any server whose objects have these members can run an Application; tornado.httpserver's
HTTPServerRequest and HTTP1ServerConnection are one such pair (mypy checks it below).
Members are read-only properties here, so a plain attribute satisfies them as well.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Union

# A response's headers: a dict, or (name, value) pairs when a name repeats (Set-Cookie).
ResponseHeaders = Union[dict[str, str], list[tuple[str, str]]]


class RequestHeaders(Protocol):
    """Case-insensitive request headers (tornado.httputil.HTTPHeaders, for one)."""

    def get(self, name: str, default: Any = None, /) -> Any: ...

    def __contains__(self, name: object, /) -> bool: ...

    def __getitem__(self, name: str, /) -> str: ...

    def get_list(self, name: str, /) -> list[str]: ...

    def get_all(self) -> Iterable[tuple[str, str]]: ...


class Connection(Protocol):
    """Where a response goes: whole (``write_response``) or streamed (``write_headers``,
    ``write``..., ``finish``). ``request`` is the request object the server handed over."""

    def write_response(
        self, status: int, headers: ResponseHeaders, body: bytes, reason: str | None, request: Any, /
    ) -> None: ...

    def write_headers(
        self, status: int, headers: ResponseHeaders, chunk: bytes | None, reason: str | None, /
    ) -> None: ...

    def write(self, chunk: bytes, /) -> None: ...

    def finish(self, request: Any, /) -> None: ...

    def flush(self) -> Awaitable[None] | None: ...


class ClosableConnection(Connection, Protocol):
    """The optional extras: a close callback (for ``on_connection_close``) and ``close()``
    (to drop a response that failed after its headers went out). web looks them up with
    ``getattr`` and does without when a server lacks them."""

    def set_close_callback(self, callback: Callable[[], Any] | None, /) -> None: ...

    def close(self) -> None: ...


class Request(Protocol):
    """One HTTP request as a handler sees it; argument values are bytes (or str) lists."""

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
    def headers(self) -> RequestHeaders: ...

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
    def arguments(self) -> Mapping[str, Sequence[bytes | str]]: ...

    @property
    def query_arguments(self) -> Mapping[str, Sequence[bytes | str]]: ...

    @property
    def body_arguments(self) -> Mapping[str, Sequence[bytes | str]]: ...

    @property
    def files(self) -> Mapping[str, Sequence[Any]]: ...

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
        _connection: ClosableConnection = connection
