"""HTTPServer.drain: the graceful exit of a frontend (stop accepting, finish, close, bounded)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from tornado.httpserver import HTTPServer, bind_sockets


async def _serve(cb: Any) -> tuple[HTTPServer, int]:
    server = HTTPServer(cb)
    socks = bind_sockets(0, "127.0.0.1")
    server.add_sockets(socks)
    await asyncio.sleep(0)
    return server, socks[0].getsockname()[1]


def test_drain_answers_in_flight_closes_idle_and_refuses_new() -> None:
    async def main() -> tuple[bytes, bytes, bool, bool, int]:
        release = asyncio.Event()

        async def cb(request: Any) -> None:
            if request.path == "/slow":
                await release.wait()
            request.respond(b"done " + request.path.encode())

        server, port = await _serve(cb)
        r_idle, w_idle = await asyncio.open_connection("127.0.0.1", port)
        w_idle.write(b"GET /fast HTTP/1.1\r\nHost: h\r\n\r\n")
        await r_idle.readuntil(b"done /fast")
        r_busy, w_busy = await asyncio.open_connection("127.0.0.1", port)
        w_busy.write(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        await asyncio.sleep(0.05)
        draining = asyncio.ensure_future(server.drain(timeout=30))
        idle_rest = await asyncio.wait_for(r_idle.read(), 5)
        try:
            _, w_new = await asyncio.open_connection("127.0.0.1", port)
            w_new.close()
            refused = False
        except OSError:
            refused = True
        still_waiting = not draining.done()
        release.set()
        busy = await asyncio.wait_for(r_busy.read(), 5)
        graceful = await asyncio.wait_for(draining, 5)
        w_idle.close()
        w_busy.close()
        assert graceful is True
        return busy, idle_rest, refused, still_waiting, server.connections

    busy, idle_rest, refused, still_waiting, remaining = asyncio.run(main())
    assert busy.endswith(b"done /slow") and b"Connection: close" in busy
    assert idle_rest == b""
    assert refused
    assert still_waiting
    assert remaining == 0


def test_drain_timeout_closes_what_is_left_and_reports_it() -> None:
    async def main() -> tuple[bool, bytes, bool]:
        gone = asyncio.Event()

        def cb(request: Any) -> None:
            request.connection.set_close_callback(gone.set)  # a long poll nobody answers

        server, port = await _serve(cb)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /poll HTTP/1.1\r\nHost: h\r\n\r\n")
        await asyncio.sleep(0.05)
        graceful = await server.drain(timeout=0.1)
        rest = await asyncio.wait_for(reader.read(), 5)
        await asyncio.wait_for(gone.wait(), 5)
        writer.close()
        return graceful, rest, gone.is_set()

    graceful, rest, close_callback_ran = asyncio.run(main())
    assert graceful is False
    assert rest == b""
    assert close_callback_ran


def test_drain_with_no_connections_returns_at_once() -> None:
    async def main() -> bool:
        server, _ = await _serve(lambda r: r.respond(b"x"))
        return await asyncio.wait_for(server.drain(timeout=30), 5)

    assert asyncio.run(main()) is True


def test_drain_rejects_a_negative_timeout_naming_it() -> None:
    async def main() -> None:
        server, _ = await _serve(lambda r: r.respond(b"x"))
        try:
            with pytest.raises(ValueError, match="drain_timeout"):
                await server.drain(timeout=-1)
        finally:
            server.stop()

    asyncio.run(main())


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    sock.close()
    return b"".join(chunks)


def test_drain_answers_connections_still_in_the_accept_queue() -> None:
    async def main() -> tuple[bool, list[bytes]]:
        server, port = await _serve(lambda r: r.respond(b"answered " + r.path.encode()))
        clients = []
        for i in range(5):
            # Blocking connects from the loop's own thread: the kernel completes them, but the
            # loop does not run, so they are still queued when the drain starts.
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            client.sendall(f"POST /p{i} HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n".encode())
            clients.append(client)
        graceful = await server.drain(timeout=30)
        loop = asyncio.get_running_loop()
        answers = [await loop.run_in_executor(None, _read_all, c) for c in clients]
        return graceful, answers

    graceful, answers = asyncio.run(main())
    assert graceful is True
    for i, answer in enumerate(answers):
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert b"Connection: close" in answer
        assert answer.endswith(f"answered /p{i}".encode())
