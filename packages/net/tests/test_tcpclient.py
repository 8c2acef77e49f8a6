from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from nethelp import blackhole, eventually, free_port, open_fds
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream, SSLIOStream, StreamClosedError
from tornado.netutil import ExecutorResolver, OverrideResolver, Resolver, bind_sockets
from tornado.tcpclient import TCPClient
from tornado.tcpclient._connector import split_families
from tornado.tcpserver import TCPServer
from tornado.util import TimeoutError

V4, V6 = socket.AF_INET, socket.AF_INET6


class StaticResolver(Resolver):
    """A name whose DNS answer we choose: these exact addresses, in this order.

    (Loopback names resolve to one family here, so dual-stack answers are spelled out.)
    """

    def initialize(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = answers

    async def resolve(self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC) -> Any:
        return [a for a in self.answers if family in (socket.AF_UNSPEC, a[0])]


class SilentResolver(Resolver):
    """A resolver whose DNS server never answers."""

    async def resolve(self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC) -> Any:
        await asyncio.Event().wait()


class HelloServer(TCPServer):
    """Says who it is and which peer it sees, then closes."""

    def __init__(self, name: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.name = name
        self.peers: list[Any] = []

    async def handle_stream(self, stream: IOStream, address: Any) -> None:
        self.peers.append(address)
        try:
            await stream.write(f"{self.name}\n".encode())
            await stream.read_until_close()
        except StreamClosedError:
            pass


@pytest.fixture
def servers(io_loop: IOLoop) -> Iterator[list[TCPServer]]:
    made: list[TCPServer] = []
    yield made
    for s in made:
        s.stop()


def serve(
    servers: list[TCPServer], name: str, host: str, port: int = 0, **kw: Any
) -> tuple[HelloServer, int]:
    server = HelloServer(name, **kw)
    socks = bind_sockets(port, host)
    server.add_sockets(socks)
    servers.append(server)
    return server, socks[0].getsockname()[1]


async def greeting(stream: IOStream) -> bytes:
    return await asyncio.wait_for(stream.read_until(b"\n"), 10)


def test_split_families_keeps_resolver_order() -> None:
    a6, b6, a4, b4 = (V6, ("::1", 1)), (V6, ("::2", 1)), (V4, ("127.0.0.1", 1)), (V4, ("127.0.0.2", 1))
    assert split_families([a6, a4, b6, b4]) == ([a6, b6], [a4, b4])
    assert split_families([a4, a6]) == ([a4], [a6])
    assert split_families([]) == ([], [])


def test_connect_by_name_with_the_default_resolver(
    io_loop: IOLoop, run: Any, servers: list[TCPServer]
) -> None:
    _, port = serve(servers, "v4", "127.0.0.1")

    async def main() -> None:
        client = TCPClient()
        stream = await client.connect("localhost", port)
        assert type(stream) is IOStream
        assert await greeting(stream) == b"v4\n"
        stream.close()
        client.close()

    run(main)


def test_server_on_ipv6_only(io_loop: IOLoop, run: Any, servers: list[TCPServer], need_ipv6: None) -> None:
    _, port = serve(servers, "v6", "::1")
    answers = [(V4, ("127.0.0.1", port)), (V6, ("::1", port, 0, 0))]

    async def main() -> None:
        stream = await TCPClient(StaticResolver(answers)).connect("dual.test", port, timeout=30)
        assert await greeting(stream) == b"v6\n"
        stream.close()

    run(main)


def test_server_on_ipv4_only(io_loop: IOLoop, run: Any, servers: list[TCPServer], need_ipv6: None) -> None:
    _, port = serve(servers, "v4", "127.0.0.1")
    answers = [(V6, ("::1", port, 0, 0)), (V4, ("127.0.0.1", port))]

    async def main() -> None:
        stream = await TCPClient(StaticResolver(answers)).connect("dual.test", port, timeout=30)
        assert await greeting(stream) == b"v4\n"
        stream.close()

    run(main)


def test_af_limits_the_family(io_loop: IOLoop, run: Any, servers: list[TCPServer], need_ipv6: None) -> None:
    _, port = serve(servers, "v4", "127.0.0.1")
    answers = [(V6, ("::1", port, 0, 0)), (V4, ("127.0.0.1", port))]

    async def main() -> None:
        with pytest.raises(StreamClosedError) as info:
            await TCPClient(StaticResolver(answers)).connect("dual.test", port, af=V6, timeout=30)
        assert isinstance(info.value.real_error, ConnectionRefusedError)

    run(main)


def test_one_refusing_address_then_the_next_of_the_same_family(
    io_loop: IOLoop, run: Any, servers: list[TCPServer]
) -> None:
    _, port = serve(servers, "second", "127.0.0.1")
    refused = free_port()
    answers = [(V4, ("127.0.0.1", refused)), (V4, ("127.0.0.1", port))]

    async def main() -> None:
        stream = await TCPClient(StaticResolver(answers)).connect("multi.test", 1, timeout=30)
        assert await greeting(stream) == b"second\n"
        stream.close()

    run(main)


def test_a_silent_first_family_gives_way_to_the_second(
    io_loop: IOLoop, run: Any, servers: list[TCPServer], need_ipv6: None
) -> None:
    """The IPv6 address never answers (its SYNs are dropped); IPv4 is tried alongside it."""
    lst, fillers = blackhole(V6, "::1")
    _, port = serve(servers, "v4", "127.0.0.1")
    answers = [(V6, ("::1", lst.getsockname()[1], 0, 0)), (V4, ("127.0.0.1", port))]

    async def main() -> None:
        before = open_fds()
        stream = await TCPClient(StaticResolver(answers)).connect("dual.test", port, timeout=30)
        assert await greeting(stream) == b"v4\n"
        stream.close()
        # The losing attempt's socket is closed, not left connecting.
        await eventually(lambda: open_fds() <= before)

    try:
        run(main)
    finally:
        lst.close()
        for f in fillers:
            f.close()


def test_every_address_refusing(io_loop: IOLoop, run: Any) -> None:
    answers = [(V4, ("127.0.0.1", free_port())), (V4, ("127.0.0.1", free_port()))]

    async def main() -> None:
        before = open_fds()
        with pytest.raises(StreamClosedError) as info:
            await TCPClient(StaticResolver(answers)).connect("down.test", 1, timeout=30)
        assert isinstance(info.value.real_error, ConnectionRefusedError)
        assert open_fds() <= before

    run(main)


def test_timeout_while_connecting_names_the_addresses(io_loop: IOLoop, run: Any) -> None:
    lst, fillers = blackhole()
    port = lst.getsockname()[1]

    async def main() -> None:
        before = open_fds()
        with pytest.raises(TimeoutError, match="connecting") as info:
            await TCPClient().connect("127.0.0.1", port, timeout=0.5)
        assert f"127.0.0.1:{port}" in str(info.value) and "tried" in str(info.value)
        await eventually(lambda: open_fds() <= before)

    try:
        run(main)
    finally:
        lst.close()
        for f in fillers:
            f.close()


def test_timeout_while_resolving(io_loop: IOLoop, run: Any) -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError, match="resolving slow.test:80"):
            await TCPClient(SilentResolver()).connect(
                "slow.test", 80, timeout=datetime.timedelta(seconds=0.2)
            )

    run(main)


def test_timeout_during_the_tls_handshake(io_loop: IOLoop, run: Any, client_ctx: ssl.SSLContext) -> None:
    # A plain TCP listener that accepts and never speaks TLS.
    [lst] = bind_sockets(0, "127.0.0.1")
    held: list[socket.socket] = []
    from tornado.netutil import add_accept_handler

    remove = add_accept_handler(lst, lambda conn, addr: held.append(conn))

    async def main() -> None:
        with pytest.raises(TimeoutError, match="TLS handshake"):
            await TCPClient().connect("127.0.0.1", lst.getsockname()[1], ssl_options=client_ctx, timeout=0.5)
        # The stream was closed: the server sees EOF.
        await eventually(lambda: bool(held))
        held[0].setblocking(True)
        held[0].settimeout(10)
        while held[0].recv(4096):
            pass

    try:
        run(main)
    finally:
        remove()
        lst.close()
        for s in held:
            s.close()


def test_bad_timeout_type(io_loop: IOLoop, run: Any) -> None:
    async def main() -> None:
        with pytest.raises(TypeError, match="timeout"):
            await TCPClient().connect("127.0.0.1", 1, timeout="soon")  # type: ignore[arg-type]

    run(main)


def test_tls_connection_verifies_the_host(
    io_loop: IOLoop,
    run: Any,
    servers: list[TCPServer],
    server_ctx: ssl.SSLContext,
    client_ctx: ssl.SSLContext,
) -> None:
    _, port = serve(servers, "tls", "127.0.0.1", ssl_options=server_ctx)
    mapping = OverrideResolver(resolver=Resolver(), mapping={"wrong.example": "127.0.0.1"})

    async def main() -> None:
        stream = await TCPClient().connect("localhost", port, ssl_options=client_ctx, timeout=30)
        assert isinstance(stream, SSLIOStream)
        assert await greeting(stream) == b"tls\n"
        stream.close()
        with pytest.raises(StreamClosedError) as info:
            await TCPClient(mapping).connect("wrong.example", port, ssl_options=client_ctx, timeout=30)
        assert isinstance(info.value.real_error, ssl.SSLCertVerificationError)

    run(main)


def test_tls_with_an_options_dict(
    io_loop: IOLoop,
    run: Any,
    servers: list[TCPServer],
    server_ctx: ssl.SSLContext,
    cert_files: dict[str, str],
) -> None:
    _, port = serve(servers, "tls", "127.0.0.1", ssl_options=server_ctx)

    async def main() -> None:
        stream = await TCPClient().connect(
            "localhost", port, ssl_options={"ca_certs": cert_files["ca_certs"]}
        )
        assert await greeting(stream) == b"tls\n"
        stream.close()
        with pytest.raises(ValueError, match="colour"):
            await TCPClient().connect("localhost", port, ssl_options={"colour": "blue"})

    run(main)


def test_source_ip_and_port(io_loop: IOLoop, run: Any, servers: list[TCPServer]) -> None:
    server, port = serve(servers, "src", "127.0.0.1")
    source_port = free_port()

    async def main() -> None:
        stream = await TCPClient().connect(
            "127.0.0.1", port, source_ip="127.0.0.1", source_port=source_port, timeout=30
        )
        assert await greeting(stream) == b"src\n"
        assert server.peers[-1] == ("127.0.0.1", source_port)
        stream.close()
        stream = await TCPClient().connect("127.0.0.1", port, source_ip="127.0.0.1", timeout=30)
        await greeting(stream)
        assert server.peers[-1][0] == "127.0.0.1" and server.peers[-1][1] != source_port
        stream.close()
        with pytest.raises(ValueError, match="source_port"):
            await TCPClient().connect("127.0.0.1", port, source_port=70000)

    run(main)


def test_max_buffer_size_reaches_the_stream(io_loop: IOLoop, run: Any, servers: list[TCPServer]) -> None:
    _, port = serve(servers, "buf", "127.0.0.1")

    async def main() -> None:
        stream = await TCPClient().connect("127.0.0.1", port, max_buffer_size=4096)
        assert stream.max_buffer_size == 4096
        stream.close()

    run(main)


def test_resolver_errors_pass_through(io_loop: IOLoop, run: Any) -> None:
    async def main() -> None:
        with pytest.raises(socket.gaierror):
            await TCPClient().connect("::1", 80, af=V4)
        with pytest.raises(OSError, match="no addresses"):
            await TCPClient(StaticResolver([])).connect("empty.test", 80)

    run(main)


def test_close_closes_only_a_resolver_it_made(io_loop: IOLoop) -> None:
    import concurrent.futures

    pool = concurrent.futures.ThreadPoolExecutor(1)
    client = TCPClient(resolver=ExecutorResolver(executor=pool))
    client.close()
    assert pool.submit(lambda: 1).result(timeout=10) == 1  # a given resolver stays open
    pool.shutdown()

    own = TCPClient()
    assert isinstance(own.resolver, Resolver)
    with pytest.raises(TypeError, match="resolver"):
        TCPClient(resolver="dns")  # type: ignore[arg-type]


def test_configured_resolver_is_used_by_default(io_loop: IOLoop, run: Any, servers: list[TCPServer]) -> None:
    _, port = serve(servers, "configured", "127.0.0.1")
    saved = Resolver._save_configuration()
    Resolver.configure(StaticResolver, answers=[(V4, ("127.0.0.1", port))])
    try:

        async def main() -> None:
            stream = await TCPClient().connect("anything.test", 1, timeout=30)
            assert await greeting(stream) == b"configured\n"
            stream.close()

        run(main)
    finally:
        Resolver._restore_configuration(saved)
