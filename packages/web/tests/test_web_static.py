"""Static files: serving, validators, ranges, HEAD, content types, path safety, versioned URLs."""

import email.utils
import hashlib
import os

import pytest
import tornado.web


@pytest.fixture
def static_dir(tmp_path):
    root = tmp_path / "static"
    (root / "images").mkdir(parents=True)
    (root / "images" / "logo.png").write_bytes(b"\x89PNG" + bytes(range(256)))
    (root / "robots.txt").write_text("User-agent: *\n")
    (root / "favicon.ico").write_bytes(b"ICO")
    (root / "style.css").write_text("body{}")
    (root / "app.js").write_text("var a;")
    (root / "data.bin").write_bytes(b"0123456789")
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text("<p>index</p>")
    (tmp_path / "secret.txt").write_text("top secret")
    return root


class Page(tornado.web.RequestHandler):
    def get(self):
        self.write(self.static_url("images/logo.png"))


@pytest.fixture
def server(serve, static_dir):
    return serve(tornado.web.Application([(r"/", Page)], static_path=str(static_dir)))


def test_static_path_serves_prefix_robots_and_favicon(server, static_dir):
    r = server.fetch("/static/images/logo.png")
    assert r.status == 200 and r.body == (static_dir / "images" / "logo.png").read_bytes()
    assert r.headers["Content-Type"] == "image/png"
    assert server.fetch("/robots.txt").text == "User-agent: *\n"
    assert server.fetch("/favicon.ico").body == b"ICO"
    assert server.fetch("/static/missing.png").status == 404


def test_content_types(server):
    assert server.fetch("/static/style.css").headers["Content-Type"] == "text/css; charset=UTF-8"
    assert (
        server.fetch("/static/app.js")
        .headers["Content-Type"]
        .startswith(("application/javascript", "text/javascript"))
    )
    assert server.fetch("/static/data.bin").headers["Content-Type"] == "application/octet-stream"


def test_last_modified_and_if_modified_since(server, static_dir):
    r = server.fetch("/static/style.css")
    lm = r.headers["Last-Modified"]
    assert email.utils.parsedate_to_datetime(lm).timestamp() == int(
        os.stat(static_dir / "style.css").st_mtime
    )
    r2 = server.fetch("/static/style.css", headers={"If-Modified-Since": lm})
    assert r2.status == 304 and r2.body == b""
    old = email.utils.formatdate(0, usegmt=True)
    assert server.fetch("/static/style.css", headers={"If-Modified-Since": old}).status == 200


def test_etag_and_if_none_match(server, static_dir):
    r = server.fetch("/static/style.css")
    assert r.headers["Etag"] == '"' + hashlib.sha1(b"body{}").hexdigest() + '"'
    assert server.fetch("/static/style.css", headers={"If-None-Match": r.headers["Etag"]}).status == 304
    assert server.fetch("/static/style.css", headers={"If-None-Match": '"x"'}).status == 200


def test_range_requests(server):
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=2-4"})
    assert (r.status, r.body, r.headers["Content-Range"]) == (206, b"234", "bytes 2-4/10")
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=-3"})
    assert (r.status, r.body) == (206, b"789")
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=7-"})
    assert (r.status, r.body, r.headers["Content-Length"]) == (206, b"789", "3")
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=5-100"})
    assert (r.status, r.body) == (206, b"56789")
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=20-30"})
    assert (r.status, r.headers["Content-Range"]) == (416, "bytes */10")
    r = server.fetch("/static/data.bin", headers={"Range": "bytes=oops"})
    assert (r.status, r.body) == (200, b"0123456789")
    assert server.fetch("/static/data.bin").headers["Accept-Ranges"] == "bytes"


def test_head(server):
    r = server.fetch("/static/data.bin", method="HEAD")
    assert (r.status, r.body, r.headers["Content-Length"]) == (200, b"", "10")


