"""Tornado 6.x's stream surface: read_into, positional forms, write limits, pipes."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from typing import Any

import pytest
from tornado.iostream import (
    BaseIOStream,
    IOStream,
    PipeIOStream,
    SSLIOStream,
    StreamBufferFullError,
    StreamClosedError,
    UnsatisfiableReadError,
)


def test_read_into_fills_the_buffer(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        buf = bytearray(10)
        fut = server.read_into(buf)
        await client.write(b"0123")
        await asyncio.sleep(0.01)
        assert not fut.done()  # not partial: waits for all ten bytes
        await client.write(b"456789tail")
        assert await fut == 10
        assert buf == b"0123456789"
        # The rest stays buffered for the next read.
        assert await server.read_bytes(4) == b"tail"

    run(main)


def test_read_into_partial_and_callback(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        buf = bytearray(100)
        client.write(b"abc")
        assert await server.read_into(buf, partial=True) == 3
        assert buf[:3] == b"abc"
        # The 6.x positional form read_into(buf, True) means partial=True.
        client.write(b"de")
        assert await server.read_into(memoryview(buf)[3:], True) == 2
        assert buf[:5] == b"abcde"
        got: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        small = bytearray(4)
        server.read_into(small, callback=got.set_result)
        client.write(b"wxyz")
        assert await got == 4 and small == b"wxyz"

    run(main)


def test_read_into_is_not_bounded_by_max_buffer_size(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair(max_buffer_size=1024)
        buf = bytearray(64 * 1024)
        fut = server.read_into(buf)
        payload = os.urandom(len(buf))
        await client.write(payload)
        assert await fut == len(buf)
        assert buf == payload
        assert not server.closed()

    run(main)


def test_read_into_fails_when_closed_before_full(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        buf = bytearray(10)
        fut = server.read_into(buf)
        await client.write(b"only5")
        client.close()
        with pytest.raises(StreamClosedError):
            await fut
        with pytest.raises(TypeError, match="writable"):
            server.read_into(b"read-only")

    run(main)


def test_6x_positional_forms(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        client.write(b"abcdef")
        first = await server.read_bytes(100, True)  # read_bytes(n, partial)
        assert first and len(first) <= 6
        await server.read_bytes(6 - len(first))
        with pytest.raises(StreamClosedError) as info:
            fut = server.read_until(b"\n", 8)  # read_until(delim, max_bytes)
            client.write(b"no newline within eight bytes")
            await fut
        assert isinstance(info.value.real_error, UnsatisfiableReadError)
        assert "max_bytes=8" in str(info.value.real_error)
        assert server.closed()

    run(main)


def test_read_until_regex_positional_max_bytes(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        client.write(b"123;")
        assert await server.read_until_regex(rb"\d+;", 16) == b"123;"

    run(main)


def test_max_write_buffer_size(run: Any, raw_pair: Any) -> None:
    async def main() -> None:
        stream, peer = await raw_pair(max_write_buffer_size=1 << 20)
        assert stream.max_write_buffer_size == 1 << 20
        # The peer never reads: the kernel buffers fill, then the stream's buffer does.
        with pytest.raises(StreamBufferFullError, match="max_write_buffer_size"):
            for _ in range(1000):
                stream.write(b"x" * 65536)
        assert not stream.closed()
        with pytest.raises(ValueError, match="max_write_buffer_size"):
            IOStream(socket.socket(), max_write_buffer_size=0)

    run(main)


def test_real_error_on_pending_write_and_read(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        reading = server.read_bytes(1)
        cause = ConnectionError("protocol violation")
        server.close(cause)
        with pytest.raises(StreamClosedError) as info:
            await reading
        assert info.value.real_error is cause
        with pytest.raises(StreamClosedError) as info:
            server.write(b"late")
        assert info.value.real_error is cause
        assert "protocol violation" in str(info.value)

    run(main)


def test_wait_for_handshake_callback_server_side(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = SSLIOStream(socket.socket(), ssl_options=client_ctx)
        connecting = client.connect(lst.getsockname(), "localhost")  # 6.x: server_hostname positional
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut = server.wait_for_handshake(callback=lambda: done.set_result(None))
        await done
        assert fut.result() is server
        assert await connecting is client
        assert server.socket.version() is not None  # type: ignore[attr-defined]
        client.close()
        server.close()

    run(main)


def test_start_tls_moves_close_callback(run: Any, pair: Any, server_ctx: Any, client_ctx: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        server.set_close_callback(lambda: closed.set_result(None))
        s_fut = server.start_tls(True, server_ctx)
        c_fut = client.start_tls(False, client_ctx, server_hostname="localhost")
        s_tls, c_tls = await asyncio.gather(s_fut, c_fut)
        await asyncio.sleep(0.01)
        assert not closed.done()  # the plain stream was retired, not closed by the peer
        c_tls.close()
        await closed  # the callback now belongs to the TLS stream
        assert s_tls.closed()

    run(main)


def test_pipe_stream_read_and_write(run: Any) -> None:
    async def main() -> None:
        r, w = os.pipe()
        reader, writer = PipeIOStream(r), PipeIOStream(w)
        assert isinstance(reader, BaseIOStream) and not isinstance(reader, IOStream)
        await writer.write(b"line one\nline two\n")
        assert await reader.read_until(b"\n") == b"line one\n"
        big = os.urandom(300_000)  # more than a pipe holds: the write is buffered and flushed
        written = writer.write(big)
        assert await reader.read_bytes(9) == b"line two\n"
        assert await reader.read_bytes(len(big)) == big
        await written
        writer.close()
        assert await reader.read_until_close() == b""
        assert reader.closed()
        with pytest.raises(OSError):
            os.fstat(r)  # the stream closed its descriptor

    run(main)


def test_pipe_writer_notices_reader_gone(run: Any) -> None:
    async def main() -> None:
        r, w = os.pipe()
        writer = PipeIOStream(w)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        writer.set_close_callback(lambda: closed.set_result(None))
        os.close(r)
        await closed
        with pytest.raises(StreamClosedError):
            writer.write(b"nobody listens")

    run(main)


def test_pipe_stream_rejects_non_fd(io_loop: Any) -> None:
    with pytest.raises(TypeError, match="file descriptor"):
        PipeIOStream("0")  # type: ignore[arg-type]


# -- Tornado 6's fd hooks: read_from_fd, write_to_fd, get_fd_error -------------------------


def test_read_from_fd_and_write_to_fd_on_sockets(run: Any, raw_pair: Any) -> None:
    async def main() -> None:
        stream, peer = await raw_pair()
        buf = bytearray(8)
        assert stream.read_from_fd(buf) is None  # nothing yet: would block
        peer.send(b"0123456789")
        await sleep_until_readable(stream)
        assert stream.read_from_fd(buf) == 8 and buf == b"01234567"
        assert stream.read_from_fd(memoryview(buf)[:4]) == 2 and buf[:2] == b"89"
        assert stream.write_to_fd(memoryview(b"pong")) == 4
        assert await asyncio.get_running_loop().sock_recv(peer, 10) == b"pong"
        peer.close()
        await sleep_until_readable(stream)
        assert stream.read_from_fd(buf) == 0  # end of stream

    run(main)


async def sleep_until_readable(stream: BaseIOStream) -> None:
    import select

    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while not select.select([stream.fileno()], [], [], 0)[0]:
        assert loop.time() < end, "no data arrived"
        await asyncio.sleep(0.005)


def test_read_from_fd_and_write_to_fd_on_pipes(run: Any) -> None:
    async def main() -> None:
        r, w = os.pipe()
        reader, writer = PipeIOStream(r), PipeIOStream(w)
        assert (reader.fd, writer.fd) == (r, w) == (reader.fileno(), writer.fileno())
        buf = bytearray(16)
        assert reader.read_from_fd(buf) is None
        assert writer.write_to_fd(memoryview(b"through the pipe")) == 16
        assert reader.read_from_fd(buf) == 16 and buf == b"through the pipe"
        writer.close()
        assert reader.read_from_fd(buf) == 0
        reader.close()

    run(main)


def test_read_from_fd_on_tls(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = SSLIOStream(socket.socket(), ssl_options=client_ctx)
        connecting = client.connect(lst.getsockname(), server_hostname="localhost")
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx, server_side=True)
        await asyncio.gather(connecting, server.wait_for_handshake())
        buf = bytearray(64)
        assert server.read_from_fd(buf) is None  # SSLWantReadError: would block
        await client.write(b"secret")
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while (n := server.read_from_fd(buf)) is None:
            assert loop.time() < end, "no data arrived"
            await asyncio.sleep(0.005)
        assert buf[:n] == b"secret"
        client.close()
        server.close()

    run(main)


def test_get_fd_error_reports_a_refused_connect(run: Any, make_listener: Any) -> None:
    async def main() -> None:
        lst = make_listener()
        address = lst.getsockname()
        lst.close()  # nothing listens there now
        sock = socket.socket()
        sock.setblocking(False)
        stream = IOStream(sock)
        assert stream.get_fd_error() is None
        try:
            sock.connect(address)
        except BlockingIOError:
            pass
        except ConnectionRefusedError:
            pytest.skip("loopback refused synchronously; no pending error to read")
        await sleep_until_writable(sock)
        err = stream.get_fd_error()
        assert isinstance(err, OSError) and err.errno == errno.ECONNREFUSED
        stream.close()

    run(main)


async def sleep_until_writable(sock: socket.socket) -> None:
    import select

    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while not select.select([], [sock], [], 0)[1]:
        assert loop.time() < end, "connect did not finish"
        await asyncio.sleep(0.005)


class _SocketPairStream(BaseIOStream):
    """A stream kind written the Tornado 6 way: only fileno, close_fd and the fd hooks."""

    def __init__(self, sock: socket.socket, **kwargs: Any) -> None:
        self.sock = sock
        sock.setblocking(False)
        self.reads = 0
        super().__init__(**kwargs)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close_fd(self) -> None:
        self.sock.close()

    def read_from_fd(self, buf: bytearray | memoryview) -> int | None:
        self.reads += 1
        try:
            return self.sock.recv_into(buf, len(buf))
        except BlockingIOError:
            return None

    def write_to_fd(self, data: memoryview) -> int:
        return self.sock.send(data)


def test_a_tornado6_style_subclass_is_a_working_stream(run: Any) -> None:
    async def main() -> None:
        a, b = socket.socketpair()
        left, right = _SocketPairStream(a), _SocketPairStream(b, read_chunk_size=4)
        await left.write(b"hello world\nsecond line\n")
        assert await right.read_until(b"\n") == b"hello world\n"
        assert await right.read_bytes(6) == b"second"
        assert right.reads > 1  # read_chunk_size=4: the data came through read_from_fd in pieces
        closed = asyncio.get_running_loop().create_future()
        right.set_close_callback(lambda: closed.set_result(True))
        left.close()
        assert await right.read_until_close() == b" line\n"
        assert await closed

    run(main)


def test_read_until_close_pending_at_close_gets_what_had_arrived(run: Any, pair: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        await client.write(b"arrived")
        await asyncio.sleep(0.05)  # in the kernel, not yet read by the stream
        fut = server.read_until_close()
        server.close()
        assert await fut == b"arrived"

    run(main)
