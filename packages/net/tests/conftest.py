"""Fixtures for tornado-net: a fresh IOLoop per test, loopback servers, a test CA."""

from __future__ import annotations

import os
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.ioloop import IOLoop

sys.path.insert(0, os.path.dirname(__file__))

IN_CI = os.environ.get("CI") == "true"


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = ipv6_loopback()


@pytest.fixture
def need_ipv6() -> None:
    """Skip where the machine has no ::1 (fail under CI, which must have it)."""
    if not HAVE_IPV6:
        if IN_CI:
            pytest.fail("IPv6 loopback (::1) is not available")
        pytest.skip("IPv6 loopback (::1) is not available")


@pytest.fixture
def io_loop() -> Iterator[IOLoop]:
    loop = IOLoop()
    loop.make_current()
    yield loop
    IOLoop.clear_current()
    loop.close(all_fds=True)


@pytest.fixture
def run(io_loop: IOLoop) -> Callable[[Callable[[], Awaitable[Any]]], Any]:
    """Run an async test body on the loop, bounded in time."""

    def runner(fn: Callable[[], Awaitable[Any]]) -> Any:
        return io_loop.run_sync(fn, timeout=60)

    return runner


@pytest.fixture(scope="session")
def ca() -> Any:
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(ca: Any) -> Any:
    return ca.issue_cert("localhost", "127.0.0.1", "::1")


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


@pytest.fixture
def cert_files(server_cert: Any, ca: Any, tmp_path: Any) -> dict[str, str]:
    """PEM files on disk, for the dict form of ssl_options."""
    certfile = tmp_path / "cert.pem"
    keyfile = tmp_path / "key.pem"
    cafile = tmp_path / "ca.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(certfile))
    for pem in server_cert.cert_chain_pems[1:]:
        pem.write_to_path(str(certfile), append=True)
    server_cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    return {"certfile": str(certfile), "keyfile": str(keyfile), "ca_certs": str(cafile)}
