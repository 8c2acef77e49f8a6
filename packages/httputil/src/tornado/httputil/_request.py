"""The request object a server hands to its application (``HTTPServerRequest``).

It lives here, below the server, so that routers, frameworks and tests can build and use
requests without depending on a particular server.
"""

from __future__ import annotations

import logging
import time
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import TYPE_CHECKING, Any

from ._cookies import parse_cookie
from ._errors import HTTPInputError
from ._forms import HTTPFile, parse_body_arguments, parse_qs_bytes, split_host_and_port
from ._headers import HTTPHeaders, RequestStartLine
from ._interfaces import HTTPConnection

gen_log = logging.getLogger("tornado.general")

__all__ = ["HTTPServerRequest"]


class HTTPServerRequest:
    """A single HTTP request: what the client sent, plus how to answer it.

    ``arguments``, ``query_arguments``, ``body_arguments``, ``files`` and ``cookies`` are
    parsed on first use, so a callback that never looks at them pays nothing.
    Argument values are bytes (the framework decodes them); ``cookies`` is a
    :class:`http.cookies.SimpleCookie` (``request.cookies["name"].value``) built by a
    tolerant parser, so one malformed cookie does not hide the others.

    A bare callback answers with :meth:`write` (raw bytes of a complete HTTP response,
    status line and headers included, as in Tornado 1.0) and :meth:`finish`, or with
    :meth:`respond`.  A raw response must carry a correct ``Content-Length`` (or chunked
    framing) for the connection to be reused; without one the server closes the
    connection after :meth:`finish`.
    """

    __slots__ = (
        "method",
        "uri",
        "version",
        "headers",
        "body",
        "remote_ip",
        "protocol",
        "host",
        "_host_name",
        "connection",
        "server_connection",
        "_start_time",
        "_finish_time",
        "path",
        "query",
        "_query_arguments",
        "_body_arguments",
        "_files",
        "arguments",
        "_cookies",
        "__dict__",
    )

    def __init__(
        self,
        method: str | None = None,
        uri: str | None = None,
        version: str = "HTTP/1.0",
        headers: HTTPHeaders | None = None,
        body: bytes | None = None,
        host: str | None = None,
        files: dict[str, list[HTTPFile]] | None = None,
        connection: HTTPConnection | None = None,
        start_line: RequestStartLine | None = None,
        server_connection: object | None = None,
        *,
        remote_ip: str | None = None,
        protocol: str | None = None,
        start_time: float | None = None,
    ) -> None:
        if start_line is not None:
            method, uri, version = start_line
        if method is None or uri is None:
            raise TypeError("HTTPServerRequest needs method and uri (or start_line)")
        context = getattr(connection, "context", None)
        if remote_ip is None:
            remote_ip = getattr(context, "remote_ip", None)
        if protocol is None:
            protocol = getattr(context, "protocol", None)
        self.method = method
        self.uri = uri
        self.version = version
        self.headers = headers if headers is not None else HTTPHeaders()
        self.body = body or b""
        self.remote_ip = remote_ip or "127.0.0.1"
        self.protocol = protocol or "http"
        self.host = host or self.headers.get("Host") or "127.0.0.1"
        self._host_name: str | None = None
        self.connection: Any = connection
        self.server_connection = server_connection
        self._start_time = time.time() if start_time is None else start_time
        self._finish_time: float | None = None
        path, sep, query = uri.partition("?")
        self.path = path
        self.query = query
        self._query_arguments: dict[str, list[bytes]] | None = None
        self._body_arguments: dict[str, list[bytes]] | None = None
        self._files: dict[str, list[HTTPFile]] | None = files
        self._cookies: SimpleCookie | None = None

    @classmethod
    def _for_server(
        cls,
        method: str,
        uri: str,
        version: str,
        headers: HTTPHeaders,
        remote_ip: str,
        protocol: str,
        connection: Any,
    ) -> HTTPServerRequest:
        """What a server builds per request: the constructor's work without its checks and lookups."""
        self = cls.__new__(cls)
        self.method = method
        self.uri = uri
        self.version = version
        self.headers = headers
        self.body = b""
        self.remote_ip = remote_ip
        self.protocol = protocol
        d = headers._dict
        hosts = d.get("Host")
        self.host = (
            hosts[0] if hosts is not None and len(hosts) == 1 else (headers.get("Host") or "127.0.0.1")
        )
        self._host_name = None
        self.connection = connection
        self.server_connection = connection
        self._start_time = time.time()
        self._finish_time = None
        path, sep, query = uri.partition("?")
        self.path = path
        self.query = query
        self._query_arguments = None
        self._body_arguments = None
        self._files = None
        self._cookies = None
        return self

    # --------------------------------------------------------------- parsed on demand

    @property
    def host_name(self) -> str:
        """``host`` lower-cased and without the port (an IPv6 address keeps its brackets)."""
        name = self._host_name
        if name is None:
            name = self._host_name = split_host_and_port(self.host.lower())[0]
        return name

    @host_name.setter
    def host_name(self, value: str) -> None:
        self._host_name = value

    @property
    def query_arguments(self) -> dict[str, list[bytes]]:
        if self._query_arguments is None:
            self._query_arguments = parse_qs_bytes(self.query, keep_blank_values=True)
        return self._query_arguments

    @query_arguments.setter
    def query_arguments(self, value: dict[str, list[bytes]]) -> None:
        self._query_arguments = value
        self._forget_arguments()

    def _parse_body(self) -> None:
        args: dict[str, list[bytes]] = {}
        files: dict[str, list[HTTPFile]] = self._files if self._files is not None else {}
        if self.body:
            try:
                parse_body_arguments(
                    self.headers.get("Content-Type", ""), self.body, args, files, self.headers
                )
            except HTTPInputError as e:
                gen_log.warning("Invalid request body from %s: %s", self.remote_ip, e)
        self._body_arguments = args
        self._files = files

    @property
    def body_arguments(self) -> dict[str, list[bytes]]:
        if self._body_arguments is None:
            self._parse_body()
        return self._body_arguments  # type: ignore[return-value]

    @body_arguments.setter
    def body_arguments(self, value: dict[str, list[bytes]]) -> None:
        self._body_arguments = value
        self._forget_arguments()

    @property
    def files(self) -> dict[str, list[HTTPFile]]:
        if self._body_arguments is None:
            self._parse_body()
        return self._files  # type: ignore[return-value]

    @files.setter
    def files(self, value: dict[str, list[HTTPFile]]) -> None:
        self._files = value

    # ``arguments`` is a plain slot, filled on first read by __getattr__ (an unset slot raises
    # AttributeError, which is what calls it): a handler reads it once per get_argument, and a
    # slot read costs a fraction of a property call.  Setting it stores the dict as given;
    # setting query_arguments or body_arguments empties it, to be merged again on next read.
    arguments: dict[str, list[bytes]]

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute name

        def __getattr__(self, name: str) -> Any:
            if name != "arguments":
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            query = self.query_arguments
            merged = dict(zip(query, map(list, query.values()), strict=True))  # own lists, copied in C
            body = self.body_arguments
            if not merged:
                merged = dict(zip(body, map(list, body.values()), strict=True))
            else:
                for k, v in body.items():
                    merged.setdefault(k, []).extend(v)
            self.arguments = merged
            return merged

    def _forget_arguments(self) -> None:
        try:
            del self.arguments
        except AttributeError:
            pass

    @property
    def cookies(self) -> SimpleCookie:
        if self._cookies is None:
            jar = SimpleCookie()
            for header in self.headers.get_list("Cookie"):
                for name, value in parse_cookie(header).items():
                    morsel: Morsel[str] = Morsel()
                    try:
                        morsel.set(name, value, value)
                    except CookieError:
                        continue
                    dict.__setitem__(jar, name, morsel)
            self._cookies = jar
        return self._cookies

    # ---------------------------------------------------------------------- helpers

    def supports_http_1_1(self) -> bool:
        return self.version == "HTTP/1.1"

    def full_url(self) -> str:
        """The URL the client asked for, rebuilt from protocol, Host and URI."""
        return f"{self.protocol}://{self.host}{self.uri}"

    def get_ssl_certificate(self, binary_form: bool = False) -> Any:
        """The client's certificate, when TLS verified one (see :meth:`ssl.SSLSocket.getpeercert`).

        None without TLS or without a client certificate; ``binary_form`` gives it DER-encoded.
        """
        get_info = getattr(self.connection, "get_extra_info", None)
        if get_info is None:
            return None
        ssl_object = get_info("ssl_object")
        if ssl_object is None:
            return None
        try:
            return ssl_object.getpeercert(binary_form=binary_form)
        except ValueError:  # the handshake is not complete
            return None

    def request_time(self) -> float:
        """Seconds the request took (so far, while it is not finished)."""
        end = self._finish_time if self._finish_time is not None else time.time()
        return end - self._start_time

    # ------------------------------------------------------------------- answering

    def _conn(self) -> Any:
        conn = self.connection
        if conn is None:
            raise RuntimeError("this request has no connection to answer on")
        return conn

    def write(self, chunk: bytes | str) -> None:
        """Send raw response bytes (status line and headers included), as in Tornado 1.0."""
        t = type(chunk)
        if t is str:
            chunk = chunk.encode("utf-8")  # type: ignore[union-attr]
        elif t is not bytes:
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(f"write() expects bytes or str, got {type(chunk).__name__}")
            chunk = bytes(chunk)
        conn: Any = self.connection
        if conn is None:
            raise RuntimeError("this request has no connection to answer on")
        conn.write_raw(chunk, self)

    def finish(self) -> None:
        """End the response; the connection then serves the next request or closes."""
        conn: Any = self.connection
        if conn is None:
            raise RuntimeError("this request has no connection to answer on")
        conn.finish(self)

    def respond(
        self,
        body: bytes | str = b"",
        status: int = 200,
        headers: HTTPHeaders | dict[str, str] | list[tuple[str, str]] | None = None,
        reason: str | None = None,
    ) -> None:
        """Send a complete response (Content-Length added) and finish, in one write."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f"respond() body must be bytes or str, got {type(body).__name__}")
        conn = self._conn()
        conn.write_response(status, headers, bytes(body), reason, self)

    def _finished(self) -> None:
        self._finish_time = time.time()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(protocol={self.protocol!r}, host={self.host!r}, "
            f"method={self.method!r}, uri={self.uri!r}, version={self.version!r}, "
            f"remote_ip={self.remote_ip!r})"
        )
