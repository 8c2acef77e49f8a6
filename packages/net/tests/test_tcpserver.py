from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from nethelp import eventually
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream, SSLIOStream, StreamClosedError
from tornado.netutil import bind_sockets
from tornado.tcpserver import TCPServer


class EchoServer(TCPServer):
    """Echoes lines; records the streams and addresses it was given."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.streams: list[tuple[IOStream, Any]] = []

    async def handle_stream(self, stream: IOStream, address: Any) -> None:
        self.streams.append((stream, address))
        try:
            while True:
                line = await stream.read_until(b"\n")
                if line == b"boom\n":
                    raise RuntimeError("handler failed")
                await stream.write(line)
        except StreamClosedError:
            pass


async def echo_once(port: int, host: str = "127.0.0.1", data: bytes = b"hello\n") -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def closed_by_peer(reader: asyncio.StreamReader) -> bool:
    """True once the server has closed the connection (EOF, or a reset for unread data)."""
    try:
        return await asyncio.wait_for(reader.read(), 10) == b""
    except ConnectionResetError:
        return True


def port_of(server: TCPServer) -> int:
    return next(iter(server._sockets.values())).getsockname()[1]


def test_listen_serves_a_coroutine_handler(io_loop: IOLoop, run: Any) -> None:
    server = EchoServer()

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        port = port_of(server)
        assert await echo_once(port) == b"hello\n"
        stream, address = server.streams[0]
        assert type(stream) is IOStream
        assert address[0] == "127.0.0.1"

    try:
        run(main)
    finally:
        server.stop()


def test_listen_with_family_and_backlog(io_loop: IOLoop, run: Any, need_ipv6: None) -> None:
    server = EchoServer()

    async def main() -> None:
        server.listen(0, None, family=socket.AF_INET6, backlog=5)
        [sock] = server._sockets.values()
        assert sock.family == socket.AF_INET6
        assert await echo_once(port_of(server), "::1") == b"hello\n"

    try:
        run(main)
    finally:
        server.stop()


def test_listen_reuse_port_lets_two_servers_share_a_port(io_loop: IOLoop, run: Any) -> None:
    a, b = EchoServer(), EchoServer()

    async def main() -> None:
        a.listen(0, "127.0.0.1", reuse_port=True)
        port = port_of(a)
        b.listen(port, "127.0.0.1", reuse_port=True)
        for _ in range(40):
            assert await echo_once(port) == b"hello\n"
            if a.streams and b.streams:
                break
        assert len(a.streams) + len(b.streams) >= 1

    try:
        run(main)
    finally:
        a.stop()
        b.stop()


def test_add_sockets_and_add_socket(io_loop: IOLoop, run: Any) -> None:
    server = EchoServer()
    socks = bind_sockets(0, "127.0.0.1") + bind_sockets(0, "127.0.0.1")

    async def main() -> None:
        server.add_sockets(socks[:1])
        server.add_socket(socks[1])
        for s in socks:
            assert await echo_once(s.getsockname()[1]) == b"hello\n"
        with pytest.raises(ValueError, match="already"):
            server.add_socket(socks[0])

    try:
        run(main)
    finally:
        server.stop()


def test_bind_then_start_in_one_process(io_loop: IOLoop, run: Any) -> None:
    server = EchoServer()
    server.bind(0, "127.0.0.1")
    server.bind(0, "127.0.0.1")
    assert not server._sockets  # nothing accepted before start()
    server.start(1)
    with pytest.raises(RuntimeError, match="start"):
        server.start(1)
    server.bind(0, "127.0.0.1")  # after start: accepted at once

    async def main() -> None:
        ports = [s.getsockname()[1] for s in server._sockets.values()]
        assert len(ports) == 3
        for port in ports:
            assert await echo_once(port) == b"hello\n"

    try:
        run(main)
    finally:
        server.stop()


def test_stop_closes_listeners_but_not_connections(io_loop: IOLoop, run: Any) -> None:
    server = EchoServer()

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        port = port_of(server)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"one\n")
        assert await asyncio.wait_for(reader.readline(), 10) == b"one\n"
        listeners = list(server._sockets.values())
        server.stop()
        server.stop()  # twice is harmless
        assert all(s.fileno() == -1 for s in listeners)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"two\n")  # the open connection carries on
        assert await asyncio.wait_for(reader.readline(), 10) == b"two\n"
        writer.close()

    run(main)


def test_coroutine_failure_is_logged_and_serving_continues(
    io_loop: IOLoop, run: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = EchoServer()

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        port = port_of(server)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"boom\n")
        await eventually(lambda: any("Error in connection callback" in r.message for r in caplog.records))
        writer.close()
        assert await echo_once(port) == b"hello\n"

    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        try:
            run(main)
        finally:
            server.stop()
    [record] = [r for r in caplog.records if "Error in connection callback" in r.message]
    assert record.name == "tornado.application"
    assert record.exc_info is not None and "handler failed" in str(record.exc_info[1])


class SyncFailingServer(TCPServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def handle_stream(self, stream: IOStream, address: Any) -> None:
        self.calls += 1
        if self.calls == 1:
            stream.close()
            raise ValueError("sync failure")
        stream.write(b"ok\n")
        stream.close()


def test_plain_handler_failure_is_logged_and_serving_continues(
    io_loop: IOLoop, run: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = SyncFailingServer()

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        port = port_of(server)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
        assert await echo_once(port, data=b"") == b"ok\n"

    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        try:
            run(main)
        finally:
            server.stop()
    assert any(r.exc_info and "sync failure" in str(r.exc_info[1]) for r in caplog.records)


def test_handle_stream_must_be_overridden(
    io_loop: IOLoop, run: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = TCPServer()

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        await eventually(lambda: any(r.exc_info for r in caplog.records))
        writer.close()

    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        try:
            run(main)
        finally:
            server.stop()
    assert any(r.exc_info and r.exc_info[0] is NotImplementedError for r in caplog.records)


def test_stream_settings_reach_each_stream(io_loop: IOLoop, run: Any) -> None:
    server = EchoServer(max_buffer_size=1000, read_chunk_size=100)

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        assert await echo_once(port_of(server)) == b"hello\n"
        stream = server.streams[0][0]
        assert stream.max_buffer_size == 1000 and stream.read_chunk_size == 100
        # A line longer than the buffer closes that connection only.
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        writer.write(b"x" * 5000)
        assert await closed_by_peer(reader)
        writer.close()
        assert await echo_once(port_of(server)) == b"hello\n"

    try:
        run(main)
    finally:
        server.stop()


@pytest.mark.parametrize("setting", ["max_buffer_size", "read_chunk_size"])
@pytest.mark.parametrize("value", [0, -1, "10", 1.5, True])
def test_bad_stream_settings_name_themselves(setting: str, value: Any) -> None:
    with pytest.raises(ValueError, match=setting):
        TCPServer(**{setting: value})


def test_tls_with_an_sslcontext(
    io_loop: IOLoop, run: Any, server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> None:
    server = EchoServer(ssl_options=server_ctx)

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port_of(server), ssl=client_ctx, server_hostname="localhost"
        )
        writer.write(b"secret\n")
        assert await asyncio.wait_for(reader.readline(), 10) == b"secret\n"
        writer.close()
        assert isinstance(server.streams[0][0], SSLIOStream)

    try:
        run(main)
    finally:
        server.stop()


def test_tls_with_an_options_dict(
    io_loop: IOLoop, run: Any, cert_files: dict[str, str], client_ctx: ssl.SSLContext
) -> None:
    server = EchoServer(ssl_options={"certfile": cert_files["certfile"], "keyfile": cert_files["keyfile"]})

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port_of(server), ssl=client_ctx, server_hostname="localhost"
        )
        writer.write(b"dict\n")
        assert await asyncio.wait_for(reader.readline(), 10) == b"dict\n"
        writer.close()

    try:
        run(main)
    finally:
        server.stop()


def test_tls_garbage_from_a_client_does_not_stop_the_server(
    io_loop: IOLoop, run: Any, server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> None:
    server = EchoServer(ssl_options=server_ctx)

    async def main() -> None:
        server.listen(0, "127.0.0.1")
        port = port_of(server)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")  # plain text to a TLS port
        assert await closed_by_peer(reader)
        writer.close()
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        writer.write(b"still\n")
        assert await asyncio.wait_for(reader.readline(), 10) == b"still\n"
        writer.close()

    try:
        run(main)
    finally:
        server.stop()


def test_bad_ssl_options_fail_at_construction(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="certfile"):
        TCPServer(ssl_options={"certfile": str(tmp_path / "missing.pem")})
    with pytest.raises(ValueError, match="certfile"):
        TCPServer(ssl_options={})
    with pytest.raises(TypeError, match="ssl_options"):
        TCPServer(ssl_options="cert.pem")  # type: ignore[arg-type]


PREFORK = textwrap.dedent("""
    import os, sys
    from tornado.ioloop import IOLoop
    from tornado.process import task_id
    from tornado.tcpserver import TCPServer

    class Who(TCPServer):
        async def handle_stream(self, stream, address):
            await stream.write(("%d %d\\n" % (os.getpid(), task_id())).encode())
            stream.close()

    server = Who()
    server.bind(0, "127.0.0.1")
    print(server._pending_sockets[0].getsockname()[1], flush=True)
    server.start(2)
    IOLoop.current().start()
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_start_forks_workers_sharing_the_sockets(tmp_path: Any) -> None:
    script = tmp_path / "prefork.py"
    script.write_text(PREFORK)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        seen: dict[int, int] = {}
        deadline = time.monotonic() + 60
        while len(seen) < 2 and time.monotonic() < deadline:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                data = b""
                while chunk := s.recv(100):
                    data += chunk
            pid, task = map(int, data.split())
            seen[pid] = task
        assert proc.pid not in seen
        assert sorted(seen.values()) == [0, 1]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)
