"""Interoperability with an independent implementation: the ``websockets`` library.

Our server against its client and our client against its server, with and without
permessage-deflate (including context takeover and window-size parameters), with fragmented
and large messages in both directions, close codes, pings and the 1009 size limit.  Both
sides share one asyncio loop, as they would in one application.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from tornado.httpclient import HTTPRequest
from tornado.web import Application
from tornado.websocket import WebSocketHandler, websocket_connect
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from wshelp import STEP, serve

LARGE = 3 * 1024 * 1024
events: list[Any] = []


def run(coro: Any) -> Any:
    events.clear()
    return asyncio.run(asyncio.wait_for(coro, 6 * STEP))


def large_text() -> str:
    """Several MiB of text, compressible but not trivially (so deflate works for it)."""
    words = [os.urandom(6).hex() for _ in range(512)]
    return " ".join(words[i % 512] + str(i) for i in range(LARGE // 16))


def large_binary() -> bytes:
    return os.urandom(LARGE)


async def wait_for_event(kind: str) -> Any:
    for _ in range(int(STEP * 100)):
        for ev in events:
            if ev[0] == kind:
                return ev
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {kind} event in {events}")


# -- our server, their client -----------------------------------------------------------------


class Echo(WebSocketHandler):
    compression: dict[str, Any] | None = None

    def get_compression_options(self) -> dict[str, Any] | None:
        return self.compression

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return "chat" if "chat" in subprotocols else None

    def open(self) -> None:
        events.append(("open", self.request.headers.get("Sec-WebSocket-Extensions")))

    async def on_message(self, message: str | bytes) -> None:
        if message == "close-4000":
            self.close(4000, "server done")
        elif message == "ping-me":
            self.ping(b"from-server")
        elif message == "fragmented":
            # Our core fragments (and, with deflate, compresses then fragments) the message.
            wsc = self.ws_connection
            assert wsc is not None
            wsc.transport.write(wsc.ws.send_message(large_text(), fragment_size=70_000))
        elif isinstance(message, str) and message.startswith("len:"):
            await self.write_message(f"{len(message)}")
        else:
            await self.write_message(message, binary=isinstance(message, bytes))

    def on_pong(self, data: bytes) -> None:
        events.append(("pong", data))

    def on_close(self) -> None:
        events.append(("close", self.close_code, self.close_reason))


class Compressed(Echo):
    compression = {}


class Tight(Echo):
    compression = {"server_no_context_takeover": True, "client_max_window_bits": 10}


def app(**settings: Any) -> Application:
    return Application(
        [(r"/plain", Echo), (r"/deflate", Compressed), (r"/tight", Tight)],
        **{"websocket_max_message_size": 8 * 1024 * 1024, **settings},
    )


def client_kwargs(compression: bool) -> dict[str, Any]:
    return {
        "compression": "deflate" if compression else None,
        "max_size": 16 * 1024 * 1024,
        "proxy": None,
        "ping_interval": None,
        "open_timeout": STEP,
        "close_timeout": STEP,
    }


@pytest.mark.parametrize(
    ("path", "compression", "negotiated"),
    [
        ("/plain", False, False),
        ("/plain", True, False),  # offered, but this handler does not compress
        ("/deflate", False, False),
        ("/deflate", True, True),
    ],
)
def test_their_client_echo_small_large_fragmented(path: str, compression: bool, negotiated: bool) -> None:
    text, blob = large_text(), large_binary()

    async def main() -> None:
        async with serve(app()) as port:
            async with ws_connect(f"ws://127.0.0.1:{port}{path}", **client_kwargs(compression)) as ws:
                ext = ws.response.headers.get("Sec-WebSocket-Extensions")
                assert (ext is not None and ext.startswith("permessage-deflate")) is negotiated, ext
                await ws.send("héllo ☃")
                assert await ws.recv() == "héllo ☃"
                await ws.send(b"\x00\xff" * 10)
                assert await ws.recv() == b"\x00\xff" * 10
                await ws.send(text)
                assert await ws.recv() == text
                await ws.send(blob)
                assert await ws.recv() == blob
                # Their fragmentation: one message sent as many frames, UTF-8 split mid-character.
                pieces = ["ab", "\u00e9"[0], "€" * 1000, "", "😀", "end"]
                await ws.send(pieces)
                assert await ws.recv() == "".join(pieces)
                await ws.send(iter([blob[:1000], blob[1000:500_000], blob[500_000:]]))
                assert await ws.recv() == blob
                # Ours, the other way.
                await ws.send("fragmented")
                got = await ws.recv()
                assert isinstance(got, str) and len(got) == len(text)

    run(main())


def test_their_client_with_context_takeover_and_window_parameters() -> None:
    offer = ClientPerMessageDeflateFactory(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=11,
        client_max_window_bits=12,
    )
    text = large_text()[:200_000]

    async def main() -> None:
        async with serve(app()) as port:
            for path in ("/deflate", "/tight"):
                kw = client_kwargs(False)
                async with ws_connect(f"ws://127.0.0.1:{port}{path}", extensions=[offer], **kw) as ws:
                    ext = ws.response.headers["Sec-WebSocket-Extensions"]
                    assert "server_no_context_takeover" in ext
                    assert "client_no_context_takeover" in ext
                    assert "server_max_window_bits=11" in ext
                    # Our own limit of 10 is stricter than the 12 the client allowed.
                    assert f"client_max_window_bits={10 if path == '/tight' else 12}" in ext
                    for i in range(5):  # each message must decode without the previous ones
                        await ws.send(text + str(i))
                        assert await ws.recv() == text + str(i)

    run(main())


def test_their_client_subprotocol_pings_and_close_codes() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            url = f"ws://127.0.0.1:{port}/plain"
            async with ws_connect(url, subprotocols=["other", "chat"], **client_kwargs(False)) as ws:
                assert ws.subprotocol == "chat"
                pong = await ws.ping(b"from-client")
                await asyncio.wait_for(pong, STEP)
                await ws.send("ping-me")
                assert (await wait_for_event("pong"))[1] == b"from-server"  # their auto-pong
                await ws.send("close-4000")
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert (ws.close_code, ws.close_reason) == (4000, "server done")
            assert await wait_for_event("close") == ("close", 4000, "server done")  # their echo
            events.clear()
            async with ws_connect(url, **client_kwargs(False)) as ws:
                await ws.send("x")
                assert await ws.recv() == "x"
                await ws.close(4321, "client done")
            assert await wait_for_event("close") == ("close", 4321, "client done")

    run(main())


@pytest.mark.parametrize("compression", [False, True])
def test_their_client_over_our_limit_gets_1009(compression: bool) -> None:
    async def main() -> None:
        async with serve(app(websocket_max_message_size=100_000)) as port:
            path = "/deflate" if compression else "/plain"
            async with ws_connect(f"ws://127.0.0.1:{port}{path}", **client_kwargs(compression)) as ws:
                await ws.send("len:" + "a" * 99_000)
                assert await ws.recv() == "99004"
                # Compressed this is a few hundred bytes on the wire: the inflated size counts.
                await ws.send("a" * 100_001)
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 1009

    run(main())


# -- their server, our client -------------------------------------------------------------------


async def their_handler(ws: ServerConnection) -> None:
    try:
        async for message in ws:
            if message == "extensions":
                await ws.send(ws.response.headers.get("Sec-WebSocket-Extensions") or "none")
            elif message == "fragments":
                await ws.send(["frag", "mé", "nts"])
                await ws.send(iter([b"\x01" * 70_000, b"\x02" * 70_000]))
            elif message == "large":
                await ws.send(large_text())
            elif message == "close-4003":
                await ws.close(4003, "their server done")
            elif message == "ping-me":
                pong = await ws.ping(b"their-ping")
                await asyncio.wait_for(pong, STEP)
                await ws.send("ponged")
            else:
                await ws.send(message)
    except ConnectionClosed:
        pass
    events.append(("their-close", ws.close_code, ws.close_reason))


@pytest.fixture(scope="module")
def tls() -> tuple[trustme.CA, ssl.SSLContext]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ca, ctx


def _their_server(compression: bool, **kw: Any) -> Any:
    return ws_serve(
        their_handler,
        "127.0.0.1",
        0,
        compression="deflate" if compression else None,
        max_size=16 * 1024 * 1024,
        ping_interval=None,
        **kw,
    )


@pytest.mark.parametrize("compression", [False, True])
@pytest.mark.parametrize("server_compresses", [False, True])
def test_our_client_against_their_server(compression: bool, server_compresses: bool) -> None:
    text, blob = large_text(), large_binary()

    async def main() -> None:
        async with _their_server(server_compresses) as server:
            port = server.sockets[0].getsockname()[1]
            conn = await websocket_connect(
                f"ws://127.0.0.1:{port}/",
                compression_options={} if compression else None,
                max_message_size=16 * 1024 * 1024,
            )
            await conn.write_message("extensions")
            ext = await conn.read_message()
            assert (ext != "none") is (compression and server_compresses), ext
            await conn.write_message("hé ☃")
            assert await conn.read_message() == "hé ☃"
            await conn.write_message(text)
            assert await conn.read_message() == text
            await conn.write_message(blob, binary=True)
            assert await conn.read_message() == blob
            await conn.write_message("large")
            got = await conn.read_message()
            assert isinstance(got, str) and len(got) == len(text)
            # Their fragments, reassembled by us.
            await conn.write_message("fragments")
            assert await conn.read_message() == "fragménts"
            assert await conn.read_message() == b"\x01" * 70_000 + b"\x02" * 70_000
            # Our fragments (compressed first when negotiated), reassembled by them.
            assert conn.protocol is not None
            conn.protocol.transport.write(conn.protocol.ws.send_message(text, fragment_size=65_536))
            assert await conn.read_message() == text
            conn.close(1000, "our client done")
            assert await conn.read_message() is None
            assert conn.close_code == 1000
            assert await wait_for_event("their-close") == ("their-close", 1000, "our client done")

    run(main())


def test_our_client_deflate_parameters_with_their_server() -> None:
    factory = ServerPerMessageDeflateFactory(
        server_max_window_bits=10, client_max_window_bits=9, client_no_context_takeover=True
    )
    options = {"server_no_context_takeover": True, "client_max_window_bits": 11}
    text = large_text()[:300_000]

    async def main() -> None:
        async with ws_serve(
            their_handler, "127.0.0.1", 0, compression=None, extensions=[factory], ping_interval=None
        ) as server:
            port = server.sockets[0].getsockname()[1]
            conn = await websocket_connect(f"ws://127.0.0.1:{port}/", compression_options=options)
            await conn.write_message("extensions")
            ext = await conn.read_message()
            assert isinstance(ext, str)
            for part in (
                "server_no_context_takeover",
                "client_no_context_takeover",
                "server_max_window_bits=10",
                "client_max_window_bits=9",
            ):
                assert part in ext, ext
            for i in range(4):
                await conn.write_message(text + str(i))
                assert await conn.read_message() == text + str(i)
            conn.close()

    run(main())


def test_our_client_close_codes_pings_and_limit_with_their_server() -> None:
    async def main() -> None:
        async with _their_server(True) as server:
            port = server.sockets[0].getsockname()[1]
            url = f"ws://127.0.0.1:{port}/"
            conn = await websocket_connect(url)
            pongs: list[bytes] = []
            conn.on_pong = pongs.append  # type: ignore[method-assign,assignment]
            conn.ping(b"our-ping")
            await conn.write_message("ping-me")
            assert await conn.read_message() == "ponged"  # we answered their ping
            assert pongs == [b"our-ping"]
            await conn.write_message("close-4003")
            assert await conn.read_message() is None
            assert (conn.close_code, conn.close_reason) == (4003, "their server done")

            assert await wait_for_event("their-close") == ("their-close", 4003, "")  # code echoed
            events.clear()

            small = await websocket_connect(url, compression_options={}, max_message_size=100_000)
            await small.write_message("large")  # inflates past our limit
            assert await small.read_message() is None
            assert await wait_for_event("their-close") == ("their-close", 1009, "message too big")

    run(main())


def test_our_client_wss_against_their_server(tls: Any, tmp_path: Any) -> None:
    ca, server_ctx = tls
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def main() -> None:
        async with _their_server(True, ssl=server_ctx) as server:
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(ssl.SSLCertVerificationError):
                await websocket_connect(f"wss://127.0.0.1:{port}/")
            conn = await websocket_connect(HTTPRequest(f"wss://127.0.0.1:{port}/", ca_certs=str(ca_file)))
            await conn.write_message("over tls")
            assert await conn.read_message() == "over tls"
            conn.close()
            assert await conn.read_message() is None

    run(main())


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield
