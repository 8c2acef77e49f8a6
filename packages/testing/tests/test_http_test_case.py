"""AsyncHTTPTestCase and AsyncHTTPSTestCase against a real HTTPServer, and bind_unused_port."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from tornado.httpserver import HTTPServer
from tornado.testing import AsyncHTTPSTestCase, AsyncHTTPTestCase, bind_unused_port, gen_test


def app(request: Any) -> None:
    """A bare HTTPServer request callback: enough to serve tests of the test case itself."""
    if request.path == "/missing":
        request.respond(b"no such page", status=404)
    elif request.path == "/echo":
        request.respond(request.method.encode() + b" " + request.body)
    elif request.path == "/hang":
        pass  # never answers
    else:
        request.respond(f"{request.protocol} {request.path}".encode())


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


class Base(AsyncHTTPTestCase):
    def get_app(self) -> Any:
        return app


def test_fetch_a_path_of_the_test_server(run_case: Any) -> None:
    got: list[Any] = []

    class Case(Base):
        def test_a(self) -> None:
            response = self.fetch("/hello")
            got.append((response.code, response.body, self.get_url("/x"), self.get_http_port()))

    assert run_case(Case, "test_a").status == "passed"
    code, body, url, port = got[0]
    assert (code, body) == (200, b"http /hello")
    assert url == f"http://127.0.0.1:{port}/x"


def test_fetch_returns_error_responses_unless_raise_error(run_case: Any) -> None:
    got: list[Any] = []

    class Case(Base):
        def test_a(self) -> None:
            got.append(self.fetch("/missing").code)
            with self.assertRaises(HTTPClientError) as caught:
                self.fetch("/missing", raise_error=True)
            got.append(caught.exception.code)

    assert run_case(Case, "test_a").status == "passed"
    assert got == [404, 404]


def test_fetch_passes_request_options_and_takes_absolute_urls(run_case: Any) -> None:
    got: list[bytes] = []

    class Case(Base):
        def test_a(self) -> None:
            got.append(self.fetch("/echo", method="POST", body=b"payload").body)
            got.append(self.fetch(self.get_url("/absolute")).body)

    assert run_case(Case, "test_a").status == "passed"
    assert got == [b"POST payload", b"http /absolute"]


def test_http_client_and_get_url_in_a_gen_test(run_case: Any) -> None:
    class Case(Base):
        @gen_test
        async def test_a(self) -> None:
            response = await self.http_client.fetch(self.get_url("/async"))
            self.assertEqual(response.body, b"http /async")

    assert run_case(Case, "test_a").status == "passed"


def test_each_test_has_its_own_port_and_the_server_stops_after_it(run_case: Any) -> None:
    ports: list[int] = []

    class Case(Base):
        def test_a(self) -> None:
            self.assertEqual(self.fetch("/").code, 200)
            ports.append(self.get_http_port())

    assert run_case(Case, "test_a").status == "passed"
    assert run_case(Case, "test_a").status == "passed"
    assert ports[0] != ports[1]
    assert refused(ports[0]) and refused(ports[1])


def test_httpserver_options_reach_the_server(run_case: Any) -> None:
    got: list[Any] = []

    class Case(Base):
        def get_httpserver_options(self) -> dict[str, Any]:
            return {"max_body_size": 4}

        def test_a(self) -> None:
            assert isinstance(self.http_server, HTTPServer)
            got.append(self.fetch("/echo", method="POST", body=b"too long for it").code)

    assert run_case(Case, "test_a").status == "passed"
    assert got == [413]


def test_a_request_left_hanging_does_not_hang_teardown(
    run_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.2")

    class Case(Base):
        def test_a(self) -> None:
            self.fetch("/hang")

    outcome = run_case(Case, "test_a")
    assert "fetch(" in str(outcome.exception) and "/hang" in str(outcome.exception)
    assert outcome.events == ["error"]


def test_get_app_must_be_overridden(run_case: Any) -> None:
    class Case(AsyncHTTPTestCase):
        def test_a(self) -> None:
            pass

    outcome = run_case(Case, "test_a")
    assert isinstance(outcome.exception, NotImplementedError)
    assert "must override get_app()" in str(outcome.exception)


def test_https_test_case_serves_tls_verified_against_the_test_ca(run_case: Any) -> None:
    got: list[Any] = []

    class Case(AsyncHTTPSTestCase):
        def get_app(self) -> Any:
            return app

        def test_a(self) -> None:
            got.append((self.get_protocol(), self.get_url("/"), self.fetch("/secure").body))
            got.append(self.http_client.defaults.get("ca_certs"))

    assert run_case(Case, "test_a").status == "passed"
    protocol, url, body = got[0]
    assert protocol == "https" and url.startswith("https://127.0.0.1:")
    assert body == b"https /secure"
    assert got[1] is not None  # verified against the generated CA, not with verification off


def test_https_with_your_own_ssl_options_does_not_verify(run_case: Any, tmp_path: Any) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("somewhere.example")  # not 127.0.0.1, and an unknown CA
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "both.pem"))
    got: list[Any] = []

    class Case(AsyncHTTPSTestCase):
        def get_app(self) -> Any:
            return app

        def get_ssl_options(self) -> Any:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tmp_path / "both.pem"))
            return context

        def test_a(self) -> None:
            got.append(self.fetch("/own").body)

    assert run_case(Case, "test_a").status == "passed"
    assert got == [b"https /own"]


def test_bind_unused_port_listens_on_loopback() -> None:
    sock, port = bind_unused_port()
    try:
        assert sock.getsockname() == ("127.0.0.1", port)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        sock.close()


def test_bind_unused_port_with_reuse_port_and_another_address() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        sock, port = bind_unused_port(reuse_port=True, address="::1")
    except OSError as e:
        pytest.skip(f"cannot bind ::1: {e}")
    try:
        assert sock.family == socket.AF_INET6 and sock.getsockname()[1] == port
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
    finally:
        sock.close()


@pytest.mark.parametrize("bad", ["", None, 127001])
def test_bind_unused_port_refuses_a_bad_address(bad: Any) -> None:
    with pytest.raises(ValueError, match="address must be a non-empty host string"):
        bind_unused_port(address=bad)
