"""AsyncHTTPTestCase and AsyncHTTPSTestCase: a real server on a free loopback port per test."""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.util import TimeoutError

from ._cases import AsyncTestCase
from ._runner import get_async_test_timeout, run_on_loop

__all__ = ["AsyncHTTPSTestCase", "AsyncHTTPTestCase", "bind_unused_port", "test_certificate"]


def bind_unused_port(reuse_port: bool = False, address: str = "127.0.0.1") -> tuple[socket.socket, int]:
    """A listening socket on a free port of ``address`` (127.0.0.1 by default), and that port."""
    if not isinstance(address, str) or not address:
        raise ValueError(f"bind_unused_port address must be a non-empty host string, not {address!r}")
    sockets = bind_sockets(0, address, reuse_port=reuse_port)
    for extra in sockets[1:]:
        extra.close()
    sock = sockets[0]
    return sock, int(sock.getsockname()[1])


class AsyncHTTPTestCase(AsyncTestCase):
    """Serves :meth:`get_app` (a ``tornado.web.Application`` or any HTTPServer request
    callback) on a fresh port of 127.0.0.1 for each test.

    ``self.fetch(path)`` requests it synchronously; ``self.http_client`` and
    :meth:`get_url` serve ``gen_test`` coroutines.  The server and client are closed in
    tearDown.
    """

    http_server: HTTPServer
    http_client: AsyncHTTPClient

    def setUp(self) -> None:
        super().setUp()
        sock, port = bind_unused_port()
        self.__port = port
        try:
            self._app = self.get_app()
            self.http_client = self.get_http_client()
            self.http_server = self.get_http_server()
        except BaseException:
            sock.close()
            raise
        self.http_server.add_sockets([sock])

    def get_app(self) -> Any:
        """The application to test: override it to return your Application."""
        raise NotImplementedError(f"{type(self).__name__} must override get_app() to return the application")

    def get_http_client(self) -> AsyncHTTPClient:
        return AsyncHTTPClient()

    def get_http_server(self) -> HTTPServer:
        return HTTPServer(self._app, **self.get_httpserver_options())

    def get_httpserver_options(self) -> dict[str, Any]:
        """Extra keyword arguments for the HTTPServer (override to add some)."""
        return {}

    def get_http_port(self) -> int:
        """The port the server listens on (a new one for each test)."""
        return self.__port

    def get_protocol(self) -> str:
        return "http"

    def get_url(self, path: str) -> str:
        """The absolute URL of ``path`` on the test server."""
        return f"{self.get_protocol()}://127.0.0.1:{self.get_http_port()}{path}"

    def fetch(self, path: str, raise_error: bool = False, **kwargs: Any) -> HTTPResponse:
        """Fetch ``path`` from the test server (or an absolute ``http(s)://`` URL) and return
        the response.

        Keyword arguments go to ``AsyncHTTPClient.fetch`` (``method``, ``body``, ``headers``...).
        Unlike there, a non-2xx response is returned rather than raised unless
        ``raise_error=True``, since tests often check error codes.
        """
        if not isinstance(path, str):
            raise TypeError(f"fetch() path must be a str, not {type(path).__name__}")
        url = path if path.lower().startswith(("http://", "https://")) else self.get_url(path)
        future = self.http_client.fetch(url, raise_error=raise_error, **kwargs)
        return run_on_loop(
            self.io_loop, future, get_async_test_timeout(), f"fetch({url!r})", None, self._callback_failures()
        )

    def tearDown(self) -> None:
        server = getattr(self, "http_server", None)
        if server is not None:
            server.stop()
            try:
                run_on_loop(self.io_loop, server.close_all_connections(), get_async_test_timeout(), "closing")
            except TimeoutError:
                pass  # a request still hangs; closing the loop drops it
            client = getattr(self, "http_client", None)
            if client is not None:
                client.close()
            del self.http_server
            del self._app
        super().tearDown()


class _TestCertificate:
    """One trustme CA and a server certificate for 127.0.0.1, ::1 and localhost, written to a
    temporary directory that is removed when the process exits."""

    def __init__(self) -> None:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "::1", "localhost")
        self.directory = Path(tempfile.mkdtemp(prefix="tornado-testing-tls-"))
        atexit.register(shutil.rmtree, self.directory, True)
        self.certfile = str(self.directory / "server.pem")
        self.keyfile = str(self.directory / "server.key")
        self.ca_certs = str(self.directory / "ca.pem")
        cert.cert_chain_pems[0].write_to_path(self.certfile)
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(self.certfile, append=True)
        cert.private_key_pem.write_to_path(self.keyfile)
        ca.cert_pem.write_to_path(self.ca_certs)


_certificate: _TestCertificate | None = None
_certificate_lock = threading.Lock()


def test_certificate() -> _TestCertificate:
    """The process's test certificate (made on first use): ``certfile``, ``keyfile`` and the
    ``ca_certs`` that verifies them."""
    global _certificate
    with _certificate_lock:
        if _certificate is None:
            _certificate = _TestCertificate()
        return _certificate


test_certificate.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


class AsyncHTTPSTestCase(AsyncHTTPTestCase):
    """:class:`AsyncHTTPTestCase` over TLS.

    The default certificate is made at run time by a throwaway CA (trustme) and the default
    client verifies the server against that CA.  With your own :meth:`get_ssl_options`, the
    client does not verify certificates (as with a self-signed one).
    """

    def get_ssl_options(self) -> Any:
        """The server's ``ssl_options``: a dict (``certfile``, ``keyfile``) or an SSLContext."""
        cert = test_certificate()
        return {"certfile": cert.certfile, "keyfile": cert.keyfile}

    def get_httpserver_options(self) -> dict[str, Any]:
        return {"ssl_options": self.get_ssl_options()}

    def get_http_client(self) -> AsyncHTTPClient:
        if type(self).get_ssl_options is AsyncHTTPSTestCase.get_ssl_options:
            defaults: dict[str, Any] = {"ca_certs": test_certificate().ca_certs}
        else:
            defaults = {"validate_cert": False}
        return AsyncHTTPClient(force_instance=True, defaults=defaults)

    def get_protocol(self) -> str:
        return "https"
