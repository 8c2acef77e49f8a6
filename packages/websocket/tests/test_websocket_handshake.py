"""The opening handshake helpers (RFC 6455 section 4) and header grammars (section 9.1)."""

from __future__ import annotations

import base64

import pytest
from tornado.websocket import (
    HandshakeError,
    accept_key,
    check_request,
    check_response,
    client_request_headers,
    format_extension,
    make_key,
    parse_extensions,
    parse_tokens,
    server_response_headers,
)


class Headers:
    """A minimal multi-valued header collection (case-insensitive names)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get_list(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k.lower() == name.lower()]


RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="

GOOD = [
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", RFC_KEY),
    ("Sec-WebSocket-Version", "13"),
]


def without(name: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in GOOD if k != name]


def test_accept_key_rfc_example():
    assert accept_key(RFC_KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_make_key_is_16_random_bytes():
    a, b = make_key(), make_key()
    assert a != b and len(base64.b64decode(a)) == 16


def test_check_request_accepts_the_rfc_request():
    assert check_request("GET", Headers(GOOD)) == RFC_KEY


def test_tokens_are_case_insensitive_and_listed():
    h = without("Connection") + [("Connection", "keep-alive, UPGRADE")]
    h = [(k, "WebSocket" if k == "Upgrade" else v) for k, v in h]
    assert check_request("GET", Headers(h)) == RFC_KEY


@pytest.mark.parametrize(
    "headers,status",
    [
        (without("Upgrade"), 400),
        (without("Upgrade") + [("Upgrade", "h2c")], 400),
        (without("Connection"), 400),
        (without("Connection") + [("Connection", "close")], 400),
        (without("Sec-WebSocket-Version"), 426),
        (without("Sec-WebSocket-Version") + [("Sec-WebSocket-Version", "8")], 426),
        (GOOD + [("Sec-WebSocket-Version", "13")], 426),
        (without("Sec-WebSocket-Key"), 400),
        (without("Sec-WebSocket-Key") + [("Sec-WebSocket-Key", "c2hvcnQ=")], 400),
        (without("Sec-WebSocket-Key") + [("Sec-WebSocket-Key", "not base64!!!!!!!!!!!!==")], 400),
        (GOOD + [("Sec-WebSocket-Key", RFC_KEY)], 400),
    ],
)
def test_check_request_refusals(headers, status):
    with pytest.raises(HandshakeError) as info:
        check_request("GET", Headers(headers))
    assert info.value.status_code == status


def test_check_request_method():
    with pytest.raises(HandshakeError) as info:
        check_request("POST", Headers(GOOD))
    assert info.value.status_code == 405


def test_server_response_headers():
    h = dict(server_response_headers(RFC_KEY, "chat", "permessage-deflate"))
    assert h == {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        "Sec-WebSocket-Protocol": "chat",
        "Sec-WebSocket-Extensions": "permessage-deflate",
    }


def test_client_request_headers():
    h = dict(client_request_headers(RFC_KEY, ["chat", "superchat"], "permessage-deflate"))
    assert h["Sec-WebSocket-Protocol"] == "chat, superchat"
    assert h["Sec-WebSocket-Version"] == "13" and h["Sec-WebSocket-Key"] == RFC_KEY
    with pytest.raises(ValueError, match="subprotocols"):
        client_request_headers(RFC_KEY, ["bad token"])


def _response(**extra: str) -> list[tuple[str, str]]:
    h = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key(RFC_KEY))]
    return h + [(k.replace("_", "-"), v) for k, v in extra.items()]


def test_check_response_ok():
    assert check_response(101, Headers(_response()), RFC_KEY) is None
    h = _response(Sec_WebSocket_Protocol="chat")
    assert check_response(101, Headers(h), RFC_KEY, ["superchat", "chat"]) == "chat"


@pytest.mark.parametrize(
    "status,headers",
    [
        (200, _response()),
        (101, _response()[1:]),
        (101, [_response()[0], _response()[2]]),
        (101, _response()[:2] + [("Sec-WebSocket-Accept", accept_key("x" + RFC_KEY))]),
        (101, _response(Sec_WebSocket_Protocol="other")),
        (101, _response(Sec_WebSocket_Protocol="chat, chat2")),
    ],
)
def test_check_response_refusals(status, headers):
    with pytest.raises(HandshakeError):
        check_response(status, Headers(headers), RFC_KEY, ["chat", "chat2"])


def test_parse_tokens():
    assert parse_tokens(["a, b", " ,c,, "]) == ["a", "b", "c"]
    with pytest.raises(HandshakeError):
        parse_tokens("a b")


def test_parse_extensions():
    assert parse_extensions(["foo, bar; baz=2", 'deflate-stream; x="10"; y']) == [
        ("foo", []),
        ("bar", [("baz", "2")]),
        ("deflate-stream", [("x", "10"), ("y", None)]),
    ]
    assert parse_extensions("permessage-deflate ;client_max_window_bits ; server_max_window_bits = 10") == [
        ("permessage-deflate", [("client_max_window_bits", None), ("server_max_window_bits", "10")])
    ]
    assert parse_extensions(["", " , "]) == []


@pytest.mark.parametrize(
    "value", ["a;", "a;;b", "a; b=", 'a; b="x y"', 'a; b="unterminated', "a b", ";a", "a; b=c d", "a=1"]
)
def test_parse_extensions_refuses_bad_syntax(value):
    with pytest.raises(HandshakeError):
        parse_extensions(value)


def test_format_extension_roundtrip():
    text = format_extension(
        "permessage-deflate", [("client_max_window_bits", None), ("server_max_window_bits", "9")]
    )
    assert text == "permessage-deflate; client_max_window_bits; server_max_window_bits=9"
    assert parse_extensions(text) == [
        ("permessage-deflate", [("client_max_window_bits", None), ("server_max_window_bits", "9")])
    ]
