"""WSGIContainer served by HTTPServer streams the request body into ``wsgi.input``: the
application starts when the head has arrived, reads while the body arrives, and the server
stops reading from a client the application is not keeping up with."""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import select
import socket
import threading
from typing import Any
from wsgiref.validate import validator

from flask import Flask, request
from tornado.wsgi import WSGIContainer

WAIT = 10.0


def test_chunked_body_is_readable_while_it_arrives(serve: Any) -> None:
    got_first = threading.Event()
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        seen["terminated"] = environ.get("wsgi.input_terminated")
        seen["length"] = environ.get("CONTENT_LENGTH")
        seen["first"] = stream.read(5)
        got_first.set()
        seen["rest"] = stream.read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = serve(WSGIContainer(app))
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        assert got_first.wait(WAIT)  # the rest of the body has not been sent yet
        s.sendall(b"4\r\nnext\r\n5\r\nlines\r\n0\r\n\r\n")
        reply = b""
        while not reply.endswith(b"ok"):
            data = s.recv(65536)
            assert data, reply
            reply += data
    assert seen == {"terminated": True, "length": None, "first": b"first", "rest": b"nextlines"}


def test_readline_and_iteration(serve: Any) -> None:
    lines: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        lines.append(stream.readline())
        lines.extend(stream)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"%d" % len(lines)]

    server = serve(WSGIContainer(validator(app)))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        conn.request("POST", "/", body=b"one\ntwo\n\nthree")
        assert conn.getresponse().read() == b"4"
    finally:
        conn.close()
    assert lines == [b"one\n", b"two\n", b"\n", b"three"]


def test_large_upload_through_flask(serve: Any) -> None:
    app = Flask("upload")

    @app.route("/upload", methods=["PUT"])
    def upload() -> str:
        digest = hashlib.sha256()
        while True:
            piece = request.stream.read(65536)
            if not piece:
                break
            digest.update(piece)
        return digest.hexdigest()

    server = serve(WSGIContainer(validator(app)))
    payload = bytes(range(256)) * 40000  # about 10 MB
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT * 3)
    try:
        conn.request("PUT", "/upload", body=payload)
        resp = conn.getresponse()
        assert (resp.status, resp.read().decode()) == (200, hashlib.sha256(payload).hexdigest())
    finally:
        conn.close()


def test_server_stops_reading_while_the_application_does_not(serve: Any) -> None:
    entered = threading.Event()
    go = threading.Event()
    total = 64 * 1024 * 1024

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        entered.set()
        go.wait(WAIT * 3)
        n = 0
        while True:
            piece = environ["wsgi.input"].read(1 << 20)
            if not piece:
                break
            n += len(piece)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(n).encode()]

    server = serve(WSGIContainer(app))
    s = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    try:
        s.sendall(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % total)
        assert entered.wait(WAIT)
        s.setblocking(False)
        block = b"\0" * 65536
        sent = 0
        while sent < total:
            # Writable within a second, or the server has stopped reading from us.
            _, writable, _ = select.select([], [s], [], 1.0)
            if not writable:
                break
            try:
                sent += s.send(block[: min(len(block), total - sent)])
            except BlockingIOError:
                continue
        # Held back by flow control: the body did not all go into the server's memory.
        assert sent < total
        go.set()
        s.setblocking(True)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            rest = pool.submit(lambda: s.sendall(b"\0" * (total - sent)))
            reply = b""
            while not reply.endswith(str(total).encode()):
                data = s.recv(65536)
                assert data, reply
                reply += data
            rest.result(WAIT)
    finally:
        go.set()
        s.close()


def test_client_leaving_mid_body_is_an_error_for_the_reader(serve: Any) -> None:
    outcome: list[BaseException] = []
    done = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            environ["wsgi.input"].read(1000)
        except OSError as e:
            outcome.append(e)
            raise
        finally:
            done.set()
        start_response("200 OK", [])
        return [b""]

    server = serve(WSGIContainer(app))
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly ten b")
    assert done.wait(WAIT)
    assert outcome and "closed the connection" in str(outcome[0])
