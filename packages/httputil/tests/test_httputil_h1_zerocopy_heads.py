"""The regex fast paths for message heads accept and reject exactly what the general path does.

Request and response heads are first matched by ``REQUEST_LINE_RE`` / ``STATUS_LINE_RE`` and
``FIELD_RE``; anything unusual falls back to the line-by-line rules.  Each input here is
parsed twice, once with the start-line regex switched off (every head then takes the
general path), and the two outcomes must be the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import h1_messages as M
import pytest
from h1_messages import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from tornado.httputil import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    SERVER,
    H1Connection,
    ProtocolError,
    RequestHead,
    ResponseHead,
    _h1head,
)

NEVER = re.compile(r"(?!)")


@contextmanager
def general_path_only() -> Iterator[None]:
    saved = _h1head.REQUEST_LINE_RE, _h1head.STATUS_LINE_RE
    _h1head.REQUEST_LINE_RE = _h1head.STATUS_LINE_RE = NEVER
    try:
        yield
    finally:
        _h1head.REQUEST_LINE_RE, _h1head.STATUS_LINE_RE = saved


def first_events(role: Any, data: bytes, method: str = "GET") -> list[Any]:
    """The head events (and body) of ``data`` fed whole, or the error status."""
    conn = H1Connection(role)
    if role is CLIENT:
        conn.send_request(method, "/", {"Host": "h"})
    out: list[Any] = []
    try:
        conn.receive_data(data)
        conn.receive_data(b"")
        for _ in range(len(data) + 4):
            ev = conn.next_event()
            if ev is NEED_DATA or ev is PAUSED:
                break
            if isinstance(ev, (RequestHead, ResponseHead)):
                out.append(
                    (
                        type(ev).__name__,
                        getattr(ev, "method", None),
                        getattr(ev, "target", None),
                        getattr(ev, "status_code", None),
                        getattr(ev, "reason", None),
                        ev.version,
                        list(ev.headers.get_all()),
                        ev.keep_alive,
                    )
                )
            else:
                out.append(repr(ev))
    except ProtocolError as e:
        out.append(("error", e.status_code))
    return out


def both_paths(role: Any, data: bytes, method: str = "GET") -> list[Any]:
    fast = first_events(role, data, method)
    with general_path_only():
        general = first_events(role, data, method)
    assert fast == general, (data, fast, general)
    return fast


mutations = st.lists(
    st.tuples(st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 400), st.binary(max_size=3)),
    min_size=1,
    max_size=3,
)
HEAD_ATOMS = [b" ", b"\t", b"\r", b"\n", b":", b"\x00", b"\x7f", b"\x80", b"\xff", b"0", b"HTTP/2.0", b"a"]


def mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    """Change bytes inside the head (before its blank line), where the fast path looks."""
    end = data.find(b"\r\n\r\n")
    buf = bytearray(data)
    for op, pos, b in ops:
        pos %= max(1, end)
        if op == "replace":
            buf[pos : pos + len(b)] = b
        elif op == "insert":
            buf[pos:pos] = b
        else:
            del buf[pos : pos + max(1, len(b))]
    return bytes(buf)


@FUZZ
@given(M.responses())
def test_valid_responses_take_the_same_way_either_path(msg: Any) -> None:
    events = both_paths(CLIENT, msg.encode(), msg.request_method)
    assert events[0][0] == "ResponseHead" and events[0][3] == int(msg.start[1])


@FUZZ
@given(M.responses(), mutations, st.lists(st.sampled_from(HEAD_ATOMS), max_size=3))
def test_mutated_response_heads_take_the_same_way_either_path(msg: Any, ops: Any, atoms: list[bytes]) -> None:
    ops = ops + [("insert", i * 37, a) for i, a in enumerate(atoms)]
    both_paths(CLIENT, mutate(msg.encode(), ops), msg.request_method)


@FUZZ
@given(M.requests(), mutations, st.lists(st.sampled_from(HEAD_ATOMS), max_size=3))
def test_mutated_request_heads_take_the_same_way_either_path(msg: Any, ops: Any, atoms: list[bytes]) -> None:
    ops = ops + [("insert", i * 37, a) for i, a in enumerate(atoms)]
    both_paths(SERVER, mutate(msg.encode(), ops))


@pytest.mark.parametrize(
    ("status_line", "expected"),
    [
        (b"HTTP/1.1 200 OK", (200, "OK")),
        (b"HTTP/1.1 200", (200, "")),
        (b"HTTP/1.1 200 ", (200, "")),
        (b"HTTP/1.1 404  Not\tFound ", (404, " Not\tFound ")),
        (b"HTTP/1.1 200 Caf\xe9", (200, "Caf\xe9")),
        (b"HTTP/1.0 200 OK", (200, "OK")),
        (b"HTTP/2.0 200 OK", 505),
        (b"HTTP/1.1 0200 OK", 400),
        (b"HTTP/1.1  200 OK", 400),
        (b"HTTP/1.1 20 OK", 400),
        (b"HTTP/1.1 200OK", 400),
        (b"http/1.1 200 OK", 400),
        (b"HTTP/1.1 200 O\x7fK", 400),
        (b"HTTP/1.1 200 O\rK", 400),
    ],
)
def test_status_lines(status_line: bytes, expected: Any) -> None:
    events = both_paths(CLIENT, status_line + b"\r\nContent-Length: 0\r\n\r\n")
    if isinstance(expected, int):
        assert events[-1] == ("error", expected)
    else:
        assert (events[0][3], events[0][4]) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (b"A: 1\r\nB:2\r\nA:  3 \t\r\n", [("A", "1"), ("A", "3"), ("B", "2")]),
        (b"X-Empty:\r\nX-Tab:\tv\t\r\n", [("X-Empty", ""), ("X-Tab", "v")]),
        (b"Obs: a\xff\r\n", [("Obs", "a\xff")]),
        (b"A : 1\r\n", 400),
        (b"A: 1\r\n folded\r\n", 400),
        (b"A: 1\nB: 2\r\n", 400),
        (b"A: 1\x00\r\n", 400),
        (b": 1\r\n", 400),
        (b"A\x80: 1\r\n", 400),
    ],
)
def test_response_fields(fields: bytes, expected: Any) -> None:
    events = both_paths(CLIENT, b"HTTP/1.1 204 No Content\r\n" + fields + b"\r\n")
    if isinstance(expected, int):
        assert events[-1] == ("error", expected)
    else:
        assert sorted(events[0][6]) == expected


def test_a_plain_response_head_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def general(self: Any, head: str) -> list[str]:
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(_h1head.H1HeadReader, "_split_head", general)
    head = (
        b"HTTP/1.1 200 OK\r\nServer: s\r\nDate: Mon, 07 Dec 2026 16:00:00 GMT\r\n"
        b"Content-Type: text/html; charset=UTF-8\r\nContent-Length: 2\r\nCache-Control: no-cache\r\n"
        b'Etag: "0123"\r\nVary: Accept-Encoding\r\nX-Frame-Options: SAMEORIGIN\r\n\r\nhi'
    )
    events = first_events(CLIENT, head)
    assert events[0][0] == "ResponseHead" and len(events[0][6]) == 8
    # An unusual head still parses, through the general path (which now raises).
    with pytest.raises(AssertionError, match="general path"):
        first_events(CLIENT, b"HTTP/1.1 200 OK\r\nA : 1\r\n\r\n")
