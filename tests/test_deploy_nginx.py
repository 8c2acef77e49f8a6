"""The production set-up end to end: Debian's nginx with deploy/nginx.conf in front of four
frontends of the blog started by deploy/frontends.py, under load from wrk."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CONF = REPO / "deploy" / "nginx.conf"
LAUNCHER = REPO / "deploy" / "frontends.py"
BLOG = REPO / "demos" / "blog" / "blog.py"
STATIC = REPO / "demos" / "blog" / "static"
SECRET = "test-secret-for-the-deployed-blog"
AUTHOR, PASSWORD = "ops@example.com", "a long enough password"
COUNT = 4
WAIT = 20.0


def frontend_connections(ports: list[int]) -> set[tuple[int, int]]:
    """Established TCP connections to ``ports`` on 127.0.0.1 as (frontend port, peer port)."""
    found: set[tuple[int, int]] = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            port = int(local.rsplit(":", 1)[1], 16)
            if state == "01" and port in ports:
                found.add((port, int(remote.rsplit(":", 1)[1], 16)))
    return found


class Stack:
    def __init__(self, prefix: Path, base: int, port: int, tls_port: int) -> None:
        self.prefix, self.base, self.port, self.tls_port = prefix, base, port, tls_port
        self.launcher: subprocess.Popen[bytes] | None = None

    @property
    def frontend_ports(self) -> list[int]:
        return list(range(self.base, self.base + COUNT))

    def launcher_log(self) -> str:
        return (self.prefix / "frontends.log").read_text(errors="replace")

    def get(
        self, path: str, headers: dict[str, str] | None = None, port: int | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=WAIT)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def who(self, port: int | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        status, _, body = self.get("/debug/whoami", headers, port)
        assert status == 200, body
        return json.loads(body)

    def frontend_pids(self) -> list[int]:
        return [self.who(p)["pid"] for p in self.frontend_ports]


@pytest.fixture(scope="module")
def stack(nginx: Any, net: Any) -> Iterator[Stack]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl not found") if os.environ.get("CI") == "true" else pytest.skip(
            "openssl not found"
        )
    # Not under pytest's private tmp dir: nginx's workers (user nobody when started as root) must
    # read the static files.
    prefix = Path(tempfile.mkdtemp(prefix="tornado-deploy-"))
    prefix.chmod(0o755)
    stack = Stack(prefix, net.free_run(COUNT), net.free_port(), net.free_port())
    server = None
    try:
        nginx.prepare_prefix(prefix, STATIC)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-keyout", str(prefix / "key.pem"), "-out", str(prefix / "cert.pem")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        # The shipped configuration with this test's ports, plus a TLS listener to show X-Scheme.
        conf = nginx.config(
            stack.frontend_ports,
            [f"127.0.0.1:{stack.port}", f"127.0.0.1:{stack.tls_port} ssl"],
            [f"ssl_certificate {prefix}/cert.pem;", f"ssl_certificate_key {prefix}/key.pem;"],
        )
        db = [f"--sqlite={prefix / 'blog.db'}"]
        subprocess.run(
            [sys.executable, str(BLOG), f"--create_author={AUTHOR}", "--author_name=Ops", *db],
            input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        with open(prefix / "frontends.log", "wb") as log:
            stack.launcher = subprocess.Popen(
                [sys.executable, str(LAUNCHER), f"--count={COUNT}", f"--base-port={stack.base}",
                 "--settle=1.5", "--stop-timeout=15", "--",
                 sys.executable, str(BLOG), "--port={port}", "--address=127.0.0.1", "--xheaders=true",
                 "--debug_endpoints=true", f"--cookie_secret={SECRET}", "--drain_timeout=10", *db],
                stdout=log, stderr=subprocess.STDOUT, cwd=prefix,
            )  # fmt: skip
        net.wait_for(lambda: all(net.accepting(p) for p in stack.frontend_ports), "the frontends", 60)
        server = nginx.start(prefix, conf, [stack.port, stack.tls_port])
        yield stack
    finally:
        if server is not None:
            server.stop()
        launcher = stack.launcher
        if launcher is not None and launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(30)
            except subprocess.TimeoutExpired:
                launcher.kill()
                launcher.wait()
        shutil.rmtree(prefix, ignore_errors=True)


def test_shipped_config_passes_nginx_t(nginx: Any) -> None:
    with tempfile.TemporaryDirectory() as prefix:
        out = subprocess.run(
            [nginx.executable, "-t", "-p", f"{prefix}/", "-c", str(CONF)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 0, out.stderr
    assert "test is successful" in out.stderr


def test_requests_reach_every_frontend(stack: Stack) -> None:
    seen = {stack.who()["port"] for _ in range(8 * COUNT)}
    assert seen == set(stack.frontend_ports)


def test_nginx_keeps_its_connections_to_the_frontends_alive(stack: Stack) -> None:
    """Upstream keep-alive: connections nginx opened for earlier requests are still open
    after more requests (with "Connection: close" each would have ended with its response)."""
    for _ in range(4 * COUNT):
        stack.who()
    before = frontend_connections(stack.frontend_ports)
    assert before, "no idle connection from nginx to a frontend after the requests"
    for _ in range(4 * COUNT):
        stack.who()
    assert before & frontend_connections(stack.frontend_ports), "no connection outlived a request"


def test_xheaders_give_the_handler_the_client_ip_and_scheme(stack: Stack) -> None:
    spoof = {"X-Real-IP": "203.0.113.66", "X-Scheme": "https"}
    # Straight to a frontend, the headers are believed (it runs with --xheaders)...
    direct = stack.who(stack.base, spoof)
    assert (direct["remote_ip"], direct["protocol"]) == ("203.0.113.66", "https")
    # ...through nginx they are nginx's: the client's real address and scheme.
    proxied = stack.who(headers=spoof)
    assert (proxied["remote_ip"], proxied["protocol"]) == ("127.0.0.1", "http")
    ctx = ssl.create_default_context(cafile=str(stack.prefix / "cert.pem"))
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", stack.tls_port, timeout=WAIT, context=ctx)
    try:
        conn.request("GET", "/debug/whoami", headers={"X-Scheme": "http"})
        over_tls = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    assert (over_tls["remote_ip"], over_tls["protocol"]) == ("127.0.0.1", "https")


def test_nginx_serves_static_files_with_cache_headers_for_versioned_urls(stack: Stack) -> None:
    _, _, page = stack.get("/")
    m = re.search(r'href="(/static/blog\.css\?v=[0-9a-f]+)"', page.decode())
    assert m, page[:500]
    status, headers, body = stack.get(m.group(1))
    assert status == 200
    assert headers["Server"].startswith("nginx")  # not a frontend
    assert body == (STATIC / "blog.css").read_bytes()
    assert headers["Cache-Control"] == "max-age=315360000"
    assert headers["Expires"].endswith("2037 23:55:55 GMT")
    status, headers, _ = stack.get("/static/blog.css")
    assert status == 200 and "Expires" not in headers and "Cache-Control" not in headers
    assert stack.get("/static/missing.css?v=1")[0] == 404
    status, headers, body = stack.get("/robots.txt")  # rewritten to /static/ by nginx
    assert status == 200 and headers["Server"].startswith("nginx")
    assert body == (STATIC / "robots.txt").read_bytes()
    _, headers, _ = stack.get("/")
    assert headers["Server"].startswith("TornadoServer")  # proxy_pass_header Server


def test_uploads_over_client_max_body_size_are_refused_by_nginx(stack: Stack) -> None:
    with socket.create_connection(("127.0.0.1", stack.port), timeout=WAIT) as s:
        s.sendall(
            b"POST /compose HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 60000000\r\n\r\n"
        )
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_signed_in_author_moves_between_frontends_and_pages_are_gzipped(stack: Stack) -> None:
    """One cookie secret and one database: a session made on one frontend works on all."""
    conn_headers: dict[str, str] = {}
    cookies: dict[str, str] = {}

    def request(method: str, path: str, fields: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=WAIT)
        headers = dict(conn_headers)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";")[0]
        return resp.status, resp.headers, data

    request("GET", "/auth/login")
    status, _, _ = request(
        "POST", "/auth/login", {"email": AUTHOR, "password": PASSWORD, "_xsrf": cookies["_xsrf"]}
    )
    assert status == 302
    titles = [f"Through nginx {i}" for i in range(COUNT)]
    for title in titles:  # round robin: each POST lands on another frontend
        status, _, _ = request(
            "POST", "/compose", {"title": title, "markdown": "x " * 600, "_xsrf": cookies["_xsrf"]}
        )
        assert status == 302
    _, _, home = request("GET", "/")
    assert all(t.encode() in home for t in titles)
    conn_headers["Accept-Encoding"] = "gzip"
    _, headers, body = request("GET", "/")
    assert headers["Content-Encoding"] == "gzip"
    assert all(t.encode() in gzip.decompress(body) for t in titles)
    _, headers, _ = request("GET", "/static/blog.css")
    assert "Content-Encoding" not in headers  # under gzip_min_length


def _wrk_in_background(
    wrk: Callable[..., int], url: str, seconds: int
) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["requests"] = wrk(url, seconds=seconds, connections=16)
        except BaseException as e:  # reported by the test thread
            result["error"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, result


def test_rolling_restart_under_load_loses_nothing(stack: Stack, wrk: Callable[..., int], net: Any) -> None:
    before = stack.frontend_pids()
    assert stack.launcher is not None
    done_marks = stack.launcher_log().count("rolling restart done")
    t, result = _wrk_in_background(wrk, f"http://127.0.0.1:{stack.port}/", seconds=35)
    time.sleep(1.0)
    stack.launcher.send_signal(signal.SIGHUP)
    net.wait_for(
        lambda: stack.launcher_log().count("rolling restart done") > done_marks, "the rolling restart", 60
    )
    assert t.is_alive(), "the load should outlast the rolling restart"
    t.join(90)
    if "error" in result:
        raise result["error"]  # a wrk failure: socket errors or non-2xx answers
    assert result["requests"] > 0
    after = stack.frontend_pids()
    assert not set(before) & set(after), (before, after)


def test_sigkill_of_a_frontend_costs_no_request(stack: Stack, wrk: Callable[..., int], net: Any) -> None:
    victim_port = stack.base + 2
    victim = stack.who(victim_port)["pid"]
    t, result = _wrk_in_background(wrk, f"http://127.0.0.1:{stack.port}/", seconds=6)
    time.sleep(1.5)
    os.kill(victim, signal.SIGKILL)
    t.join(60)
    if "error" in result:
        raise result["error"]
    assert result["requests"] > 0

    def replaced() -> bool:
        try:
            return stack.who(victim_port)["pid"] != victim
        except (OSError, AssertionError):
            return False

    net.wait_for(replaced, "the launcher to restart the killed frontend", 60)
    assert "exited with -9" in stack.launcher_log()


def test_failed_sign_ins_are_counted_across_frontends(stack: Stack) -> None:
    """Last in this module: it leaves 127.0.0.1 rate-limited for the rest of the window."""
    _, headers, _ = stack.get("/auth/login")
    xsrf = headers["Set-Cookie"].partition("=")[2].split(";")[0]

    def attempt(password: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=WAIT)
        try:
            body = urllib.parse.urlencode({"email": AUTHOR, "password": password, "_xsrf": xsrf})
            content_type = "application/x-www-form-urlencoded"
            conn.request(
                "POST", "/auth/login", body, {"Content-Type": content_type, "Cookie": f"_xsrf={xsrf}"}
            )
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    # Five failures (the default limit), spread by nginx over the four frontends...
    assert [attempt("wrong guess") for _ in range(5)] == [403] * 5
    # ...and every frontend now refuses, even the right password.
    assert [attempt(PASSWORD) for _ in range(COUNT)] == [429] * COUNT
