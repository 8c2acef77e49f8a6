"""Differential test: our server-role parser against h11 on the same request bytes.

For every input both must accept with the same method, target, version, fields, body and
trailers, or both must reject.  Valid generated requests must agree with no exception at
all.  For hand-written and mutated invalid requests, a disagreement is allowed only where
our rules deliberately differ from h11's: each such case is listed in :data:`DEVIATIONS`
with its RFC 9112 (or RFC 9110) reason and a check that it is that case and no other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import h1_messages as M
import pytest
from h1_messages import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from tornado.httputil import (
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    H1Connection,
    ProtocolError,
    RequestHead,
)

h11 = pytest.importorskip("h11")

HEAD_LIMIT = 65536


@dataclass
class Outcome:
    """What a parser made of the first request: its normal form, or why it refused."""

    message: tuple[Any, ...] | None = None
    error: str | None = None
    status: int | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None


def normalize(
    start: tuple[str, str, str], fields: list[tuple[str, str]], body: bytes, trailers: list[tuple[str, str]]
) -> tuple[Any, ...]:
    """The comparable form.  Two spellings of the same meaning are made equal: h11 folds
    repeated identical Content-Length values into one, and lower-cases Transfer-Encoding."""
    grouped = M.group(fields)
    if "content-length" in grouped:
        grouped["content-length"] = sorted(
            {v.strip() for x in grouped["content-length"] for v in x.split(",")}
        )
    if "transfer-encoding" in grouped:
        grouped["transfer-encoding"] = [v.lower() for v in grouped["transfer-encoding"]]
    return (start, grouped, body, M.group(trailers))


def ours(data: bytes) -> Outcome:
    conn = H1Connection(SERVER, max_header_size=HEAD_LIMIT)
    conn.receive_data(data)
    conn.receive_data(b"")
    head: RequestHead | None = None
    body: list[bytes] = []
    try:
        for _ in range(len(data) + 10):
            ev = conn.next_event()
            if isinstance(ev, RequestHead):
                head = ev
            elif isinstance(ev, Data):
                body.append(ev.data)
            elif isinstance(ev, EndOfMessage):
                assert head is not None
                trailers = list(ev.trailers.get_all()) if ev.trailers else []
                start = (head.method, head.target, head.version)
                return Outcome(normalize(start, list(head.headers.get_all()), b"".join(body), trailers))
            elif isinstance(ev, ConnectionClosed):
                return Outcome(("closed",))
            else:
                raise AssertionError(f"{ev!r} before the end of the first request, after EOF")
    except ProtocolError as e:
        return Outcome(error=str(e), status=e.status_code)
    pytest.fail("our parser did not finish the first request")


def _text(b: bytes) -> str:
    return bytes(b).decode("latin-1")


def theirs(data: bytes) -> Outcome:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
    conn.receive_data(data)
    conn.receive_data(b"")
    req: Any = None
    body: list[bytes] = []
    try:
        for _ in range(len(data) + 10):
            ev = conn.next_event()
            if isinstance(ev, h11.Request):
                req = ev
            elif isinstance(ev, h11.Data):
                body.append(bytes(ev.data))
            elif isinstance(ev, h11.EndOfMessage):
                start = (_text(req.method), _text(req.target), "HTTP/" + _text(req.http_version))
                fields = [(_text(n), _text(v)) for n, v in req.headers]
                trailers = [(_text(n), _text(v)) for n, v in ev.headers]
                return Outcome(normalize(start, fields, b"".join(body), trailers))
            elif isinstance(ev, h11.ConnectionClosed):
                return Outcome(("closed",))
            elif ev is h11.NEED_DATA or ev is h11.PAUSED:
                raise AssertionError(f"h11 stopped at {ev!r} inside the first request after EOF")
    except h11.RemoteProtocolError as e:
        return Outcome(error=str(e), status=e.error_status_hint)
    pytest.fail("h11 did not finish the first request")


# ------------------------------------------------------------------- deviations


@dataclass
class Deviation:
    name: str
    reason: str
    we_reject: bool  # True: we reject what h11 accepts; False: the other way round
    applies: Callable[[bytes, Outcome, Outcome], bool]


DEVIATIONS = [
    Deviation(
        "bare LF",
        "RFC 9112 2.2: a recipient MAY recognize a single LF as a line terminator; we do not,"
        " because hops that disagree about line ends can be smuggled past each other.",
        True,
        lambda d, o, t: "bare" in (o.error or "") and re.search(rb"(?<!\r)\n", d) is not None,
    ),
    Deviation(
        "obs-fold",
        "RFC 9112 5.2: a server receiving obs-fold in a request MUST either reject it with"
        " 400 or replace it with SP; we reject.",
        True,
        # (in the head or in the trailer section)
        lambda d, o, t: "obs-fold" in (o.error or "") and re.search(rb"\n[ \t]", d) is not None,
    ),
    Deviation(
        "Transfer-Encoding in HTTP/1.0",
        "RFC 9112 6.1: a message with Transfer-Encoding received with HTTP/1.0 MUST be"
        " treated as having faulty framing; h11 ignores the field.",
        True,
        lambda d, o, t: o.error == "Transfer-Encoding in an HTTP/1.0 request",
    ),
    Deviation(
        "Content-Length with Transfer-Encoding",
        "RFC 9112 6.1: a server MAY reject a request carrying both (it ought to be handled as"
        " an error: request smuggling); h11 lets Transfer-Encoding win.",
        True,
        lambda d, o, t: o.error == "both Content-Length and Transfer-Encoding",
    ),
    Deviation(
        "chunk-ext grammar",
        "RFC 9112 7.1.1: chunk = chunk-size [ chunk-ext ] CRLF, chunk-ext = *( BWS ';' BWS"
        " token [ BWS '=' BWS ( token / quoted-string ) ] ); h11 skips whatever follows the size.",
        True,
        lambda d, o, t: (o.error or "").startswith(("invalid chunk size line", "chunk extensions too long")),
    ),
    Deviation(
        "unknown expectation",
        "RFC 9110 10.1.1: a server receiving an Expect member other than 100-continue MAY"
        " answer 417 (Expectation Failed); we do, h11 passes it on.",
        True,
        lambda d, o, t: o.status == 417,
    ),
    Deviation(
        "HTTP major version",
        "RFC 9112 2.3 / RFC 9110 15.6.6: a server answers 505 to a major version it does not"
        " support; h11 reads any HTTP/x.y request line as HTTP/1.1.",
        True,
        lambda d, o, t: (
            o.status == 505 and re.match(rb"\S+ \S+ HTTP/[02-9]\.", d.lstrip(b"\r\n")) is not None
        ),
    ),
    Deviation(
        "control character",
        "RFC 9110 5.5: field values are VCHAR, obs-text, SP and HTAB; CTL octets (h11 keeps"
        " some, e.g. 0x01) are invalid, and NUL MUST be rejected or replaced.",
        True,
        lambda d, o, t: (
            o.error == "control character in message head"
            and re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", d) is not None
        ),
    ),
    Deviation(
        "obs-text in the request-target",
        "RFC 9112 3.2 defines the target with URI (ASCII) characters; we pass octets 0x80-0xFF"
        " through to the application (they cannot change framing), as Tornado always has.",
        False,
        lambda d, o, t: (
            o.message is not None
            and re.search(r"[\x80-\xff]", o.message[0][1]) is not None
            and "request line" in (t.error or "")
        ),
    ),
    Deviation(
        "empty lines before the request-line",
        "RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) received before"
        " the request-line; h11 rejects them.",
        False,
        lambda d, o, t: d.startswith(b"\r\n") and "no request line" in (t.error or ""),
    ),
]


def explain(data: bytes, o: Outcome, t: Outcome) -> Deviation | None:
    """The listed deviation this disagreement is, if any."""
    for dev in DEVIATIONS:
        if dev.we_reject == (not o.accepted) and dev.applies(data, o, t):
            return dev
    return None


def compare(data: bytes, allow_deviations: bool) -> str:
    o, t = ours(data), theirs(data)
    if o.accepted and t.accepted:
        assert o.message == t.message, f"both accept {data!r} but read it differently"
        return "agree"
    if not o.accepted and not t.accepted:
        return "both reject"
    dev = explain(data, o, t) if allow_deviations else None
    assert dev is not None, f"disagreement on {data!r}: ours={o}, h11={t}"
    return dev.name


# ------------------------------------------------------------------------- tests


@FUZZ
@given(M.requests())
def test_valid_requests_agree_exactly(msg: Any) -> None:
    assert compare(msg.encode(), allow_deviations=False) == "agree"
    assert ours(msg.encode()).message == normalize(msg.start, msg.headers, msg.body, msg.trailers)


SMUGGLING = {
    "bare LF": b"GET / HTTP/1.1\nHost: a\n\n",
    "obs-fold": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n",
    "Transfer-Encoding in HTTP/1.0": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "Content-Length with Transfer-Encoding": (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "chunk-ext grammar": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;@@@\r\nabc\r\n0\r\n\r\n",
    "unknown expectation": b"GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",
    "HTTP major version": b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
    "control character": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n",
    "obs-text in the request-target": b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
    "empty lines before the request-line": b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
}


def test_every_deviation_is_exercised() -> None:
    assert set(SMUGGLING) == {d.name for d in DEVIATIONS}


@pytest.mark.parametrize("name", sorted(SMUGGLING))
def test_each_deviation_is_what_it_says(name: str) -> None:
    assert compare(SMUGGLING[name], allow_deviations=True) == name


BOTH_REJECT = {
    "differing Content-Length": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "no Host": b"GET / HTTP/1.1\r\n\r\n",
    "two Host": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "space before colon": b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "chunk size 0x": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
    "chunk size overflow": (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"f" * 20
        + b"\r\nabc\r\n0\r\n\r\n"
    ),
    "chunk without CRLF": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n",
    "gzip, chunked": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "chunked twice": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    "signed length": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
    "vertical tab in TE": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n",
    "CR in value": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n",
    "NUL in target": b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n",
    "tab in target": b"GET http://a:\t80/ HTTP/1.1\r\nHost: a\r\n\r\n",  # found by the mutation test
    "two spaces": b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
    "truncated body": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
}


@pytest.mark.parametrize("name", sorted(BOTH_REJECT))
def test_known_attacks_are_rejected_by_both(name: str) -> None:
    assert compare(BOTH_REJECT[name], allow_deviations=False) == "both reject"


EDITS = [b"", b" ", b"\t", b"\r", b"\n", b"\r\n", b":", b";", b",", b"0", b"a", b"\x00", b"\x01", b"\x7f", b"\xff",
         b"chunked", b"Content-Length: 1\r\n", b"Transfer-Encoding: chunked\r\n", b"HTTP/1.0", b"\r\n "]  # fmt: skip


@FUZZ
@given(
    M.requests(),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(EDITS)), min_size=1, max_size=3
    ),
)
def test_mutated_requests_agree_or_deviate_as_documented(
    msg: Any, edits: list[tuple[int, int, bytes]]
) -> None:
    data = bytearray(msg.encode())
    for pos, drop, insert in edits:
        pos %= len(data) + 1
        data[pos : pos + drop] = insert
    compare(bytes(data), allow_deviations=True)
