"""RequestHandler: verbs, hooks, arguments, headers, output, redirects, errors, ETags, gzip, logging."""

import gzip
import json
import logging

import pytest
import tornado.web
from tornado.web import HTTPError


def app_for(*handlers, **settings):
    return tornado.web.Application(list(handlers), **settings)


class AllVerbs(tornado.web.RequestHandler):
    def _reply(self):
        self.write(self.request.method)

    get = post = put = delete = patch = options = _reply

    def head(self):
        self.set_header("X-Head", "yes")


def test_every_verb_dispatches(serve):
    s = serve(app_for((r"/", AllVerbs)))
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        assert (
            s.fetch("/", method=method, body=b"" if method in ("POST", "PUT", "PATCH") else None).text
            == method
        )
    r = s.fetch("/", method="HEAD")
    assert r.status == 200 and r.headers["X-Head"] == "yes" and r.body == b""


def test_unsupported_method_is_405_with_allow(serve):
    class GetOnly(tornado.web.RequestHandler):
        def get(self):
            self.write("ok")

        def post(self):
            self.write("ok")

    s = serve(app_for((r"/", GetOnly)))
    r = s.fetch("/", method="DELETE")
    assert r.status == 405
    assert r.headers["Allow"] == "GET, POST"
    r = s.fetch("/", method="BREW")
    assert r.status == 405


def test_prepare_and_on_finish(serve):
    events = []

    class H(tornado.web.RequestHandler):
        def prepare(self):
            events.append("prepare")
            if self.get_argument("stop", None):
                self.finish("stopped in prepare")

        def get(self):
            events.append("get")
            self.write("got")

        def on_finish(self):
            events.append("on_finish")

    s = serve(app_for((r"/", H)))
    assert s.fetch("/").text == "got"
    assert s.fetch("/?stop=1").text == "stopped in prepare"
    assert events == ["prepare", "get", "on_finish", "prepare", "on_finish"]


class ArgHandler(tornado.web.RequestHandler):
    def get(self):
        self.write(
            {
                "a": self.get_argument("a", "default"),
                "raw": self.get_argument("raw", None, strip=False),
                "all": self.get_arguments("m"),
                "q": self.get_query_argument("q", None),
                "qs": self.get_query_arguments("q"),
            }
        )

    def post(self):
        self.write(
            {
                "message": self.get_argument("message"),
                "body": self.get_body_argument("message", None),
                "query": self.get_query_argument("message", None),
                "bodies": self.get_body_arguments("message"),
                "merged": self.get_arguments("message"),
            }
        )


def test_get_argument_defaults_strip_and_lists(serve):
    s = serve(app_for((r"/", ArgHandler)))
    data = json.loads(s.fetch("/?a=%20x%20&raw=%20y%20&m=1&m=2&q=%E2%9C%93").body)
    assert data == {"a": "x", "raw": " y ", "all": ["1", "2"], "q": "✓", "qs": ["✓"]}
    assert json.loads(s.fetch("/").body)["a"] == "default"


def test_missing_argument_is_400_naming_it(serve):
    s = serve(app_for((r"/", ArgHandler)))
    r = s.fetch("/", method="POST", body=b"")
    assert r.status == 400
    assert r.reason == "Missing argument message"
    assert b"Missing argument message" in r.body


