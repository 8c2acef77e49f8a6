"""The overview's hello world, run as a script: plain HTTP, curl, and HTTP/1.1 keep-alive."""

from __future__ import annotations

import http.client
import subprocess
import urllib.request
from typing import Any

SCRIPT = "helloworld/helloworld.py"


def test_get_root_says_hello(start_demo: Any) -> None:
    server = start_demo(SCRIPT)
    with urllib.request.urlopen(server.url + "/", timeout=10) as resp:
        assert resp.status == 200
        assert resp.read() == b"Hello, world"
        assert resp.headers["Content-Type"].startswith("text/html")


def test_unknown_path_is_404(start_demo: Any) -> None:
    server = start_demo(SCRIPT)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/nope")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 404
    finally:
        conn.close()


def test_curl_gets_hello(start_demo: Any, curl: str) -> None:
    server = start_demo(SCRIPT)
    out = subprocess.run(
        [curl, "--silent", "--show-error", "--max-time", "10", "--include", server.url + "/"],
        capture_output=True, timeout=20, check=True,
    ).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == b"Hello, world"


def test_two_requests_on_one_keep_alive_connection(start_demo: Any) -> None:
    server = start_demo(SCRIPT)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/")
        first = conn.getresponse()
        assert first.read() == b"Hello, world"
        assert not first.will_close
        sock = conn.sock
        conn.request("GET", "/")
        second = conn.getresponse()
        assert second.read() == b"Hello, world"
        assert conn.sock is sock  # the same TCP connection answered both
    finally:
        conn.close()