def test_large_file_streams(serve, tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    data = os.urandom(300_000)
    (root / "big.bin").write_bytes(data)
    s = serve(tornado.web.Application(static_path=str(root)))
    r = s.fetch("/static/big.bin")
    assert r.body == data and r.headers["Content-Length"] == str(len(data))


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/images/..%2f..%2fsecret.txt",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
    ],
)
def test_no_escape_from_static_root(server, path):
    r = server.raw(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status = int(r.split(b" ", 2)[1])
    assert status in (400, 403, 404)
    assert b"top secret" not in r and b"root:" not in r


def test_directories(serve, static_dir):
    class Index(tornado.web.StaticFileHandler):
        pass

    app = tornado.web.Application(
        [
            (r"/files/(.*)", Index, {"path": str(static_dir), "default_filename": "index.html"}),
        ],
        static_path=str(static_dir),
    )
    s = serve(app)
    assert s.fetch("/static/sub").status == 403  # no default_filename on the built-in route
    r = s.fetch("/files/sub")
    assert (r.status, r.headers["Location"]) == (301, "/files/sub/")
    assert s.fetch("/files/sub/").text == "<p>index</p>"


def test_no_protocol_relative_redirect(serve, static_dir):
    app = tornado.web.Application(
        [
            (
                r"/(.*)",
                tornado.web.StaticFileHandler,
                {"path": str(static_dir), "default_filename": "index.html"},
            ),
        ]
    )
    s = serve(app)
    r = s.raw(b"GET //sub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert not r.startswith(b"HTTP/1.1 301") and b"Location: //" not in r


def test_static_url_versions_and_caching_headers(server, static_dir):
    url = server.fetch("/").text
    digest = hashlib.sha1((static_dir / "images" / "logo.png").read_bytes()).hexdigest()
    assert url == "/static/images/logo.png?v=" + digest[:5]
    r = server.fetch(url)
    assert r.headers["Cache-Control"] == "max-age=315360000"
    expires = email.utils.parsedate_to_datetime(r.headers["Expires"]).timestamp()
    import time

    assert expires > time.time() + 9 * 365 * 86400
    plain = server.fetch("/static/images/logo.png")
    assert "Expires" not in plain.headers


def test_static_hashes_are_cached(serve, static_dir):
    s = serve(tornado.web.Application([(r"/", Page)], static_path=str(static_dir)))
    first = s.fetch("/").text
    (static_dir / "images" / "logo.png").write_bytes(b"changed")
    assert s.fetch("/").text == first  # cached until reset or restart
    tornado.web.StaticFileHandler.reset()
    assert s.fetch("/").text != first


def test_static_url_prefix_and_handler_class(serve, static_dir):
    class Custom(tornado.web.StaticFileHandler):
        def set_default_headers(self):
            self.set_header("X-Custom", "1")

    app = tornado.web.Application(
        [(r"/", Page)], static_path=str(static_dir), static_url_prefix="/assets/", static_handler_class=Custom
    )
    s = serve(app)
    assert s.fetch("/").text.startswith("/assets/images/logo.png?v=")
    r = s.fetch("/assets/style.css")
    assert r.text == "body{}" and r.headers["X-Custom"] == "1"


def test_static_url_without_static_path_names_setting(serve):
    r = serve(tornado.web.Application([(r"/", Page)], debug=True)).fetch("/")
    assert r.status == 500 and b"static_path" in r.body


def test_static_files_do_not_set_xsrf_cookie(serve, static_dir):
    s = serve(tornado.web.Application([(r"/", Page)], static_path=str(static_dir), xsrf_cookies=True))
    assert "_xsrf" not in s.fetch("/static/style.css").cookies()
    assert "_xsrf" in s.fetch("/").cookies()


@pytest.fixture
def linked(serve, tmp_path):
    """A static root holding symlinks that stay inside it and symlinks that lead outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    (outside / "index.html").write_text("secret index")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "real.txt").write_text("real")
    (root / "sub" / "index.html").write_text("<p>index</p>")
    (root / "alias.txt").symlink_to(root / "real.txt")
    (root / "relative-alias.txt").symlink_to("sub/../real.txt")
    (root / "sublink").symlink_to(root / "sub", target_is_directory=True)
    (root / "out.txt").symlink_to(outside / "secret.txt")
    (root / "outrel.txt").symlink_to("../outside/secret.txt")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "idx").mkdir()
    (root / "idx" / "index.html").symlink_to(outside / "index.html")
    (root / "chain.txt").symlink_to(root / "outrel.txt")
    app = tornado.web.Application(
        [
            (
                r"/files/(.*)",
                tornado.web.StaticFileHandler,
                {"path": str(root), "default_filename": "index.html"},
            )
        ],
        static_path=str(root),
    )
    return serve(app)


@pytest.mark.parametrize(
    "path",
    [
        "/static/out.txt",
        "/static/outrel.txt",
        "/static/chain.txt",
        "/static/outdir/secret.txt",
        "/static/outdir/../outdir/secret.txt",
        "/files/outdir/",
        "/files/idx/",
        "/files/outdir/index.html",
    ],
)
def test_symlinks_out_of_the_root_are_refused(linked, path):
    for method in ("GET", "HEAD"):
        r = linked.raw(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert r.startswith(b"HTTP/1.1 403 "), (method, r[:60])
        assert b"secret" not in r


@pytest.mark.parametrize(
    "path, body",
    [
        ("/static/real.txt", b"real"),
        ("/static/alias.txt", b"real"),
        ("/static/relative-alias.txt", b"real"),
        ("/static/sublink/index.html", b"<p>index</p>"),
        ("/files/sublink/", b"<p>index</p>"),
    ],
)
def test_symlinks_inside_the_root_keep_working(linked, path, body):
    r = linked.fetch(path)
    assert (r.status, r.body) == (200, body)


def test_static_root_may_itself_be_a_symlink(serve, static_dir, tmp_path):
    link = tmp_path / "root-link"
    link.symlink_to(static_dir, target_is_directory=True)
    s = serve(tornado.web.Application(static_path=str(link)))
    assert s.fetch("/static/robots.txt").status == 200
    assert s.fetch("/static/../secret.txt").status in (400, 403, 404)


def test_static_url_does_not_hash_a_file_outside_the_root(serve, tmp_path):
    (tmp_path / "secret.txt").write_text("top secret")
    root = tmp_path / "root"
    root.mkdir()
    (root / "out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "in.txt").write_text("in")

    class Urls(tornado.web.RequestHandler):
        def get(self):
            self.write(self.static_url("out.txt") + " " + self.static_url("in.txt"))

    s = serve(tornado.web.Application([(r"/", Urls)], static_path=str(root)))
    out_url, in_url = s.fetch("/").text.split()
    assert out_url == "/static/out.txt"
    assert in_url.startswith("/static/in.txt?v=")


def test_application_computes_static_urls(static_dir):
    class Versioned(tornado.web.StaticFileHandler):
        @classmethod
        def make_static_url(cls, settings, path, include_version=True):
            return "/cdn/" + path + ("?v=custom" if include_version else "")

    app = tornado.web.Application(static_path=str(static_dir))
    digest = hashlib.sha1((static_dir / "images" / "logo.png").read_bytes()).hexdigest()
    assert app.static_url("images/logo.png") == "/static/images/logo.png?v=" + digest[:5]
    assert app.static_url("images/logo.png", include_version=False) == "/static/images/logo.png"
    custom = tornado.web.Application(static_path=str(static_dir), static_handler_class=Versioned)
    assert custom.static_url("a.css") == "/cdn/a.css?v=custom"
    with pytest.raises(ValueError, match="'static_path' setting"):
        tornado.web.Application().static_url("a.css")


def test_static_url_resolves_a_path_once_while_hashes_are_cached(static_dir, monkeypatch):
    tornado.web.StaticFileHandler.reset()
    calls = []
    real = os.path.realpath

    def counting(path, *args, **kwargs):
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counting)
    app = tornado.web.Application(static_path=str(static_dir))
    urls = {app.static_url("style.css") for _ in range(50)}
    assert len(urls) == 1 and urls.pop().startswith("/static/style.css?v=")
    assert len(calls) <= 2  # the root and the file, once

    # reset() forgets it: a changed file gets its new version.
    (static_dir / "style.css").write_text("body{color:red}")
    tornado.web.StaticFileHandler.reset()
    digest = hashlib.sha1(b"body{color:red}").hexdigest()
    assert app.static_url("style.css") == "/static/style.css?v=" + digest[:5]


def test_static_url_without_the_hash_cache_sees_changes_at_once(static_dir):
    app = tornado.web.Application(static_path=str(static_dir), static_hash_cache=False)
    first = app.static_url("app.js")
    (static_dir / "app.js").write_text("var b;")
    assert app.static_url("app.js") != first
    assert app.static_url("app.js") == "/static/app.js?v=" + hashlib.sha1(b"var b;").hexdigest()[:5]