def test_body_and_query_arguments_are_separate(serve):
    s = serve(app_for((r"/", ArgHandler)))
    r = s.fetch(
        "/?message=fromquery",
        method="POST",
        body="message=frombody",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    data = json.loads(r.body)
    assert data["body"] == "frombody"
    assert data["query"] == "fromquery"
    assert data["bodies"] == ["frombody"]
    assert data["merged"] == ["fromquery", "frombody"]
    assert data["message"] == "frombody"


def test_invalid_utf8_argument_is_400(serve):
    s = serve(app_for((r"/", ArgHandler)))
    assert s.fetch("/?a=%FF").status == 400


def test_overview_form_post(serve):
    class MainHandler(tornado.web.RequestHandler):
        def get(self):
            self.write(
                '<html><body><form action="/" method="post">'
                '<input type="text" name="message">'
                '<input type="submit" value="Submit">'
                "</form></body></html>"
            )

        def post(self):
            self.set_header("Content-Type", "text/plain")
            self.write("You wrote " + self.get_argument("message"))

    s = serve(app_for((r"/", MainHandler)))
    assert b'name="message"' in s.fetch("/").body
    r = s.fetch(
        "/",
        method="POST",
        body="message=hi+there",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.text == "You wrote hi there"
    assert r.headers["Content-Type"] == "text/plain"


def test_uploaded_files(serve):
    class Upload(tornado.web.RequestHandler):
        def post(self):
            f = self.request.files["upload"][0]
            self.write(
                {
                    "name": f["filename"],
                    "body": f["body"].decode(),
                    "type": f["content_type"],
                    "title": self.get_argument("title"),
                }
            )

    body = (
        b'--BOUND\r\nContent-Disposition: form-data; name="title"\r\n\r\nmy title\r\n'
        b'--BOUND\r\nContent-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nfile contents\r\n--BOUND--\r\n"
    )
    s = serve(app_for((r"/", Upload)))
    r = s.fetch(
        "/", method="POST", body=body, headers={"Content-Type": "multipart/form-data; boundary=BOUND"}
    )
    assert json.loads(r.body) == {
        "name": "a.txt",
        "body": "file contents",
        "type": "text/plain",
        "title": "my title",
    }


def test_status_and_headers(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_status(201)
            self.set_header("X-One", "1")
            self.set_header("X-Num", 5)
            self.add_header("X-Multi", "a")
            self.add_header("X-Multi", "b")
            self.set_header("X-Gone", "x")
            self.clear_header("X-Gone")
            self.clear_header("Server")
            self.write("made")

    r = serve(app_for((r"/", H))).fetch("/")
    assert r.status == 201 and r.reason == "Created"
    assert r.headers["X-One"] == "1" and r.headers["X-Num"] == "5"
    assert r.headers.get_list("X-Multi") == ["a", "b"]
    assert "X-Gone" not in r.headers and "Server" not in r.headers


def test_custom_reason_and_bad_status(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_status(299, "Fine Really")

        def post(self):
            self.set_status(42)

    s = serve(app_for((r"/", H)))
    r = s.fetch("/")
    assert (r.status, r.reason) == (299, "Fine Really")
    assert s.fetch("/", method="POST", body=b"").status == 500


def test_header_injection_raises(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            try:
                self.set_header("X-Bad", "a\r\nSet-Cookie: evil=1")
            except ValueError as e:
                self.write("refused: " + str(e)[:20])

    r = serve(app_for((r"/", H))).fetch("/")
    assert r.text.startswith("refused: unsafe value")
    assert "evil" not in str(r.header_list)


def test_write_dict_is_json_and_lists_are_refused(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.write({"a": [1, 2], "s": "</script>"})

        def post(self):
            self.write([1, 2])  # type: ignore[arg-type]  # a list is what must be refused

    s = serve(app_for((r"/", H)))
    r = s.fetch("/")
    assert r.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert json.loads(r.body) == {"a": [1, 2], "s": "</script>"}
    assert b"</script>" not in r.body
    assert s.fetch("/", method="POST", body=b"").status == 500


def test_flush_sends_chunked_response(serve):
    class H(tornado.web.RequestHandler):
        async def get(self):
            self.write("part1-")
            await self.flush()
            self.write("part2")

    s = serve(app_for((r"/", H)))
    r = s.fetch("/")
    assert r.body == b"part1-part2"
    assert r.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in r.headers
    raw = s.raw(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"6\r\npart1-\r\n" in raw and raw.endswith(b"0\r\n\r\n")


def test_finish_with_chunk_and_no_write_after_finish(serve):
    errors = []

    class H(tornado.web.RequestHandler):
        def get(self):
            self.write("a")
            self.finish("b")
            try:
                self.write("c")
            except RuntimeError as e:
                errors.append(str(e))
            try:
                self.finish()
            except RuntimeError as e:
                errors.append(str(e))

    r = serve(app_for((r"/", H))).fetch("/")
    assert r.body == b"ab" and r.headers["Content-Length"] == "2"
    assert errors == ["Cannot write() after finish()", "finish() called twice"]


def test_clear_resets_output(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_header("X-A", "1")
            self.write("discarded")
            self.set_status(500)
            self.clear()
            self.write("kept")

    r = serve(app_for((r"/", H))).fetch("/")
    assert (r.status, r.text) == (200, "kept")
    assert "X-A" not in r.headers


def test_redirect_variants(serve):
    class H(tornado.web.RequestHandler):
        def get(self, kind):
            if kind == "temp":
                self.redirect("/t")
            elif kind == "perm":
                self.redirect("/p", permanent=True)
            else:
                self.redirect("/s", status=307)

    s = serve(app_for((r"/(\w+)", H)))
    assert (s.fetch("/temp").status, s.fetch("/temp").headers["Location"]) == (302, "/t")
    assert (s.fetch("/perm").status, s.fetch("/perm").headers["Location"]) == (301, "/p")
    assert s.fetch("/other").status == 307


def test_http_error_sends_page_and_logs(serve, caplog):
    class H(tornado.web.RequestHandler):
        def get(self):
            raise HTTPError(403, "user %s may not", "bob")

    with caplog.at_level(logging.WARNING, logger="tornado.general"):
        r = serve(app_for((r"/", H))).fetch("/")
    assert r.status == 403
    assert r.body == b"<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
    assert b"bob" not in r.body
    assert any("user bob may not" in rec.getMessage() for rec in caplog.records)


def test_uncaught_exception_is_500_without_traceback(serve, caplog):
    class H(tornado.web.RequestHandler):
        def get(self):
            raise ZeroDivisionError("secret detail")

    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        r = serve(app_for((r"/", H))).fetch("/")
    assert r.status == 500
    assert b"secret detail" not in r.body and b"Traceback" not in r.body
    assert any(rec.exc_info and rec.exc_info[0] is ZeroDivisionError for rec in caplog.records)


def test_debug_shows_traceback(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            raise ZeroDivisionError("secret detail")

    r = serve(app_for((r"/", H), debug=True)).fetch("/")
    assert r.status == 500
    assert b"Traceback" in r.body and b"ZeroDivisionError: secret detail" in r.body


def test_send_error_and_custom_write_error(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.write("partial output is discarded")
            self.send_error(418, reason="Teapot")

        def post(self):
            raise HTTPError(409)

        def write_error(self, status_code, **kwargs):
            exc = kwargs.get("exc_info")
            self.write(f"custom {status_code} {type(exc[1]).__name__ if exc else '-'}")

    s = serve(app_for((r"/", H)))
    r = s.fetch("/")
    assert (r.status, r.reason, r.text) == (418, "Teapot", "custom 418 -")
    r = s.fetch("/", method="POST", body=b"")
    assert (r.status, r.text) == (409, "custom 409 HTTPError")


def test_finish_exception(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.set_status(202)
            raise tornado.web.Finish("early")

    r = serve(app_for((r"/", H))).fetch("/")
    assert (r.status, r.text) == (202, "early")


def test_etag_and_if_none_match(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.write("cacheable body")

        def post(self):
            self.write("not cached")

    s = serve(app_for((r"/", H)))
    r = s.fetch("/")
    etag = r.headers["Etag"]
    assert etag.startswith('"') and etag.endswith('"')
    r2 = s.fetch("/", headers={"If-None-Match": etag})
    assert r2.status == 304 and r2.body == b""
    assert s.fetch("/", headers={"If-None-Match": 'W/"nope", ' + etag}).status == 304
    assert s.fetch("/", headers={"If-None-Match": '"other"'}).status == 200
    assert "Etag" not in s.fetch("/", method="POST", body=b"").headers


def test_compress_response(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.write("hello world " * 200)

    s = serve(app_for((r"/", H), compress_response=True))
    r = s.fetch("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.body) == b"hello world " * 200
    assert int(r.headers["Content-Length"]) == len(r.body)
    plain = s.fetch("/")
    assert "Content-Encoding" not in plain.headers and plain.body == b"hello world " * 200


def test_compress_response_streaming(serve):
    class H(tornado.web.RequestHandler):
        async def get(self):
            self.write("a" * 3000)
            await self.flush()
            self.write("b" * 3000)

    r = serve(app_for((r"/", H), compress_response=True)).fetch("/", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(r.body) == b"a" * 3000 + b"b" * 3000


def test_access_log_line(serve, caplog):
    class H(tornado.web.RequestHandler):
        def get(self):
            self.write("x")

    with caplog.at_level(logging.INFO, logger="tornado.access"):
        s = serve(app_for((r"/", H)))
        s.fetch("/?q=1")
        s.fetch("/nothing")
    lines = [r.getMessage() for r in caplog.records if r.name == "tornado.access"]
    assert any(line.startswith("200 GET /?q=1 (127.0.0.1) ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("404 GET /nothing") for line in lines)
    levels = {r.getMessage()[:3]: r.levelno for r in caplog.records if r.name == "tornado.access"}
    assert levels["200"] == logging.INFO and levels["404"] == logging.WARNING


def test_log_function_setting(serve):
    seen = []
    s = serve(app_for((r"/", AllVerbs), log_function=lambda h: seen.append((h.get_status(), h.request.path))))
    s.fetch("/")
    assert seen == [(200, "/")]


def test_bad_settings_name_the_setting(tmp_path):
    with pytest.raises(ValueError, match="static_path"):
        tornado.web.Application(static_path=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="log_function"):
        tornado.web.Application(log_function=3)
    with pytest.raises(ValueError, match="cookie_secret"):
        tornado.web.Application(cookie_secret=12)
    with pytest.raises(ValueError, match="default_handler_class"):
        tornado.web.Application(default_handler_class=int)
    with pytest.raises(TypeError, match="ui_modules"):
        tornado.web.Application(ui_modules=5)
    with pytest.raises(TypeError, match="'ui_methods' setting"):
        tornado.web.Application(ui_methods=5)
    with pytest.raises(TypeError, match="ui_methods setting: 'x' is not callable"):
        tornado.web.Application(ui_methods=[{"x": 3}])


def test_http_error_validates_status():
    with pytest.raises(ValueError, match="status_code"):
        HTTPError("404")  # type: ignore[arg-type]  # a str status is what must be refused
    assert str(HTTPError(404, "no %s", "thing")) == "HTTP 404: Not Found (no thing)"


def test_get_error_html_from_tornado_1_0(serve):
    class H(tornado.web.RequestHandler):
        def get(self):
            raise HTTPError(404)

        def get_error_html(self, status_code, **kwargs):
            return f"<h1>Oops {status_code}</h1>"

    r = serve(app_for((r"/", H))).fetch("/")
    assert (r.status, r.text) == (404, "<h1>Oops 404</h1>")


def test_custom_output_transforms(serve):
    class Upper:
        def __init__(self, request):
            self.request = request

        def transform_first_chunk(self, status, headers, chunk, finishing):
            headers = [(k, v) for k, v in headers if k != "Content-Length"]
            headers.append(("X-Transformed", self.request.path))
            if finishing:
                headers.append(("Content-Length", str(len(chunk))))
            return status, headers, chunk.upper()

        def transform_chunk(self, chunk, finishing):
            return chunk.upper()

    class H(tornado.web.RequestHandler):
        async def get(self):
            self.write("abc")
            if self.get_argument("stream", None):
                await self.flush()
                self.write("def")

    s = serve(tornado.web.Application([(r"/", H)], transforms=[Upper]))
    r = s.fetch("/")
    assert (r.text, r.headers["X-Transformed"]) == ("ABC", "/")
    assert s.fetch("/?stream=1").text == "ABCDEF"
