from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream


async def send_in_pieces(stream: IOStream, pieces: list[bytes]) -> None:
    """Write pieces as separate segments, letting the reader see each one separately."""
    for piece in pieces:
        await stream.write(piece)
        await asyncio.sleep(0.01)


def test_read_until_await(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        client.write(b"GET / HTTP/1.0\r\n\r\nbody")
        head = await server.read_until(b"\r\n\r\n")
        assert head == b"GET / HTTP/1.0\r\n\r\n"
        assert await server.read_bytes(4) == b"body"

    run(main)


def test_read_until_callback(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        fut = server.read_until(b"\n", callback=got.set_result)
        client.write(b"line one\nline two\n")
        assert await got == b"line one\n"
        assert fut.result() == b"line one\n"

    run(main)


def test_delimiter_split_across_packets(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until(b"\r\n\r\n")
        await send_in_pieces(client, [b"abc\r", b"\n", b"\r", b"\nrest"])
        assert await fut == b"abc\r\n\r\n"
        assert await server.read_bytes(4) == b"rest"

    run(main)


def test_delimiter_found_after_many_chunks(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until(b"END")
        body = b"x" * 300_000
        await send_in_pieces(
            client, [body[i : i + 50_000] for i in range(0, len(body), 50_000)] + [b"EN", b"D!"]
        )
        assert await fut == body + b"END"
        assert await server.read_bytes(1) == b"!"

    run(main)


def test_read_until_regex(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until_regex(rb"\r?\n\r?\n")
        await send_in_pieces(client, [b"Host: a\n", b"\nnext"])
        assert await fut == b"Host: a\n\n"
        got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        server.read_until_regex(re.compile(rb"[0-9]+;"), callback=got.set_result)
        client.write(b"-123;tail")
        assert await got == b"next-123;"

    run(main)


def test_read_bytes_callback_and_partial(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        server.read_bytes(5, callback=got.set_result)
        await send_in_pieces(client, [b"12", b"345", b"678"])
        assert await got == b"12345"
        # partial: whatever is available (here b"678"), never more than asked.
        assert await server.read_bytes(100, partial=True) == b"678"
        client.write(b"abcdef")
        first = await server.read_bytes(3, partial=True)
        assert first and b"abcdef".startswith(first) and len(first) <= 3

    run(main)


def test_read_bytes_zero_is_immediate(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, _ = await pair()
        fut = server.read_bytes(0)
        assert fut.done() and fut.result() == b""

    run(main)


def test_read_bytes_streaming_callback(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        chunks: list[bytes] = []
        fut = server.read_bytes(10, streaming_callback=chunks.append)
        await send_in_pieces(client, [b"0123", b"456", b"789tail"])
        assert await fut == b""
        assert b"".join(chunks) == b"0123456789"
        assert len(chunks) >= 2  # delivered as it arrived, not all at once
        assert await server.read_bytes(4) == b"tail"

    run(main)


def test_read_until_close(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until_close()
        await send_in_pieces(client, [b"part1 ", b"part2"])
        client.close()
        assert await fut == b"part1 part2"
        assert server.closed()

    run(main)


def test_read_until_close_callback_and_streaming(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        chunks: list[bytes] = []
        done: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        server.read_until_close(callback=done.set_result, streaming_callback=chunks.append)
        await send_in_pieces(client, [b"a" * 10, b"b" * 10])
        client.close()
        assert await done == b""
        assert b"".join(chunks) == b"a" * 10 + b"b" * 10

    run(main)


def test_reads_are_satisfied_synchronously_from_buffer(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        await client.write(b"one\ntwo\nthree\n")
        assert await server.read_until(b"\n") == b"one\n"
        # The rest already sits in the buffer: the next reads complete on the spot.
        fut = server.read_until(b"\n")
        assert fut.done() and fut.result() == b"two\n"
        fut2 = server.read_bytes(3)
        assert fut2.done() and fut2.result() == b"thr"

    run(main)


def test_callback_style_1_0(io_loop: IOLoop, pair: Any) -> None:
    """A pure callback chain, driven by IOLoop.start()/stop() as in Tornado 1.0."""
    server, client = io_loop.run_sync(pair)
    log: list[Any] = []

    def on_headers(data: bytes) -> None:
        log.append(data)
        server.read_bytes(5, on_body)

    def on_body(data: bytes) -> None:
        log.append(data)
        server.write(b"reply", on_written)

    def on_written() -> None:
        log.append("written")
        client.read_until_close(on_reply)
        server.close()

    def on_reply(data: bytes) -> None:
        log.append(data)
        io_loop.stop()

    server.read_until(b"\r\n\r\n", on_headers)
    client.write(b"POST /\r\n\r\nhello")
    io_loop.add_timeout(io_loop.time() + 20, io_loop.stop)
    io_loop.start()
    assert log == [b"POST /\r\n\r\n", b"hello", "written", b"reply"]


def test_only_one_read_at_a_time(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, _ = await pair()
        server.read_until(b"\n")
        assert server.reading()
        with pytest.raises(RuntimeError, match="Already reading"):
            server.read_bytes(1)

    run(main)


@pytest.mark.parametrize(
    "call,exc",
    [
        (lambda s: s.read_until(""), TypeError),
        (lambda s: s.read_until(b""), TypeError),
        (lambda s: s.read_until(b"\n", max_bytes=0), ValueError),
        (lambda s: s.read_until_regex("text"), TypeError),
        (lambda s: s.read_bytes(-1), ValueError),
        (lambda s: s.read_bytes("5"), ValueError),
        (lambda s: s.read_bytes(5, streaming_callback=3), TypeError),
        (lambda s: s.read_until(b"\n", callback="cb"), TypeError),
        (lambda s: s.write("text"), TypeError),
        (lambda s: s.set_close_callback(1), TypeError),
    ],
)
def test_bad_arguments(run: Any, pair: Any, call: Any, exc: type[Exception]) -> None:
    async def main() -> None:
        server, _ = await pair()
        with pytest.raises(exc):
            call(server)
        assert not server.reading()

    run(main)


def test_constructor_validation(io_loop: IOLoop) -> None:
    import socket

    with pytest.raises(TypeError, match="socket"):
        IOStream("not a socket")  # type: ignore[arg-type]
    s = socket.socket()
    try:
        with pytest.raises(ValueError, match="max_buffer_size"):
            IOStream(s, max_buffer_size=0)
        with pytest.raises(ValueError, match="read_chunk_size"):
            IOStream(s, read_chunk_size=-1)
    finally:
        s.close()


def test_streams_inside_asyncio_run() -> None:
    """No IOLoop set up by hand: streams attach to the running asyncio loop."""
    import socket

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        lst.setblocking(False)
        client = IOStream(socket.socket())
        connecting = client.connect(lst.getsockname())
        conn, _ = await loop.sock_accept(lst)
        server = IOStream(conn)
        assert server.io_loop.asyncio_loop is loop
        await connecting
        client.write(b"via asyncio.run\n")
        data = await server.read_until(b"\n")
        for obj in (client, server, lst):
            obj.close()
        return data

    assert asyncio.run(main()) == b"via asyncio.run\n"
