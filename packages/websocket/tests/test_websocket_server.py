"""WebSocketHandler over a real HTTPServer, driven by a raw client built on the protocol core."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import pytest
from tornado.web import Application
from tornado.websocket import Close, Message, Ping, Pong, WebSocketClosedError, WebSocketHandler
from wshelp import STEP, RawClient, serve

events: list[Any] = []


class Echo(WebSocketHandler):
    def open(self, *args: str) -> None:
        events.append(("open", args))

    def on_message(self, message: str | bytes) -> None:
        if message == "dict":
            self.write_message({"a": 1, "b": "</script>"})
        elif message == "close-me":
            self.close(4001, "as asked")
        elif message == "ping-me":
            self.ping(b"srv")
        elif message == "boom":
            raise RuntimeError("handler failure")
        else:
            self.write_message(message, binary=isinstance(message, bytes))

    def on_ping(self, data: bytes) -> None:
        events.append(("ping", data))

    def on_pong(self, data: bytes) -> None:
        events.append(("pong", data))

    def on_close(self) -> None:
        events.append(("close", self.close_code, self.close_reason))


class Plain(WebSocketHandler):
    def on_message(self, message: str | bytes) -> None:
        self.write_message(message)


def app(**settings: Any) -> Application:
    return Application([(r"/ws", Echo), (r"/ws/(\w+)/(\w+)", Echo), (r"/plain", Plain)], **settings)


def run(coro: Any) -> Any:
    events.clear()
    return asyncio.run(asyncio.wait_for(coro, 4 * STEP))


async def wait_for_event(kind: str) -> Any:
    for _ in range(int(STEP * 100)):
        for ev in events:
            if ev[0] == kind:
                return ev
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {kind} event in {events}")


def test_echo_text_and_binary_with_path_args() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port, "/ws/room/42")
            assert c.status == 101 and c.headers["upgrade"].lower() == "websocket"
            c.send_message("héllo")
            assert await c.message() == "héllo"
            c.send_message(b"\x00\xff")
            assert await c.message() == b"\x00\xff"
            c.send_message("x" * 70000, fragment_size=1000)
            assert await c.message() == "x" * 70000
            ev = await c.close(1000, "done")
            assert ev.code == 1000  # the server echoes the code
            assert await c.closed_by_server()
            await wait_for_event("close")
        assert events[0] == ("open", ("room", "42"))
        assert ("close", 1000, "done") in events

    run(main())


def test_write_message_dict_is_json() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send_message("dict")
            assert json.loads(await c.message()) == {"a": 1, "b": "</script>"}

    run(main())


def test_server_close_with_code_and_reason() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send_message("close-me")
            ev = await c.event()
            assert isinstance(ev, Close) and (ev.code, ev.reason) == (4001, "as asked")
            c.send(c.ws.send_close(4001))
            assert await c.closed_by_server()
            await wait_for_event("close")
        assert ("close", 4001, None) not in events

    run(main())


def test_pings_both_ways() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send(c.ws.send_ping(b"cli"))
            ev = await c.event()
            assert isinstance(ev, Pong) and ev.payload == b"cli"
            await wait_for_event("ping")
            c.send_message("ping-me")
            ev = await c.event()
            assert isinstance(ev, Ping) and ev.payload == b"srv"
            c.send(c.ws.send_pong(ev.payload))
            assert (await wait_for_event("pong")) == ("pong", b"srv")
        assert ("ping", b"cli") in events

    run(main())


def test_first_frame_in_the_handshake_packet() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            from tornado.websocket import CLIENT, WebSocketProtocol

            early = WebSocketProtocol(CLIENT).send_message("early bird")
            c = await RawClient.connect(port, extra=early)
            assert await c.message() == "early bird"

    run(main())


def test_set_default_headers_reach_the_101() -> None:
    class WithHeader(Plain):
        def set_default_headers(self) -> None:
            self.set_header("X-Served-By", "ws")

    async def main() -> None:
        async with serve(Application([(r"/ws", WithHeader)])) as port:
            c = await RawClient.connect(port)
            assert c.status == 101 and c.headers["x-served-by"] == "ws"
            assert "content-type" not in c.headers

    run(main())


# -- the handshake's refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers,status",
    [
        ({"Upgrade": None}, 400),
        ({"Connection": "keep-alive"}, 400),
        ({"Sec-WebSocket-Version": "8"}, 426),
        ({"Sec-WebSocket-Key": "short"}, 400),
        ({"Sec-WebSocket-Protocol": "bad token"}, 400),
        ({"Sec-WebSocket-Extensions": "permessage-deflate;;"}, 400),
    ],
)
def test_bad_handshakes_get_4xx_and_server_keeps_serving(headers: dict[str, Any], status: int) -> None:
    class Compressing(Plain):
        def get_compression_options(self) -> dict[str, Any]:
            return {}

    async def main() -> None:
        async with serve(Application([(r"/ws", Compressing)])) as port:
            c = await RawClient.connect(port, headers=headers)
            assert c.status == status
            if status == 426:
                assert c.headers["sec-websocket-version"] == "13"
            await c.body()
            ok = await RawClient.connect(port)
            assert ok.status == 101

    run(main())


def test_plain_get_without_upgrade() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP)
            assert head.startswith(b"HTTP/1.1 400 ")
            writer.close()

    run(main())


# -- check_origin ---------------------------------------------------------------------------


def test_cross_origin_is_refused_with_403() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port, headers={"Origin": "http://evil.example"})
            assert c.status == 403
            assert b"Cross origin" in await c.body()
            same = await RawClient.connect(port, headers={"Origin": f"http://127.0.0.1:{port}"})
            assert same.status == 101
            upper = await RawClient.connect(port, headers={"Origin": f"HTTP://127.0.0.1:{port}"})
            assert upper.status == 101
            other_port = await RawClient.connect(port, headers={"Origin": "http://127.0.0.1:1"})
            assert other_port.status == 403
            none = await RawClient.connect(port)
            assert none.status == 101

    run(main())


def test_check_origin_override() -> None:
    class Trusting(Plain):
        def check_origin(self, origin: str) -> bool:
            return origin == "https://trusted.example"

    async def main() -> None:
        async with serve(Application([(r"/ws", Trusting)])) as port:
            assert (
                await RawClient.connect(port, headers={"Origin": "https://trusted.example"})
            ).status == 101
            assert (
                await RawClient.connect(port, headers={"Origin": f"http://127.0.0.1:{port}"})
            ).status == 403

    run(main())


# -- subprotocols and compression ---------------------------------------------------------------


def test_select_subprotocol() -> None:
    seen: list[Any] = []

    class Sub(Plain):
        def select_subprotocol(self, subprotocols: list[str]) -> str | None:
            seen.append(list(subprotocols))
            return "chat.v2" if "chat.v2" in subprotocols else None

        def open(self) -> None:
            seen.append(self.selected_subprotocol)

    async def main() -> None:
        async with serve(Application([(r"/ws", Sub)])) as port:
            c = await RawClient.connect(port, headers={"Sec-WebSocket-Protocol": "chat.v1, chat.v2"})
            assert c.headers["sec-websocket-protocol"] == "chat.v2"
            c2 = await RawClient.connect(port, headers={"Sec-WebSocket-Protocol": "other"})
            assert c2.status == 101 and "sec-websocket-protocol" not in c2.headers

    run(main())
    assert seen[:2] == [["chat.v1", "chat.v2"], "chat.v2"]


def test_compression_negotiated_and_used() -> None:
    class Deflating(Plain):
        def get_compression_options(self) -> dict[str, Any]:
            return {"server_no_context_takeover": True}

    async def main() -> None:
        from tornado.websocket import CLIENT, PerMessageDeflate, WebSocketProtocol, client_accept

        async with serve(Application([(r"/ws", Deflating), (r"/plain", Plain)])) as port:
            offer = "permessage-deflate; client_max_window_bits"
            c = await RawClient.connect(port, headers={"Sec-WebSocket-Extensions": offer})
            ext = c.headers["sec-websocket-extensions"]
            assert ext == "permessage-deflate; server_no_context_takeover"
            params = client_accept([ext], {})
            assert params is not None
            c.ws = WebSocketProtocol(CLIENT, deflate=PerMessageDeflate(False, params))
            text = "squeeze " * 1000
            c.send_message(text)
            raw_len = 0
            while True:
                data = await asyncio.wait_for(c.reader.read(65536), STEP)
                raw_len += len(data)
                c.ws.receive_data(data)
                got = list(c.ws.events())
                if got:
                    break
            assert got[0] == Message(text) and raw_len < len(text) // 10
            # Without get_compression_options, the offer is ignored.
            p = await RawClient.connect(port, "/plain", headers={"Sec-WebSocket-Extensions": offer})
            assert "sec-websocket-extensions" not in p.headers

    run(main())


# -- limits, errors and liveness -------------------------------------------------------------------


def test_max_message_size_setting_closes_with_1009() -> None:
    async def main() -> None:
        async with serve(app(websocket_max_message_size=1000)) as port:
            c = await RawClient.connect(port)
            c.send_message(b"x" * 1000)
            assert await c.message() == b"x" * 1000
            c.send_message(b"x" * 1001)
            ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1009
            assert await c.closed_by_server()
            await wait_for_event("close")

    run(main())


def test_unmasked_client_frame_closes_with_1002() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send(bytes([0x81, 0x02]) + b"hi")
            ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1002
            assert await c.closed_by_server()

    run(main())


def test_invalid_utf8_closes_with_1007() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send_message(b"\xff\xfe", binary=False)
            ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1007

    run(main())


def test_exception_in_on_message_closes_with_1011_and_server_survives(caplog: Any) -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            with caplog.at_level(logging.ERROR, "tornado.application"):
                c.send_message("boom")
                ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1011
            c2 = await RawClient.connect(port)
            c2.send_message("still up")
            assert await c2.message() == "still up"

    run(main())
    assert "handler failure" in caplog.text


def test_ping_timeout_closes_a_silent_peer() -> None:
    async def main() -> None:
        settings = dict(websocket_ping_interval=0.05, websocket_ping_timeout=0.2)
        async with serve(app(**settings)) as port:
            c = await RawClient.connect(port)
            # Read pings but never answer them.
            saw_ping = False
            while True:
                ev = await c.event()
                if isinstance(ev, Ping):
                    saw_ping = True
                elif isinstance(ev, Close):
                    break
            assert saw_ping and ev.code == 1006
            ev = await wait_for_event("close")
            assert ev == ("close", None, None)

    run(main())


def test_answered_pings_keep_the_connection() -> None:
    async def main() -> None:
        settings = dict(websocket_ping_interval=0.02, websocket_ping_timeout=0.1)
        async with serve(app(**settings)) as port:
            c = await RawClient.connect(port)
            pings = 0
            while pings < 12:  # several timeouts' worth of time
                ev = await c.event()
                assert isinstance(ev, Ping), ev
                pings += 1
                c.send(c.ws.send_pong(ev.payload))
            c.send_message("alive")
            while True:
                ev = await c.event()
                if not isinstance(ev, Ping):
                    break
            assert ev.data == "alive"

    run(main())


def test_client_vanishing_runs_on_close() -> None:
    async def main() -> None:
        async with serve(app()) as port:
            c = await RawClient.connect(port)
            c.send_message("hi")
            await c.message()
            c.abort()
            assert await wait_for_event("close") == ("close", None, None)

    run(main())


def test_async_open_holds_messages_and_async_on_message_keeps_order() -> None:
    order: list[str] = []

    class Slow(WebSocketHandler):
        async def open(self) -> None:
            order.append("open start")
            await asyncio.sleep(0.05)
            order.append("open end")

        async def on_message(self, message: str | bytes) -> None:
            order.append(f"start {message!s}")
            await asyncio.sleep(0.01)
            order.append(f"end {message!s}")
            await self.write_message(message)

    async def main() -> None:
        from tornado.websocket import CLIENT, WebSocketProtocol

        async with serve(Application([(r"/ws", Slow)])) as port:
            cli = WebSocketProtocol(CLIENT)
            early = b"".join(cli.send_message(str(i)) for i in range(3))
            c = await RawClient.connect(port, extra=early)
            assert [await c.message() for _ in range(3)] == ["0", "1", "2"]

    run(main())
    assert order[:2] == ["open start", "open end"]
    assert order[2:] == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]


def test_write_message_back_pressure() -> None:
    states: list[Any] = []

    class Flood(WebSocketHandler):
        async def on_message(self, message: str | bytes) -> None:
            chunk = b"z" * 65536
            pending = 0
            for _ in range(200):  # 12.5 MiB to a client that is not reading
                fut = self.write_message(chunk, binary=True)
                if not fut.done():
                    pending += 1
                    transport = self.ws_connection.transport  # type: ignore[union-attr]
                    states.append(transport.get_write_buffer_size())
                await fut
            states.append(("pending", pending))
            await self.write_message("end")

    async def main() -> None:
        async with serve(Application([(r"/ws", Flood)])) as port:
            c = await RawClient.connect(port, rcvbuf=32768)
            c.send_message("go")
            await asyncio.sleep(0.3)  # the server fills its buffer and must wait
            assert states, "the server never had to wait"
            got = 0
            while True:
                m = await c.message()
                if m == "end":
                    break
                got += len(m)
            assert got == 200 * 65536

    run(main())
    waits = [s for s in states if isinstance(s, int)]
    # While waiting, the server holds about one high-water mark (64 KiB) plus one message.
    assert max(waits) <= 64 * 1024 + 65536 + 16
    assert states[-1][1] > 0


def test_write_after_close_raises() -> None:
    result: list[Any] = []

    class Closer(WebSocketHandler):
        def on_message(self, message: str | bytes) -> None:
            self.close()
            for fn in (lambda: self.write_message("late"), lambda: self.ping(b"late")):
                try:
                    fn()
                except WebSocketClosedError:
                    result.append("refused")

    async def main() -> None:
        async with serve(Application([(r"/ws", Closer)])) as port:
            c = await RawClient.connect(port)
            c.send_message("x")
            ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1005

    run(main())
    assert result == ["refused", "refused"]


def test_set_nodelay() -> None:
    flags: list[int] = []

    class Nodelay(WebSocketHandler):
        def open(self) -> None:
            sock = self.ws_connection.transport.get_extra_info("socket")  # type: ignore[union-attr]
            self.set_nodelay(False)
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            self.set_nodelay(True)
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            self.close()

    async def main() -> None:
        async with serve(Application([(r"/ws", Nodelay)])) as port:
            c = await RawClient.connect(port)
            await c.event()

    run(main())
    assert flags[0] == 0 and flags[1] != 0


def test_close_handshake_timeout_drops_a_peer_that_never_answers() -> None:
    import tornado.websocket._connection as conn_mod

    async def main() -> None:
        old = conn_mod.CLOSE_TIMEOUT
        conn_mod.CLOSE_TIMEOUT = 0.1
        try:
            async with serve(app()) as port:
                c = await RawClient.connect(port)
                c.send_message("close-me")
                ev = await c.event()
                assert isinstance(ev, Close) and ev.code == 4001
                # We never answer; the server gives up and closes TCP.
                assert await c.closed_by_server()
                await wait_for_event("close")
        finally:
            conn_mod.CLOSE_TIMEOUT = old

    run(main())


@pytest.mark.parametrize(
    "setting,value",
    [
        ("websocket_ping_interval", "soon"),
        ("websocket_ping_timeout", -1),
        ("websocket_max_message_size", "big"),
    ],
)
def test_bad_settings_name_the_setting(setting: str, value: Any, caplog: Any) -> None:
    async def main() -> int:
        async with serve(app(**{setting: value})) as port:
            c = await RawClient.connect(port)
            return c.status

    with caplog.at_level(logging.ERROR):
        assert run(main()) == 500
    assert setting in caplog.text


def test_default_limit_of_10_mib_refuses_a_bigger_message_from_its_header() -> None:
    """Without the setting, 10 MiB is the limit; a bigger frame is refused as soon as its
    header arrives (its payload is never sent here, so it cannot have been buffered)."""
    from tornado.websocket import Opcode

    class Size(WebSocketHandler):
        def on_message(self, message: str | bytes) -> None:
            self.write_message(str(len(message)))

    limit = 10 * 1024 * 1024

    async def main() -> None:
        async with serve(Application([(r"/ws", Size)])) as port:
            c = await RawClient.connect(port)
            c.send_message(b"x" * limit)
            assert await c.message() == str(limit)
            head = bytes([0x80 | Opcode.BINARY, 0x80 | 127]) + (limit + 1).to_bytes(8, "big") + b"mask"
            c.send(head)
            ev = await c.event()
            assert isinstance(ev, Close) and ev.code == 1009
            assert await c.closed_by_server()

    run(main())


@pytest.mark.parametrize(
    "hook,words",
    [
        ("compression", "get_compression_options()"),
        ("subprotocol", "select_subprotocol returned"),
    ],
)
def test_bad_hook_results_name_the_hook(hook: str, words: str, caplog: Any) -> None:
    """A handler whose hooks return what cannot be used fails its handshake with 500 and a log
    line naming the hook; the server goes on serving."""

    class Misconfigured(Plain):
        def get_compression_options(self) -> dict[str, Any] | None:
            return {"server_max_window_bits": 20} if hook == "compression" else None

        def select_subprotocol(self, subprotocols: list[str]) -> str | None:
            return "never-offered" if hook == "subprotocol" else None

    async def main() -> None:
        async with serve(Application([(r"/bad", Misconfigured), (r"/ws", Plain)])) as port:
            offer = {"Sec-WebSocket-Extensions": "permessage-deflate", "Sec-WebSocket-Protocol": "chat"}
            c = await RawClient.connect(port, "/bad", headers=offer)
            assert c.status == 500
            ok = await RawClient.connect(port)
            ok.send_message("fine")
            assert await ok.message() == "fine"

    with caplog.at_level(logging.ERROR):
        run(main())
    assert words in caplog.text
