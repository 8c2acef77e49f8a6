"""Application routing: patterns, URL groups, url()/initialize, reverse_url, virtual hosts, defaults."""

import socket

import pytest
import tornado.ioloop
import tornado.web
from tornado.web import url


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("You requested the main page")


class StoryHandler(tornado.web.RequestHandler):
    def get(self, story_id):
        self.write("You requested the story " + story_id)


class NamedHandler(tornado.web.RequestHandler):
    def get(self, year, slug):
        self.write(f"{year}/{slug}")


class KwHandler(tornado.web.RequestHandler):
    def get(self, **kwargs):
        self.write(repr(sorted(kwargs.items())))


class InitHandler(tornado.web.RequestHandler):
    def initialize(self, greeting, name="x"):
        self.greeting = greeting
        self.name = name

    def get(self):
        self.write(f"{self.greeting} {self.name}")


class ReverseHandler(tornado.web.RequestHandler):
    def get(self):
        self.write(self.reverse_url("story", 42) + " " + self.reverse_url("home"))


def test_overview_routes(serve):
    app = tornado.web.Application([(r"/", MainHandler), (r"/story/([0-9]+)", StoryHandler)])
    s = serve(app)
    assert s.fetch("/").body == b"You requested the main page"
    assert s.fetch("/story/17").body == b"You requested the story 17"
    # Patterns are anchored at the end: extra path is a 404, not a prefix match.
    assert s.fetch("/story/17/more").status == 404
    assert s.fetch("/story/abc").status == 404


def test_unmatched_path_is_404_page(serve):
    s = serve(tornado.web.Application([(r"/", MainHandler)]))
    r = s.fetch("/missing")
    assert r.status == 404
    assert b"404: Not Found" in r.body


def test_named_groups_become_keyword_arguments(serve):
    app = tornado.web.Application(
        [
            (r"/k/(?P<year>[0-9]{4})/(?P<slug>[a-z]+)", KwHandler),
            (r"/n/(?P<year>[0-9]{4})/(?P<slug>[a-z]+)", NamedHandler),
        ]
    )
    s = serve(app)
    assert s.fetch("/k/2010/hello").text == "[('slug', 'hello'), ('year', '2010')]"
    assert s.fetch("/n/2010/abc").text == "2010/abc"


def test_path_arguments_are_url_unescaped(serve):
    class Echo(tornado.web.RequestHandler):
        def get(self, word):
            self.write(word)

    s = serve(tornado.web.Application([(r"/w/(.+)", Echo)]))
    assert s.fetch("/w/caf%C3%A9%20x").text == "café x"


def test_url_spec_kwargs_go_to_initialize(serve):
    app = tornado.web.Application(
        [
            url(r"/init", InitHandler, dict(greeting="hi", name="bob"), name="init"),
            (r"/init2", InitHandler, {"greeting": "hey"}),
        ]
    )
    s = serve(app)
    assert s.fetch("/init").text == "hi bob"
    assert s.fetch("/init2").text == "hey x"


def test_reverse_url(serve):
    app = tornado.web.Application(
        [
            url(r"/", MainHandler, name="home"),
            url(r"/story/([0-9]+)", StoryHandler, name="story"),
            url(r"/r", ReverseHandler),
        ]
    )
    assert app.reverse_url("story", "7") == "/story/7"
    assert app.reverse_url("home") == "/"
    with pytest.raises(KeyError, match="nope"):
        app.reverse_url("nope")
    with pytest.raises(ValueError, match="needs 1 arguments"):
        app.reverse_url("story")
    assert serve(app).fetch("/r").text == "/story/42 /"


def test_reverse_url_escapes_arguments():
    spec = url(r"/tag/([^/]+)\.html", MainHandler, name="tag")
    assert spec.reverse("a b/c") == "/tag/a%20b%2Fc.html"


def test_handler_given_as_dotted_string(serve):
    app = tornado.web.Application([(r"/", "tornado.web.RedirectHandler", {"url": "/elsewhere"})])
    r = serve(app).fetch("/")
    assert r.status == 301
    assert r.headers["Location"] == "/elsewhere"


def test_bad_handler_specs_raise_clear_errors():
    with pytest.raises(TypeError, match="RequestHandler class"):
        tornado.web.Application([(r"/", 42)])
    with pytest.raises(ValueError, match="invalid URL pattern"):
        tornado.web.Application([(r"/(", MainHandler)])
    with pytest.raises(ValueError, match="pattern, handler"):
        tornado.web.Application([(r"/",)])


def test_add_handlers_virtual_hosts(serve):
    class A(tornado.web.RequestHandler):
        def get(self):
            self.write("www")

    class B(tornado.web.RequestHandler):
        def get(self):
            self.write("api")

    app = tornado.web.Application([(r"/", MainHandler)])
    app.add_handlers(r"api\.example\.com", [(r"/", B)])
    app.add_handlers(r"www\.example\.com", [(r"/", A)])
    s = serve(app)
    assert s.fetch("/", headers={"Host": "api.example.com"}).text == "api"
    assert s.fetch("/", headers={"Host": "www.example.com:8080"}).text == "www"
    assert s.fetch("/", headers={"Host": "other.example.com"}).text == "You requested the main page"


