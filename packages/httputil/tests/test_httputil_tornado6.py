"""Tornado 6's httputil names: the request object, the delegate interfaces, URL helpers."""

from __future__ import annotations

import pytest
import tornado.httputil as httputil
from tornado.httputil import (
    HTTPConnection,
    HTTPFile,
    HTTPHeaders,
    HTTPInputError,
    HTTPMessageDelegate,
    HTTPOutputError,
    HTTPServerConnectionDelegate,
    HTTPServerRequest,
    RequestStartLine,
    ResponseStartLine,
    format_timestamp,
    parse_body_arguments,
    parse_multipart_form_data,
    qs_to_qsl,
    split_host_and_port,
    url_concat,
)


def test_every_documented_name_is_exported():
    for name in (
        "HTTPServerRequest",
        "url_concat",
        "parse_body_arguments",
        "parse_multipart_form_data",
        "HTTPFile",
        "split_host_and_port",
        "qs_to_qsl",
        "RequestStartLine",
        "ResponseStartLine",
        "HTTPInputError",
        "HTTPOutputError",
        "format_timestamp",
        "HTTPMessageDelegate",
        "HTTPServerConnectionDelegate",
        "HTTPConnection",
    ):
        assert name in httputil.__all__
        assert getattr(httputil, name) is not None


@pytest.mark.parametrize(
    "netloc, expected",
    [
        ("example.com", ("example.com", None)),
        ("example.com:8080", ("example.com", 8080)),
        ("[::1]:443", ("[::1]", 443)),
        ("[::1]", ("[::1]", None)),
        ("host:notaport", ("host:notaport", None)),
    ],
)
def test_split_host_and_port(netloc, expected):
    assert split_host_and_port(netloc) == expected


def test_qs_to_qsl_flattens_repeated_names():
    assert list(qs_to_qsl({"a": [b"1", b"2"], "b": [b"3"]})) == [("a", b"1"), ("a", b"2"), ("b", b"3")]
    assert list(qs_to_qsl({})) == []


def test_request_from_keywords_and_start_line():
    r = HTTPServerRequest(method="GET", uri="/p/q?x=1&x=2&y=", headers=HTTPHeaders({"Host": "Ex.COM:81"}))
    assert (r.method, r.path, r.query, r.version) == ("GET", "/p/q", "x=1&x=2&y=", "HTTP/1.0")
    assert r.host == "Ex.COM:81" and r.host_name == "ex.com"
    assert r.query_arguments == {"x": [b"1", b"2"], "y": [b""]}
    assert r.arguments == {"x": [b"1", b"2"], "y": [b""]}
    assert r.remote_ip == "127.0.0.1" and r.protocol == "http"
    r2 = HTTPServerRequest(start_line=RequestStartLine("POST", "/a", "HTTP/1.1"))
    assert (r2.method, r2.uri, r2.version) == ("POST", "/a", "HTTP/1.1")
    assert r2.supports_http_1_1()
    with pytest.raises(TypeError, match="method and uri"):
        HTTPServerRequest()


def test_request_takes_address_and_scheme_from_the_connection_context():
    class Context:
        remote_ip = "10.1.2.3"
        protocol = "https"

    class Conn(HTTPConnection):
        context = Context()

    conn = Conn()
    r = HTTPServerRequest(
        "GET", "/x", headers=HTTPHeaders({"Host": "h"}), connection=conn, server_connection="sc"
    )
    assert r.remote_ip == "10.1.2.3" and r.protocol == "https"
    assert r.connection is conn and r.server_connection == "sc"
    assert r.full_url() == "https://h/x"
    assert r.get_ssl_certificate() is None


def test_request_parses_form_body_into_body_arguments_and_files():
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="n.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nfile body\r\n--{boundary}--\r\n"
    ).encode()
    headers = HTTPHeaders({"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = HTTPServerRequest("POST", "/up?q=1", headers=headers, body=body)
    assert r.body_arguments == {"a": [b"value"]}
    assert r.query_arguments == {"q": [b"1"]}
    assert r.arguments == {"q": [b"1"], "a": [b"value"]}
    f = r.files["f"][0]
    assert isinstance(f, HTTPFile)
    assert (f.filename, f.body, f.content_type) == ("n.txt", b"file body", "text/plain")


def test_arguments_follow_assignments_to_their_sources():
    r = HTTPServerRequest(
        "POST",
        "/p?q=1",
        headers=HTTPHeaders({"Content-Type": "application/x-www-form-urlencoded"}),
        body=b"a=2",
    )
    assert r.arguments == {"q": [b"1"], "a": [b"2"]}
    r.arguments["q"].append(b"mine")  # the merged dict is kept, changes and all
    assert r.arguments["q"] == [b"1", b"mine"] and r.query_arguments["q"] == [b"1"]
    r.body_arguments = {"b": [b"3"]}  # a new source: merged again on the next read
    assert r.arguments == {"q": [b"1"], "b": [b"3"]}
    r.query_arguments = {}
    assert r.arguments == {"b": [b"3"]}
    r.arguments = {"set": [b"by hand"]}
    assert r.arguments == {"set": [b"by hand"]}
    with pytest.raises(AttributeError, match="no attribute 'argumnets'"):
        getattr(r, "argumnets")  # noqa: B009
    assert getattr(r, "missing", None) is None
    setattr(r, "custom", 5)  # noqa: B010  (requests still take attributes of the application's own)
    assert getattr(r, "custom") == 5  # noqa: B009


def test_parse_helpers_are_the_documented_functions():
    args: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    parse_body_arguments("application/x-www-form-urlencoded", b"a=1&b=2", args, files)
    assert args == {"a": [b"1"], "b": [b"2"]}
    with pytest.raises(HTTPInputError):
        parse_multipart_form_data(b"B", b"no boundary here", {}, {})
    assert url_concat("/p?a=1", {"b": "2"}) == "/p?a=1&b=2"
    assert format_timestamp(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert issubclass(HTTPOutputError, Exception)
    assert ResponseStartLine("HTTP/1.1", 200, "OK").code == 200


def test_delegate_interfaces_have_the_documented_defaults():
    d = HTTPMessageDelegate()
    assert d.headers_received(RequestStartLine("GET", "/", "HTTP/1.1"), HTTPHeaders()) is None
    assert d.data_received(b"x") is None
    d.finish()
    d.on_connection_close()
    with pytest.raises(NotImplementedError):
        HTTPServerConnectionDelegate().start_request(object(), HTTPConnection())
    HTTPServerConnectionDelegate().on_close(object())
    c = HTTPConnection()
    for call in (
        lambda: c.write_headers(ResponseStartLine("HTTP/1.1", 200, "OK"), HTTPHeaders()),
        lambda: c.write(b"x"),
        c.finish,
    ):
        with pytest.raises(NotImplementedError):
            call()
