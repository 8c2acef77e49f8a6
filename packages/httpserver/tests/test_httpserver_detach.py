"""HTTP1ServerConnection.detach(): handing the transport to another protocol after a 101."""

from __future__ import annotations

import asyncio

from tornado.httpserver import HTTPServer, bind_sockets


class Echo(asyncio.Protocol):
    """The protocol that takes over: echoes bytes upper-cased."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data.upper())


def test_detach_hands_over_transport_and_pipelined_bytes() -> None:
    async def main() -> tuple[bytes, int, int]:
        counts = []

        def upgrade(request) -> None:
            transport, early = request.connection.detach_transport()
            counts.append(server.connections)
            transport.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
            )
            proto = Echo(transport)
            transport.set_protocol(proto)
            if early:
                proto.data_received(early)

        server = HTTPServer(upgrade, idle_connection_timeout=0.2)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        port = socks[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # The first bytes of the new protocol ride in the same packet as the request.
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly ")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 101 ")
        got = await asyncio.wait_for(reader.readexactly(6), 5)
        # Past the server's idle timeout: a detached connection is no longer the server's to time out.
        await asyncio.sleep(0.4)
        writer.write(b"later")
        got += await asyncio.wait_for(reader.readexactly(5), 5)
        writer.close()
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), 5)
        return got, counts[0], server.connections

    got, during, after = asyncio.run(main())
    assert got == b"EARLY LATER"
    assert during == 0 and after == 0


def test_detach_twice_or_after_close_is_refused() -> None:
    async def main() -> list[str]:
        errors = []

        def upgrade(request) -> None:
            transport, _ = request.connection.detach_transport()
            try:
                request.connection.detach_transport()
            except Exception as e:
                errors.append(type(e).__name__)
            transport.close()

        server = HTTPServer(upgrade)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        reader, writer = await asyncio.open_connection("127.0.0.1", socks[0].getsockname()[1])
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        server.stop()
        return errors

    assert asyncio.run(main()) == ["HTTPOutputError"]
