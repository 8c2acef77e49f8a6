from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from tornado.iostream import IOStream, StreamBufferFullError, StreamClosedError, UnsatisfiableReadError


def test_close_callback_on_peer_close(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server.set_close_callback(lambda: closed.set_result("closed"))
        client.close()
        # No read pending: the stream still notices the peer going away.
        assert await closed == "closed"
        assert server.closed()
        assert server.error is None

    run(main)


def test_pending_read_fails_on_peer_close(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until(b"\n")
        client.write(b"no newline")
        await asyncio.sleep(0.01)
        client.close()
        with pytest.raises(StreamClosedError):
            await fut

    run(main)


def test_read_after_close_uses_buffered_data(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        server.set_close_callback(lambda: closed.set_result(None))
        await client.write(b"left\nover")
        client.close()
        await closed
        assert await server.read_until(b"\n") == b"left\n"
        assert await server.read_until_close() == b"over"
        with pytest.raises(StreamClosedError):
            await server.read_bytes(1)

    run(main)


def test_close_callback_set_after_close_still_runs(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, _ = await pair()
        server.close()
        called: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        server.set_close_callback(lambda: called.set_result(True))
        assert await called

    run(main)


def test_close_exc_info_records_error(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        try:
            raise ValueError("bad frame")
        except ValueError:
            server.close(exc_info=True)
        assert isinstance(server.error, ValueError)
        client.close(KeyError("explicit"))
        assert isinstance(client.error, KeyError)
        with pytest.raises(StreamClosedError) as info:
            await server.read_bytes(1)
        assert isinstance(info.value.real_error, ValueError)

    run(main)


def test_max_bytes_closes_with_error(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        server.set_close_callback(lambda: closed.set_result(None))
        fut = server.read_until(b"\r\n\r\n", max_bytes=64)
        client.write(b"x" * 100 + b"\r\n\r\n")
        # 6.x fails the read with StreamClosedError; the cause is its real_error.
        with pytest.raises(StreamClosedError) as info:
            await fut
        assert isinstance(info.value.real_error, UnsatisfiableReadError)
        assert "max_bytes=64" in str(info.value.real_error)
        await closed
        assert server.closed()
        assert isinstance(server.error, UnsatisfiableReadError)

    run(main)


def test_max_bytes_delimiter_found_too_late_in_one_chunk(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        await client.write(b"0123456789\n")
        await asyncio.sleep(0.01)
        with pytest.raises(StreamClosedError) as info:
            await server.read_until(b"\n", max_bytes=5)
        assert isinstance(info.value.real_error, UnsatisfiableReadError)
        assert server.closed()

    run(main)


def test_max_bytes_allows_reads_within_limit(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        client.write(b"1234\n")
        assert await server.read_until(b"\n", max_bytes=5) == b"1234\n"

    run(main)


def test_regex_max_bytes(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        fut = server.read_until_regex(rb"\n", max_bytes=10)
        client.write(b"a" * 50)
        with pytest.raises(StreamClosedError) as info:
            await fut
        assert isinstance(info.value.real_error, UnsatisfiableReadError)
        assert isinstance(server.error, UnsatisfiableReadError)

    run(main)


def test_max_buffer_size_closes_instead_of_growing(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair(max_buffer_size=10_000, read_chunk_size=4096)
        fut = server.read_until(b"never")
        client.write(b"y" * 100_000)
        with pytest.raises(StreamBufferFullError, match="max_buffer_size=10000"):
            await fut
        assert server.closed()
        assert isinstance(server.error, StreamBufferFullError)
        assert len(server._read_buffer) <= 10_000 + 4096

    run(main)


def test_read_bytes_over_max_buffer_size_closes(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair(max_buffer_size=1000)
        fut = server.read_bytes(5000)
        client.write(b"z" * 5000)
        with pytest.raises(StreamBufferFullError):
            await fut

    run(main)


def test_streaming_reads_are_not_limited_by_max_buffer_size(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair(max_buffer_size=1000)
        total = 0

        def count(chunk: bytes) -> None:
            nonlocal total
            total += len(chunk)

        fut = server.read_bytes(200_000, streaming_callback=count)
        client.write(b"s" * 200_000)
        await fut
        assert total == 200_000

    run(main)


def test_idle_stream_stops_reading_at_max_buffer_size(run: Any, pair: Any, wait_for: Any) -> None:
    async def main() -> None:
        server, client = await pair(max_buffer_size=20_000, read_chunk_size=4096)
        server.set_close_callback(lambda: None)  # keeps the stream watching its socket
        payload = b"p" * 2_000_000
        written = client.write(payload)
        # With no read pending the stream pauses instead of buffering all of it...
        await wait_for(lambda: not server._reader_on)
        assert len(server._read_buffer) <= 20_000 + 4096
        assert not server.closed()
        # ...and resumes when the application asks for the data.
        got = bytearray()
        await server.read_bytes(len(payload), streaming_callback=got.extend)
        await written
        assert got == payload

    run(main)


def test_streaming_callback_exception_closes_stream(
    run: Any, pair: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        server, client = await pair()

        def bad(chunk: bytes) -> None:
            raise RuntimeError("consumer failed")

        fut = server.read_bytes(10, streaming_callback=bad)
        client.write(b"0123456789")
        with pytest.raises(StreamClosedError):
            await fut
        assert isinstance(server.error, RuntimeError)

    run(main)
    assert "consumer failed" in caplog.text


def test_connect_refused_sets_error(run: Any, io_loop: Any) -> None:
    async def main() -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        addr = probe.getsockname()
        probe.close()  # nothing listens there now
        stream = IOStream(socket.socket())
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        stream.set_close_callback(lambda: closed.set_result(None))
        called: list[bool] = []
        fut = stream.connect(addr, callback=lambda: called.append(True))
        with pytest.raises(StreamClosedError) as info:
            await fut
        await closed
        assert isinstance(info.value.real_error, ConnectionRefusedError)
        assert isinstance(stream.error, ConnectionRefusedError)
        assert stream.closed()
        assert called == []

    run(main)


def test_connect_callback_and_hostname(run: Any, make_listener: Any, io_loop: Any) -> None:
    async def main() -> None:
        lst = make_listener()
        stream = IOStream(socket.socket())
        connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        fut = stream.connect(("localhost", lst.getsockname()[1]), callback=lambda: connected.set_result("ok"))
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        assert await connected == "ok"
        assert await fut is stream
        with pytest.raises(RuntimeError, match="connect"):
            stream.connect(lst.getsockname())
        stream.close()
        conn.close()

    run(main)


def test_close_during_connect(run: Any, make_listener: Any) -> None:
    async def main() -> None:
        lst = make_listener()
        stream = IOStream(socket.socket())
        fut = stream.connect(lst.getsockname())
        stream.close()
        with pytest.raises(StreamClosedError):
            await fut

    run(main)


def test_set_nodelay(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, _ = await pair()
        server.set_nodelay(True)
        assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        server.set_nodelay(False)
        assert not server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    run(main)
