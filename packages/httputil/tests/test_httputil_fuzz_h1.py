"""Fuzzing the HTTP/1.1 core in both roles (server parsing requests, client parsing responses).

Every input is driven through a checker that asserts, after each event:

* parsing terminates: the number of events is bounded by the input size, and hitting that
  bound fails the test (it is never a silent stop);
* memory stays bounded: while waiting for data, the core never buffers more than its
  head limit (or the chunk-line limit), and no message yields more body than
  ``max_body_size``;
* only :class:`ProtocolError` escapes, with a status a server can send, and a connection
  that failed keeps failing the same way;
* a valid message round-trips: encoded, split anywhere and parsed, it gives back exactly
  its fields and body; parsed and written again by our own writer, the same bytes.

The run is bounded (fixed ``max_examples``, no deadline) and, under ``CI=true``,
derandomized with no example database, so CI runs the same examples every time.
"""

from __future__ import annotations

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
    ConnectionClosed,
    Data,
    EndOfMessage,
    H1Connection,
    HTTPHeaders,
    InformationalResponse,
    ProtocolError,
    RequestHead,
    ResponseHead,
)

STATUSES = {400, 413, 417, 431, 501, 505}
CHUNK_LINE_MAX = 4096  # the core's limit on one chunk-size line
SMALL: dict[str, Any] = {"max_header_size": 512, "max_body_size": 1000}


class Failed(Exception):
    """The core rejected the input (with a ProtocolError, which is allowed)."""


class Drive:
    """Feed pieces of input to a connection, answering as a peer would, checking invariants."""

    def __init__(self, conn: H1Connection, method: str = "GET") -> None:
        self.conn = conn
        self.method = method
        self.messages: list[tuple[Any, ...]] = []
        self.informational: list[int] = []
        self.error: ProtocolError | None = None
        self.stopped = False
        self._head: Any = None
        self._body: list[bytes] = []
        self._size = 0
        self._steps = 0
        self._budget = 20

    def run(self, pieces: list[bytes], eof: bool = True) -> Drive:
        self._budget += 4 * (sum(map(len, pieces)) + len(pieces) + 1)
        try:
            for piece in [*pieces, *([b""] if eof else [])]:
                if self.stopped:
                    break
                if piece and self.conn.role is CLIENT and not self.conn.response_started:
                    self.conn.send_request(self.method, "/", {"Host": "h"})  # ask for the next response
                self.conn.receive_data(piece)
                self._pump()
        except ProtocolError as e:
            assert e.status_code in STATUSES, e
            self.error = e
            # A failed connection stays failed, with the same kind of error.
            with pytest.raises(ProtocolError):
                self.conn.next_event()
        return self

    def _pump(self) -> None:
        conn = self.conn
        bound = max(conn.max_header_size, CHUNK_LINE_MAX)
        while True:
            self._steps += 1
            if self._steps > self._budget:
                pytest.fail(f"no end after {self._steps} events: the parser loops")
            ev = conn.next_event()
            if ev is NEED_DATA:
                assert conn.buffered_size <= bound, (conn.buffered_size, bound)
                return
            if ev is PAUSED:
                if conn.role is SERVER and conn.message_done and not conn.response_started:
                    conn.send_response(200, body=b"ok")  # lets the next request be parsed
                    continue
                self.stopped = True  # closing, or the bytes are no longer HTTP/1.1
                return
            if isinstance(ev, InformationalResponse):
                self.informational.append(ev.status_code)
            elif isinstance(ev, (RequestHead, ResponseHead)):
                assert self._head is None, "a head inside a message"
                self._head, self._body, self._size = ev, [], 0
            elif isinstance(ev, Data):
                assert self._head is not None and ev.data, ev
                self._size += len(ev.data)
                assert self._size <= conn.max_body_size, (self._size, conn.max_body_size)
                self._body.append(ev.data)
            elif isinstance(ev, EndOfMessage):
                assert self._head is not None
                self.messages.append(normal(self._head, b"".join(self._body), ev.trailers))
                self._head = None
            else:
                assert isinstance(ev, ConnectionClosed) and self._head is None
                self.stopped = True
                return


def normal(head: Any, body: bytes, trailers: HTTPHeaders | None) -> tuple[Any, ...]:
    if isinstance(head, RequestHead):
        start: tuple[str, str, str] = (head.method, head.target, head.version)
    else:
        start = (head.version, str(head.status_code), head.reason)
    return (
        start,
        M.group(list(head.headers.get_all())),
        body,
        M.group(list(trailers.get_all()) if trailers else []),
    )


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


