"""The blog demo's building blocks on their own: password hashing, slugs, the schema splitter,
Markdown cleaning and the database settings."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BLOG = Path(__file__).resolve().parent.parent / "demos" / "blog"


def load(name: str) -> ModuleType:
    """Import demos/blog/<name>.py under a private name (the chat demo has a ``store`` too)."""
    spec = importlib.util.spec_from_file_location(f"blog_demo_{name}", BLOG / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


passwords = load("passwords")
store = load("store")


def test_password_hashes_are_salted_scrypt_with_their_parameters() -> None:
    a, b = passwords.hash_password("correct horse"), passwords.hash_password("correct horse")
    assert a != b  # a fresh salt each time
    scheme, n, r, p, salt, key = a.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert passwords.check_password("correct horse", a)
    assert passwords.check_password("correct horse", b)
    assert not passwords.check_password("correct horsE", a)


def test_parameters_travel_with_the_hash() -> None:
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    key = hashlib.scrypt(b"old password", salt=salt, n=2**10, r=8, p=1, dklen=32)
    stored = f"scrypt${2**10}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    assert passwords.check_password("old password", stored)


@pytest.mark.parametrize(
    "stored",
    [None, "", "scrypt$x", "md5$1$1$1$AAAA$AAAA", "scrypt$16384$8$1$!!!$???", "scrypt$0$8$1$AAAA$AAAA"],
)
def test_no_account_or_a_damaged_hash_never_matches(stored: str | None) -> None:
    assert passwords.check_password("anything at all", stored) is False


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 8 characters"):
        passwords.hash_password("short")


@pytest.mark.parametrize(
    "title,slug",
    [
        ("Hello, World!", "hello-world"),
        ("Ünïcödé café", "unicode-cafe"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("!!!", "entry"),
        ("日本語", "entry"),
        ("a" * 79 + " b", "a" * 79),  # cut at 80 without a trailing dash
    ],
)
def test_slugs_are_url_safe(title: str, slug: str) -> None:
    assert store.slugify(title) == slug


def test_schema_statements_drop_comments_and_split() -> None:
    sql = (
        "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n\n  -- another\nCREATE INDEX i ON a (x);\n"
    )
    assert store.statements(sql) == ["CREATE TABLE a (x INT)", "CREATE INDEX i ON a (x)"]
    statements = store.statements((BLOG / "schema.sql").read_text())
    assert len(statements) == 4 and all(s.startswith("CREATE") for s in statements)


def test_markdown_keeps_formatting_and_drops_script() -> None:
    html = store.render_markdown(
        "**bold** `code`\n\n<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n[link](javascript:alert(3)) <a href="/ok">ok</a>'
    )
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert 'href="/ok"' in html


def test_database_settings_name_what_is_wrong() -> None:
    args, kwargs = store.connect_args("blog.db", "", "blog", "root", "")
    assert args[0].startswith("sqlite:///") and args[0].endswith("/blog.db") and kwargs == {}
    args, kwargs = store.connect_args("blog.db", "127.0.0.1:3306", "blog", "root", "pw")
    assert args == ("127.0.0.1:3306", "blog") and kwargs == {"user": "root", "password": "pw"}
    with pytest.raises(ValueError, match="mysql_database"):
        store.connect_args("blog.db", "127.0.0.1:3306", "", "root", "")
    with pytest.raises(ValueError, match="sqlite"):
        store.connect_args("", "", "blog", "root", "")


def entry_module(debug: bool = False, user: Any = None) -> Any:
    """The ``Entry`` UI module of a fresh copy of uimodules.py, on a handler of the blog's templates."""
    import tornado.httputil
    import tornado.web

    modules = load("uimodules")
    app = tornado.web.Application(template_path=str(BLOG / "templates"), ui_modules=modules, debug=debug)
    handler = tornado.web.RequestHandler(app, tornado.httputil.HTTPServerRequest(method="GET", uri="/"))
    handler.current_user = user
    return modules.Entry(handler)


def an_entry(**changes: Any) -> Any:
    import datetime

    from tornado.database import Row

    fields = {
        "slug": "first",
        "title": "First <post>",
        "html": "<p>body</p>",
        "author_name": "Alice",
        "published": datetime.datetime(2026, 1, 2, 3, 4, 5),
    }
    return Row({**fields, **changes})


def test_entry_module_renders_each_content_once_and_any_change_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    module = entry_module()
    renders: list[str] = []
    real = type(module)._render

    def counting(self: Any, entry: Any, permalink: bool) -> str:
        renders.append(entry.title)
        return real(self, entry, permalink)

    monkeypatch.setattr(type(module), "_render", counting)
    first = module.render(an_entry())
    assert 'href="/entry/first">First &lt;post&gt;</a>' in first and "Edit" not in first
    assert [module.render(an_entry()) for _ in range(20)] == [first] * 20
    assert len(renders) == 1  # the same content is rendered once
    # An edit (even within the same second: same dates) is a new key, on every frontend alike.
    assert "<p>edited</p>" in module.render(an_entry(html="<p>edited</p>"))
    assert "Second" in module.render(an_entry(title="Second"))
    assert "<h2>First &lt;post&gt;</h2>" in module.render(an_entry(), permalink=False)
    assert len(renders) == 4
    # A signed-in author sees the Edit link: not the anonymous reader's copy.
    module.handler.current_user = {"email": "a@example.com"}
    assert 'href="/compose?slug=first"' in module.render(an_entry())


def test_entry_module_cache_is_bounded_and_off_in_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    module = entry_module()
    for i in range(600):
        module.render(an_entry(slug=f"e{i}"))
    assert len(type(module)._rendered) == 512
    debug = entry_module(debug=True)
    debug.render(an_entry())
    assert len(type(debug)._rendered) == 0  # template edits show at once while debugging
