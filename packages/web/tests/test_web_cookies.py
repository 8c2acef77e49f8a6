"""Cookies, secure cookies, current_user/@authenticated and XSRF protection."""

import time
from typing import Any

import pytest
import tornado.escape
import tornado.web
from tornado.web import signing

SECRET = "61oETzKXQAGaYdkL5gEmGeJJFuYh7EQnp2XdTP1o/Vo="


class CookieHandler(tornado.web.RequestHandler):
    def get(self):
        if not self.get_cookie("mycookie"):
            self.set_cookie("mycookie", "myvalue")
            self.write("Your cookie was not set yet!")
        else:
            self.write("Your cookie was set!")


class SecureCookieHandler(tornado.web.RequestHandler):
    def get(self):
        if not self.get_secure_cookie("mycookie"):
            self.set_secure_cookie("mycookie", "myvalue")
            self.write("Your cookie was not set yet!")
        else:
            self.write("Your cookie was set!")


def test_overview_cookie_example(serve):
    s = serve(tornado.web.Application([(r"/", CookieHandler)]))
    r = s.fetch("/")
    assert r.text == "Your cookie was not set yet!"
    assert r.cookie_value("mycookie") == "myvalue"
    assert s.fetch("/", headers={"Cookie": "mycookie=myvalue"}).text == "Your cookie was set!"


