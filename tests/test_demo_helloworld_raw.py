"""Tornado 1.0's bare-callback hello world served to curl, ``ab -k`` and wrk.

The callback writes raw response bytes, so these check that the server frames, keeps alive
or closes exactly as those clients expect, with no request lost or left hanging.
"""

from __future__ import annotations

import http.client
from typing import Any

SCRIPT = "helloworld_raw/helloworld_raw.py"


def test_urllib_gets_the_requested_uri(start_demo: Any) -> None:
    server = start_demo(SCRIPT)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for path in ("/a?x=1", "/b"):  # two requests on one HTTP/1.1 connection
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.read() == f"You requested {path}\n".encode()
    finally:
        conn.close()


def test_curl(start_demo: Any, curl: Any) -> None:
    head, body = curl(start_demo(SCRIPT).url + "/curl")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == b"You requested /curl\n"


def test_ab_keep_alive(start_demo: Any, ab: Any) -> None:
    """ab -k speaks HTTP/1.0 + ``Connection: Keep-Alive``; the raw response does not promise
    keep-alive, so the server must close after each answer rather than leave ab waiting."""
    server = start_demo(SCRIPT)
    summary = ab(server.url + "/ab", requests=2000, concurrency=10)
    assert summary["Complete requests"] == "2000"
    assert summary["Failed requests"] == "0"
    assert summary["Document Length"] == str(len(b"You requested /ab\n")) + " bytes"
    assert "Non-2xx responses" not in summary
    assert "Write errors" not in summary or summary["Write errors"] == "0"


def test_wrk(start_demo: Any, wrk: Any) -> None:
    server = start_demo(SCRIPT)
    assert wrk(server.url + "/wrk") > 100
    # The server is still fine afterwards.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/after")
        assert conn.getresponse().read() == b"You requested /after\n"
    finally:
        conn.close()
