from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import pytest
from tornado.iostream import IOStream, SSLIOStream, StreamClosedError, ssl_options_to_context


async def ssl_pair(
    io_loop: Any, lst: socket.socket, server_opts: Any, client_opts: Any, hostname: str | None = "localhost"
) -> tuple[SSLIOStream, SSLIOStream, asyncio.Future[Any]]:
    client = SSLIOStream(socket.socket(), ssl_options=client_opts)
    connecting = client.connect(lst.getsockname(), server_hostname=hostname)
    conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
    server = SSLIOStream(conn, ssl_options=server_opts)
    return server, client, connecting


def test_ssl_round_trip_both_sides(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        server, client, connecting = await ssl_pair(io_loop, make_listener(), server_ctx, client_ctx)
        # Writes and reads issued before the handshake wait for it.
        client.write(b"hello over tls\n")
        line = server.read_until(b"\n")
        assert await connecting is client
        assert await line == b"hello over tls\n"
        assert await server.wait_for_handshake() is server
        got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        client.read_bytes(5, callback=got.set_result)
        server.write(b"world")
        assert await got == b"world"
        assert isinstance(client.socket, ssl.SSLSocket)
        assert client.socket.version() is not None
        server.close()
        assert await client.read_until_close() == b""
        client.close()

    run(main)


def test_ssl_large_transfer(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        server, client, connecting = await ssl_pair(io_loop, make_listener(), server_ctx, client_ctx)
        await connecting
        payload = bytes(range(256)) * 20_000  # ~5 MB, many TLS records
        written = server.write(payload)
        received = await client.read_bytes(len(payload))
        await written
        assert received == payload
        server.close()
        client.close()

    run(main)


def test_ssl_dict_options_server_side(
    run: Any, io_loop: Any, make_listener: Any, server_cert: Any, client_ctx: Any, tmp_path: Any
) -> None:
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))

    async def main() -> None:
        opts = {"certfile": str(cert), "keyfile": str(key)}
        server, client, connecting = await ssl_pair(io_loop, make_listener(), opts, client_ctx)
        await connecting
        await client.write(b"ping")
        assert await server.read_bytes(4) == b"ping"
        server.close()
        client.close()

    run(main)


def test_ssl_client_rejects_untrusted_certificate(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = SSLIOStream(socket.socket(), ssl_options=ssl.create_default_context())  # system CAs only
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        client.set_close_callback(lambda: closed.set_result(None))
        connecting = client.connect(lst.getsockname(), server_hostname="localhost")
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx)
        with pytest.raises(StreamClosedError) as info:
            await connecting
        await closed
        assert isinstance(info.value.real_error, ssl.SSLCertVerificationError)
        assert isinstance(client.error, ssl.SSLCertVerificationError)
        # The server side sees its handshake fail too.
        with pytest.raises(StreamClosedError):
            await server.wait_for_handshake()
        assert server.error is not None

    run(main)


def test_ssl_client_checks_hostname(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        server, client, connecting = await ssl_pair(
            io_loop, make_listener(), server_ctx, client_ctx, hostname="wrong.example"
        )
        with pytest.raises(StreamClosedError):
            await connecting
        assert isinstance(client.error, ssl.SSLCertVerificationError)
        server.close()

    run(main)


def test_ssl_hostname_defaults_to_connect_address(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = SSLIOStream(socket.socket(), ssl_options=client_ctx)
        connecting = client.connect(("localhost", lst.getsockname()[1]))  # cert names localhost
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx)
        assert await connecting is client
        server.close()
        client.close()

    run(main)


def test_ssl_callback_style_connect(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any, client_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = SSLIOStream(socket.socket(), ssl_options=client_ctx)
        connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        client.connect(
            lst.getsockname(), callback=lambda: connected.set_result("up"), server_hostname="localhost"
        )
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx)
        handshook: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server.wait_for_handshake(callback=lambda: handshook.set_result("done"))
        assert await connected == "up"
        assert await handshook == "done"
        server.close()
        client.close()

    run(main)


def test_start_tls_both_sides(run: Any, pair: Any, server_ctx: Any, client_ctx: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        await client.write(b"STARTTLS\r\n")
        assert await server.read_until(b"\r\n") == b"STARTTLS\r\n"
        await server.write(b"220 go ahead\r\n")
        server_tls = server.start_tls(server_side=True, ssl_options=server_ctx)
        assert await client.read_until(b"\r\n") == b"220 go ahead\r\n"
        client_tls = client.start_tls(server_side=False, ssl_options=client_ctx, server_hostname="localhost")
        s_tls, c_tls = await asyncio.gather(server_tls, client_tls)
        assert isinstance(s_tls, SSLIOStream) and isinstance(c_tls, SSLIOStream)
        assert isinstance(c_tls.socket, ssl.SSLSocket)
        await c_tls.write(b"secret\n")
        assert await s_tls.read_until(b"\n") == b"secret\n"
        # The plain streams are finished with.
        assert server.closed() and client.closed()
        with pytest.raises(StreamClosedError):
            client.write(b"plain")
        s_tls.close()
        c_tls.close()

    run(main)


def test_start_tls_requires_idle_stream(run: Any, pair: Any, server_ctx: Any) -> None:
    async def main() -> None:
        server, client = await pair()
        server.read_bytes(1)
        with pytest.raises(ValueError, match="not idle"):
            server.start_tls(server_side=True, ssl_options=server_ctx)
        with pytest.raises(ValueError, match="ssl_options"):
            client.start_tls(server_side=True)

    run(main)


def test_ssl_options_validation(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="certfile"):
        ssl_options_to_context({}, server_side=True)
    with pytest.raises(ValueError, match="certfile"):
        ssl_options_to_context(None, server_side=True)
    with pytest.raises(ValueError, match="bogus"):
        ssl_options_to_context({"bogus": 1}, server_side=False)
    with pytest.raises(ValueError, match="cert_reqs"):
        ssl_options_to_context({"cert_reqs": 99}, server_side=False)
    with pytest.raises(TypeError, match="ssl_options"):
        ssl_options_to_context("ctx", server_side=False)  # type: ignore[arg-type]
    ctx = ssl_options_to_context({"cert_reqs": ssl.CERT_NONE}, server_side=False)
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    assert ssl_options_to_context(None, server_side=False).verify_mode == ssl.CERT_REQUIRED
    given = ssl.create_default_context()
    assert ssl_options_to_context(given, server_side=False) is given


def test_ssl_stream_bad_options_fail_at_construction(io_loop: Any) -> None:
    a, b = socket.socketpair()
    try:
        with pytest.raises(ValueError, match="certfile"):
            SSLIOStream(a, ssl_options={"keyfile": "k.pem"})  # connected => server side
    finally:
        a.close()
        b.close()


def test_plain_client_talking_to_tls_server_fails_cleanly(
    run: Any, io_loop: Any, make_listener: Any, server_ctx: Any
) -> None:
    async def main() -> None:
        lst = make_listener()
        client = IOStream(socket.socket())
        connecting = client.connect(lst.getsockname())
        conn, _ = await io_loop.asyncio_loop.sock_accept(lst)
        server = SSLIOStream(conn, ssl_options=server_ctx)
        await connecting
        await client.write(b"GET / HTTP/1.0\r\n\r\n")
        with pytest.raises(StreamClosedError) as info:
            await server.wait_for_handshake()
        assert isinstance(info.value.real_error, ssl.SSLError)
        client.close()

    run(main)
