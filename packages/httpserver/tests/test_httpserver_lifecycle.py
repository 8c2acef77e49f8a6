"""Starting, stopping, graceful shutdown and pre-forking."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from tornado.httpserver import HTTPServer, bind_sockets


def test_asyncio_run_main_with_listen() -> None:
    async def main() -> bytes:
        server = HTTPServer(lambda r: r.respond(b"from main"))
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server.listen(port, "127.0.0.1")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        data = await reader.read()
        writer.close()
        server.stop()
        await server.close_all_connections()
        return data

    assert asyncio.run(main()).endswith(b"\r\n\r\nfrom main")


def test_bind_then_start_single_process() -> None:
    async def main() -> bytes:
        server = HTTPServer(lambda r: r.respond(b"started"))
        server.bind(0, "127.0.0.1")
        port = server._pending_sockets[0].getsockname()[1]
        server.start(1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.0\r\n\r\n")
        data = await reader.read()
        writer.close()
        server.stop()
        return data

    assert asyncio.run(main()).endswith(b"started")


def test_stop_refuses_new_connections_but_serves_open_ones() -> None:
    async def main() -> tuple[bytes, bool]:
        server = HTTPServer(lambda r: r.respond(b"still here"))
        socks = bind_sockets(0, "127.0.0.1")
        port = socks[0].getsockname()[1]
        server.add_sockets(socks)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.01)
        server.stop()
        writer.write(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        data = await reader.readuntil(b"still here")
        try:
            await asyncio.open_connection("127.0.0.1", port)
            refused = False
        except OSError:
            refused = True
        writer.close()
        await server.close_all_connections()
        return data, refused

    data, refused = asyncio.run(main())
    assert data.endswith(b"still here") and refused


def test_close_all_connections_is_graceful() -> None:
    async def main() -> tuple[bytes, bytes, int]:
        release = asyncio.Event()

        async def cb(request: Any) -> None:
            if request.path == "/slow":
                await release.wait()
            request.respond(b"done " + request.path.encode())

        server = HTTPServer(cb)
        socks = bind_sockets(0, "127.0.0.1")
        port = socks[0].getsockname()[1]
        server.add_sockets(socks)
        r1, w1 = await asyncio.open_connection("127.0.0.1", port)  # busy
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)  # idle keep-alive
        w2.write(b"GET /fast HTTP/1.1\r\nHost: h\r\n\r\n")
        await r2.readuntil(b"done /fast")
        w1.write(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        await asyncio.sleep(0.05)
        server.stop()
        closing = asyncio.ensure_future(server.close_all_connections())
        idle_rest = await asyncio.wait_for(r2.read(), 5)  # idle one closed at once
        assert not closing.done()
        release.set()
        busy = await asyncio.wait_for(r1.read(), 5)  # busy one finished, then closed
        await asyncio.wait_for(closing, 5)
        w1.close()
        w2.close()
        return busy, idle_rest, server.connections

    busy, idle_rest, remaining = asyncio.run(main())
    assert busy.endswith(b"done /slow") and b"Connection: close" in busy
    assert idle_rest == b""
    assert remaining == 0


def test_set_close_callback_fires_when_client_leaves() -> None:
    async def main() -> bool:
        gone = asyncio.Event()

        def cb(request: Any) -> None:
            request.connection.set_close_callback(gone.set)  # long poll: never answered

        server = HTTPServer(cb)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        _, w = await asyncio.open_connection("127.0.0.1", socks[0].getsockname()[1])
        w.write(b"GET /poll HTTP/1.1\r\nHost: h\r\n\r\n")
        await asyncio.sleep(0.05)
        w.close()
        await asyncio.wait_for(gone.wait(), 5)
        server.stop()
        return True

    assert asyncio.run(main())


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"max_header_size": 0}, "max_header_size"),
        ({"max_body_size": -1}, "max_body_size"),
        ({"idle_connection_timeout": -3}, "idle_connection_timeout"),
        ({"body_timeout": "soon"}, "body_timeout"),
        ({"header_timeout": 0}, "header_timeout"),
        ({"protocol": "ftp"}, "protocol"),
    ],
)
def test_bad_settings_name_the_setting(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        HTTPServer(lambda r: None, **kwargs)


def test_bad_callback_and_port() -> None:
    with pytest.raises(TypeError, match="request_callback"):
        HTTPServer("not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        bind_sockets(70000)


PREFORK = textwrap.dedent("""
    import os, sys
    from tornado.httpserver import HTTPServer, task_id
    from tornado.ioloop import IOLoop

    def handle(request):
        request.respond(("pid=%d task=%d" % (os.getpid(), task_id())).encode(),
                        headers={"Connection": "close"})

    server = HTTPServer(handle)
    server.bind(0, "127.0.0.1")
    print(server._pending_sockets[0].getsockname()[1], flush=True)
    server.start(2)
    IOLoop.current().start()
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_prefork_two_processes(tmp_path: Any) -> None:
    script = tmp_path / "prefork.py"
    script.write_text(PREFORK)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        pids: set[int] = set()
        tasks = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                data = b""
                while chunk := s.recv(4096):
                    data += chunk
            body = data.split(b"\r\n\r\n", 1)[1].decode()
            pid, task = (int(part.split("=")[1]) for part in body.split())
            pids.add(pid)
            tasks.add(task)
        assert proc.pid not in pids
        assert len(pids) == 2 and tasks == {0, 1}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    # The parent forwards SIGTERM to its children and exits once they are gone.
    assert proc.returncode is not None
