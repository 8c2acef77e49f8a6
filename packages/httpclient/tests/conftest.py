"""Fixtures for the client tests: both backends, a scripted test server, real nginx and tinyproxy.

Every client test takes the ``impl`` fixture, so it runs against the pure-Python client
and the curl client alike.  Servers run outside the loop under test (threads or child
processes), so a client bug can never stall the server that would reveal it.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from tornado.httpclient import AsyncHTTPClient
from tornado.httputil import (
    NEED_DATA,
    SERVER,
    Data,
    EndOfMessage,
    H1Connection,
    HTTPHeaders,
    ProtocolError,
    RequestHead,
)
from tornado.ioloop import IOLoop, new_event_loop


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["simple", "curl"])
def impl(request: pytest.FixtureRequest) -> type[AsyncHTTPClient]:
    """The client class under test: the pure-Python backend, then the curl backend."""
    if request.param == "simple":
        from tornado.simple_httpclient import SimpleAsyncHTTPClient

        return SimpleAsyncHTTPClient
    try:
        import pycurl  # noqa: F401
    except ImportError:
        _missing("pycurl is not installed (pip install 'tornado-httpclient[curl]')")
    from tornado.curl_httpclient import CurlAsyncHTTPClient

    return CurlAsyncHTTPClient


@pytest.fixture
def run() -> Iterator[Callable[..., Any]]:
    """Run a coroutine to completion on a fresh IOLoop (bounded by ``timeout``)."""
    loop = new_event_loop()
    io_loop = IOLoop(asyncio_loop=loop)

    def runner(coro: Awaitable[Any], timeout: float = 30) -> Any:
        async def guarded() -> Any:
            return await asyncio.wait_for(coro, timeout)

        return loop.run_until_complete(guarded())

    yield runner
    io_loop.close()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


# --------------------------------------------------------------------- scripted server


@dataclass
class Request:
    method: str
    target: str
    headers: HTTPHeaders
    body: bytes
    connection: int
    peer: str = ""


Handler = Callable[[Request], "bytes | None"]


@dataclass
class ScriptServer:
    """A threaded HTTP/1.1 server whose answers are raw bytes chosen by a handler.

    Requests are parsed with the server role of the protocol core; ``handler`` returns the
    exact response bytes (so tests can send malformed ones), ``None`` to close silently.
    ``connections`` counts accepted connections; ``requests`` records what arrived.
    """

    handler: Handler
    port: int = 0
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    close_after: bool = False
    early: Callable[[RequestHead], bytes | None] | None = None
    closed_by_client: int = 0
    after_early: list[bytes] = field(default_factory=list)
    _sock: socket.socket | None = None
    _stop: bool = False

    def start(self) -> ScriptServer:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(128)
        s.settimeout(0.2)
        self._sock = s
        self.port = s.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop:
            try:
                c, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(c, self.connections), daemon=True).start()

    def _answer_early(self, c: socket.socket, out: bytes) -> None:
        """Send a final response instead of 100 Continue, then record whatever still arrives."""
        c.sendall(out)
        c.settimeout(5)
        got = []
        while True:
            data = c.recv(65536)
            if not data:
                break
            got.append(data)
        self.after_early.append(b"".join(got))

    def _serve(self, c: socket.socket, number: int) -> None:
        h1 = H1Connection(SERVER)
        c.settimeout(30)
        head: RequestHead | None = None
        body: list[bytes] = []
        try:
            while not self._stop:
                ev = h1.next_event()
                if ev is NEED_DATA:
                    data = c.recv(65536)
                    h1.receive_data(data)
                    if not data:
                        self.closed_by_client += 1
                        return
                    continue
                if isinstance(ev, RequestHead):
                    head = ev
                    body = []
                    if ev.expect_continue and self.early is not None:
                        out = self.early(ev)
                        if out is not None:
                            self._answer_early(c, out)
                            return
                    if ev.expect_continue:
                        c.sendall(h1.send_continue())
                elif isinstance(ev, Data):
                    body.append(ev.data)
                elif isinstance(ev, EndOfMessage):
                    assert head is not None
                    peer = c.getpeername()[0]
                    req = Request(head.method, head.target, head.headers, b"".join(body), number, peer)
                    self.requests.append(req)
                    out = self.handler(req)
                    if out is None:
                        return
                    c.sendall(out)
                    h1.end_raw_response(keep_alive=not self.close_after)
                    if self.close_after or b"connection: close" in out.lower():
                        return
                else:
                    return
        except (OSError, ProtocolError):
            return
        finally:
            c.close()

    def stop(self) -> None:
        self._stop = True
        if self._sock is not None:
            self._sock.close()


def ok(body: bytes = b"hello", headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


@pytest.fixture
def script_server() -> Iterator[Callable[..., ScriptServer]]:
    started: list[ScriptServer] = []

    def start(handler: Handler, **kw: Any) -> ScriptServer:
        s = ScriptServer(handler, **kw).start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


# -------------------------------------------------------------------------- nginx

NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp_body;
    proxy_temp_path {root}/tmp_proxy;
    fastcgi_temp_path {root}/tmp_fcgi;
    uwsgi_temp_path {root}/tmp_uwsgi;
    scgi_temp_path {root}/tmp_scgi;
    keepalive_requests 100000;
    keepalive_timeout 60;
    gzip on;
    gzip_min_length 100;
    gzip_types text/plain application/json;
    types {{ text/plain txt; application/json json; application/octet-stream bin; }}
    server {{
        {listen}
        {tls}
        root {root}/www;
        add_header X-Conn $connection always;
        add_header X-Conn-Requests $connection_requests always;
        location = /small {{ default_type text/plain; return 200 "hello world"; }}
        location = /close {{ keepalive_timeout 0; default_type text/plain; return 200 "bye"; }}
        location = /redirect {{ return 302 /small; }}
        location = /sni {{ default_type text/plain; return 200 "sni=$ssl_server_name"; }}
        location = /echo {{ default_type text/plain; return 200 "$request_method $http_x_test"; }}
        location = /via {{ default_type text/plain; return 200 "via=$http_via auth=$http_authorization"; }}
        location = /client-cert {{
            default_type text/plain;
            if ($ssl_client_verify != SUCCESS) {{ return 403 "no client certificate"; }}
            return 200 "client $ssl_client_s_dn";
        }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    root: Path
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


def _wait_listening(proc: subprocess.Popen[bytes], port: int, name: str) -> None:
    """Return once ``proc`` accepts on ``port``; fail with its stderr if it exits first."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{name} did not start listening")


