"""What an open WebSocket holds on the server: the HTTP connection is freed after the upgrade,
and a busy handler stops the reading of further input (whatever the read boundaries)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest
from tornado.web import Application
from tornado.websocket import WebSocketClosedError, WebSocketHandler
from wshelp import STEP, RawClient, serve


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 4 * STEP))


def test_the_http_connection_is_freed_after_the_upgrade() -> None:
    """An open WebSocket keeps its request (headers, cookies, remote_ip) but not the HTTP
    connection's parser and buffers: 10,000 idle sockets should cost little memory."""
    seen: list[Any] = []

    class Holder(WebSocketHandler):
        def get(self, *args: Any, **kwargs: Any) -> None:
            seen.append(weakref.ref(self.request.connection))
            super().get(*args, **kwargs)

        def on_message(self, message: str | bytes) -> None:
            conn: Any = self.request.connection
            with pytest.raises(WebSocketClosedError):
                conn.write(b"HTTP/1.1 200 OK\r\n\r\n")
            seen.append((conn.closed, self.request.remote_ip, self.request.headers["X-Name"]))
            self.write_message(message)

        def on_close(self) -> None:
            conn: Any = self.request.connection
            seen.append(("closed", conn.closed))

    async def main() -> None:
        async with serve(Application([(r"/ws", Holder)])) as port:
            c = await RawClient.connect(port, headers={"X-Name": "kept"})
            c.send_message("hi")
            assert await c.message() == "hi"
            gc.collect()
            assert seen[0]() is None, gc.get_referrers(seen[0]())
            assert seen[1] == (False, "127.0.0.1", "kept")
            await c.close()
            for _ in range(int(STEP * 100)):
                if len(seen) == 3:
                    break
                await asyncio.sleep(0.01)

    run(main())
    assert seen[2] == ("closed", True)


def test_open_sockets_share_one_empty_response_state() -> None:
    """After the upgrade no socket keeps a response header dict or output buffer of its own,
    and a header set then fails instead of being silently dropped."""
    handlers: list[Any] = []
    errors: list[str] = []

    class Keeper(WebSocketHandler):
        def open(self, *args: Any, **kwargs: Any) -> None:
            handlers.append(self)

        def on_message(self, message: str | bytes) -> None:
            try:
                self.set_header("X-Late", "1")
            except TypeError as e:
                errors.append(type(e).__name__)
            self.write_message(message)

    async def main() -> None:
        async with serve(Application([(r"/ws", Keeper)])) as port:
            clients = [await RawClient.connect(port) for _ in range(2)]
            for c in clients:
                c.send_message("x")
                assert await c.message() == "x"
            for c in clients:
                await c.close()

    run(main())
    a, b = handlers
    assert a._headers is b._headers and not a._headers
    assert a._write_buffer is b._write_buffer and not a._write_buffer
    assert errors == ["TypeError", "TypeError"]


def test_input_is_not_read_while_a_slow_handler_is_busy() -> None:
    """A client that floods a busy handler with small messages is held at the socket: the
    server stops reading at about 1 MiB, then takes every message, in order."""
    held: list[int] = []
    got: list[str | bytes] = []

    class Busy(WebSocketHandler):
        async def on_message(self, message: str | bytes) -> None:
            got.append(message)
            if len(got) == 1:
                await asyncio.sleep(0.5)
                assert self.ws_connection is not None
                held.append(self.ws_connection.ws.buffered)
                held.append(self.ws_connection.transport.is_reading())
            if len(got) == 40_001:
                await self.write_message("done")

    async def main() -> None:
        from tornado.websocket import CLIENT, WebSocketProtocol

        async with serve(Application([(r"/ws", Busy)])) as port:
            c = await RawClient.connect(port)
            cli = WebSocketProtocol(CLIENT)
            c.send(cli.send_message("first"))
            for i in range(40):  # 40,000 messages of 100 bytes: about 4.2 MB on the wire
                c.send(b"".join(cli.send_message(f"{i * 1000 + j:0100d}") for j in range(1000)))
            await asyncio.wait_for(c.writer.drain(), 4 * STEP)
            assert await c.message() == "done"

    run(main())
    assert held[0] <= 1024 * 1024 + 256 * 1024, held
    assert held[1] is False, "the server kept reading while the handler was busy"
    assert got[1:] == [f"{n:0100d}" for n in range(40_000)]


def test_connection_pauses_reading_for_a_busy_owner_whatever_the_read_boundaries() -> None:
    """Reads that end exactly at frame boundaries are parsed at once into messages; those
    count as held input too, so the connection still stops reading past its limit."""
    from tornado.websocket import CLIENT, SERVER, WebSocketConnection, WebSocketProtocol

    class Transport(asyncio.Transport):
        def __init__(self) -> None:
            super().__init__()
            self.paused = 0

        def write(self, data: Any) -> None:
            pass

        def get_write_buffer_limits(self) -> tuple[int, int]:
            return (16384, 65536)

        def get_write_buffer_size(self) -> int:
            return 0

        def pause_reading(self) -> None:
            self.paused += 1

        def resume_reading(self) -> None:
            self.paused -= 1

    class Busy:
        def __init__(self) -> None:
            self.gate: asyncio.Future[None] | None = None
            self.got = 0

        def on_message(self, data: Any) -> Any:
            self.got += 1
            if self.gate is None:
                self.gate = asyncio.get_running_loop().create_future()
                return self.gate
            return None

        def _ws_ping(self, data: bytes) -> None: ...
        def _ws_pong(self, data: bytes) -> None: ...
        def _ws_closed(self) -> None: ...

    async def main() -> None:
        transport, owner = Transport(), Busy()
        conn = WebSocketConnection(WebSocketProtocol(SERVER), transport, owner)
        conn.start()
        cli = WebSocketProtocol(CLIENT)
        sent = 0
        while not transport.paused and sent < 20_000:  # whole 106-byte frames, one per read
            conn.data_received(cli.send_message(f"{sent:0100d}"))
            sent += 1
        assert transport.paused == 1, "never stopped reading"
        assert sent < 20_000 and conn.ws.buffered <= 1024 * 1024 + 106
        assert owner.gate is not None
        owner.gate.set_result(None)
        for _ in range(100):
            await asyncio.sleep(0)
        assert transport.paused == 0
        assert owner.got == sent

    run(main())
