"""The blog's pages for a reader: no cookie handed out until a page has a form."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from pathlib import Path
from typing import Any


def fetch(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_only_pages_with_a_form_set_the_xsrf_cookie(start_demo: Callable[..., Any], tmp_path: Path) -> None:
    blog = start_demo("blog/blog.py", "--cookie_secret=pages-test", f"--sqlite={tmp_path / 'blog.db'}")
    for path in ("/", "/archive", "/feed"):
        resp = fetch(blog.port, path)
        assert resp.status == 200 and resp.headers.get_all("Set-Cookie") is None, path
    cookies = fetch(blog.port, "/auth/login").headers.get_all("Set-Cookie") or []
    assert any(c.startswith("_xsrf=") for c in cookies)  # the sign-in form needs it
