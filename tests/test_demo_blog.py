"""The blog demo end to end, on SQLite and on a real MariaDB/MySQL: headless Chromium for what a
reader and an author do, a plain HTTP client for the sign-in limits, XSRF and the feed."""

from __future__ import annotations

import email.utils
import http.client
import http.cookies
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
BLOG = REPO / "demos" / "blog" / "blog.py"
SCRIPT = "blog/blog.py"
SECRET = "test-secret-for-the-blog-demo"
AUTHOR = "alice@example.com"
PASSWORD = "correct horse battery"
WAIT = 15.0
DEFAULT_MYSQL = "root@127.0.0.1:3306/test"


# ------------------------------------------------------------------------ the backends


def mysql_settings() -> dict[str, str]:
    """Server settings from TORNADO_TEST_MYSQL (``user[:password]@host[:port]/db``)."""
    spec = os.environ.get("TORNADO_TEST_MYSQL") or DEFAULT_MYSQL
    creds, _, rest = spec.rpartition("@")
    host, _, _ = rest.partition("/")
    user, _, password = creds.partition(":")
    return {"host": host, "user": user or "root", "password": password}


def _mysql_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"MySQL required when CI=true: {reason}")
    pytest.skip(f"MySQL not available: {reason}")


@pytest.fixture
def mysql_database() -> Iterator[list[str]]:
    """A fresh database of this test's own on the MySQL server (dropped afterwards); yields the
    blog's command-line flags for it."""
    try:
        from tornado.database import Connection, Error
    except ImportError as e:  # pragma: no cover - the integration env has it
        _mysql_unavailable(str(e))
    s = mysql_settings()
    name = "blog_test_" + uuid.uuid4().hex[:12]
    try:
        admin = Connection(s["host"], user=s["user"], password=s["password"] or None, connect_timeout=5)
    except ImportError:
        _mysql_unavailable("the mysqlclient driver (MySQLdb) is not installed")
    except Error as e:
        _mysql_unavailable(f"cannot connect to {s['host']}: {e}")
    admin.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        yield [
            f"--mysql_host={s['host']}",
            f"--mysql_database={name}",
            f"--mysql_user={s['user']}",
            f"--mysql_password={s['password']}",
        ]
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@pytest.fixture(params=["sqlite", "mysql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """The database flags of each backend in turn."""
    if request.param == "mysql":
        flags: list[str] = request.getfixturevalue("mysql_database")
        return flags
    return [f"--sqlite={tmp_path / 'blog.db'}"]


def create_author(flags: list[str], cwd: Path, email: str = AUTHOR, password: str = PASSWORD) -> str:
    out = subprocess.run(
        [sys.executable, str(BLOG), f"--create_author={email}", "--author_name=Alice", *flags],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.fixture
def blog(start_demo: Callable[..., Any], backend: list[str], tmp_path: Path) -> Any:
    create_author(backend, tmp_path)
    return start_demo(SCRIPT, f"--cookie_secret={SECRET}", "--address=127.0.0.1", *backend)


# ------------------------------------------------------------------- a small HTTP client


class Client:
    """A cookie-keeping HTTP client that never follows redirects."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
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
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expires = morsel["expires"]
                gone = bool(expires) and email.utils.parsedate_to_datetime(expires).timestamp() < time.time()
                if gone or morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp.status, resp.headers, data

    def xsrf(self) -> str:
        if "_xsrf" not in self.cookies:
            self.request("GET", "/auth/login")
        return self.cookies["_xsrf"]

    def login(
        self, email: str = AUTHOR, password: str = PASSWORD
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self.request(
            "POST", "/auth/login", {"email": email, "password": password, "next": "/", "_xsrf": self.xsrf()}
        )

    def compose(self, title: str, text: str, slug: str = "") -> tuple[int, http.client.HTTPMessage, bytes]:
        fields = {"title": title, "markdown": text, "_xsrf": self.xsrf()}
        if slug:
            fields["slug"] = slug
        return self.request("POST", "/compose", fields)


# --------------------------------------------------------------------- in the browser


def test_author_signs_in_composes_edits_and_signs_out_in_chromium(blog: Any, browser: Any) -> None:
    import feedparser

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT * 1000)
    try:
        page.goto(blog.url + "/")
        assert page.locator("p.empty").inner_text() == "No entries yet."
        page.click("#sign-in")
        page.fill("input[name=email]", AUTHOR)
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-button")
        page.wait_for_selector("#sign-out")
        assert "Alice" in page.inner_text("#sign-out")

        page.click("#compose-link")
        page.fill("input[name=title]", "Hello from Chromium")
        page.fill("textarea[name=markdown]", "Some **bold** words.\n\n* one\n* two\n")
        page.click("#publish")
        page.wait_for_url(re.compile(r"/entry/hello-from-chromium$"))
        assert page.inner_text("article.entry h2") == "Hello from Chromium"
        assert page.inner_text("article.entry .body strong") == "bold"
        assert page.locator("article.entry .body li").count() == 2

        page.goto(blog.url + "/")
        titles = page.locator("article.entry h2 a").all_inner_texts()
        assert titles == ["Hello from Chromium"]
        # The Entry UI module's CSS is on the page, once.
        assert page.content().count(".entry { margin-bottom: 2em; }") == 1

        feed = feedparser.parse(Client(blog.port).request("GET", "/feed")[2])
        assert [e.title for e in feed.entries] == ["Hello from Chromium"]

        page.click("article.entry a.edit")
        page.fill("input[name=title]", "Hello, edited")
        page.fill("textarea[name=markdown]", "Now *emphasised*.")
        page.click("#publish")
        page.wait_for_url(re.compile(r"/entry/hello-from-chromium$"))
        assert page.inner_text("article.entry h2") == "Hello, edited"
        assert page.inner_text("article.entry .body em") == "emphasised"
        feed = feedparser.parse(Client(blog.port).request("GET", "/feed")[2])
        assert [e.title for e in feed.entries] == ["Hello, edited"]
        assert "<em>emphasised</em>" in feed.entries[0].content[0].value

        page.click("#sign-out")
        page.wait_for_selector("#sign-in")
        assert page.locator("#compose-link").count() == 0
        assert page.locator("a.edit").count() == 0
        page.goto(blog.url + "/compose")
        assert "/auth/login" in page.url
    finally:
        context.close()


def test_script_in_a_title_or_body_never_runs(blog: Any, browser: Any) -> None:
    client = Client(blog.port)
    assert client.login()[0] == 302
    title = "<script>alert(1)</script>"
    body = 'Text <script>alert(2)</script> and <img src="x" onerror="alert(3)"> [link](javascript:alert(4))'
    status, headers, _ = client.compose(title, body)
    assert status == 302
    entry_path = headers["Location"]

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT * 1000)
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        for path in ("/", entry_path, "/archive"):
            page.goto(blog.url + path)
            heading = page.locator("article.entry h2, ul.archive a").first
            assert heading.inner_text() == title  # shown as text
        page.goto(blog.url + entry_path)
        assert page.locator("article.entry script").count() == 0
        assert page.locator("article.entry [onerror]").count() == 0
        hrefs = page.locator("article.entry .body a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs and not any(h and h.lower().startswith("javascript:") for h in hrefs)
        assert dialogs == []
    finally:
        context.close()


def test_wrong_password_is_refused_in_chromium(blog: Any, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT * 1000)
    try:
        page.goto(blog.url + "/auth/login")
        page.fill("input[name=email]", AUTHOR)
        page.fill("input[name=password]", "not the password")
        with page.expect_response(
            lambda r: r.url.endswith("/auth/login") and r.request.method == "POST"
        ) as info:
            page.click("#sign-in-button")
        assert info.value.status == 403
        assert page.inner_text("p.error") == "Wrong e-mail address or password."
        page.goto(blog.url + "/")
        assert page.locator("#sign-in").count() == 1
        assert not any(c["name"] == "blog_author" for c in context.cookies())
    finally:
        context.close()


def test_an_author_signs_in_with_google_through_the_auth_mixin(
    start_demo: Callable[..., Any], browser: Any, tmp_path: Path
) -> None:
    """GoogleOAuth2Mixin against tornado.auth's local stand-in provider: alice@example.com is an
    author and is signed in; bob@example.com is not and is refused."""
    pytest.importorskip("tornado.auth.providers")
    flags = [f"--sqlite={tmp_path / 'oauth.db'}"]
    create_author(flags, tmp_path)
    blog = start_demo(
        SCRIPT, f"--cookie_secret={SECRET}", "--address=127.0.0.1", "--local_providers=true", *flags
    )
    for username, signed_in in (("alice", True), ("bob", False)):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT * 1000)
        try:
            page.goto(blog.url + "/auth/login")
            page.click("#google-sign-in")
            page.wait_for_selector("button[value=allow]")  # the provider's consent page
            page.fill("input[name=username]", username)
            with page.expect_response(
                lambda r: "/auth/google?" in r.url and r.url.startswith(blog.url)
            ) as info:
                page.click("button[value=allow]")
            if signed_in:
                page.wait_for_url(blog.url + "/")
                assert "Sign out" in page.inner_text("#sign-out")
                assert any(c["name"] == "blog_author" for c in context.cookies())
                page.goto(blog.url + "/compose")  # an author's page
                assert page.url == blog.url + "/compose"
            else:
                assert info.value.status == 403
                assert page.inner_text("p.error") == "That Google account is not one of this blog's authors."
                assert not any(c["name"] == "blog_author" for c in context.cookies())
        finally:
            context.close()


# ----------------------------------------------------------------- over plain HTTP


def test_feed_is_valid_atom_advertised_on_every_page(blog: Any) -> None:
    import feedparser

    client = Client(blog.port)
    client.login()
    for i in range(3):
        assert client.compose(f"Entry {i} & more", f"Body {i} with `code`")[0] == 302
    status, headers, data = client.request("GET", "/feed")
    assert status == 200
    assert headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Tornado Blog"
    # Published within the same second, so their order among themselves is not fixed.
    assert sorted(e.title for e in feed.entries) == ["Entry 0 & more", "Entry 1 & more", "Entry 2 & more"]
    first = feed.entries[0]
    assert first.link.startswith(blog.url + "/entry/entry-")
    assert "<code>" in first.content[0].value
    assert first.author == "Alice"
    for path in ("/", "/archive", first.link[len(blog.url) :], "/auth/login"):
        page = client.request("GET", path)[2].decode()
        assert '<link rel="alternate" type="application/atom+xml" href="/feed"' in page, path


def test_rate_limit_after_failed_sign_ins_per_address_and_per_account(
    start_demo: Callable[..., Any], tmp_path: Path
) -> None:
    flags = [f"--sqlite={tmp_path / 'blog.db'}"]
    create_author(flags, tmp_path)
    create_author(flags, tmp_path, email="bob@example.com", password="bobs password")
    blog = start_demo(
        SCRIPT, f"--cookie_secret={SECRET}", "--login_max_failures=3", "--xheaders=true", *flags
    )
    attacker = Client(blog.port, {"X-Real-IP": "198.51.100.7"})
    for _ in range(3):
        assert attacker.login(password="guess")[0] == 403
    status, headers, body = attacker.login()  # the right password, too late
    assert status == 429
    assert int(headers["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in body
    assert "blog_author" not in attacker.cookies
    # Another account from the same address: the address is limited.
    assert attacker.login("bob@example.com", "bobs password")[0] == 429
    # The same account from elsewhere: the account is limited too.
    elsewhere = Client(blog.port, {"X-Real-IP": "203.0.113.9"})
    assert elsewhere.login()[0] == 429
    # An unrelated account from an unrelated address still signs in.
    bob = Client(blog.port, {"X-Real-IP": "192.0.2.44"})
    assert bob.login("bob@example.com", "bobs password")[0] == 302
    assert "blog_author" in bob.cookies


def test_forms_need_the_xsrf_token_and_writing_needs_an_author(blog: Any) -> None:
    anonymous = Client(blog.port)
    status, headers, _ = anonymous.request("GET", "/compose")
    assert status == 302 and headers["Location"].startswith("/auth/login?next=")
    assert anonymous.compose("Sneaky", "text")[0] == 403  # has a token, no author
    client = Client(blog.port)
    client.login()
    status, _, _ = client.request("POST", "/compose", {"title": "No token", "markdown": "x"})
    assert status == 403
    status, _, _ = client.request("POST", "/auth/login", {"email": AUTHOR, "password": PASSWORD})
    assert status == 403
    status, _, body = client.compose("", "text")
    assert status == 400 and b"An entry needs a title." in body
    assert client.request("GET", "/entry/no-such-entry")[0] == 404
    assert client.request("GET", "/compose?slug=no-such-entry")[0] == 404
    assert b"No entries yet." in client.request("GET", "/")[2]


def test_sign_in_never_redirects_to_another_site(blog: Any) -> None:
    client = Client(blog.port)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        fields = {"email": AUTHOR, "password": PASSWORD, "next": target, "_xsrf": client.xsrf()}
        status, headers, _ = client.request("POST", "/auth/login", fields)
        assert status == 302 and headers["Location"] == "/", target
    fields = {"email": AUTHOR, "password": PASSWORD, "next": "/archive", "_xsrf": client.xsrf()}
    assert client.request("POST", "/auth/login", fields)[1]["Location"] == "/archive"


def test_session_cookie_is_signed_http_only_and_same_site(blog: Any) -> None:
    client = Client(blog.port)
    raw = http.client.HTTPConnection("127.0.0.1", blog.port, timeout=WAIT)
    xsrf = client.xsrf()
    body = urllib.parse.urlencode({"email": AUTHOR, "password": PASSWORD, "_xsrf": xsrf})
    raw.request(
        "POST",
        "/auth/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={xsrf}"},
    )
    resp = raw.getresponse()
    resp.read()
    raw.close()
    cookie = next(c for c in resp.headers.get_all("Set-Cookie") or [] if c.startswith("blog_author="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    forged = Client(blog.port)
    forged.cookies["blog_author"] = AUTHOR  # unsigned
    assert b'id="sign-in"' in forged.request("GET", "/")[2]


def test_entries_survive_a_restart_and_schema_is_applied_once(
    start_demo: Callable[..., Any], backend: list[str], tmp_path: Path
) -> None:
    create_author(backend, tmp_path)
    first = start_demo(SCRIPT, f"--cookie_secret={SECRET}", *backend)
    client = Client(first.port)
    client.login()
    assert client.compose("Kept", "across restarts")[0] == 302
    first.process.terminate()
    assert first.process.wait(timeout=WAIT) == 0
    second = start_demo(SCRIPT, f"--cookie_secret={SECRET}", *backend)
    assert b"Kept" in Client(second.port).request("GET", "/")[2]


def test_create_author_refuses_bad_input_with_a_clear_message(tmp_path: Path) -> None:
    flags = [f"--sqlite={tmp_path / 'blog.db'}"]

    def run(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(BLOG), *args, *flags],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    short = run(f"--create_author={AUTHOR}", password="short")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    bad = run("--create_author=not-an-address")
    assert bad.returncode != 0 and "not an e-mail address" in bad.stderr
    assert run(f"--create_author={AUTHOR}").returncode == 0
    again = run(f"--create_author={AUTHOR}")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_unreachable_mysql_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    out = subprocess.run(
        [sys.executable, str(BLOG), f"--mysql_host=127.0.0.1:{port}", "--port=0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert out.returncode != 0
    assert f"cannot use the database at 127.0.0.1:{port}" in out.stderr
