"""websocket_connect against our own server (ws:// and wss:// with verified certificates)."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest
import trustme
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.web import Application
from tornado.websocket import (
    WebSocketClientConnection,
    WebSocketClosedError,
    WebSocketError,
    WebSocketHandler,
    accept_key,
    websocket_connect,
)
from wshelp import STEP, serve

seen: list[Any] = []


class Echo(WebSocketHandler):
    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return subprotocols[-1] if subprotocols else None

    def get_compression_options(self) -> dict[str, Any]:
        return {}

    def on_message(self, message: str | bytes) -> None:
        if message == "bye":
            self.close(4002, "server says bye")
        elif message == "flood":
            for i in range(100):
                self.write_message(str(i))
        elif message == "big":
            self.write_message(b"b" * 5000, binary=True)
        elif message == "header":
            self.write_message(self.request.headers.get("X-Token", "none"))
        else:
            self.write_message(message, binary=isinstance(message, bytes))

    def on_ping(self, data: bytes) -> None:
        seen.append(("ping", data))

    def on_close(self) -> None:
        seen.append(("close", self.close_code, self.close_reason))


def app() -> Application:
    return Application([(r"/ws", Echo)])


def run(coro: Any) -> Any:
    seen.clear()
    return asyncio.run(asyncio.wait_for(coro, 4 * STEP))


def test_round_trip_and_close() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws")
            assert isinstance(conn, WebSocketClientConnection)
            await conn.write_message("hello")
            assert await conn.read_message() == "hello"
            await conn.write_message(b"\x01\x02", binary=True)
            assert await conn.read_message() == b"\x01\x02"
            await conn.write_message({"k": [1, 2]})
            assert await conn.read_message() == '{"k": [1, 2]}'
            conn.close(1000, "client done")
            assert await conn.read_message() is None
            assert conn.close_code == 1000
            with pytest.raises(WebSocketClosedError):
                conn.write_message("late")
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
        assert seen == [("close", 1000, "client done")]

    run(main())


def test_server_close_reaches_read_message() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws")
            await conn.write_message("bye")
            assert await conn.read_message() is None
            assert (conn.close_code, conn.close_reason) == (4002, "server says bye")
            assert await conn.read_message() is None

    run(main())


def test_callback_style_and_on_message_callback() -> None:
    async def main() -> list[Any]:
        got: list[Any] = []
        ready = asyncio.get_running_loop().create_future()
        async with serve(app()) as port:

            def on_connected(fut: asyncio.Future[WebSocketClientConnection]) -> None:
                conn = fut.result()
                conn.write_message("one")
                conn.write_message("bye")

            def on_message(msg: str | bytes | None) -> None:
                got.append(msg)
                if msg is None:
                    ready.set_result(None)

            websocket_connect(
                f"ws://127.0.0.1:{port}/ws", callback=on_connected, on_message_callback=on_message
            )
            await asyncio.wait_for(ready, STEP)
        return got

    assert run(main()) == ["one", None]


def test_read_message_callback() -> None:
    async def main() -> Any:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws")
            box = asyncio.get_running_loop().create_future()
            conn.read_message(callback=lambda f: box.set_result(f.result()))
            conn.write_message("via callback")
            return await asyncio.wait_for(box, STEP)

    assert run(main()) == "via callback"


def test_unread_messages_queue_in_order() -> None:
    async def main() -> list[Any]:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws")
            conn.write_message("flood")
            await asyncio.sleep(0.2)  # nobody reads while they arrive
            return [await conn.read_message() for _ in range(100)]

    assert run(main()) == [str(i) for i in range(100)]


def test_subprotocols_compression_and_headers() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            req = HTTPRequest(f"ws://127.0.0.1:{port}/ws", headers={"X-Token": "t0k"})
            conn = await websocket_connect(req, compression_options={}, subprotocols=["a", "b"])
            assert conn.selected_subprotocol == "b"
            assert conn.protocol is not None and conn.protocol.ws._deflate is not None
            text = "compressible " * 20000
            await conn.write_message(text)
            assert await conn.read_message() == text
            await conn.write_message("header")
            assert await conn.read_message() == "t0k"

    run(main())


def test_client_max_message_size() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws", max_message_size=1000)
            await conn.write_message("big")
            assert await conn.read_message() is None
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
        assert seen == [("close", 1009, "message too big")]

    run(main())


def test_client_pings() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/ws", ping_interval=0.02)
            for _ in range(200):
                if len(seen) >= 2:
                    break
                await asyncio.sleep(0.01)
            conn.ping(b"manual")
            await conn.write_message("sync")
            assert await conn.read_message() == "sync"
        assert seen[:2] == [("ping", b""), ("ping", b"")] and ("ping", b"manual") in seen

    run(main())


async def _silent_server(answer: bool) -> tuple[asyncio.AbstractServer, int]:
    """A TCP server that completes the handshake (or not) and then never says anything."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if answer:
            key = [
                ln.split(b":", 1)[1].strip()
                for ln in head.split(b"\r\n")
                if ln.lower().startswith(b"sec-websocket-key")
            ]
            writer.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept_key(key[0].decode()).encode() + b"\r\n\r\n"
            )
        await reader.read()  # until the client goes away
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_client_ping_timeout_closes() -> None:
    async def main() -> None:
        server, port = await _silent_server(answer=True)
        async with server:
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/", ping_interval=0.05, ping_timeout=0.2)
            assert await conn.read_message() is None
            assert conn.close_code is None

    run(main())


