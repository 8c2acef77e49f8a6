from __future__ import annotations

import asyncio
import importlib.util
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None

LOOP_KINDS = [
    "asyncio",
    pytest.param("uvloop", marks=pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop not installed")),
]


@pytest.fixture(params=LOOP_KINDS)
def io_loop(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[IOLoop]:
    """A fresh current IOLoop on each available loop implementation."""
    monkeypatch.setenv("TORNADO_EVENT_LOOP", request.param)
    loop = IOLoop()
    loop.make_current()
    yield loop
    IOLoop.clear_current()
    loop.close(all_fds=True)


@pytest.fixture
def run(io_loop: IOLoop) -> Callable[[Callable[[], Awaitable[Any]]], Any]:
    """Run an async test body on the loop, bounded in time."""

    def runner(fn: Callable[[], Awaitable[Any]]) -> Any:
        return io_loop.run_sync(fn, timeout=30)

    return runner


def listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    return sock


@pytest.fixture
def make_listener() -> Iterator[Callable[[], socket.socket]]:
    made: list[socket.socket] = []

    def make() -> socket.socket:
        sock = listener()
        made.append(sock)
        return sock

    yield make
    for s in made:
        s.close()


@pytest.fixture
def pair(io_loop: IOLoop) -> Iterator[Callable[..., Awaitable[tuple[IOStream, IOStream]]]]:
    """Factory: ``server, client = await pair(**iostream_kwargs)`` over loopback TCP."""
    created: list[IOStream] = []

    async def make(**kw: Any) -> tuple[IOStream, IOStream]:
        lst = listener()
        try:
            client = IOStream(socket.socket(), **kw)
            connecting = client.connect(lst.getsockname())
            conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        finally:
            lst.close()
        server = IOStream(conn, **kw)
        await connecting
        created.extend([server, client])
        return server, client

    yield make
    for s in created:
        s.close()


@pytest.fixture
def raw_pair(io_loop: IOLoop) -> Iterator[Callable[..., Awaitable[tuple[IOStream, socket.socket]]]]:
    """Factory: ``stream, peer = await raw_pair(**kw)``; ``peer`` is a plain non-blocking socket."""
    made: list[Any] = []

    async def make(**kw: Any) -> tuple[IOStream, socket.socket]:
        lst = listener()
        try:
            peer = socket.socket()
            peer.setblocking(False)
            await io_loop.asyncio_loop.sock_connect(peer, lst.getsockname())
            conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        finally:
            lst.close()
        stream = IOStream(conn, **kw)
        made.extend([stream, peer])
        return stream, peer

    yield make
    for obj in made:
        obj.close()


@pytest.fixture(scope="session")
def ca() -> Any:
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(ca: Any) -> Any:
    return ca.issue_cert("localhost", "127.0.0.1")


@pytest.fixture
def server_ctx(server_cert: Any) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(ctx)
    return ctx


@pytest.fixture
def client_ctx(ca: Any) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(ctx)
    return ctx


async def sleep_until(cond: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll ``cond`` on the loop (bounded), for states with no event to await."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


@pytest.fixture
def wait_for() -> Callable[..., Awaitable[None]]:
    return sleep_until
