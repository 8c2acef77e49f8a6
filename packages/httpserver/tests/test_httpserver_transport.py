"""How a connection meets the transport: one batch of responses per loop iteration, and
reads sized to stay cheap.

The batching tests drive connections through fake transports so the order of events is exact.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tornado.httpserver import HTTPServer, bind_sockets
from tornado.httpserver._connection import READ_SIZE, HTTP1ServerConnection
from tornado.ioloop import IOLoop, new_event_loop

REQUEST = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RecordingTransport(asyncio.Transport):
    """Records writes and close into a log shared by several transports."""

    def __init__(self, name: str, log: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.name = name
        self.log = log
        self._closing = False

    def write(self, data: Any) -> None:
        self.log.append((self.name, bytes(data)))

    def close(self) -> None:
        self._closing = True
        self.log.append((self.name, "close"))

    def is_closing(self) -> bool:
        return self._closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default


@contextmanager
def current_loop(loop: asyncio.AbstractEventLoop | None = None) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh loop (the one IOLoop would pick unless given), current for the block, then closed."""
    loop = new_event_loop() if loop is None else loop
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def run(coro_fn: Any, loop: asyncio.AbstractEventLoop | None = None) -> Any:
    with current_loop(loop) as lp:
        return lp.run_until_complete(coro_fn())


def answer(request: Any) -> None:
    request.write(RESPONSE)
    request.finish()


def connect(server: HTTPServer, name: str, log: list[tuple[str, Any]]) -> HTTP1ServerConnection:
    conn = HTTP1ServerConnection(server)
    conn.connection_made(RecordingTransport(name, log))
    return conn


def test_answers_of_one_iteration_are_sent_together_on_the_next() -> None:
    async def main() -> None:
        log: list[tuple[str, Any]] = []
        server = HTTPServer(answer)
        a, b = connect(server, "a", log), connect(server, "b", log)
        a.data_received(REQUEST)
        b.data_received(REQUEST + REQUEST)  # two pipelined requests: one write
        assert log == []  # nothing sent while still reading
        await asyncio.sleep(0)
        assert log == [("a", RESPONSE), ("b", RESPONSE + RESPONSE)]
        a.data_received(REQUEST)  # the next batch works the same way
        await asyncio.sleep(0)
        assert log[2:] == [("a", RESPONSE)]

    run(main)


def test_answer_from_a_later_callback_is_sent_at_once() -> None:
    async def main() -> None:
        log: list[tuple[str, Any]] = []
        held: list[Any] = []
        server = HTTPServer(held.append)
        conn = connect(server, "a", log)
        conn.data_received(REQUEST)
        await asyncio.sleep(0)
        assert log == [] and len(held) == 1
        answer(held[0])
        assert log == [("a", RESPONSE)]  # no waiting for another iteration

    run(main)


def test_close_sends_queued_output_first() -> None:
    def answer_and_close(request: Any) -> None:
        answer(request)
        request.connection.close()

    async def main() -> None:
        log: list[tuple[str, Any]] = []
        conn = connect(HTTPServer(answer_and_close), "a", log)
        conn.data_received(REQUEST)
        assert log == [("a", RESPONSE), ("a", "close")]
        await asyncio.sleep(0)
        assert log == [("a", RESPONSE), ("a", "close")]  # and nothing twice

    run(main)


def test_connection_lost_before_the_batch_is_sent() -> None:
    async def main() -> None:
        log: list[tuple[str, Any]] = []
        server = HTTPServer(answer)
        a, b = connect(server, "a", log), connect(server, "b", log)
        a.data_received(REQUEST)
        b.data_received(REQUEST)
        a.transport.close()  # type: ignore[union-attr]
        a.connection_lost(None)
        await asyncio.sleep(0)
        assert log == [("a", "close"), ("b", RESPONSE)]

    run(main)


def test_asyncio_transport_reads_at_most_64k_at_a_time() -> None:
    """asyncio's default 256 KiB recv() allocates above malloc's mmap threshold on every read;
    the server asks for 64 KiB, and a body larger than that still arrives whole."""
    seen: list[tuple[int, int]] = []

    def record(request: Any) -> None:
        seen.append((request.connection.transport.max_size, len(request.body)))
        request.write(RESPONSE)
        request.finish()

    async def main() -> None:
        server = HTTPServer(record)
        socks = bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        port = socks[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = b"x" * 300_000
        writer.write(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert await asyncio.wait_for(reader.readexactly(len(RESPONSE)), 10) == RESPONSE
        writer.close()
        server.stop()

    run(main, asyncio.SelectorEventLoop())  # asyncio's own transport, whatever the env selects
    assert seen == [(READ_SIZE, 300_000)]
    assert READ_SIZE == 64 * 1024


def test_answer_then_stop_the_loop_still_sends_the_answer() -> None:
    """A callback that answers and stops the IOLoop: the batched response goes out first."""

    def answer_and_stop(request: Any) -> None:
        answer(request)
        IOLoop.current().stop()

    received: list[bytes] = []
    with current_loop():
        ioloop = IOLoop.current()
        socks = bind_sockets(0, "127.0.0.1")
        HTTPServer(answer_and_stop).add_sockets(socks)
        port = socks[0].getsockname()[1]

        def client() -> None:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(REQUEST)
                data = b""
                while len(data) < len(RESPONSE):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)

        t = threading.Thread(target=client)
        ioloop.add_callback(t.start)
        ioloop.start()  # returns once the callback stopped it; not run again afterwards
        t.join(10)
    assert received == [RESPONSE]
