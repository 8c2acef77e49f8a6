"""Serving an object never leaves its file open: small and large GETs, HEAD, ranges and 304s
each close the descriptor they opened."""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts /proc/self/fd")


def test_every_kind_of_get_closes_the_object_file(s3: Any, s3server: Any) -> None:
    s3.put_object(Bucket="test", Key="small", Body=b"x" * 65536)
    s3.put_object(Bucket="test", Key="large", Body=b"y" * (2 * 1024 * 1024))
    etag = s3.head_object(Bucket="test", Key="small")["ETag"]
    before = s3server.open_files()
    conn = http.client.HTTPConnection("127.0.0.1", s3server.port, timeout=10)
    requests: list[tuple[str, str, dict[str, str]]] = [
        ("GET", "/test/small", {}),
        ("HEAD", "/test/small", {}),
        ("GET", "/test/small", {"Range": "bytes=10-99"}),
        ("GET", "/test/small", {"If-None-Match": etag}),
        ("GET", "/test/large", {}),
    ]
    for _ in range(20):
        for method, path, headers in requests:
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status in (200, 206, 304), (method, path, headers, resp.status)
    conn.close()
    assert s3server.open_files() == before