cut_lists = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


# ----------------------------------------------------------------------- round trips


@FUZZ
@given(M.requests(), cut_lists)
def test_valid_request_parses_to_its_fields(msg: Any, cuts: list[int]) -> None:
    d = Drive(H1Connection(SERVER)).run(split(msg.encode(), cuts))
    assert d.error is None, d.error
    assert d.messages == [msg.normal()]


@FUZZ
@given(M.responses(), cut_lists)
def test_valid_response_parses_to_its_fields(msg: Any, cuts: list[int]) -> None:
    d = Drive(H1Connection(CLIENT), method=msg.request_method).run(split(msg.encode(), cuts))
    assert d.error is None, d.error
    assert d.messages[:1] == [msg.normal()]


def write_request(msg: Any, headers: list[tuple[str, str]], chunks: list[bytes], trailers: Any) -> bytes:
    w = H1Connection(CLIENT)
    out = w.send_request_head(msg.start[0], msg.start[1], headers)
    for c in chunks:
        out += w.send_data(c)
    return out + w.send_end(trailers or None)


@FUZZ
@given(M.requests(version="HTTP/1.1"), cut_lists)
def test_request_written_parsed_and_written_again_is_the_same(msg: Any, cuts: list[int]) -> None:
    first = write_request(msg, msg.headers, msg.chunks, msg.trailers)
    whole = Drive(H1Connection(SERVER)).run([first])
    pieces = Drive(H1Connection(SERVER)).run(split(first, cuts))
    assert whole.error is None and pieces.error is None
    assert whole.messages == pieces.messages == [msg.normal()]
    # Written again from what was parsed (fields grouped by name, body as it came).
    start, fields, body, trailers = whole.messages[0]
    again = write_request(msg, flatten(fields, msg.headers), msg.chunks, flatten(trailers, msg.trailers))
    assert Drive(H1Connection(SERVER)).run([again]).messages == whole.messages
    if grouped(msg.headers) and grouped(msg.trailers):
        assert again == first


def write_response(msg: Any, headers: list[tuple[str, str]], chunks: list[bytes], trailers: Any) -> bytes:
    w = H1Connection(SERVER)
    w.receive_data(f"{msg.request_method} / {msg.start[0]}\r\nHost: h\r\n\r\n".encode())
    while not isinstance(w.next_event(), EndOfMessage):
        pass
    out = w.send_response_head(int(msg.start[1]), headers, reason=msg.start[2] or None)
    for c in chunks:
        out += w.send_data(c)
    return out + w.send_end(trailers or None)


@FUZZ
@given(M.responses())
def test_response_written_parsed_and_written_again_is_the_same(msg: Any) -> None:
    first = write_response(msg, msg.headers, msg.chunks, msg.trailers)
    d = Drive(H1Connection(CLIENT), method=msg.request_method).run([first])
    assert d.error is None, d.error
    (start, fields, body, trailers), *_ = d.messages
    assert int(start[1]) == int(msg.start[1]) and body == (msg.body if msg.framing != "none" else b"")
    framing = {"transfer-encoding", "connection"}
    assert {k: v for k, v in fields.items() if k not in framing} == {
        k: v for k, v in M.group(msg.headers).items() if k not in framing
    }
    again = write_response(msg, flatten(fields, msg.headers), msg.chunks, flatten(trailers, msg.trailers))
    assert Drive(H1Connection(CLIENT), method=msg.request_method).run([again]).messages == d.messages
    if grouped(msg.headers) and grouped(msg.trailers):
        assert again == first


