from __future__ import annotations

import socket
import ssl
import threading
from typing import Any

import pytest
import tornado.iostream
from tornado.netutil import ssl_options_to_context, ssl_wrap_socket


def test_one_conversion_in_the_stack() -> None:
    assert ssl_options_to_context is tornado.iostream.ssl_options_to_context


def handshake(server: ssl.SSLSocket, client: ssl.SSLSocket) -> bytes:
    """Complete a TLS handshake over a socketpair (server in a thread); echo one message."""
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.do_handshake()
            server.sendall(server.recv(100))
        except BaseException as e:  # reported to the test below
            errors.append(e)

    t = threading.Thread(target=serve)
    t.start()
    try:
        client.do_handshake()
        client.sendall(b"ping")
        data = client.recv(100)
    finally:
        t.join(10)
    if errors:
        raise errors[0]
    return data


def socketpair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)
    return a, b


def test_ssl_wrap_socket_with_dicts_on_both_sides(cert_files: dict[str, str]) -> None:
    a, b = socketpair()
    server = ssl_wrap_socket(
        a,
        {"certfile": cert_files["certfile"], "keyfile": cert_files["keyfile"]},
        server_side=True,
        do_handshake_on_connect=False,
    )
    client = ssl_wrap_socket(
        b,
        {"ca_certs": cert_files["ca_certs"]},
        server_hostname="localhost",
        server_side=False,
        do_handshake_on_connect=False,
    )
    try:
        assert server.server_side and not client.server_side
        assert handshake(server, client) == b"ping"
        cert = client.getpeercert()
        assert cert is not None and cert["subjectAltName"][0] == ("DNS", "localhost")
    finally:
        server.close()
        client.close()


def test_ssl_wrap_socket_client_verifies_the_name(cert_files: dict[str, str]) -> None:
    a, b = socketpair()
    server = ssl_wrap_socket(a, cert_files | {}, server_side=True, do_handshake_on_connect=False)
    client = ssl_wrap_socket(
        b,
        {"ca_certs": cert_files["ca_certs"]},
        server_hostname="wrong.example",
        server_side=False,
        do_handshake_on_connect=False,
    )
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(server, client)
    finally:
        server.close()
        client.close()


def test_ssl_wrap_socket_passes_an_sslcontext_through(
    server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> None:
    a, b = socketpair()
    server = ssl_wrap_socket(a, server_ctx, server_side=True, do_handshake_on_connect=False)
    client = ssl_wrap_socket(b, client_ctx, server_hostname="localhost", do_handshake_on_connect=False)
    try:
        assert server.context is server_ctx and client.context is client_ctx
        assert handshake(server, client) == b"ping"
    finally:
        server.close()
        client.close()


def test_without_server_side_a_generic_context_is_deprecated(cert_files: dict[str, str]) -> None:
    with pytest.warns(DeprecationWarning, match="server_side"):
        ctx = ssl_options_to_context({"certfile": cert_files["certfile"], "keyfile": cert_files["keyfile"]})
    assert ctx.protocol == ssl.PROTOCOL_TLS
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    # The generic context works on either side, as in the older API.
    a, b = socketpair()
    with pytest.warns(DeprecationWarning):
        client = ssl_wrap_socket(b, {"cert_reqs": ssl.CERT_NONE}, do_handshake_on_connect=False)
    server = ctx.wrap_socket(a, server_side=True, do_handshake_on_connect=False)
    try:
        assert handshake(server, client) == b"ping"
    finally:
        server.close()
        client.close()


def test_server_and_client_contexts(cert_files: dict[str, str]) -> None:
    server = ssl_options_to_context(cert_files, server_side=True)
    assert server.protocol == ssl.PROTOCOL_TLS_SERVER
    assert server.verify_mode == ssl.CERT_NONE
    client = ssl_options_to_context({"ca_certs": cert_files["ca_certs"]}, server_side=False)
    assert client.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname
    # ca_certs alone is trusted, not the system store as well.
    assert len(client.get_ca_certs()) == 1


def test_client_certificates_are_required_when_asked(cert_files: dict[str, str]) -> None:
    ctx = ssl_options_to_context(cert_files | {"cert_reqs": ssl.CERT_REQUIRED}, server_side=True)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert len(ctx.get_ca_certs()) == 1


def test_encrypted_key_with_password(server_cert: Any, tmp_path: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(server_cert.private_key_pem.bytes(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    certfile, keyfile = tmp_path / "c.pem", tmp_path / "k.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(certfile))
    keyfile.write_bytes(encrypted)
    opts = {"certfile": str(certfile), "keyfile": str(keyfile)}
    assert ssl_options_to_context(opts | {"password": "s3cret"}, server_side=True)
    with pytest.raises(ValueError, match="certfile"):
        ssl_options_to_context(opts | {"password": "wrong"}, server_side=True)


def test_ssl_version_and_ciphers(cert_files: dict[str, str]) -> None:
    ctx = ssl_options_to_context(
        {
            "ca_certs": cert_files["ca_certs"],
            "ssl_version": ssl.PROTOCOL_TLS_CLIENT,
            "ciphers": "ECDHE+AESGCM",
        },
        server_side=False,
    )
    assert ctx.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert len(ctx.get_ca_certs()) == 1
    assert all("ECDHE" in c["name"] or c["protocol"] == "TLSv1.3" for c in ctx.get_ciphers())


@pytest.mark.parametrize(
    ("options", "server_side", "error", "match"),
    [
        ({}, True, ValueError, "certfile"),
        ({"certfile": "/no/such/cert.pem"}, True, ValueError, "certfile"),
        ({"ca_certs": "/no/such/ca.pem"}, False, ValueError, "ca_certs"),
        ({"colour": "blue"}, False, ValueError, "colour"),
        ({"cert_reqs": 7}, False, ValueError, "cert_reqs"),
        ({"ciphers": "NO-SUCH-CIPHER"}, False, ValueError, "ciphers"),
        ({"ssl_version": "tls"}, False, ValueError, "ssl_version"),
        ({"ssl_version": 99}, False, ValueError, "ssl_version"),
        ({"cert_reqs": ssl.CERT_NONE, "check_hostname": True}, False, ValueError, "check_hostname"),
        ("cert.pem", False, TypeError, "ssl_options"),
    ],
)
def test_bad_settings_name_themselves(options: Any, server_side: bool, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ssl_options_to_context(options, server_side=server_side)


def test_a_file_that_is_not_pem_names_the_setting(tmp_path: Any) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ValueError, match="certfile"):
        ssl_options_to_context({"certfile": str(junk)}, server_side=True)
    with pytest.raises(ValueError, match="ca_certs"):
        ssl_options_to_context({"ca_certs": str(junk)}, server_side=False)
