"""Slow clients and refused uploads, over a raw socket.

A client trickling its head (or body) is cut off at ``header_timeout`` (``body_timeout``)
counted from the start, however regularly its bytes arrive.  A client still sending when
its request is refused reads the 4xx instead of a connection reset: the server answers,
half-closes and drains its input for a bounded time before closing.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest


def trickle(port: int, data: bytes, interval: float) -> int:
    """Send ``data`` one byte at a time; return how many bytes went out before the server closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        for i in range(len(data)):
            try:
                s.sendall(data[i : i + 1])
            except OSError:
                return i
            time.sleep(interval)
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    return i + 1
            except BlockingIOError:
                pass
            except OSError:
                return i + 1
            finally:
                s.setblocking(True)
        return len(data)
    finally:
        s.close()


def test_trickled_head_is_cut_off_at_header_timeout_from_its_start(
    serve: Any, hello: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Every byte comes well within the timeout of the one before; only the total is too slow.
    st = serve(hello, header_timeout=0.3, idle_connection_timeout=60)
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: " + b"a" * 150 + b"\r\n\r\n"
    with caplog.at_level(logging.INFO, logger="tornado.general"):
        sent = trickle(st.port, head, 0.02)
    assert sent < len(head)
    assert any("request head" in r.getMessage() for r in caplog.records)


def test_trickled_body_is_cut_off_at_body_timeout_from_its_start(
    serve: Any, hello: Any, caplog: pytest.LogCaptureFixture
) -> None:
    st = serve(hello, body_timeout=0.3, idle_connection_timeout=60)
    body = b"x" * 150
    head = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body)
    s = socket.create_connection(("127.0.0.1", st.port), timeout=10)
    s.sendall(head)
    s.close()
    with caplog.at_level(logging.INFO, logger="tornado.general"):
        sent = trickle(st.port, head + body, 0.02)
    assert sent < len(head + body)
    assert any("request body" in r.getMessage() for r in caplog.records)


def test_second_request_on_a_connection_gets_its_own_header_timeout(serve: Any, hello: Any) -> None:
    st = serve(hello, header_timeout=0.3)
    s = socket.create_connection(("127.0.0.1", st.port), timeout=10)
    try:
        time.sleep(0.4)  # idle longer than header_timeout: the idle timeout applies, not this one
        s.sendall(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
        assert b"You requested /a" in s.recv(4096)
    finally:
        s.close()


class SendingClient:
    """Sends ``payload`` from a thread while the test reads; records how sending ended."""

    def __init__(self, port: int, payload: bytes) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.payload = payload
        self.send_error: BaseException | None = None
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self) -> None:
        try:
            self.sock.sendall(self.payload)
        except OSError as e:
            self.send_error = e

    def read_all(self) -> bytes:
        """Read only after sending has finished (or failed), as a simple client does."""
        self.thread.join(15)
        out = b""
        while True:
            d = self.sock.recv(65536)  # a reset raises ConnectionResetError here
            if not d:
                return out
            out += d

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def sender() -> Any:
    made: list[SendingClient] = []

    def make(port: int, payload: bytes) -> SendingClient:
        c = SendingClient(port, payload)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def _check_refused(raw: bytes, client: SendingClient, status: int) -> None:
    assert client.send_error is None, client.send_error
    assert raw.startswith(b"HTTP/1.1 %d " % status), raw[:80]
    assert b"Connection: close\r\n" in raw


def test_431_for_a_200k_head_reaches_a_client_still_sending(serve: Any, hello: Any, sender: Any) -> None:
    st = serve(hello)
    head = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-Filler: " + b"a" * 1000 + b"\r\n"
    c = sender(st.port, head * 200 + b"\r\n")
    _check_refused(c.read_all(), c, 431)


def test_413_during_an_upload_reaches_the_client(serve: Any, hello: Any, sender: Any) -> None:
    st = serve(hello, max_body_size=10_000)
    body = b"x" * 500_000
    c = sender(st.port, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    _check_refused(c.read_all(), c, 413)


def test_413_in_the_middle_of_a_chunked_upload_reaches_the_client(
    serve: Any, hello: Any, sender: Any
) -> None:
    st = serve(hello, max_body_size=10_000)
    chunk = b"1000\r\n" + b"x" * 4096 + b"\r\n"
    c = sender(st.port, b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 100)
    _check_refused(c.read_all(), c, 413)


def test_400_in_the_middle_of_a_body_reaches_the_client(serve: Any, hello: Any, sender: Any) -> None:
    st = serve(hello)
    chunk = b"1000\r\n" + b"x" * 4096 + b"\r\n"
    payload = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 2
    payload += b"zz\r\n" + b"y" * 400_000
    c = sender(st.port, payload)
    _check_refused(c.read_all(), c, 400)


def test_draining_is_bounded_in_bytes(serve: Any, hello: Any) -> None:
    from tornado.httpserver._timers import LINGER_BYTES

    st = serve(hello, max_body_size=10)
    s = socket.create_connection(("127.0.0.1", st.port), timeout=10)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\n")
        sent = 0
        block = b"x" * 65536
        with pytest.raises(OSError):
            while sent < 20 * LINGER_BYTES:
                sent += s.send(block)
        assert sent < 20 * LINGER_BYTES
    finally:
        s.close()


def test_draining_is_bounded_in_time(serve: Any, hello: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tornado.httpserver import _timers

    monkeypatch.setattr(_timers, "LINGER_TIME", 0.2)
    st = serve(hello, max_body_size=10)
    s = socket.create_connection(("127.0.0.1", st.port), timeout=10)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
        # The client neither reads to the end nor closes: the server still closes, on its own.
        got = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
        assert got.startswith(b"HTTP/1.1 413 ")
        s.sendall(b"x")  # the server only half-closed: sending still works while it drains
        time.sleep(0.4)
        with pytest.raises(OSError):
            for _ in range(10):
                s.sendall(b"x" * 1000)
                time.sleep(0.05)
    finally:
        s.close()