def test_default_host_used_when_no_host_matches(serve):
    class A(tornado.web.RequestHandler):
        def get(self):
            self.write("main site")

    app = tornado.web.Application(default_host="main.example")
    app.add_handlers(r"main\.example", [(r"/", A)])
    s = serve(app)
    assert s.fetch("/", headers={"Host": "unknown.host"}).text == "main site"


def test_redirect_handler(serve):
    app = tornado.web.Application(
        [
            (r"/old", tornado.web.RedirectHandler, {"url": "/new"}),
            (r"/tmp/(\d+)", tornado.web.RedirectHandler, {"url": "/item/{0}", "permanent": False}),
        ]
    )
    s = serve(app)
    r = s.fetch("/old")
    assert (r.status, r.headers["Location"]) == (301, "/new")
    r = s.fetch("/tmp/5")
    assert (r.status, r.headers["Location"]) == (302, "/item/5")


def test_error_handler(serve):
    app = tornado.web.Application([(r"/gone", tornado.web.ErrorHandler, {"status_code": 410})])
    s = serve(app)
    assert s.fetch("/gone").status == 410
    assert s.fetch("/gone", method="POST", body=b"").status == 410


def test_default_handler_class(serve):
    class NotFound(tornado.web.RequestHandler):
        def prepare(self):
            self.set_status(404)
            self.finish("custom not found")

    app = tornado.web.Application([(r"/", MainHandler)], default_handler_class=NotFound)
    r = serve(app).fetch("/zzz")
    assert (r.status, r.text) == (404, "custom not found")


def test_fallback_handler_hands_request_to_callable(serve):
    seen = []

    def fallback(request):
        # Answers like a WSGI container would: raw response bytes on the 1.0-style request API.
        seen.append(request.path)
        body = b"from fallback " + request.path.encode()
        request.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        request.finish()

    app = tornado.web.Application([(r"/legacy/.*", tornado.web.FallbackHandler, {"fallback": fallback})])
    r = serve(app).fetch("/legacy/page")
    assert r.text == "from fallback /legacy/page"
    assert seen == ["/legacy/page"]


def test_removeslash_and_addslash(serve):
    class Rm(tornado.web.RequestHandler):
        @tornado.web.removeslash
        def get(self):
            self.write("rm")

        @tornado.web.removeslash
        def post(self):
            self.write("posted")

    class Add(tornado.web.RequestHandler):
        @tornado.web.addslash
        def get(self):
            self.write("add")

    app = tornado.web.Application([(r"/rm/?", Rm), (r"/add/?", Add)])
    s = serve(app)
    r = s.fetch("/rm/?a=1")
    assert (r.status, r.headers["Location"]) == (301, "/rm?a=1")
    assert s.fetch("/rm").text == "rm"
    assert s.fetch("/rm/", method="POST", body=b"").status == 404
    r = s.fetch("/add")
    assert (r.status, r.headers["Location"]) == (301, "/add/")
    assert s.fetch("/add/").text == "add"


def test_listen_serves_on_the_port():
    import asyncio
    import threading

    httpserver = pytest.importorskip("tornado.httpserver")
    if not hasattr(httpserver, "HTTPServer"):
        pytest.skip("tornado.httpserver.HTTPServer is not available")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = tornado.web.Application([(r"/", MainHandler)])
    loop = tornado.ioloop.new_event_loop()
    started = threading.Event()
    holder = {}

    def run():
        asyncio.set_event_loop(loop)

        async def start():
            holder["server"] = app.listen(port, address="127.0.0.1")

        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert started.wait(10)
    try:
        import http.client

        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/")
        assert c.getresponse().read() == b"You requested the main page"
        c.close()
    finally:
        loop.call_soon_threadsafe(lambda: (holder["server"].stop(), loop.stop()))
        t.join(10)


def test_first_matching_pattern_wins_over_later_exact_path(serve):
    class Catch(tornado.web.RequestHandler):
        def get(self, rest):
            self.write("catch-all " + rest)

    app = tornado.web.Application(
        [
            (r"/exact", MainHandler),
            (r"/(a.*)", Catch),
            (r"/abc", StoryHandler),  # shadowed by the pattern above
        ]
    )
    s = serve(app)
    assert s.fetch("/exact").text == "You requested the main page"
    assert s.fetch("/abc").text == "catch-all abc"


def test_slash_decorators_never_redirect_off_site(serve):
    class Add(tornado.web.RequestHandler):
        @tornado.web.addslash
        def get(self):
            self.write("add")

    class Rm(tornado.web.RequestHandler):
        @tornado.web.removeslash
        def get(self):
            self.write("rm")

    s = serve(tornado.web.Application([(r"/a/.*", Add), (r"/.*/", Rm), (r"//.*", Add)]))
    r = s.raw(b"GET //evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Location: /evil.example/" in r
    r = s.raw(b"GET //evil.example/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Location: /evil.example\r\n" in r
