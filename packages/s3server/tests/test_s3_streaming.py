"""Bodies stream to and from disk: a 1 GiB PUT and GET through the command-line server keep
its RSS growth small, and an upload cut off midway never becomes an object.

The server runs as its own process (``python -m tornado.s3server``) so that its memory can be
read from /proc while the transfer runs.
"""

from __future__ import annotations

import hashlib
import http.client
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

GIB = 1024**3
PIECE = b"0123456789abcdef" * 65536  # 1 MiB of data that does not compress to nothing
RSS_BOUND_KIB = 64 * 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read RSS")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class RSSWatcher:
    """Samples a process's RSS every few milliseconds while a transfer runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.base = rss_kib(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_kib(self.pid))

    def __enter__(self) -> RSSWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, rss_kib(self.pid))

    @property
    def growth_kib(self) -> int:
        return self.peak - self.base


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tmp_path / "root"
    root.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tornado.s3server", "--port", str(port), "--root", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("s3server did not start") from None
                time.sleep(0.05)
        status, _ = request(port, "PUT", "/big")
        assert status == 200
        # Warm the server up (imports, first request) before its baseline RSS is read.
        for _ in range(3):
            assert request(port, "PUT", "/big/warm", b"x" * 1024)[0] == 200
            assert request(port, "GET", "/big/warm")[0] == 200
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(10)


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def pieces(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = PIECE[: total - sent]
        sent += len(piece)
        yield piece


def test_a_1_gib_put_and_get_stream_through_bounded_memory(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = server
    expected = hashlib.md5()
    for piece in pieces(GIB):
        expected.update(piece)

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    with RSSWatcher(proc.pid) as put_rss:
        conn.putrequest("PUT", "/big/object")
        conn.putheader("Content-Length", str(GIB))
        conn.endheaders()
        for piece in pieces(GIB):
            conn.send(piece)
        resp = conn.getresponse()
        body = resp.read()
    assert resp.status == 200, body
    assert resp.getheader("ETag") == f'"{expected.hexdigest()}"'
    assert put_rss.growth_kib < RSS_BOUND_KIB, f"RSS grew {put_rss.growth_kib} KiB during the PUT"

    got = hashlib.md5()
    size = 0
    with RSSWatcher(proc.pid) as get_rss:
        conn.request("GET", "/big/object")
        resp = conn.getresponse()
        assert resp.status == 200
        while True:
            data = resp.read(1 << 20)
            if not data:
                break
            size += len(data)
            got.update(data)
    conn.close()
    assert size == GIB
    assert got.hexdigest() == expected.hexdigest()
    assert get_rss.growth_kib < RSS_BOUND_KIB, f"RSS grew {get_rss.growth_kib} KiB during the GET"


def test_an_upload_cut_off_midway_is_never_visible(
    server: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    proc, port = server
    assert request(port, "PUT", "/big/kept", b"old contents")[0] == 200
    for key in ("new", "kept"):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"PUT /big/{key} HTTP/1.1\r\nHost: x\r\nContent-Length: {64 << 20}\r\n\r\n".encode())
        for piece in pieces(8 << 20):
            sock.sendall(piece)
        sock.close()  # 8 MiB of 64: the client goes away
    # The server notices the close and discards the partial body; until then and after, the
    # half-written object never shows: no new key, and the old one keeps its contents.
    deadline = time.monotonic() + 10
    tmp_dir = tmp_path / "root" / ".s3" / "tmp"
    while time.monotonic() < deadline and tmp_dir.exists() and any(tmp_dir.iterdir()):
        assert request(port, "GET", "/big/new")[0] == 404
        time.sleep(0.05)
    assert not (tmp_dir.exists() and any(tmp_dir.iterdir())), "partial upload left behind"
    assert request(port, "GET", "/big/new")[0] == 404
    assert request(port, "GET", "/big/kept") == (200, b"old contents")
    status, listing = request(port, "GET", "/big")
    assert status == 200 and b"<Key>new</Key>" not in listing
    assert proc.poll() is None


def minor_faults(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[7])


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP/1.1 response with a Content-Length: its head and its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1 << 20)
        assert chunk, "connection closed"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(1 << 20)
        assert chunk, "connection closed"
        body += chunk
    return head, body


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tunes glibc's allocator")
def test_64_kib_puts_and_gets_do_not_fault_their_buffers_in_again(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = server
    body = bytes(range(256)) * 256
    put = b"PUT /big/k64 HTTP/1.1\r\nHost: s3\r\nContent-Length: 65536\r\n\r\n" + body
    get = b"GET /big/k64 HTTP/1.1\r\nHost: s3\r\n\r\n"
    # Requests from many connections at once, as under load: their buffers are alive together.
    conns = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(32)]

    def round_trip() -> None:
        for message, expected in ((put, b""), (get, body)):
            for sock in conns:
                sock.sendall(message)
            for sock in conns:
                head, answer = read_response(sock)
                assert head.startswith(b"HTTP/1.1 200") and answer == expected

    try:
        for _ in range(10):
            round_trip()
        before = minor_faults(proc.pid)
        for _ in range(30):
            round_trip()
        per_request = (minor_faults(proc.pid) - before) / (30 * 2 * len(conns))
    finally:
        for sock in conns:
            sock.close()
    # With glibc's default trimming it is about a dozen per request (each 64 KiB buffer's pages).
    assert per_request < 2, f"{per_request:.1f} page faults per request"
