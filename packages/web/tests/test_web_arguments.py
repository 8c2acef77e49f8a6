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


class Replacing(RequestHandler):
    """Reads, then changes the arguments and reads again: the second read sees the change."""

    def post(self) -> None:
        first = self.get_argument("a")
        self.request.arguments["a"].append(b"later")
        self.request.arguments["b"] = [b"new \x02 value"]
        self.write(
            json.dumps([first, self.get_argument("a"), self.get_argument("b"), self.get_argument("c")])
        )


def test_values_changed_after_the_first_read_are_read_afresh(serve: Any) -> None:
    r = post(serve, Application([(r"/", Replacing)]), b"a=first&b=old&c=kept")
    assert r.status == 200
    assert json.loads(r.text) == ["first", "later", "new   value", "kept"]


def test_one_field_in_bad_utf8_spoils_only_itself(serve: Any) -> None:
    class Good(RequestHandler):
        def post(self) -> None:
            self.write(self.get_argument("good"))

    r = post(serve, Application([(r"/", Good)]), b"good=caf%C3%A9&bad=%FF")
    assert (r.status, r.text) == (200, "caf\u00e9")
    r = post(serve, Application([(r"/", Echo)]), b"good=caf%C3%A9&bad=%FF")
    assert r.status == 400


def test_values_holding_the_joining_character_or_controls(serve: Any) -> None:
    # A vertical tab inside a value must not split it, whatever other fields hold.
    body = urlencode({"v": "a\x0bb", "w": "c\x00d", "x": "\u20ac\x1b"}).encode()
    got = json.loads(post(serve, Application([(r"/", Echo)]), body).text)
    assert (got["v"], got["w"], got["x"]) == ("a\x0bb", "c d", "\u20ac")  # \x1b became a space, then stripped
    body = urlencode({"w": "c\x00d", "x": " e\x1bf "}).encode()
    got = json.loads(post(serve, Application([(r"/", Echo)]), body).text)
    assert (got["w"], got["x"]) == ("c d", "e f")


def test_query_and_body_readers_keep_their_own_last_values(serve: Any) -> None:
    class Sources(RequestHandler):
        def post(self) -> None:
            self.write(
                json.dumps(
                    [
                        self.get_argument("a"),
                        self.get_query_argument("a"),
                        self.get_body_argument("a"),
                        self.get_argument("a", strip=False),
                    ]
                )
            )

    r = post(serve, Application([(r"/", Sources)]), b"a=+body+", query="?a=query")
    assert json.loads(r.text) == ["body", "query", "body", " body "]
