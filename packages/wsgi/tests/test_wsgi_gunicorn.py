"""The test site as a WSGIApplication under real gunicorn (sync workers), driven over HTTP with
urllib and a cookie jar: cookies, secure cookies, XSRF, templates, static files, error pages."""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SITE = Path(__file__).parent / "site"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("gunicorn")
    static = tmp / "static"
    shutil.copytree(SITE / "static", static)
    (static / "big.bin").write_bytes(bytes(range(256)) * 1024)
    from socket import AF_INET, SOCK_STREAM, socket

    with socket(AF_INET, SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--chdir",
                str(SITE),
                "site_app:application",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "SITE_STATIC_PATH": str(static)},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, log_path)
        yield url, log_path
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{log_path.read_text()}")


@pytest.fixture
def gunicorn(gunicorn_server: tuple[str, Path]) -> str:
    return gunicorn_server[0]


class Browser:
    """urllib with a cookie jar; redirects are returned, not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=10) as resp:
                return resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), e.read()

    def cookie(self, name: str) -> str | None:
        for c in self.jar:
            if c.name == name:
                return c.value
        return None


def test_hello(gunicorn: str) -> None:
    status, headers, body = Browser(gunicorn).request("/")
    assert (status, body) == (200, b"Hello, world")
    assert headers["Content-Type"] == "text/html; charset=UTF-8"


def test_login_flow_with_xsrf_secure_cookie_and_templates(gunicorn: str) -> None:
    b = Browser(gunicorn)
    status, _, _ = b.request("/private")
    assert status == 302
    status, _, page = b.request("/login")
    assert status == 200
    token = b.cookie("_xsrf")
    assert token and f'value="{token}"' in page.decode()
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', page.decode())
    assert css is not None
    # Without the token the form post is refused.
    status, _, _ = Browser(gunicorn).request("/login", {"name": "eve"})
    assert status == 403
    status, headers, _ = b.request("/login", {"name": "ann", "_xsrf": token})
    assert status == 302 and headers["Location"] == "/private"
    assert b.cookie("user") is not None
    status, _, page = b.request("/private")
    assert status == 200
    assert "Welcome ann" in page.decode()
    assert "&lt;b&gt;one&lt;/b&gt;" in page.decode()
    status, headers, content = b.request(css.group(1))
    assert status == 200 and content == (SITE / "static" / "site.css").read_bytes()
    assert "max-age" in headers["Cache-Control"]


def test_plain_cookies_round_trip(gunicorn: str) -> None:
    b = Browser(gunicorn)
    b.request("/login")
    status, _, body = b.request("/cookie", {"flavor": "mint", "_xsrf": b.cookie("_xsrf") or ""})
    assert (status, body) == (200, b"set")
    assert b.cookie("flavor") == "mint" and b.cookie("second") == "2"
    assert b.request("/cookie")[2] == b"mint"


def test_static_file_larger_than_a_chunk(gunicorn: str) -> None:
    status, headers, body = Browser(gunicorn).request("/static/big.bin")
    assert status == 200
    assert body == bytes(range(256)) * 1024
    assert headers["Content-Length"] == str(256 * 1024)


def test_error_pages_and_the_server_keeps_serving(gunicorn: str) -> None:
    b = Browser(gunicorn)
    assert b.request("/missing")[0] == 404
    assert b.request("/teapot")[0] == 418
    status, _, body = b.request("/fail")
    assert status == 500 and b"500: Internal Server Error" in body
    assert b.request("/")[2] == b"Hello, world"


def test_unavailable_feature_is_a_500_with_the_reason_in_gunicorns_log(
    gunicorn_server: tuple[str, Path],
) -> None:
    url, log_path = gunicorn_server
    b = Browser(url)
    assert b.request("/asynchronous")[0] == 500
    assert b.request("/")[2] == b"Hello, world"
    log = log_path.read_text()
    assert "WSGIUnavailableError: GET /asynchronous: the handler returned without finishing" in log
