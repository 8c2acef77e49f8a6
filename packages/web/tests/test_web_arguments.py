"""Reading form arguments: the decoded values, the 400 for bad UTF-8, control characters, and
a handler's own decode_argument (the fast path must not bypass it)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from tornado.web import Application, RequestHandler


class Echo(RequestHandler):
    def post(self) -> None:
        names = sorted(self.request.arguments)
        self.write(json.dumps({n: self.get_argument(n) for n in names} | {"_all": self.get_arguments("a")}))


class Latin1(Echo):
    def decode_argument(self, value: bytes | str, name: str | None = None) -> str:
        return value if isinstance(value, str) else value.decode("latin-1").upper()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post(serve: Any, app: Application, body: bytes, query: str = "") -> Any:
    return serve(app).fetch("/" + query, method="POST", body=body, headers=FORM)


def test_values_are_decoded_stripped_and_cleaned(serve: Any) -> None:
    body = urlencode({"a": "  caf\u00e9 ", "ctl": "x\x01y\x1fz", "tab": "p\tq", "amp": "1&2=3"}).encode()
    r = post(serve, Application([(r"/", Echo)]), body)
    assert r.status == 200
    got = json.loads(r.text)
    assert got["a"] == "caf\u00e9"
    assert got["ctl"] == "x y z"  # control characters become spaces
    assert got["tab"] == "p\tq"  # tab is not one of them
    assert got["amp"] == "1&2=3"


def test_query_and_body_values_merge_query_first(serve: Any) -> None:
    r = post(serve, Application([(r"/", Echo)]), b"a=body", query="?a=query")
    assert json.loads(r.text)["_all"] == ["query", "body"]


def test_invalid_utf8_is_a_400(serve: Any) -> None:
    r = post(serve, Application([(r"/", Echo)]), b"a=%FF%FE")
    assert r.status == 400


def test_an_overridden_decode_argument_is_used(serve: Any) -> None:
    r = post(serve, Application([(r"/", Latin1)]), b"a=%FFx")
    assert r.status == 200
    assert json.loads(r.text)["a"] == "\u00ffX".upper()
