"""Tornado 6's tornado.web surface: Application as a router, handler hooks and helpers."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import tornado.routing
import tornado.web
from tornado.httputil import HTTPMessageDelegate, HTTPServerRequest
from tornado.routing import PathMatches, ReversibleRouter, Router, Rule, RuleRouter
from tornado.web import Application, HTTPError, RequestHandler


class Hello(RequestHandler):
    def get(self, *args: Any, **kwargs: Any) -> None:
        self.write(f"hello {args} {kwargs}")


def test_application_is_a_reversible_router_and_url_is_routing_urlspec():
    app = Application([tornado.web.url(r"/", Hello, name="home")])
    assert isinstance(app, ReversibleRouter)
    assert tornado.web.URLSpec is tornado.routing.URLSpec
    assert isinstance(app.wildcard_router, tornado.routing.ReversibleRuleRouter)
    assert app.reverse_url("home") == "/"
    delegate = app.find_handler(HTTPServerRequest("GET", "/"))
    assert isinstance(delegate, HTTPMessageDelegate)
    assert delegate.handler_class is Hello  # type: ignore[attr-defined]
    missing = app.find_handler(HTTPServerRequest("GET", "/nope"))
    assert missing.handler_class is tornado.web.ErrorHandler  # type: ignore[attr-defined]


def test_application_inside_a_rule_router_next_to_a_callable(serve):
    def legacy(request: HTTPServerRequest) -> None:
        request.respond(b"legacy " + request.body)

    app = Application([(r"/app/(\w+)", Hello)])
    router = RuleRouter([Rule(PathMatches(r"/app/.*"), app), (r"/legacy", legacy)])
    s = serve(router)
    assert s.fetch("/app/x").text == "hello ('x',) {}"
    assert s.fetch("/legacy", method="POST", body=b"body!").text == "legacy body!"
    assert s.fetch("/other").status == 404


def test_custom_router_with_get_handler_delegate(serve):
    resources: dict[str, bytes] = {}

    class GetResource(RequestHandler):
        def get(self, path: str) -> None:
            if path not in resources:
                raise HTTPError(404)
            self.finish(resources[path])

    class PostResource(RequestHandler):
        def post(self, path: str) -> None:
            resources[path] = self.request.body

    class HTTPMethodRouter(Router):
        def __init__(self, app: Application) -> None:
            self.app = app

        def find_handler(self, request: HTTPServerRequest, **kwargs: Any) -> HTTPMessageDelegate:
            handler = GetResource if request.method == "GET" else PostResource
            return self.app.get_handler_delegate(request, handler, path_args=[request.path])

    s = serve(HTTPMethodRouter(Application()))
    assert s.fetch("/r1").status == 404
    assert s.fetch("/r1", method="POST", body=b"stored").status == 200
    assert s.fetch("/r1").text == "stored"


def test_nested_rule_lists_and_add_rules(serve):
    app = Application([(PathMatches(r"/api/.*"), [(r"/api/a", Hello, {}, "a")])])
    app.add_rules([(r"/late/(?P<x>\d+)", Hello)])
    s = serve(app)
    assert s.fetch("/api/a").text == "hello () {}"
    assert s.fetch("/late/5").text == "hello () {'x': '5'}"
    assert app.reverse_url("a") == "/api/a"


def test_path_args_are_decoded_and_set_before_prepare(serve):
    seen = []

    class H(RequestHandler):
        def prepare(self) -> None:
            seen.append((self.path_args, self.path_kwargs))

        def get(self, word: str) -> None:
            self.write(word)

    class K(RequestHandler):
        def prepare(self) -> None:
            seen.append((self.path_args, self.path_kwargs))

        def get(self, **kw: str) -> None:
            self.write(repr(sorted(kw.items())))

    s = serve(Application([(r"/p/(.+)", H), (r"/k/(?P<a>\w+)/(?P<b>x)?", K)]))
    assert s.fetch("/p/caf%C3%A9").text == "café"
    assert s.fetch("/k/q/").text == "[('a', 'q'), ('b', None)]"
    assert seen == [(["café"], {}), ([], {"a": "q", "b": None})]
    assert s.fetch("/p/%FF").status == 400  # not UTF-8: decode_argument refuses it


def test_default_handler_class_and_args(serve):
    class Missing(RequestHandler):
        def initialize(self, label: str) -> None:
            self.label = label

        def get(self) -> None:
            self.set_status(404)
            self.finish(self.label)

    app = Application([(r"/", Hello)], default_handler_class=Missing, default_handler_args={"label": "gone"})
    r = serve(app).fetch("/zzz")
    assert (r.status, r.text) == (404, "gone")


def test_default_host_and_virtual_hosts(serve):
    class A(RequestHandler):
        def get(self) -> None:
            self.write("main site")

    app = Application([(r"/any", Hello)], default_host="main.example")
    app.add_handlers(r"main\.example", [(r"/", A)])
    s = serve(app)
    assert s.fetch("/", headers={"Host": "main.example"}).text == "main site"
    assert s.fetch("/", headers={"Host": "unknown.host"}).text == "main site"
    assert s.fetch("/", headers={"Host": "unknown.host", "X-Real-Ip": "1.2.3.4"}).status == 404
    assert s.fetch("/any", headers={"Host": "unknown.host"}).text == "hello () {}"


def test_compute_etag_check_etag_header_and_settings(serve):
    class Tagged(RequestHandler):
        def compute_etag(self) -> str | None:
            return None if self.get_query_argument("plain", None) else '"v1"'

        def get(self) -> None:
            self.write(f"debug={self.settings.get('debug')} x={self.settings['x']}")

    s = serve(Application([(r"/", Tagged)], x=7))
    r = s.fetch("/")
    assert r.headers["Etag"] == '"v1"' and r.text == "debug=None x=7"
    assert s.fetch("/", headers={"If-None-Match": '"v1"'}).status == 304
    assert s.fetch("/", headers={"If-None-Match": 'W/"v1", "other"'}).status == 304
    assert s.fetch("/", headers={"If-None-Match": '"v2"'}).status == 200
    assert "Etag" not in s.fetch("/?plain=1").headers


def test_write_error_gets_exc_info_and_log_exception_can_be_overridden(serve):
    logged = []

    class Failing(RequestHandler):
        def get(self) -> None:
            if self.get_query_argument("http", None):
                raise HTTPError(418, "teapot %s", "brewing", reason="Short And Stout")
            raise ValueError("broken")

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            typ, value, tb = kwargs["exc_info"]
            self.finish(f"{status_code} {typ.__name__} {self._reason}")

        def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
            logged.append((typ, str(value)))

    s = serve(Application([(r"/", Failing)]))
    r = s.fetch("/")
    assert (r.status, r.text) == (500, "500 ValueError Internal Server Error")
    r = s.fetch("/?http=1")
    assert (r.status, r.reason, r.text) == (418, "Short And Stout", "418 HTTPError Short And Stout")
    assert logged == [(ValueError, "broken"), (HTTPError, "HTTP 418: Short And Stout (teapot brewing)")]


def test_headers_status_hooks_and_arguments(serve):
    finished = []

    class H(RequestHandler):
        def set_default_headers(self) -> None:
            self.set_header("X-Default", "1")
            self.set_header("X-Drop", "1")

        def post(self) -> None:
            self.clear_header("X-Drop")
            self.add_header("X-Multi", "a")
            self.add_header("X-Multi", "b")
            self.set_status(201)
            assert self.get_status() == 201
            self.write(
                {
                    "q": self.get_query_arguments("v"),
                    "b": self.get_body_arguments("v"),
                    "both": self.get_arguments("v"),
                    "one": self.get_body_argument("v"),
                    "qa": sorted(self.request.query_arguments),
                    "ba": sorted(self.request.body_arguments),
                }
            )

        def on_finish(self) -> None:
            finished.append(self.get_status())

    s = serve(Application([(r"/", H)]))
    r = s.fetch(
        "/?v=q1&v=q2",
        method="POST",
        body=b"v=b1&w=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 201
    assert r.headers["X-Default"] == "1" and "X-Drop" not in r.headers
    assert r.headers.get_list("X-Multi") == ["a", "b"]
    assert r.text == (
        '{"q": ["q1", "q2"], "b": ["b1"], "both": ["q1", "q2", "b1"], "one": "b1", "qa": ["v"], "ba": ["v", "w"]}'
    )
    assert finished == [201]


def test_detach_gives_the_handler_the_raw_stream(serve):
    class Upgrade(RequestHandler):
        async def get(self) -> None:
            stream = self.detach()
            await stream.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: line\r\nConnection: Upgrade\r\n\r\n"
            )
            line = await stream.read_until(b"\n")
            await stream.write(b"echo:" + line)
            stream.close()

    s = serve(Application([(r"/up", Upgrade)]))
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(b"GET /up HTTP/1.1\r\nHost: h\r\nUpgrade: line\r\nConnection: Upgrade\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        sock.sendall(b"ping\n")
        while not data.endswith(b"echo:ping\n"):
            piece = sock.recv(4096)
            if not piece:
                break
            data += piece
    assert data.startswith(b"HTTP/1.1 101 ") and data.endswith(b"echo:ping\n")


def test_http_error_signature():
    e = HTTPError(403, "user %s denied", "bob", reason="Nope")
    assert (e.status_code, e.log_message, e.args, e.reason) == (403, "user %s denied", ("bob",), "Nope")
    assert str(e) == "HTTP 403: Nope (user bob denied)"
    with pytest.raises(ValueError, match="status_code"):
        HTTPError(1000)
