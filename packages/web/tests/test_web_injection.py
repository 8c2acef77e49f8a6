"""Header injection through cookies and reason phrases, attacked over a raw socket.

Each handler copies request input into a cookie part or a reason phrase, as careless
application code does; the attacker's bytes must never become an attribute or a header.
"""

from typing import Any
from urllib.parse import quote

import pytest
import tornado.web

PAYLOADS = {
    "semicolon": "x; Domain=evil.example",
    "cr": "x\rSet-Cookie: evil=1",
    "lf": "x\nSet-Cookie: evil=1",
    "crlf": "x\r\nSet-Cookie: evil=1",
    "nul": "x\x00evil",
    "tab": "x\tevil",
    "del": "x\x7fevil",
    "c1": "x\x85evil",
}


def _raw_arg(handler, name):
    # The exact bytes the client sent (get_argument would clean some control characters).
    return handler.request.query_arguments[name][0].decode("utf-8")


class CookieFromInput(tornado.web.RequestHandler):
    def get(self, field):
        payload = _raw_arg(self, "v")
        kwargs: dict[str, Any] = {"name": "pref", "value": "1"}
        if field in ("name", "value"):
            kwargs[field] = payload
        else:
            kwargs[field] = "/" + payload if field == "path" else "example.com" + payload
        try:
            self.set_cookie(**kwargs)
        except ValueError:
            self.write("refused")
            return
        self.write("accepted")


def _get(server, path):
    r = server.raw(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    head, _, body = r.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize("field", ["name", "value", "path", "domain"])
@pytest.mark.parametrize("payload", list(PAYLOADS), ids=list(PAYLOADS))
def test_set_cookie_refuses_separators_and_controls(serve, field, payload):
    s = serve(tornado.web.Application([(r"/(\w+)", CookieFromInput)]))
    head, body = _get(s, f"/{field}?v={quote(PAYLOADS[payload], safe='')}")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == b"refused"
    assert b"Set-Cookie" not in head and b"evil" not in head


def test_set_cookie_still_accepts_ordinary_parts(serve):
    s = serve(tornado.web.Application([(r"/(\w+)", CookieFromInput)]))
    for field, value in (("name", "theme"), ("value", "dark blue"), ("path", "app"), ("domain", "")):
        head, body = _get(s, f"/{field}?v={quote(value)}")
        assert body == b"accepted", field
        assert head.count(b"Set-Cookie:") == 1


class AttributeFromInput(tornado.web.RequestHandler):
    def get(self, attr):
        payload = _raw_arg(self, "v")
        kwargs = {
            "expires": {"expires": payload},
            "expires_days": {"expires_days": payload},
            "max_age": {"max_age": payload},
            "samesite": {"samesite": payload},
            "maxage_dict": {"max-age": payload},
            "version": {"version": payload},
            "comment": {"comment": payload},
        }[attr]
        try:
            self.set_cookie("pref", "1", **kwargs)
        except ValueError:
            self.write("refused")
            return
        self.write("accepted")


@pytest.mark.parametrize(
    "attr", ["expires", "expires_days", "max_age", "samesite", "maxage_dict", "version", "comment"]
)
def test_cookie_attributes_cannot_inject(serve, attr):
    s = serve(tornado.web.Application([(r"/(\w+)", AttributeFromInput)]))
    head, body = _get(s, f"/{attr}?v={quote('Lax; Domain=evil.example', safe='')}")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == b"refused"
    assert b"Set-Cookie" not in head and b"evil" not in head


def test_cookie_numeric_attributes_keep_working(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_cookie("a", "1", max_age=60, expires=86400, version=1)

    head, _ = _get(serve(tornado.web.Application([(r"/", H)])), "/")
    line = [h for h in head.split(b"\r\n") if h.startswith(b"Set-Cookie:")][0]
    assert b"Max-Age=60" in line and b"expires=Fri, 02 Jan 1970 00:00:00 GMT" in line
    assert b"Version=1" in line


class ReasonFromInput(tornado.web.RequestHandler):
    def get(self, how):
        reason = _raw_arg(self, "r")
        if how == "set_status":
            try:
                self.set_status(400, reason)
            except ValueError:
                self.write("refused")
            return
        try:
            error = tornado.web.HTTPError(400, reason=reason)
        except ValueError:
            self.write("refused")
            return
        raise error


@pytest.mark.parametrize("how", ["set_status", "http_error"])
@pytest.mark.parametrize(
    "reason", ["Bad\r\nSet-Cookie: evil=1", "Bad\nX-Evil: 1", "Bad\rX-Evil: 1", "Bad\x00"]
)
def test_reason_phrase_with_cr_lf_is_refused(serve, how, reason):
    s = serve(tornado.web.Application([(r"/(\w+)", ReasonFromInput)]))
    head, body = _get(s, f"/{how}?r={quote(reason, safe='')}")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == b"refused"
    assert b"evil" not in head.lower() and b"x-evil" not in head.lower()


def test_reason_phrase_is_html_escaped_in_error_page(serve):
    s = serve(tornado.web.Application([(r"/(\w+)", ReasonFromInput)]))
    head, body = _get(s, "/http_error?r=" + quote("<script>alert(1)</script> & co", safe=""))
    assert head.startswith(b"HTTP/1.1 400 <script>alert(1)</script> & co\r\n")
    assert b"<script>" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body


def test_reason_checks_apply_without_a_server():
    with pytest.raises(ValueError):
        tornado.web.HTTPError(500, reason="a\r\nb")
    assert tornado.web.HTTPError(418, reason="I'm a\tteapot").reason == "I'm a\tteapot"
