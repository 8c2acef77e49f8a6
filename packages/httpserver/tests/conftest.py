from __future__ import annotations

import asyncio
import queue
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.httputil import CLIENT, NEED_DATA, Data, EndOfMessage, H1Connection, ResponseHead
from tornado.ioloop import new_event_loop


class ServerThread:
    """An HTTPServer on 127.0.0.1, started inside a coroutine on a background thread's loop."""

    def __init__(self, callback: Callable[..., Any], **kwargs: Any) -> None:
        self._ready: queue.Queue[Any] = queue.Queue()
        self._callback = callback
        self._kwargs = kwargs
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: HTTPServer | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        item = self._ready.get(timeout=10)
        if isinstance(item, BaseException):
            raise item
        self.port: int = item

    def _run(self) -> None:
        async def main() -> None:
            try:
                self.loop = asyncio.get_running_loop()
                self._stop = asyncio.Event()
                self.server = HTTPServer(self._callback, **self._kwargs)
                socks = bind_sockets(0, "127.0.0.1")
                self.server.add_sockets(socks)
                await asyncio.sleep(0)
                self._ready.put(socks[0].getsockname()[1])
            except BaseException as e:
                self._ready.put(e)
                raise
            await self._stop.wait()
            self.server.stop()
            await asyncio.wait_for(self.server.close_all_connections(), 10)

        # The loop IOLoop would pick (uvloop when installed, or TORNADO_EVENT_LOOP).
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop and return its result (awaiting coroutines)."""
        assert self.loop is not None

        async def runner() -> Any:
            r = fn()
            if asyncio.iscoroutine(r):
                r = await r
            return r

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(10)

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(15)


class RawClient:
    """A blocking socket client that reads responses with the protocol core's client role."""

    def __init__(self, port: int, tls: ssl.SSLContext | None = None, timeout: float = 10) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.pending = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self, method: str = "GET") -> tuple[ResponseHead, bytes]:
        conn = H1Connection(CLIENT)
        conn.send_request(method, "/", {"Host": "x"})
        if self.pending:
            conn.receive_data(self.pending)
        head: ResponseHead | None = None
        body = []
        while True:
            ev = conn.next_event()
            if ev is NEED_DATA:
                data = self.sock.recv(65536)
                conn.receive_data(data)
                continue
            if isinstance(ev, ResponseHead) and ev.status_code >= 200:
                head = ev
            elif isinstance(ev, Data):
                body.append(ev.data)
            elif isinstance(ev, EndOfMessage):
                break
        self.pending = conn.trailing_data[0]
        assert head is not None
        return head, b"".join(body)

    def read_raw(self) -> bytes:
        """Everything until the server closes (or the timeout)."""
        out = [self.pending]
        self.pending = b""
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    break
                out.append(d)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(out)

    def is_closed_by_server(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerThread]]:
    started: list[ServerThread] = []

    def start(callback: Callable[..., Any], **kwargs: Any) -> ServerThread:
        st = ServerThread(callback, **kwargs)
        started.append(st)
        return st

    yield start
    for st in started:
        st.stop()


@pytest.fixture
def client_factory() -> Iterator[Callable[..., RawClient]]:
    clients: list[RawClient] = []

    def make(port: int, **kwargs: Any) -> RawClient:
        c = RawClient(port, **kwargs)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def hello_raw(request: Any) -> None:
    message = "You requested %s\n" % request.uri  # noqa: UP031 (Tornado 1.0 verbatim)
    request.write("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(message), message))  # noqa: UP031
    request.finish()


@pytest.fixture
def hello() -> Callable[[Any], None]:
    return hello_raw
