"""@stream_request_body: the body reaches data_received() piece by piece, over raw sockets."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
import tracemalloc
from typing import Any

import pytest
import tornado.web
from tornado.web import stream_request_body

MB = 1024 * 1024


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of one Content-Length response (the tests' handlers always send one)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError(f"closed before a response head: {data!r}")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return status, body


def _connect(server, timeout: float = 30) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def _send_chunked(sock: socket.socket, pieces: int, size: int, byte: bytes = b"u") -> None:
    """A chunked body made and sent piece by piece: the client never holds it whole either."""
    frame = b"%x\r\n" % size + byte * size + b"\r\n"
    for _ in range(pieces):
        sock.sendall(frame)
    sock.sendall(b"0\r\n\r\n")


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.chunk_sizes: list[int] = []
        self.buffered: list[int] = []
        self.closed = 0


def make_app(rec: Recorder) -> tornado.web.Application:
    @stream_request_body
    class Upload(tornado.web.RequestHandler):
        async def prepare(self):
            rec.events.append("prepare-start")
            if self.request.path == "/roomy":
                connection: Any = self.request.connection  # the server's own, beyond web's Connection
                connection.set_max_body_size(64 * MB)
            await asyncio.sleep(0.05)
            rec.events.append("prepare-end")
            self.digest = hashlib.sha256()
            self.count = 0

        async def data_received(self, chunk):
            if not rec.chunk_sizes:
                rec.events.append("first-data")
            rec.chunk_sizes.append(len(chunk))
            conn: Any = self.request.connection
            rec.buffered.append(conn.conn.buffered_size + sum(map(len, conn._pending or ())))
            self.digest.update(chunk)
            self.count += len(chunk)
            if self.get_query_argument("fail", None) and self.count > 100000:
                raise tornado.web.HTTPError(422, reason="Stop Sending")
            if len(rec.chunk_sizes) % 8 == 0:
                await asyncio.sleep(0)  # a slow consumer now and then: flow control

        def put(self):
            rec.events.append("put")
            assert self.request.body == b""
            self.finish({"bytes": self.count, "sha256": self.digest.hexdigest()})

        post = put

        def on_connection_close(self):
            rec.closed += 1

    class Plain(tornado.web.RequestHandler):
        def post(self):
            self.write(b"%d" % len(self.request.body))

    return tornado.web.Application([(r"/up", Upload), (r"/roomy", Upload), (r"/plain", Plain)])


def test_multi_megabyte_chunked_upload_arrives_in_pieces_without_being_held(serve):
    rec = Recorder()
    server = serve(make_app(rec))
    pieces, size = 256, 32 * 1024  # 8 MiB
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with _connect(server) as sock:
            sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            _send_chunked(sock, pieces, size)
            status, body = _read_response(sock)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 200
    expected = hashlib.sha256(b"u" * (pieces * size)).hexdigest()
    assert body == b'{"bytes": %d, "sha256": "%s"}' % (pieces * size, expected.encode())
    assert len(rec.chunk_sizes) > 1
    assert max(rec.chunk_sizes) <= 65536
    # Neither the handler nor the server kept the 8 MiB: at most a few reads were ever waiting.
    assert max(rec.buffered) < 1 * MB
    assert peak < 4 * MB, peak
    assert rec.events == ["prepare-start", "prepare-end", "first-data", "put"]


def test_async_prepare_runs_before_the_first_chunk(serve):
    rec = Recorder()
    server = serve(make_app(rec))
    body = b"x" * 5000
    with _connect(server) as sock:
        sock.sendall(b"POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        status, _ = _read_response(sock)
    assert status == 200
    assert rec.events[0:3] == ["prepare-start", "prepare-end", "first-data"]
    assert rec.events[-1] == "put"
    assert sum(rec.chunk_sizes) == 5000


def test_max_body_size_applies_and_prepare_may_raise_it(serve):
    rec = Recorder()
    server = serve(make_app(rec), max_body_size=1 * MB)
    with _connect(server) as sock:
        sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (2 * MB))
        status, _ = _read_response(sock)
    assert status == 413
    with _connect(server) as sock:
        sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            _send_chunked(sock, 64, 32 * 1024)  # 2 MiB; the server answers and stops reading
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _ = _read_response(sock)
    assert status == 413
    with _connect(server) as sock:
        sock.sendall(b"PUT /roomy HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        _send_chunked(sock, 64, 32 * 1024)
        status, body = _read_response(sock)
    assert status == 200 and b'"bytes": %d' % (2 * MB) in body


def test_malformed_framing_mid_upload_is_400_and_the_next_connection_is_served(serve):
    rec = Recorder()
    server = serve(make_app(rec))
    with _connect(server) as sock:
        sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"10\r\n" + b"a" * 16 + b"\r\n")
        time.sleep(0.2)  # prepare has run, the first chunk was delivered
        sock.sendall(b"zz\r\n")
        status, _ = _read_response(sock)
    assert status == 400
    deadline = time.monotonic() + 5
    while rec.closed == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rec.closed == 1 and "put" not in rec.events
    with _connect(server) as sock:
        sock.sendall(b"POST /plain HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        assert _read_response(sock) == (200, b"3")


def test_error_in_data_received_answers_and_server_keeps_serving(serve):
    rec = Recorder()
    server = serve(make_app(rec))
    with _connect(server) as sock:
        sock.sendall(b"PUT /up?fail=1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            _send_chunked(sock, 64, 32 * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, body = _read_response(sock)
    assert status == 422
    assert "put" not in rec.events
    with _connect(server) as sock:
        sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok")
        assert _read_response(sock)[0] == 200


def test_client_leaving_mid_upload_reaches_on_connection_close(serve):
    rec = Recorder()
    server = serve(make_app(rec))
    sock = _connect(server)
    sock.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"p" * 1000)
    deadline = time.monotonic() + 5
    while "first-data" not in rec.events and time.monotonic() < deadline:
        time.sleep(0.01)
    sock.close()
    while rec.closed == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rec.closed == 1
    assert "put" not in rec.events


def test_decorator_only_takes_request_handlers():
    with pytest.raises(TypeError, match="RequestHandler subclass"):
        stream_request_body(object)
    assert tornado.web.RequestHandler._stream_request_body is False


@pytest.mark.parametrize("path", ["/up", "/up/42"])
def test_called_with_a_request_read_whole_the_handler_still_gets_the_body(serve, path):
    # The 1.0 callback interface (also what the WSGI and ASGI bridges use): the body was read
    # before the application saw the request, and still reaches prepare() and data_received(),
    # on a literal route and on a pattern.
    rec = Recorder()
    app = make_app(rec)
    upload = app.wildcard_router.rules[0].target
    app.add_handlers(r".*", [(r"/up/[0-9]+", upload)])
    server = serve(lambda request: app(request))
    body = b"x" * 100000
    sock = _connect(server)
    sock.sendall(
        b"PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path.encode(), len(body)) + body
    )
    status, payload = _read_response(sock)
    sock.close()
    assert status == 200, payload
    assert payload == b'{"bytes": 100000, "sha256": "%s"}' % hashlib.sha256(body).hexdigest().encode()
    assert rec.events[:3] == ["prepare-start", "prepare-end", "first-data"]
    assert rec.events[-1] == "put"