def test_handshake_timeout() -> None:
    async def main() -> None:
        server, port = await _silent_server(answer=False)
        async with server:
            with pytest.raises(HTTPClientError) as info:
                await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/", request_timeout=0.2))
            assert info.value.code == 599

    run(main())


def test_non_101_answer() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            with pytest.raises(HTTPClientError) as info:
                await websocket_connect(f"ws://127.0.0.1:{port}/nowhere")
            assert info.value.code == 404

    run(main())


def test_bad_accept_key_is_refused() -> None:
    async def main() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
            )
            await reader.read()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(WebSocketError, match="Accept"):
                await websocket_connect(f"ws://127.0.0.1:{port}/")

    run(main())


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="scheme"):
        websocket_connect("ftp://127.0.0.1/")
    with pytest.raises(ValueError, match="ping_interval"):
        websocket_connect("ws://127.0.0.1/", ping_interval=-1)
    with pytest.raises(ValueError, match="compression_options"):
        websocket_connect("ws://127.0.0.1/", compression_options={"level": 3})
    with pytest.raises(ValueError, match="max_message_size"):
        websocket_connect("ws://127.0.0.1/", max_message_size=-5)


# -- wss:// ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls() -> tuple[trustme.CA, ssl.SSLContext]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ca, ctx


def test_wss_with_verified_certificate(tls: Any, tmp_path: Any) -> None:
    ca, server_ctx = tls
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def main() -> None:
        async with serve(app(), ssl_options=server_ctx) as port:
            req = HTTPRequest(f"wss://127.0.0.1:{port}/ws", ca_certs=str(ca_file))
            conn = await websocket_connect(req)
            await conn.write_message("secure")
            assert await conn.read_message() == "secure"
            assert conn.protocol is not None
            assert conn.protocol.transport.get_extra_info("sslcontext") is not None

    run(main())


def test_wss_refuses_an_untrusted_certificate(tls: Any) -> None:
    _ca, server_ctx = tls

    async def main() -> None:
        async with serve(app(), ssl_options=server_ctx) as port:
            with pytest.raises(ssl.SSLCertVerificationError):
                await websocket_connect(f"wss://127.0.0.1:{port}/ws")
            # Explicitly unverified, as httpclient's validate_cert=False allows.
            conn = await websocket_connect(HTTPRequest(f"wss://127.0.0.1:{port}/ws", validate_cert=False))
            await conn.write_message("unverified")
            assert await conn.read_message() == "unverified"

    run(main())


async def _raw_server(send: bytes, got: asyncio.Future[list[Any]]) -> asyncio.Server:
    """Completes the handshake, sends ``send`` as it is, then reports the client's events."""
    from tornado.websocket import SERVER, WebSocketProtocol

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        key = [
            ln.split(b":", 1)[1].strip()
            for ln in head.split(b"\r\n")
            if ln.lower().startswith(b"sec-websocket-key")
        ]
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key[0].decode()).encode() + b"\r\n\r\n" + send
        )
        ws = WebSocketProtocol(SERVER)
        while True:
            data = await reader.read(65536)
            ws.receive_data(data)
            if not data:
                break
        got.set_result(list(ws.events()))
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (bytes([0x81, 0x82]) + b"\x01\x02\x03\x04" + bytes([ord("h") ^ 1, ord("i") ^ 2]), 1002),  # masked
        (bytes([0x81, 0x02]) + b"\xff\xfe", 1007),  # text that is not UTF-8
        (bytes([0x01, 0x01]) + b"\xe2" + bytes([0x80, 0x01]) + b"A", 1007),  # not UTF-8 across fragments
        (bytes([0xC1, 0x02]) + b"hi", 1002),  # RSV1 without a negotiated extension
        (bytes([0x09, 0x00]), 1002),  # a fragmented ping
        (bytes([0x88, 0x02]) + (1005).to_bytes(2, "big"), 1002),  # a close code never sent on the wire
    ],
    ids=["masked", "utf8", "utf8-fragments", "rsv1", "fragmented-ping", "close-code"],
)
def test_client_closes_on_a_server_that_breaks_the_protocol(frame: bytes, code: int) -> None:
    """The client enforces RFC 6455 as the server does: a close frame with the code, then None."""
    from tornado.websocket import Close

    async def main() -> None:
        got: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        server = await _raw_server(frame, got)
        async with server:
            port = server.sockets[0].getsockname()[1]
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/")
            assert await conn.read_message() is None
            events = await asyncio.wait_for(got, STEP)
        assert len(events) == 1 and isinstance(events[0], Close) and events[0].code == code, events

    run(main())


def test_connect_timeout_covers_the_tls_handshake() -> None:
    """A peer that accepts TCP but never answers the TLS hello is given up on after
    ``connect_timeout`` (the argument wins over the request's own value)."""

    async def main() -> None:
        server, port = await _silent_server(answer=False)
        async with server:
            req = HTTPRequest(f"wss://127.0.0.1:{port}/", connect_timeout=3 * STEP, request_timeout=3 * STEP)
            with pytest.raises(HTTPClientError) as info:
                await asyncio.wait_for(websocket_connect(req, connect_timeout=0.2), STEP)
            assert info.value.code == 599 and "connect" in str(info.value).lower()

    run(main())


def test_bad_subprotocols_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="subprotocols"):
        websocket_connect("ws://127.0.0.1/", subprotocols=["not a token"])
    with pytest.raises(ValueError, match="subprotocols"):
        websocket_connect("ws://127.0.0.1/", subprotocols="chat")  # type: ignore[arg-type]