def flatten(fields: dict[str, list[str]], original: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Parsed fields as (name, value) pairs, names spelled as in the original message."""
    spelling = {n.lower(): n for n, _ in original}
    return [
        (spelling.get(k) or "-".join(w.capitalize() for w in k.split("-")), v)
        for k, vs in fields.items()
        for v in vs
    ]


def grouped(pairs: list[tuple[str, str]]) -> bool:
    """Whether repeated names are adjacent (so grouping them keeps the order) and spelled
    alike (``flatten`` writes one spelling per name)."""
    names = [n.lower() for n, _ in pairs]
    spelling = {n.lower(): n for n, _ in pairs}
    return all(names.index(n) == i or names[i - 1] == n for i, n in enumerate(names)) and all(
        spelling[n.lower()] == n for n, _ in pairs
    )


# ----------------------------------------------------------------- hostile input


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=64), max_size=8))
def test_server_random_bytes(chunks: list[bytes]) -> None:
    Drive(H1Connection(SERVER, **SMALL)).run(chunks)


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=64), max_size=8), st.sampled_from(["GET", "HEAD", "CONNECT"]))
def test_client_random_bytes(chunks: list[bytes], method: str) -> None:
    Drive(H1Connection(CLIENT, **SMALL), method=method).run(chunks)


ATOMS = [
    b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b";", b"=", b'"', b"/", b"0", b"5", b"ff", b"\x00", b"\xff",
    b"GET", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.1 200 OK", b"HTTP/1.1 100 Continue", b"HTTP/1.1 101 Up",
    b"Host: h", b"Content-Length: ", b"Content-Length: 3", b"Transfer-Encoding: chunked",
    b"Transfer-Encoding: gzip", b"Connection: close", b"Connection: keep-alive", b"Expect: 100-continue",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(ATOMS), max_size=60), cut_lists, st.booleans())
def test_token_soup_both_roles(atoms: list[bytes], cuts: list[int], server: bool) -> None:
    data = b"".join(atoms)
    conn = H1Connection(SERVER if server else CLIENT, **SMALL)
    Drive(conn).run(split(data, cuts))


mutations = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 10_000), st.binary(max_size=3)
    ),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for op, pos, b in ops:
        pos %= len(buf) + 1
        if op == "replace":
            buf[pos : pos + len(b)] = b
        elif op == "insert":
            buf[pos:pos] = b
        else:
            del buf[pos : pos + max(1, len(b))]
    return bytes(buf)


@FUZZ
@given(st.lists(M.requests(), min_size=1, max_size=3), mutations, cut_lists)
def test_mutated_request_streams(msgs: list[Any], ops: Any, cuts: list[int]) -> None:
    data = mutate(b"".join(m.encode() for m in msgs), ops)
    Drive(H1Connection(SERVER, max_header_size=1024, max_body_size=2000)).run(split(data, cuts))


@FUZZ
@given(M.responses(), mutations, cut_lists)
def test_mutated_responses(msg: Any, ops: Any, cuts: list[int]) -> None:
    data = mutate(msg.encode(), ops)
    Drive(H1Connection(CLIENT, max_header_size=1024, max_body_size=2000), msg.request_method).run(
        split(data, cuts)
    )


@FUZZ
@given(M.requests(), st.integers(1, 64))
def test_requests_fed_bytewise_match_whole(msg: Any, step: int) -> None:
    data = msg.encode()
    pieces = [data[i : i + step] for i in range(0, len(data), step)]
    assert (
        Drive(H1Connection(SERVER)).run(pieces).messages == Drive(H1Connection(SERVER)).run([data]).messages
    )


# ------------------------------------------------------------- limits, exactly


@pytest.mark.parametrize("size", [1001, 5000, 100_000])
def test_close_delimited_response_body_is_bounded(size: int) -> None:
    """A response framed by closing the connection has no declared length; the core still
    counts it against max_body_size instead of buffering without end."""
    d = Drive(H1Connection(CLIENT, max_body_size=1000)).run([b"HTTP/1.1 200 OK\r\n\r\n", b"x" * size])
    assert d.error is not None and d.error.status_code == 413
    assert d.messages == []


def test_close_delimited_body_at_the_limit_is_accepted() -> None:
    d = Drive(H1Connection(CLIENT, max_body_size=1000)).run(
        [b"HTTP/1.1 200 OK\r\n\r\n", b"x" * 600, b"y" * 400]
    )
    assert d.error is None and d.messages[0][2] == b"x" * 600 + b"y" * 400


@pytest.mark.parametrize("role", [SERVER, CLIENT])
def test_unterminated_head_is_cut_at_the_limit(role: Any) -> None:
    conn = H1Connection(role, max_header_size=512)
    head = b"HTTP/1.1 200 OK\r\n" if role is CLIENT else b"GET / HTTP/1.1\r\n"
    d = Drive(conn).run([head] + [b"X-Filler: " + b"a" * 50 + b"\r\n"] * 20, eof=False)
    assert d.error is not None and d.error.status_code == 431
