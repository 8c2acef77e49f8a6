"""ASGIContainer's response headers: the server's defaults (Server, Date), the application's
Content-Length, and how the application's header bytes reach the wire."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest
from tornado.asgi import ASGIContainer


def head_of(reply: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """(status line, [(lower-case name, value)], body) of one response."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.append((name.lower(), value.strip()))
    return lines[0], fields, body


def app_sending(headers: list[tuple[bytes, bytes]], body: bytes = b"hello") -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def exchange(wire: Any, port: int, request: bytes) -> bytes:
    with wire.connect(port) as s:
        s.sendall(request)
        return wire.read_to_eof(s)


GET_CLOSE = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def test_server_and_date_are_added_by_default(serve: Any, wire: Any) -> None:
    server = serve(ASGIContainer(app_sending([(b"content-type", b"text/plain")])))
    _, fields, body = head_of(exchange(wire, server.port, GET_CLOSE))
    names = [n for n, _ in fields]
    assert names.count(b"server") == 1 and names.count(b"date") == 1
    assert dict(fields)[b"server"] == b"TornadoServer/1.0"
    date = email.utils.parsedate_to_datetime(dict(fields)[b"date"].decode())
    assert abs(date.timestamp() - time.time()) < 5
    assert body == b"hello"


def test_application_headers_replace_the_defaults(serve: Any, wire: Any) -> None:
    mine = [(b"Server", b"mine/2"), (b"date", b"Sun, 06 Nov 1994 08:49:37 GMT"), (b"x-a", b"1")]
    server = serve(ASGIContainer(app_sending(mine)))
    _, fields, _ = head_of(exchange(wire, server.port, GET_CLOSE))
    assert [v for n, v in fields if n == b"server"] == [b"mine/2"]
    assert [v for n, v in fields if n == b"date"] == [b"Sun, 06 Nov 1994 08:49:37 GMT"]
    assert (b"x-a", b"1") in fields


def test_defaults_can_be_switched_off(serve: Any, wire: Any) -> None:
    container = ASGIContainer(app_sending([]), server_header=None, date_header=False)
    server = serve(container)
    _, fields, _ = head_of(exchange(wire, server.port, GET_CLOSE))
    assert not {n for n, _ in fields} & {b"server", b"date"}
    with pytest.raises(TypeError, match="server_header"):
        ASGIContainer(app_sending([]), server_header=b"x")  # type: ignore[arg-type]


def test_other_server_header_text(serve: Any, wire: Any) -> None:
    server = serve(ASGIContainer(app_sending([]), server_header="edge", date_header=False))
    _, fields, _ = head_of(exchange(wire, server.port, GET_CLOSE))
    assert dict(fields)[b"server"] == b"edge"


@pytest.mark.parametrize(
    "given",
    [b"5", b"05"],  # the same length, in any spelling, frames the body once
)
def test_matching_content_length_is_sent_once(serve: Any, wire: Any, given: bytes) -> None:
    server = serve(ASGIContainer(app_sending([(b"content-length", given)])))
    _, fields, body = head_of(exchange(wire, server.port, GET_CLOSE))
    assert [v for n, v in fields if n == b"content-length"] == [b"5"]
    assert body == b"hello"


def test_wrong_content_length_is_never_sent(serve: Any, wire: Any) -> None:
    server = serve(ASGIContainer(app_sending([(b"content-length", b"9")])))
    reply = exchange(wire, server.port, GET_CLOSE)
    assert b"hello" not in reply and b" 200 " not in reply


def test_head_keeps_the_content_length_of_the_get(serve: Any, wire: Any) -> None:
    server = serve(ASGIContainer(app_sending([(b"content-length", b"5")], body=b"")))
    reply = exchange(wire, server.port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, fields, body = head_of(reply)
    assert status.startswith(b"HTTP/1.1 200 ")
    assert dict(fields)[b"content-length"] == b"5" and body == b""


def test_304_keeps_the_application_content_length(serve: Any, wire: Any) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 304, "headers": [(b"content-length", b"40")]})
        await send({"type": "http.response.body", "body": b""})

    server = serve(ASGIContainer(app))
    status, fields, body = head_of(exchange(wire, server.port, GET_CLOSE))
    assert status.startswith(b"HTTP/1.1 304 ")
    assert dict(fields)[b"content-length"] == b"40" and body == b""


def test_header_names_keep_their_bytes_and_bad_headers_never_reach_the_wire(serve: Any, wire: Any) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/bad":
            headers: list[Any] = [("x-str", b"v")]
        elif scope["path"] == "/inject":
            headers = [(b"x-a", b"1\r\nx-b: 2")]
        else:
            headers = [(b"X-Mixed-Case", b"v\xe9")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    server = serve(ASGIContainer(app))
    for _ in range(2):  # the second time the name comes from the cache
        reply = exchange(wire, server.port, GET_CLOSE)
        assert b"\r\nX-Mixed-Case: v\xe9\r\n" in reply
    reply = exchange(wire, server.port, b"GET /bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 500 ")
    # A value that would inject a header line is never written: the connection is cut.
    reply = exchange(wire, server.port, b"GET /inject HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"x-b" not in reply and b" 200 " not in reply


def test_scope_client_follows_xheaders_and_connections_are_forgotten(serve: Any, wire: Any) -> None:
    scopes: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    container = ASGIContainer(app)
    server = serve(container)
    server.server.xheaders = True
    with wire.connect(server.port) as s:
        s.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nX-Real-Ip: 10.1.2.3\r\n\r\n")
        wire.read_until(s, b"ok")
        s.sendall(b"GET /b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        wire.read_to_eof(s)
        port = s.getsockname()[1]
    assert tuple(scopes[0]["client"]) == ("10.1.2.3", port)
    assert tuple(scopes[1]["client"]) == ("127.0.0.1", port)
    assert (scopes[1]["path"], scopes[1]["query_string"]) == ("/b", b"q=1")

    async def open_connections() -> int:
        return len(container._connections)

    assert server.call(open_connections()) == 0


def test_repeated_header_names_are_each_sent(serve: Any, wire: Any) -> None:
    cookies = [(b"set-cookie", b"a=1"), (b"content-length", b"5"), (b"set-cookie", b"b=2")]
    server = serve(ASGIContainer(app_sending(cookies)))
    _, fields, body = head_of(exchange(wire, server.port, GET_CLOSE))
    assert [v for n, v in fields if n == b"set-cookie"] == [b"a=1", b"b=2"]
    assert [n for n, _ in fields][:2] == [b"date", b"server"]
    assert [v for n, v in fields if n == b"content-length"] == [b"5"] and body == b"hello"
    server2 = serve(ASGIContainer(app_sending([(b"server", b"one"), (b"server", b"two")])))
    _, fields, _ = head_of(exchange(wire, server2.port, GET_CLOSE))
    assert [v for n, v in fields if n == b"server"] == [b"one", b"two"]
