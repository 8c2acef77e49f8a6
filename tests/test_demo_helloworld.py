"""The overview's hello world, run as a script: plain HTTP, curl, and HTTP/1.1 keep-alive."""

from __future__ import annotations

import http.client
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


def test_curl_gets_hello(start_demo: Any, curl: Any) -> None:
    head, body = curl(start_demo(SCRIPT).url + "/")
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


def test_ab_keep_alive(start_demo: Any, ab: Any) -> None:
    """ab -k (HTTP/1.0 + Connection: Keep-Alive): every answer keeps the connection open."""
    server = start_demo(SCRIPT)
    summary = ab(server.url + "/", requests=2000, concurrency=10)
    assert summary["Complete requests"] == "2000"
    assert summary["Failed requests"] == "0"
    assert summary["Keep-Alive requests"] == "2000"
    assert summary["Document Length"] == "12 bytes"
    assert "Non-2xx responses" not in summary


def test_wrk(start_demo: Any, wrk: Any) -> None:
    assert wrk(start_demo(SCRIPT).url + "/") > 100