def start_nginx(root: Path, tls: str = "") -> tuple[subprocess.Popen[bytes], Nginx]:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        _missing("nginx not found (install Debian's nginx package)")
    www = root / "www"
    www.mkdir(parents=True, exist_ok=True)
    (www / "text.txt").write_bytes(
        b"".join(b"line %d of a compressible text file\n" % i for i in range(20000))
    )
    (www / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024))
    (www / "feed.json").write_text('{"entries": [' + ",".join(f'{{"id": {i}}}' for i in range(7)) + "]}")
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    # With TLS, 127.0.0.2 serves too: the same certificate under an address it does not name.
    addrs = ("127.0.0.1", "127.0.0.2") if tls else ("127.0.0.1",)
    listen = " ".join(f"listen {a}:{port}{' ssl' if tls else ''};" for a in addrs)
    conf.write_text(NGINX_CONF.format(root=root, port=port, user=user, tls=tls, listen=listen))
    proc = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_listening(proc, port, "nginx")
    return proc, Nginx(port, root, "https" if tls else "http")


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """Real nginx on a free loopback port: small bodies, gzip, large files, keep-alive."""
    proc, info = start_nginx(tmp_path_factory.mktemp("nginx"))
    yield info
    proc.terminate()
    proc.wait(10)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)


# --------------------------------------------------------------------- TLS (trustme)


@dataclass
class TLSInfo:
    nginx: Nginx
    ca_file: str
    client_cert: str
    client_key: str
    other_ca_file: str


@pytest.fixture(scope="session")
def tls_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSInfo]:
    """nginx serving HTTPS with a certificate from a throwaway trustme CA (for 127.0.0.1 and
    localhost); it accepts client certificates from the same CA."""
    trustme = pytest.importorskip("trustme")
    root = tmp_path_factory.mktemp("nginx-tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("client@example.com")
    server.private_key_and_cert_chain_pem.write_to_path(str(root / "server.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    client.private_key_pem.write_to_path(str(root / "client.key"))
    client.cert_chain_pems[0].write_to_path(str(root / "client.crt"))
    trustme.CA().cert_pem.write_to_path(str(root / "other-ca.pem"))
    tls = (
        f"ssl_certificate {root}/server.pem; ssl_certificate_key {root}/server.pem; "
        f"ssl_client_certificate {root}/ca.pem; ssl_verify_client optional;"
    )
    proc, info = start_nginx(root, tls=tls)
    yield TLSInfo(
        info,
        str(root / "ca.pem"),
        str(root / "client.crt"),
        str(root / "client.key"),
        str(root / "other-ca.pem"),
    )
    proc.terminate()
    proc.wait(10)


# ------------------------------------------------------------------- forward proxy

TINYPROXY_CONF = """
Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 100
LogLevel Error
LogFile "{root}/tinyproxy.log"
PidFile "{root}/tinyproxy.pid"
Allow 127.0.0.1
{auth}
"""


@dataclass
class Proxy:
    port: int
    username: str | None
    password: str | None


def _start_tinyproxy(root: Path, auth: tuple[str, str] | None) -> tuple[subprocess.Popen[bytes], Proxy]:
    binary = shutil.which("tinyproxy")
    if binary is None:
        _missing("tinyproxy not found (install Debian's tinyproxy package)")
    port = free_port()
    conf = root / "tinyproxy.conf"
    conf.write_text(
        TINYPROXY_CONF.format(port=port, root=root, auth=f"BasicAuth {auth[0]} {auth[1]}" if auth else "")
    )
    proc = subprocess.Popen(
        [binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _wait_listening(proc, port, "tinyproxy")
    return proc, Proxy(port, *(auth or (None, None)))


@pytest.fixture(scope="session")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """Debian's tinyproxy on a free loopback port, requiring basic proxy authentication."""
    proc, info = _start_tinyproxy(tmp_path_factory.mktemp("tinyproxy"), ("proxyuser", "proxy-secret"))
    yield info
    proc.terminate()
    proc.wait(10)
