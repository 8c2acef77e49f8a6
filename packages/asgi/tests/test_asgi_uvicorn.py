"""A tornado.web application as an ASGI application under real uvicorn (a subprocess on a
free port): handlers, cookies, templates, async handlers, flush() streaming, client
disconnects, and clear errors for what an ASGI server cannot offer."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "site"
WAIT = 10.0


@pytest.fixture(scope="module")
def uvicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "asgi_site:app",
                "--app-dir",
                str(SITE),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--http",
                "httptools",
                "--lifespan",
                "on",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not answer:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        yield port, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def get(
    port: int,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp, resp.read()
    finally:
        conn.close()


def test_hello(uvicorn: tuple[int, Path]) -> None:
    status, resp, body = get(uvicorn[0], "/")
    assert (status, body) == (200, b"Hello, world")
    assert resp.getheader("Content-Type") == "text/html; charset=UTF-8"
    assert resp.getheader("Etag")
    assert get(uvicorn[0], "/missing")[0] == 404


def test_request_attributes(uvicorn: tuple[int, Path]) -> None:
    port = uvicorn[0]
    status, _, body = get(port, "/info/a%20b?q=%C3%A9", headers={"Host": "site.test"})
    assert json.loads(body) == {
        "path": "/info/a%20b",
        "uri": "/info/a%20b?q=%C3%A9",
        "query": "é",
        "remote_ip": "127.0.0.1",
        "host": "site.test",
        "protocol": "http",
    }
    status, _, body = get(
        port, "/info/", "POST", b"name=ann", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert json.loads(body) == {"name": "ann", "length": 8}


def test_cookies_and_secure_cookies(uvicorn: tuple[int, Path]) -> None:
    port = uvicorn[0]
    status, resp, body = get(port, "/cookie", "POST", b"")
    assert body == b"set"
    cookies = [v.split(";")[0] for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    assert len(cookies) == 2
    header = "; ".join(cookies)
    assert json.loads(get(port, "/cookie", headers={"Cookie": header})[2]) == {"plain": "p1", "secure": "s1"}
    forged = "plain=p1; signed=s1"
    assert json.loads(get(port, "/cookie", headers={"Cookie": forged})[2]) == {"plain": "p1", "secure": None}


def test_template(uvicorn: tuple[int, Path]) -> None:
    body = get(uvicorn[0], "/page?name=%3Cann%3E")[2].decode()
    assert "<h1>Hi &lt;ann&gt;</h1>" in body
    assert "<li>&lt;b&gt;</li>" in body


def test_async_handler(uvicorn: tuple[int, Path]) -> None:
    assert get(uvicorn[0], "/async")[2] == b"async done"


def test_flush_streams_to_the_client(uvicorn: tuple[int, Path]) -> None:
    port = uvicorn[0]
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT / 2) as s:
        s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        seen = b""
        while b"first;" not in seen:
            data = s.recv(65536)  # times out (and fails) if flush() did not send it
            assert data, seen
            seen += data
        assert b"last" not in seen
        assert get(port, "/release")[2] == b"released"
        while not seen.endswith(b"0\r\n\r\n"):
            data = s.recv(65536)
            assert data, seen
            seen += data
    assert b"last" in seen


def test_client_going_away_runs_on_connection_close(uvicorn: tuple[int, Path]) -> None:
    port = uvicorn[0]
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(b"GET /longpoll HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)  # let the handler start waiting (the assertion below does not depend on it)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if "/longpoll" in json.loads(get(port, "/closed")[2])["closed"]:
            return
        time.sleep(0.05)
    pytest.fail("on_connection_close was not called")


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/detach", "ASGIUnavailableError: GET /detach: detaching the connection"),
        ("/stream-attr", "ASGIUnavailableError: GET /stream-attr: request.connection.stream"),
    ],
)
def test_what_asgi_cannot_do_says_so(uvicorn: tuple[int, Path], path: str, words: str) -> None:
    port, log_path = uvicorn
    assert get(port, path)[0] == 500
    deadline = time.monotonic() + WAIT
    while words not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert words in log_path.read_text()
    assert get(port, "/")[0] == 200


def test_handler_exception_is_a_500(uvicorn: tuple[int, Path]) -> None:
    status, _, body = get(uvicorn[0], "/fail")
    assert status == 500 and b"500: Internal Server Error" in body
