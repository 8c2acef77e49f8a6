"""WSGIApplication called in-process the way a WSGI server calls it, inside
wsgiref.validate.validator (PEP 3333 checks on both sides of the call)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import logging
import shutil
import warnings
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
import tornado.web
from tornado.wsgi import WSGIApplication, WSGIUnavailableError

SITE = Path(__file__).parent / "site"


@pytest.fixture(scope="module")
def site() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wsgi_test_site_app", SITE / "site_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Result:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.code = int(status[:3])
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_list(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        for v in self.header_list("Set-Cookie"):
            jar.load(v)
        return {k: m.value for k, m in jar.items()}

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    path: str = "/",
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Result:
    """Call ``app`` as a WSGI server would, through wsgiref's validator."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        captured["headers"] = response_headers
        return lambda data: None

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # wsgiref.validate reports problems as warnings
        result: Any = validator(app)(environ, start_response)
        try:
            chunks = list(result)
        finally:
            result.close()
    return Result(captured["status"], captured["headers"], b"".join(chunks))


def test_hello(site: ModuleType) -> None:
    r = call(site.application)
    assert r.status == "200 OK"
    assert r.body == b"Hello, world"
    assert r.header("Content-Length") == "12"
    assert r.header("Content-Type") == "text/html; charset=UTF-8"


def test_head_has_headers_and_no_body(site: ModuleType) -> None:
    r = call(site.application, "/static/site.css", method="HEAD")
    assert r.code == 200 and r.body == b""
    assert r.header("Content-Length") == str((SITE / "static" / "site.css").stat().st_size)


def test_request_attributes_come_from_environ(site: ModuleType) -> None:
    r = call(site.application, "/echo/a b:c", query="q=%C3%A9t%C3%A9", headers={"User-Agent": "probe/1"})
    data = r.json()
    # PATH_INFO is decoded; tornado.web sees the path percent-encoded, as a client sends it.
    assert data["path"] == "/echo/a%20b:c"
    assert data["rest"] == "/a b:c"
    assert data["uri"] == "/echo/a%20b:c?q=%C3%A9t%C3%A9"
    assert data["query"] == "été"
    assert data["host"] == "127.0.0.1"
    assert data["protocol"] == "http"
    assert data["agent"] == "probe/1"


def test_utf8_path_round_trips(site: ModuleType) -> None:
    # PEP 3333: PATH_INFO holds the raw bytes as latin-1 characters.
    path = "/echo/" + "été".encode().decode("latin-1")
    assert call(site.application, path).json()["rest"] == "/été"


def test_form_and_multipart_bodies(site: ModuleType) -> None:
    xsrf = {"Cookie": "_xsrf=" + "a" * 32, "X-Xsrftoken": "a" * 32}
    r = call(
        site.application,
        "/echo/",
        "POST",
        body=b"name=J%C3%BCrgen",
        headers={"Content-Type": "application/x-www-form-urlencoded", **xsrf},
    )
    assert r.json() == {"name": "Jürgen", "body_length": 16, "upload": None}
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nfile text\r\n--{boundary}--\r\n"
    ).encode()
    r = call(
        site.application,
        "/echo/",
        "POST",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **xsrf},
    )
    assert r.json()["upload"] == "file text"


def test_cookies_set_and_read(site: ModuleType) -> None:
    page = call(site.application, "/login")
    token = page.cookies()["_xsrf"]
    r = call(
        site.application,
        "/cookie",
        "POST",
        body=b"flavor=mint&_xsrf=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={token}"},
    )
    assert r.body == b"set"
    # Two Set-Cookie headers, not one folded header.
    assert {"flavor", "second"} <= set(r.cookies())
    assert call(site.application, "/cookie", headers={"Cookie": "flavor=mint"}).body == b"mint"


