"""tornado.routing driven the way a server drives it: start_request, then the message events."""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

import pytest
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    HTTPServerRequest,
    RequestStartLine,
    ResponseStartLine,
)
from tornado.routing import (
    AnyMatches,
    DefaultHostMatches,
    HostMatches,
    Matcher,
    PathMatches,
    ReversibleRouter,
    ReversibleRuleRouter,
    Router,
    Rule,
    RuleRouter,
    URLSpec,
    request_for,
)


class Conn(HTTPConnection):
    """A request connection in memory: keeps the response."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: HTTPHeaders | None = None
        self.body = b""
        self.finished = False

    def write_headers(self, start_line: Any, headers: HTTPHeaders, chunk: bytes | None = None) -> Any:
        self.status = start_line.code
        self.headers = headers
        self.body += chunk or b""

    def write(self, chunk: bytes) -> Any:
        self.body += chunk

    def finish(self) -> None:
        self.finished = True


def serve(
    router: HTTPServerConnectionDelegate, method: str, uri: str, body: bytes = b"", host: str = "h"
) -> Conn:
    conn = Conn()
    md = router.start_request("server-conn", conn)
    headers = HTTPHeaders({"Host": host})
    md.headers_received(RequestStartLine(method, uri, "HTTP/1.1"), headers)
    for i in range(0, len(body), 3):
        md.data_received(body[i : i + 3])
    md.finish()
    return conn


def answer(text: str):
    """A plain callable target: gets the whole request (and the rule's parameters)."""

    def callback(request: HTTPServerRequest, **params: Any) -> None:
        out = f"{text} {request.method} {request.path} body={request.body.decode()} {params}".encode()
        request.connection.write_headers(
            ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders({"Content-Length": str(len(out))}), out
        )
        request.connection.finish()

    return callback


def test_rule_router_sends_plain_callables_the_whole_request():
    router = RuleRouter([(r"/a", answer("A")), Rule(PathMatches(r"/b/([0-9]+)"), answer("B"))])
    c = serve(router, "POST", "/a?q=1", b"hello world")
    assert c.status == 200 and c.finished
    assert c.body == b"A POST /a body=hello world {}"
    c = serve(router, "GET", "/b/42")
    assert c.body == b"B GET /b/42 body= {'path_args': [b'42'], 'path_kwargs': {}}"


def test_no_match_is_404():
    c = serve(RuleRouter([(r"/a", answer("A"))]), "GET", "/zzz")
    assert c.status == 404 and c.finished


def test_custom_router_as_documented():
    class MessageDelegate(HTTPMessageDelegate):
        def __init__(self, connection: Any) -> None:
            self.connection = connection

        def finish(self) -> None:
            self.connection.write_headers(
                ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders({"Content-Length": "2"}), b"OK"
            )
            self.connection.finish()

    class CustomRouter(Router):
        def find_handler(self, request: HTTPServerRequest, **kwargs: Any) -> HTTPMessageDelegate | None:
            return MessageDelegate(request.connection)

    c = serve(CustomRouter(), "GET", "/anything")
    assert (c.status, c.body) == (200, b"OK")
    with pytest.raises(NotImplementedError):
        Router().find_handler(HTTPServerRequest("GET", "/"))


def test_targets_routers_and_connection_delegates():
    seen = []

    class Delegate(HTTPServerConnectionDelegate):
        def start_request(self, server_conn: object, request_conn: Any) -> HTTPMessageDelegate:
            seen.append(server_conn)
            return RuleRouter([(r".*", answer("D"))]).find_handler(
                HTTPServerRequest("GET", "/d", connection=request_conn)
            )  # type: ignore[return-value]

    inner = RuleRouter([(r"/in/x", answer("inner"))])
    router = RuleRouter(
        [
            Rule(PathMatches(r"/in/.*"), inner),
            Rule(PathMatches(r"/d"), Delegate()),
        ]
    )
    assert serve(router, "GET", "/in/x").body.startswith(b"inner GET /in/x")
    assert serve(router, "GET", "/in/y").status == 404  # the nested router declined
    assert serve(router, "GET", "/d").body.startswith(b"D GET /d")
    assert seen == ["server-conn"]


def test_host_matchers():
    class App:
        default_host = "main.example"

    router = RuleRouter(
        [
            Rule(HostMatches(r"api\.example\.com"), answer("api")),
            Rule(DefaultHostMatches(App(), r"main\.example"), answer("default")),
            Rule(AnyMatches(), answer("any")),
        ]
    )
    assert serve(router, "GET", "/", host="API.example.com:8080").body.startswith(b"api")
    assert serve(router, "GET", "/", host="other").body.startswith(b"default")
    conn = Conn()
    md = router.start_request(None, conn)
    md.headers_received(
        RequestStartLine("GET", "/", "HTTP/1.1"), HTTPHeaders({"Host": "x", "X-Real-Ip": "1.2.3.4"})
    )
    md.finish()
    assert conn.body.startswith(b"any")  # behind a proxy, the default host does not apply


def test_path_matches_groups_are_unescaped_bytes():
    m = PathMatches(r"/p/(?P<a>[^/]+)/(?P<b>x)?")
    r = HTTPServerRequest("GET", "/p/caf%C3%A9%20x/")
    assert m.match(r) == {"path_args": [], "path_kwargs": {"a": "café x".encode(), "b": None}}
    assert PathMatches(r"/q").match(r) is None
    assert PathMatches(r"/p/.*").match(r) == {}
    with pytest.raises(ValueError, match="invalid URL pattern"):
        PathMatches(r"/(")
    assert Matcher().reverse() is None
    with pytest.raises(NotImplementedError):
        Matcher().match(r)


def test_reversing_named_rules_and_nested_routers(caplog):
    inner = ReversibleRuleRouter([URLSpec(r"/tag/([^/]+)\.html", answer("t"), name="tag")])
    router = ReversibleRuleRouter(
        [URLSpec(r"/", answer("home"), name="home"), Rule(PathMatches(r"/tag/.*"), inner)]
    )
    assert router.reverse_url("home") == "/"
    assert router.reverse_url("tag", "a b/c") == "/tag/a%20b%2Fc.html"
    assert router.reverse_url("nope") is None
    with pytest.raises(ValueError, match="needs 1 arguments"):
        router.reverse_url("tag")
    with pytest.raises(ValueError, match="cannot reverse"):
        URLSpec(r"/(a|b)+", answer("x"), name="alt").reverse("a")
    with caplog.at_level(logging.WARNING, logger="tornado.application"):
        router.add_rules([URLSpec(r"/home2", answer("h2"), name="home")])
    assert "Multiple handlers named home" in caplog.text
    assert router.reverse_url("home") == "/home2"
    assert isinstance(router, ReversibleRouter)


def test_url_spec_and_rule_attributes():
    spec = URLSpec(r"/s/([0-9]+)", "tornado.routing.AnyMatches", {"k": 1}, name="s")
    assert spec.handler_class is AnyMatches and spec.target is AnyMatches
    assert spec.kwargs == {"k": 1} and spec.target_kwargs == {"k": 1} and spec.name == "s"
    assert spec.regex.pattern == r"/s/([0-9]+)$" and spec.reverse(7) == "/s/7"
    assert "URLSpec('/s/([0-9]+)$'" in repr(spec)
    with pytest.raises(TypeError, match="Matcher"):
        Rule("/not-a-matcher", answer("x"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pattern, handler"):
        RuleRouter([(r"/only",)])
    with pytest.raises(TypeError, match="Rule or a tuple"):
        RuleRouter([42])  # type: ignore[list-item]


def test_rule_order_wins_over_literal_lookup():
    router = RuleRouter(
        [
            (r"/exact", answer("exact")),
            (r"/(a.*)", answer("pattern")),
            (r"/abc", answer("shadowed")),
            (r"/late", answer("late")),
        ]
    )
    assert serve(router, "GET", "/exact").body.startswith(b"exact")
    assert serve(router, "GET", "/abc").body.startswith(b"pattern")
    assert serve(router, "GET", "/late").body.startswith(b"late")
    assert set(router.direct_rules()) == {"/exact", "/late"}
    # A literal rule whose target declines lets the later rules try.
    router = RuleRouter([(r"/x", RuleRouter()), (r"/.*", answer("after"))])
    assert serve(router, "GET", "/x").body.startswith(b"after")
    # Rules inserted directly into the list are seen (the index is rebuilt).
    router.rules.insert(0, Rule(PathMatches(r"/x"), answer("inserted")))
    assert serve(router, "GET", "/x").body.startswith(b"inserted")


def test_literal_paths_are_found_without_scanning_every_rule():
    """Time at N rules vs 4N rules: a literal lookup must not grow with the table."""

    def build(n: int) -> tuple[RuleRouter, list[HTTPServerRequest]]:
        router = RuleRouter([(f"/page/{i}", answer(str(i))) for i in range(n)])
        router.find_handler(HTTPServerRequest("GET", "/warm"))
        requests = [HTTPServerRequest("GET", f"/page/{n - 1 - (i % 50)}") for i in range(2000)]
        return router, requests

    def cost(router: RuleRouter, requests: list[HTTPServerRequest]) -> float:
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for r in requests:
                router.find_handler(r)
            best = min(best, time.perf_counter() - t0)
        return best

    small, big = build(500), build(2000)
    gc.disable()
    try:
        ratios = [cost(*big) / cost(*small) for _ in range(3)]
    finally:
        gc.enable()
    assert min(ratios) < 2.0, ratios


def test_request_for_reuses_the_servers_request_for_the_same_head():
    headers = HTTPHeaders({"Host": "h"})
    start = RequestStartLine("GET", "/a?x=1", "HTTP/1.1")
    conn = Conn()
    built = HTTPServerRequest(connection=conn, start_line=start, headers=headers)
    conn.request = built  # type: ignore[attr-defined]
    assert request_for(conn, "server-conn", start, headers) is built
    # Another head on the same connection (other headers, other target) gets a new request.
    other = request_for(conn, "server-conn", RequestStartLine("GET", "/b", "HTTP/1.1"), headers)
    assert other is not built and other.uri == "/b" and other.connection is conn
    fresh = request_for(Conn(), "server-conn", start, HTTPHeaders({"Host": "h"}))
    assert fresh is not built and fresh.path == "/a" and fresh.server_connection == "server-conn"
