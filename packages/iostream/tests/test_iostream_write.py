from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tornado.iostream import StreamClosedError


def test_write_future_and_callback(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        fut = client.write(b"hello ", callback=lambda: done.set_result("called"))
        assert await fut is None
        assert await done == "called"
        await client.write(bytearray(b"big "))
        await client.write(memoryview(b"world"))
        assert await server.read_bytes(15) == b"hello big world"

    run(main)


def test_large_write_is_buffered_then_flushed_in_order(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        payload = bytes(range(256)) * 40_000  # ~10 MB: more than the socket buffers hold
        first = client.write(payload)
        second = client.write(b"END")
        assert client.writing()
        assert not first.done()
        received = await server.read_bytes(len(payload) + 3)
        await first
        await second
        assert received == payload + b"END"
        assert not client.writing()

    run(main)


def test_many_small_writes_keep_order(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        futures = [client.write(b"%d," % i) for i in range(2000)]
        expected = b"".join(b"%d," % i for i in range(2000))
        assert await server.read_bytes(len(expected)) == expected
        await asyncio.gather(*futures)

    run(main)


def test_write_before_connect_completes_is_queued(run: Any, make_listener: Any, io_loop: Any) -> None:
    import socket

    from tornado.iostream import IOStream

    async def main() -> None:
        lst = make_listener()
        client = IOStream(socket.socket())
        connected = client.connect(lst.getsockname())
        written = client.write(b"early bird")
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = IOStream(conn)
        assert await connected is client
        await written
        assert await server.read_bytes(10) == b"early bird"
        server.close()
        client.close()

    run(main)


def test_write_to_closed_stream_raises(run: Any, pair: Any) -> None:
    async def main() -> None:
        _, client = await pair()
        client.close()
        with pytest.raises(StreamClosedError):
            client.write(b"x")

    run(main)


def test_pending_write_fails_when_peer_resets(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = client.write(b"z" * 20_000_000)
        assert not fut.done()
        server.socket.setsockopt(
            __import__("socket").SOL_SOCKET, __import__("socket").SO_LINGER, b"\1\0\0\0\0\0\0\0"
        )
        server.close()  # RST with unread data
        with pytest.raises(StreamClosedError):
            await fut
        assert client.closed()

    run(main)


def test_write_goes_straight_to_socket_when_idle(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = client.write(b"immediate")
        # Sent within write(): nothing buffered, future already complete.
        assert fut.done()
        assert not client.writing()
        assert await server.read_bytes(9) == b"immediate"

    run(main)


def test_queued_small_writes_are_coalesced(run: Any, pair: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        server, client = await pair()
        big = b"b" * 20_000_000  # fills the socket buffers: later writes must queue
        client.write(big)
        assert client.writing()
        sends = 0
        original = client._send

        def counting_send(buf: bytearray) -> int:
            nonlocal sends
            sends += 1
            return original(buf)

        monkeypatch.setattr(client, "_send", counting_send)
        small = [client.write(b"%05d" % i) for i in range(1000)]
        expected = big + b"".join(b"%05d" % i for i in range(1000))
        assert await server.read_bytes(len(expected)) == expected
        await asyncio.gather(*small)
        assert sends < 1000  # one send per socket-writable event, not one per write()

    run(main)


def test_closed_socket_is_rejected(io_loop: Any) -> None:
    import socket

    from tornado.iostream import IOStream

    s = socket.socket()
    s.close()
    with pytest.raises(ValueError, match="closed"):
        IOStream(s)