def test_xsrf_rejects_a_post_without_the_token(site: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    r = call(
        site.application,
        "/cookie",
        "POST",
        body=b"flavor=mint",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.code == 403


def test_secure_cookie_login_and_templates(site: ModuleType) -> None:
    r = call(site.application, "/private")
    assert r.code == 302 and r.header("Location") == "/login?next=%2Fprivate"
    login = call(site.application, "/login")
    token = login.cookies()["_xsrf"]
    assert f'name="_xsrf" value="{token}"' in login.body.decode()
    assert "/static/site.css?v=" in login.body.decode()
    r = call(
        site.application,
        "/login",
        "POST",
        body=b"name=ann&_xsrf=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={token}"},
    )
    assert r.code == 302
    signed = r.cookies()["user"]
    assert signed.count("|") >= 2  # value, timestamp and signature
    page = call(site.application, "/private", headers={"Cookie": f"user={signed}"})
    assert page.code == 200
    assert "Welcome ann" in page.body.decode()
    assert "&lt;b&gt;one&lt;/b&gt;" in page.body.decode()  # autoescaped
    forged = call(site.application, "/private", headers={"Cookie": "user=ann"})
    assert forged.code == 302


def test_static_files_small_and_large(site: ModuleType, tmp_path: Path) -> None:
    static = tmp_path / "static"
    shutil.copytree(SITE / "static", static)
    big = bytes(range(256)) * 2048  # 512 KiB: more than one chunk of the static handler
    (static / "big.bin").write_bytes(big)
    app = site.make_app(static_path=str(static))
    css = call(app, "/static/site.css")
    assert css.code == 200 and css.body == (SITE / "static" / "site.css").read_bytes()
    assert css.header("Content-Type") == "text/css; charset=UTF-8"
    r = call(app, "/static/big.bin")
    assert r.code == 200 and r.body == big
    assert r.header("Content-Length") == str(len(big))
    etag = r.header("Etag")
    assert etag
    assert call(app, "/static/big.bin", headers={"If-None-Match": etag}).code == 304
    part = call(app, "/static/big.bin", headers={"Range": "bytes=10-19"})
    assert part.code == 206 and part.body == big[10:20]
    assert call(app, "/static/missing.txt").code == 404


def test_error_pages(site: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    assert call(site.application, "/nowhere").code == 404
    r = call(site.application, "/teapot")
    assert r.status.startswith("418 ")
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        r = call(site.application, "/fail")
    assert r.code == 500
    assert b"ZeroDivisionError" not in r.body  # no traceback without debug
    assert any("boom in handler" in (rec.exc_text or "") for rec in caplog.records)
    debug = site.make_app(debug=True)
    r = call(debug, "/fail")
    assert r.code == 500 and b"ZeroDivisionError: boom in handler" in r.body


def test_async_handler_that_does_not_wait_works(site: ModuleType) -> None:
    assert call(site.application, "/async/fine").body == b"async ok"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/async/sleep", "awaited I/O or a timer"),
        ("/asynchronous", "without finishing the response"),
        ("/flush", "flush()"),
        ("/raw", "request.write()"),
    ],
)
def test_what_wsgi_cannot_do_raises_a_clear_error(site: ModuleType, path: str, words: str) -> None:
    with pytest.raises(WSGIUnavailableError) as info:
        call(site.application, path)
    message = str(info.value)
    assert words in message
    assert path in message
    # The application keeps working after such an error.
    assert call(site.application).body == b"Hello, world"


def test_stream_request_body_handler_gets_the_body() -> None:
    @tornado.web.stream_request_body
    class Streamed(tornado.web.RequestHandler):
        def prepare(self) -> None:
            self.pieces: list[bytes] = []

        def data_received(self, chunk: bytes) -> None:
            self.pieces.append(chunk)

        def put(self) -> None:
            self.write(b"%d:%s:%d" % (len(self.pieces), b"".join(self.pieces), len(self.request.body)))

    app = WSGIApplication([(r"/s", Streamed), (r"/s/[0-9]+", Streamed)])
    for path in ("/s", "/s/7"):
        assert call(app, path, "PUT", body=b"abcdef").body == b"1:abcdef:0", path


def test_timer_handler_is_cancelled_not_left_pending(site: ModuleType) -> None:
    class Cleanup(tornado.web.RequestHandler):
        unwound: list[str] = []

        async def get(self) -> None:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                Cleanup.unwound.append("cancelled")
                raise

    app = WSGIApplication([(r"/", Cleanup)])
    with pytest.raises(WSGIUnavailableError):
        call(app)
    assert Cleanup.unwound == ["cancelled"]


def test_calling_from_inside_a_running_loop_is_refused(site: ModuleType) -> None:
    async def main() -> None:
        call(site.application)

    with pytest.raises(WSGIUnavailableError, match="inside a running event loop"):
        asyncio.run(main())


def test_served_by_httpserver_it_is_an_ordinary_application(site: ModuleType, serve: Any) -> None:
    import urllib.request

    server = serve(site.application)
    with urllib.request.urlopen(server.url + "/", timeout=10) as resp:
        assert resp.read() == b"Hello, world"


def test_hop_by_hop_headers_are_not_passed_to_the_wsgi_server() -> None:
    class Hop(tornado.web.RequestHandler):
        def get(self) -> None:
            self.set_header("Connection", "close")
            self.set_header("X-Kept", "yes")
            self.write("ok")

    r = call(WSGIApplication([(r"/", Hop)]))
    assert r.header("Connection") is None  # the validator would fail on it too
    assert r.header("X-Kept") == "yes"
