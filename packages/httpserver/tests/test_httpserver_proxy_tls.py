"""xheaders behind a proxy, and TLS."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import trustme
from tornado.httpserver import HTTPServer


def echo_origin(request: Any) -> None:
    request.respond(f"{request.remote_ip} {request.protocol}".encode())


@pytest.mark.parametrize(
    "headers,expected",
    [
        (b"X-Real-IP: 10.0.0.7\r\n", b"10.0.0.7 http"),
        (b"X-Forwarded-For: 1.1.1.1, 10.0.0.1, 192.168.1.9\r\n", b"192.168.1.9 http"),
        (b"X-Forwarded-For: 10.0.0.1, not-an-ip\r\n", b"10.0.0.1 http"),
        (b"X-Real-IP: garbage\r\n", b"127.0.0.1 http"),
        (b"X-Scheme: https\r\n", b"127.0.0.1 https"),
        (b"X-Forwarded-Proto: https\r\n", b"127.0.0.1 https"),
        (b"X-Forwarded-Proto: gopher\r\n", b"127.0.0.1 http"),
        (b"X-Real-IP: ::1\r\nX-Forwarded-For: 10.1.1.1\r\n", b"::1 http"),
    ],
)
def test_xheaders(serve: Any, client_factory: Any, headers: bytes, expected: bytes) -> None:
    st = serve(echo_origin, xheaders=True)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\n" + headers + b"\r\n")
    assert c.response()[1] == expected


def test_xheaders_ignored_when_off(serve: Any, client_factory: Any) -> None:
    st = serve(echo_origin)
    c = client_factory(st.port)
    c.send(b"GET / HTTP/1.1\r\nHost: h\r\nX-Real-IP: 10.0.0.7\r\nX-Scheme: https\r\n\r\n")
    assert c.response()[1] == b"127.0.0.1 http"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def test_tls_with_ssl_options_dict(serve: Any, client_factory: Any, ca: trustme.CA, tmp_path: Any) -> None:
    cert = ca.issue_cert("localhost", "127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    st = serve(echo_origin, ssl_options={"certfile": str(certfile), "keyfile": str(keyfile)})
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    c = client_factory(st.port, tls=client_ctx)
    for _ in range(2):
        c.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.response()[1] == b"127.0.0.1 https"


def test_tls_with_ssl_context(serve: Any, client_factory: Any, ca: trustme.CA) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    st = serve(lambda r: r.respond(r.full_url().encode()), ssl_options=server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    c = client_factory(st.port, tls=client_ctx)
    c.send(b"GET /secure HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert c.response()[1] == b"https://localhost/secure"


def test_bad_ssl_options_name_the_setting(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="certfile"):
        HTTPServer(echo_origin, ssl_options={"keyfile": "k.pem"})
    with pytest.raises(ValueError, match="certfile"):
        HTTPServer(echo_origin, ssl_options={"certfile": str(tmp_path / "missing.pem")})
    with pytest.raises(ValueError, match="unknown setting"):
        HTTPServer(echo_origin, ssl_options={"certfile": "c", "color": "blue"})
    with pytest.raises(TypeError, match="ssl_options"):
        HTTPServer(echo_origin, ssl_options="cert.pem")  # type: ignore[arg-type]
