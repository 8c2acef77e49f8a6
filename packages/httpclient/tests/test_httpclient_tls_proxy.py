"""TLS verification against a trustme CA, client certificates, and a real forward proxy (tinyproxy)."""

from __future__ import annotations

import ssl
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPResponse


def fetch(impl: type[AsyncHTTPClient], url: str, **kw: Any) -> Any:
    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            return await client.fetch(url, raise_error=False, **kw)
        finally:
            client.close()

    return main()


def test_tls_verified_with_ca_certs(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/small", ca_certs=tls_nginx.ca_file))
    assert r.code == 200 and r.body == b"hello world"


def test_tls_verification_is_on_by_default(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/small"))
    assert r.code == 599
    assert "certificate" in str(r.error).lower()


def test_tls_wrong_ca_fails(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/small", ca_certs=tls_nginx.other_ca_file))
    assert r.code == 599 and "certificate" in str(r.error).lower()


def test_tls_hostname_is_checked(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    # The certificate names 127.0.0.1 and localhost; 127.0.0.2 is the same server under a name it lacks.
    url = f"https://127.0.0.2:{tls_nginx.nginx.port}/small"
    r = run(fetch(impl, url, ca_certs=tls_nginx.ca_file))
    assert r.code == 599
    assert "certificate" in str(r.error).lower() and "127.0.0.2" in str(r.error), r.error
    # The chain is trusted and the address serves: only the name made it fail.
    assert run(fetch(impl, url, ca_certs=tls_nginx.ca_file, validate_cert=False)).code == 200


def test_validate_cert_false_skips_verification(
    run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any
) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/small", validate_cert=False))
    assert r.code == 200


def test_client_certificate(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    base = tls_nginx.nginx.url + "/client-cert"
    without = run(fetch(impl, base, ca_certs=tls_nginx.ca_file))
    assert without.code == 403
    with_cert = run(
        fetch(
            impl,
            base,
            ca_certs=tls_nginx.ca_file,
            client_cert=tls_nginx.client_cert,
            client_key=tls_nginx.client_key,
        )
    )
    assert with_cert.code == 200 and b"trustme" in with_cert.body


def test_ssl_options_dict(run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/small", ssl_options={"ca_certs": tls_nginx.ca_file}))
    assert r.code == 200
    r = run(fetch(impl, tls_nginx.nginx.url + "/small", ssl_options={"cert_reqs": ssl.CERT_NONE}))
    assert r.code == 200


def _proxy_kw(proxy: Any, auth: bool = True) -> dict[str, Any]:
    kw: dict[str, Any] = {"proxy_host": "127.0.0.1", "proxy_port": proxy.port}
    if auth:
        kw.update(proxy_username=proxy.username, proxy_password=proxy.password)
    return kw


def test_http_through_proxy(run: Any, impl: type[AsyncHTTPClient], nginx: Any, tinyproxy: Any) -> None:
    r = run(fetch(impl, nginx.url + "/via", **_proxy_kw(tinyproxy)))
    assert r.code == 200
    assert b"tinyproxy" in r.body  # the proxy added its Via header
    assert b"auth= " not in r.body and b"Basic" not in r.body  # Proxy-Authorization stays with the proxy


def test_proxy_authentication_required(
    run: Any, impl: type[AsyncHTTPClient], nginx: Any, tinyproxy: Any
) -> None:
    r = run(fetch(impl, nginx.url + "/via", **_proxy_kw(tinyproxy, auth=False)))
    assert r.code == 407


def test_https_through_proxy_connect(
    run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any, tinyproxy: Any
) -> None:
    r = run(fetch(impl, tls_nginx.nginx.url + "/via", ca_certs=tls_nginx.ca_file, **_proxy_kw(tinyproxy)))
    assert r.code == 200
    # Through a CONNECT tunnel the proxy cannot touch the request: no Via header reached nginx.
    assert b"tinyproxy" not in r.body


def test_https_connect_refused_without_proxy_auth(
    run: Any, impl: type[AsyncHTTPClient], tls_nginx: Any, tinyproxy: Any
) -> None:
    r = run(
        fetch(
            impl, tls_nginx.nginx.url + "/via", ca_certs=tls_nginx.ca_file, **_proxy_kw(tinyproxy, auth=False)
        )
    )
    assert r.code in (407, 599)
    assert "407" in str(r.error)