def test_set_cookie_attributes(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_cookie(
                "a",
                "1",
                domain="example.com",
                path="/p",
                expires_days=2,
                secure=True,
                httponly=True,
                samesite="Strict",
            )
            self.set_cookie("b", "2", expires=0 + 86400)
            self.set_cookie("c", 'with space "quoted"')

    r = serve(tornado.web.Application([(r"/", H)])).fetch("/")
    c = r.cookies()
    assert "Domain=example.com" in c["a"] and "Path=/p" in c["a"]
    assert "Secure" in c["a"] and "HttpOnly" in c["a"] and "SameSite=Strict" in c["a"]
    assert "expires=" in c["a"]
    assert "expires=Fri, 02 Jan 1970 00:00:00 GMT" in c["b"]
    assert c["c"].startswith('c="with space \\"quoted\\""')


def test_cookie_input_validation(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            errors = []
            for args in (("bad name", "v"), ("n", "v\r\n"), ("n;x", "v")):
                try:
                    self.set_cookie(*args)
                except ValueError:
                    errors.append("ValueError")
            try:
                self.set_cookie("n", "v", samesite="sometimes")
            except ValueError:
                errors.append("samesite")
            self.write(",".join(errors))

    assert (
        serve(tornado.web.Application([(r"/", H)])).fetch("/").text
        == "ValueError,ValueError,ValueError,samesite"
    )


def test_clear_cookie_and_clear_all_cookies(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            if self.get_argument("all", None):
                self.clear_all_cookies()
            else:
                self.clear_cookie("a", path="/x")

    s = serve(tornado.web.Application([(r"/", H)]))
    c = s.fetch("/").cookies()
    assert c["a"].startswith("a=;") or c["a"].startswith('a="";')
    assert "Max-Age=0" in c["a"] and "Path=/x" in c["a"]
    c = s.fetch("/?all=1", headers={"Cookie": "x=1; y=2"}).cookies()
    assert set(c) == {"x", "y"} and all("Max-Age=0" in v for v in c.values())


def test_secure_cookie_round_trip(serve):
    s = serve(tornado.web.Application([(r"/", SecureCookieHandler)], cookie_secret=SECRET))
    r = s.fetch("/")
    assert r.text == "Your cookie was not set yet!"
    token = r.cookie_value("mycookie")
    encoded, timestamp, sig = token.split("|")
    assert tornado.escape.utf8("myvalue") == __import__("base64").b64decode(encoded)
    assert abs(int(timestamp) - time.time()) < 3600 and len(sig) == 64
    assert s.fetch("/", headers={"Cookie": f"mycookie={token}"}).text == "Your cookie was set!"
    tampered = __import__("base64").b64encode(b"othervalue").decode() + "|" + timestamp + "|" + sig
    assert s.fetch("/", headers={"Cookie": f"mycookie={tampered}"}).text == "Your cookie was not set yet!"


def test_secure_cookie_without_secret_names_setting(serve):
    r = serve(tornado.web.Application([(r"/", SecureCookieHandler)], debug=True)).fetch("/")
    assert r.status == 500
    assert b"cookie_secret" in r.body


def test_signed_value_rules():
    now = 1_700_000_000
    token = signing.create_signed_value(SECRET, "user", "bob", clock=now)
    assert signing.decode_signed_value(SECRET, "user", token, clock=now) == b"bob"
    # Another cookie name, another secret, a modified value or signature: None.
    assert signing.decode_signed_value(SECRET, "admin", token, clock=now) is None
    assert signing.decode_signed_value("other", "user", token, clock=now) is None
    assert signing.decode_signed_value(SECRET, "user", token[:-1] + b"0", clock=now) is None
    assert signing.decode_signed_value(SECRET, "user", b"garbage", clock=now) is None
    assert signing.decode_signed_value(SECRET, "user", None, clock=now) is None
    # Expiry: max_age_days from the signing time; far-future stamps are refused too.
    assert signing.decode_signed_value(SECRET, "user", token, clock=now + 30 * 86400) == b"bob"
    assert signing.decode_signed_value(SECRET, "user", token, clock=now + 32 * 86400) is None
    assert signing.decode_signed_value(SECRET, "user", token, max_age_days=1, clock=now + 2 * 86400) is None
    assert signing.decode_signed_value(SECRET, "user", token, clock=now - 40 * 86400) is None


def test_signed_value_key_rotation():
    now = 1_700_000_000
    old = signing.create_signed_value({0: "old-key", 1: "new-key"}, "u", "v", key_version=0, clock=now)
    new = signing.create_signed_value({0: "old-key", 1: "new-key"}, "u", "v", key_version=1, clock=now)
    assert old.startswith(b"0|") and new.startswith(b"1|")
    keys = {0: "old-key", 1: "new-key"}
    assert signing.decode_signed_value(keys, "u", old, clock=now) == b"v"
    assert signing.decode_signed_value(keys, "u", new, clock=now) == b"v"
    assert signing.decode_signed_value(keys, "u", old, clock=now, min_version=1) is None
    assert signing.decode_signed_value({1: "new-key"}, "u", old, clock=now) is None
    # A version number cannot be swapped to select another key.
    assert signing.decode_signed_value(keys, "u", b"1" + old[1:], clock=now) is None
    with pytest.raises(ValueError, match="key_version"):
        signing.create_signed_value(keys, "u", "v", key_version=7)


def test_key_rotation_in_application(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            if self.get_argument("set", None):
                self.set_secure_cookie("u", "alice")
            else:
                self.write(self.get_secure_cookie("u") or b"none")

    old_app = tornado.web.Application([(r"/", H)], cookie_secret={0: "k0"}, key_version=0)
    token = serve(old_app).fetch("/?set=1").cookie_value("u")
    new_app = tornado.web.Application([(r"/", H)], cookie_secret={0: "k0", 1: "k1"}, key_version=1)
    s = serve(new_app)
    assert s.fetch("/", headers={"Cookie": f"u={token}"}).text == "alice"
    new_token = s.fetch("/?set=1").cookie_value("u")
    assert new_token.startswith("1|")
    with pytest.raises(ValueError, match="key_version"):
        tornado.web.Application(cookie_secret={0: "k0"}, key_version=3)


def test_secure_cookie_expires_days(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_secure_cookie("s", "v", expires_days=None)
            self.set_secure_cookie("p", "v", expires_days=3)

    c = serve(tornado.web.Application([(r"/", H)], cookie_secret=SECRET)).fetch("/").cookies()
    assert "expires" not in c["s"].lower()
    assert "expires=" in c["p"]


class BaseHandler(tornado.web.RequestHandler):
    def get_current_user(self):
        return self.get_secure_cookie("user")


class MainHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self):
        name = tornado.escape.xhtml_escape(self.current_user)
        self.write("Hello, " + name)

    @tornado.web.authenticated
    def post(self):
        self.write("posted")


class LoginHandler(BaseHandler):
    def get(self):
        self.write(
            '<html><body><form action="/login" method="post">'
            'Name: <input type="text" name="name">'
            '<input type="submit" value="Sign in">'
            "</form></body></html>"
        )

    def post(self):
        self.set_secure_cookie("user", self.get_argument("name"))
        self.redirect("/")


def test_overview_login_flow(serve):
    app = tornado.web.Application(
        [(r"/", MainHandler), (r"/login", LoginHandler)], cookie_secret=SECRET, login_url="/login"
    )
    s = serve(app)
    r = s.fetch("/?page=2")
    assert r.status == 302
    assert r.headers["Location"] == "/login?next=%2F%3Fpage%3D2"
    assert s.fetch("/", method="POST", body=b"").status == 403
    r = s.fetch(
        "/login",
        method="POST",
        body="name=<b>bob</b>",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (r.status, r.headers["Location"]) == (302, "/")
    token = r.cookie_value("user")
    r = s.fetch("/", headers={"Cookie": f"user={token}"})
    assert r.text == "Hello, &lt;b&gt;bob&lt;/b&gt;"


def test_current_user_default_none_and_setter(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            first = self.current_user
            self.current_user = "set"
            self.write(f"{first} {self.current_user}")

    assert serve(tornado.web.Application([(r"/", H)])).fetch("/").text == "None set"


def test_authenticated_without_login_url_names_setting(serve):
    r = serve(tornado.web.Application([(r"/", MainHandler)], cookie_secret=SECRET, debug=True)).fetch("/")
    assert r.status == 500 and b"login_url" in r.body


class FormHandler(tornado.web.RequestHandler):
    def get(self):
        self.write(self.xsrf_form_html())

    def post(self):
        self.write("accepted")

    put = delete = patch = post


def test_xsrf_cookie_set_for_every_visitor(serve):
    s = serve(tornado.web.Application([(r"/", FormHandler)], xsrf_cookies=True))
    r = s.fetch("/")
    token = r.cookie_value("_xsrf")
    assert token and len(token) == 32
    assert r.text == f'<input type="hidden" name="_xsrf" value="{token}"/>'
    # An existing cookie is reused, not replaced.
    r2 = s.fetch("/", headers={"Cookie": f"_xsrf={token}"})
    assert "_xsrf" not in r2.cookies() and token in r2.text


def test_xsrf_rejects_forged_requests(serve):
    s = serve(tornado.web.Application([(r"/", FormHandler)], xsrf_cookies=True))
    token = s.fetch("/").cookie_value("_xsrf")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        body = b"" if method != "DELETE" else None
        assert s.fetch("/", method=method, body=body).status == 403
        assert s.fetch("/", method=method, body=body, headers={"Cookie": f"_xsrf={token}"}).status == 403
    assert s.fetch("/", method="POST", body="_xsrf=" + token, headers=form).status == 403  # no cookie
    ok = s.fetch("/", method="POST", body="_xsrf=" + token, headers={**form, "Cookie": f"_xsrf={token}"})
    assert (ok.status, ok.text) == (200, "accepted")
    wrong = s.fetch(
        "/", method="POST", body="_xsrf=" + "0" * 32, headers={**form, "Cookie": f"_xsrf={token}"}
    )
    assert wrong.status == 403
    hdr = s.fetch("/", method="DELETE", headers={"X-XSRFToken": token, "Cookie": f"_xsrf={token}"})
    assert hdr.status == 200


def test_check_xsrf_cookie_overridable(serve):
    class Api(FormHandler):
        def check_xsrf_cookie(self):
            if self.request.headers.get("X-Api-Key") != "k":
                raise tornado.web.HTTPError(403)

    s = serve(tornado.web.Application([(r"/", Api)], xsrf_cookies=True))
    assert s.fetch("/", method="POST", body=b"", headers={"X-Api-Key": "k"}).status == 200
    assert s.fetch("/", method="POST", body=b"").status == 403


def test_get_secure_cookie_max_age_days(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            days = float(self.get_argument("days"))
            self.write(self.get_secure_cookie("u", max_age_days=days) or b"expired")

    s = serve(tornado.web.Application([(r"/", H)], cookie_secret=SECRET))
    token = signing.create_signed_value(SECRET, "u", "val", clock=time.time() - 2 * 86400).decode()
    assert s.fetch("/?days=3", headers={"Cookie": f"u={token}"}).text == "val"
    assert s.fetch("/?days=1", headers={"Cookie": f"u={token}"}).text == "expired"


def test_authenticated_with_absolute_login_url(serve):
    app = tornado.web.Application(
        [(r"/", MainHandler)], cookie_secret=SECRET, login_url="https://login.example/auth"
    )
    r = serve(app).fetch("/?a=1", headers={"Host": "site.example"})
    assert r.headers["Location"] == "https://login.example/auth?next=http%3A%2F%2Fsite.example%2F%3Fa%3D1"


def _cookie_cases():
    import itertools

    values = ["plain", "", 'needs "quoting" \\ here', "caf\u00e9", "a,b c"]
    extras: list[dict[str, Any]] = [{}, {"comment": "a note"}, {"version": 1}]
    for value, domain, path, exp, max_age, secure, httponly, samesite, extra in itertools.product(
        values,
        [None, "example.com"],
        ["/", None, "/sub"],
        [None, 1_700_000_000.5, 30],
        [None, 0, 3600],
        [False, True],
        [False, True],
        [None, "Lax", "None"],
        extras,
    ):
        kwargs = dict(
            domain=domain,
            path=path,
            max_age=max_age,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            **extra,
        )
        if exp == 30:
            kwargs["expires_days"] = 30
        else:
            kwargs["expires"] = exp
        yield value, kwargs


def test_set_cookie_header_is_what_the_stdlib_morsel_writes(monkeypatch):
    """Cookies are formatted directly, not through a Morsel: the text must be the same."""
    from tornado.web.cookies import format_cookie, make_morsel

    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.25)  # both calls see one clock
    n = 0
    for value, kwargs in _cookie_cases():
        name, header = format_cookie("k", value, **kwargs)
        assert name == "k"
        assert header == make_morsel("k", value, **kwargs).OutputString(), (value, kwargs)
        n += 1
    assert n == 5 * 2 * 3 * 3 * 3 * 2 * 2 * 3 * 3


def test_set_cookie_reaches_the_response_as_formatted(serve):
    class Many(tornado.web.RequestHandler):
        def get(self):
            self.set_cookie("a", "1", httponly=True, samesite="Strict")
            self.set_cookie("b", 'q"x', domain="127.0.0.1", max_age=10, secure=True)
            self.set_cookie("a", "2")  # replaces the first "a"
            self.write("ok")

    r = serve(tornado.web.Application([(r"/", Many)])).fetch("/")
    got = r.headers.get_list("Set-Cookie")
    assert got == ["a=2; Path=/", 'b="q\\"x"; Domain=127.0.0.1; Max-Age=10; Path=/; Secure']
