"""Open redirects: RedirectHandler groups, addslash/removeslash and the static directory
redirect never send a browser to another host, attacked over a raw socket.

Browsers drop tab/CR/LF, read ``\\`` as ``/`` and skip slashes after ``https:``; every
encoded and raw spelling of ``//evil.example`` below must stay on this host.
"""

import pytest
import tornado.web
from tornado.web.redirects import browser_view, local_path, origin, quote_value, template_prefix


def raw_get(server, target: bytes, method: bytes = b"GET"):
    r = server.raw(method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = r.partition(b"\r\n\r\n")[0].split(b"\r\n")
    status = int(head[0].split(b" ")[1])
    location = [line[len(b"Location: ") :] for line in head if line.lower().startswith(b"location:")]
    return status, (location[0].decode("latin1") if location else None)


class Add(tornado.web.RequestHandler):
    @tornado.web.addslash
    def get(self):
        self.write("add")


class Rm(tornado.web.RequestHandler):
    @tornado.web.removeslash
    def get(self):
        self.write("rm")


@pytest.fixture
def slashes(serve):
    return serve(tornado.web.Application([(r".*/", Rm), (r".*", Add)]))


@pytest.mark.parametrize(
    "target, location",
    [
        (b"//evil.example", "/evil.example/"),
        (b"/\\evil.example", "/evil.example/"),
        (b"\\\\evil.example", "/evil.example/"),
        (b"/\\/\\evil.example", "/evil.example/"),
        (b"/%2F%2Fevil.example", "/%2F%2Fevil.example/"),
        (b"/%5Cevil.example", "/%5Cevil.example/"),
        (b"/%09/evil.example", "/%09/evil.example/"),
        (b"/ok/path?q=1", "/ok/path/?q=1"),
    ],
)
def test_addslash_stays_on_host(slashes, target, location):
    assert raw_get(slashes, target) == (301, location)


@pytest.mark.parametrize(
    "target, location",
    [
        (b"//evil.example/", "/evil.example"),
        (b"/\\evil.example/", "/evil.example"),
        (b"\\\\evil.example/", "/evil.example"),
        (b"/\\/", "/"),
        (b"/%2F%2Fevil.example/", "/%2F%2Fevil.example"),
        (b"/%5Cevil.example/", "/%5Cevil.example"),
        (b"/ok/path/?q=1", "/ok/path?q=1"),
    ],
)
def test_removeslash_stays_on_host(slashes, target, location):
    assert raw_get(slashes, target) == (301, location)


@pytest.fixture
def redirects(serve):
    R = tornado.web.RedirectHandler
    return serve(
        tornado.web.Application(
            [
                (r"/go/(.*)", R, {"url": "/{0}"}),
                (r"/named/(?P<rest>.*)", R, {"url": "/{rest}"}),
                (r"/photos/(.*)", R, {"url": "/pictures/{0}", "permanent": False}),
                (r"/ext/(.*)", R, {"url": "https://example.com{0}"}),
                (r"/sub/(.*)", R, {"url": "https://{0}.example.com/"}),
                (r"/any/(.*)", R, {"url": "{0}"}),
            ]
        )
    )


@pytest.mark.parametrize(
    "target",
    [
        b"/go//evil.example",
        b"/go/%2Fevil.example",
        b"/go/%2F%2Fevil.example",
        b"/go/%2f/evil.example",
        b"/named//evil.example",
        b"/named/%2Fevil.example",
        b"/ext/@evil.example",
        b"/ext/.evil.example",
        b"/ext/%5C@evil.example",
        b"/ext/:1@evil.example",
        b"/sub/evil.example%2F",
        b"/sub/www",
        b"/any/https%3A%2F%2Fevil.example",
        b"/any/https:evil.example",
        b"/any/HTTP:%5C%5Cevil.example",
        b"/any/%2F%2Fevil.example",
        b"/any/javascript:alert(1)",
    ],
)
def test_redirect_handler_groups_cannot_change_the_host(redirects, target):
    assert raw_get(redirects, target) == (404, None)
    assert raw_get(redirects, target, b"HEAD") == (404, None)


@pytest.mark.parametrize(
    "target, status, location",
    [
        (b"/go/item/5", 301, "/item/5"),
        (b"/go/", 301, "/"),
        (b"/go/a?x=1", 301, "/a?x=1"),
        (b"/named/a/b", 301, "/a/b"),
        (b"/photos/5", 302, "/pictures/5"),
        (b"/photos//evil.example", 302, "/pictures//evil.example"),
        (b"/ext/%2Fdocs", 301, "https://example.com/docs"),
        (b"/ext/", 301, "https://example.com"),
        (b"/any/local/page", 301, "local/page"),
        # Reinterpreted characters stay data inside the path.
        (b"/go/\\evil.example", 301, "/%5Cevil.example"),
        (b"/go/%5Cevil.example", 301, "/%5Cevil.example"),
        (b"/go/%09/evil.example", 301, "/%09/evil.example"),
        (b"/go/%0D%0ASet-Cookie:%20a=1", 301, "/%0D%0ASet-Cookie:%20a=1"),
        (b"/any/%5C%5Cevil.example", 301, "%5C%5Cevil.example"),
        (b"/any/%09%2F%2Fevil.example", 301, "%09//evil.example"),
    ],
)
def test_redirect_handler_targets_on_this_host(redirects, target, status, location):
    assert raw_get(redirects, target) == (status, location)


@pytest.fixture
def static_dirs(serve, tmp_path):
    root = tmp_path / "static"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "index.html").write_text("<p>index</p>")
    opts = {"path": str(root), "default_filename": "index.html"}
    return serve(tornado.web.Application([(r"[/\\\t]*(sub)", tornado.web.StaticFileHandler, opts)]))


@pytest.mark.parametrize("target", [b"//sub", b"/\\sub", b"\\\\sub"])
def test_static_directory_redirect_stays_on_host(static_dirs, target):
    assert raw_get(static_dirs, target) == (403, None)


@pytest.mark.parametrize("target", [b"/\t/evil.example", b"/\t/evil.example/"])
def test_raw_tab_in_the_target_is_refused_before_any_redirect(slashes, static_dirs, target):
    # The parser refuses whitespace in a request-target (a hop splitting on it would see
    # another request), so no handler ever builds a Location from it.
    assert raw_get(slashes, target) == (400, None)
    assert raw_get(static_dirs, b"/\t/sub") == (400, None)


def test_static_directory_redirect_still_adds_the_slash(static_dirs):
    assert raw_get(static_dirs, b"/sub") == (301, "/sub/")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/a", ("", None)),
        ("a/b", ("", None)),
        ("//Evil.example/x", ("", "evil.example")),
        ("/\\evil.example", ("", "evil.example")),
        ("\\\\evil.example", ("", "evil.example")),
        ("/\t/evil.example", ("", "evil.example")),
        (" \x01//evil.example", ("", "evil.example")),
        ("https:evil.example", ("https", "evil.example")),
        ("https:///evil.example?x", ("https", "evil.example")),
        ("HTTP://a@evil.example:81/", ("http", "a@evil.example:81")),
        ("mailto:x@evil.example", ("mailto", None)),
        ("foo://evil.example/", ("foo", "evil.example")),
        ("/%2F%2Fevil.example", ("", None)),
    ],
)
def test_origin_reads_urls_like_a_browser(url, expected):
    assert origin(url) == expected


def test_helpers():
    assert browser_view(" /a\t\\b\r\n ") == "/a/b"
    assert local_path("/\\\t//x/") == "/x/"
    assert local_path("/a//b") == "/a//b"
    assert quote_value("a b\\c\t") == "a%20b%5Cc%09"
    assert quote_value(None) is None
    assert template_prefix("https://{0}.example/{1}") == "https://"
    assert template_prefix("/a{{b}}/{x}") == "/a{b}/"
    assert template_prefix("/fixed") == "/fixed"
