"""The HTTP/1.1 protocol core alone: bytes fed to an H1Connection in a loop, in-process.

No sockets and no event loop: each scenario feeds prepared pieces to ``receive_data`` and
drains ``next_event`` (answering as a peer would, so a kept-alive connection moves on to
the next message), and reports the best of several rounds, in ns per message and, for
bodies, MB/s.  Best-of-N because the machine may be busy with other work: the fastest
round is the one least disturbed.

    PYTHONPATH=packages/escape/src:packages/httputil/src python3 bench/h1_bench.py
    ... --rounds 9 --seconds 0.3 --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from tornado.httputil import CLIENT, NEED_DATA, PAUSED, SERVER, Data, EndOfMessage, H1Connection

KIB = 1024
MIB = 1024 * 1024


def _request_head(method: str, extra: str = "") -> bytes:
    return (
        f"{method} /upload/object?part=1 HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n"
        "User-Agent: bench/1.0\r\nAccept: */*\r\n" + extra + "\r\n"
    ).encode("latin-1")


def _split(data: bytes, n: int) -> list[bytes]:
    step = -(-len(data) // n)
    return [data[i : i + step] for i in range(0, len(data), step)]


def _chunked(body: bytes, chunk: int) -> bytes:
    out = bytearray()
    for i in range(0, len(body), chunk):
        piece = body[i : i + chunk]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


def server_loop(pieces: list[bytes], body_size: int) -> Callable[[int], None]:
    """Parse ``n`` requests on one kept-alive connection, answering each with an empty 200."""
    conn = H1Connection(SERVER, max_body_size=64 * MIB)

    def run(n: int) -> None:
        receive, next_event = conn.receive_data, conn.next_event
        for _ in range(n):
            got = 0
            for piece in pieces:
                receive(piece)
                while True:
                    ev = next_event()
                    if ev is NEED_DATA:
                        break
                    if ev is PAUSED:
                        conn.send_response(200, body=b"")
                        break
                    if ev.__class__ is Data:
                        got += len(ev.data)  # type: ignore[union-attr]
            if got != body_size:
                raise AssertionError(f"body {got} != {body_size}")

    return run


def client_loop(pieces: list[bytes], body_size: int, **kwargs: Any) -> Callable[[int], None]:
    """Parse ``n`` responses on one kept-alive connection, sending a GET before each (see request_writer)."""
    conn = H1Connection(CLIENT, max_body_size=64 * MIB, **kwargs)
    headers = [("Host", "127.0.0.1")]

    def run(n: int) -> None:
        receive, next_event = conn.receive_data, conn.next_event
        for _ in range(n):
            conn.send_request("GET", "/", headers)
            got = 0
            done = False
            for piece in pieces:
                receive(piece)
                while True:
                    ev = next_event()
                    if ev is NEED_DATA or ev is PAUSED:
                        break
                    cls = ev.__class__
                    if cls is Data:
                        got += len(ev.data)  # type: ignore[union-attr]
                    elif cls is EndOfMessage:
                        done = True
                        next_event()  # starts the next cycle
                        break
            if got != body_size or not done:
                raise AssertionError(f"body {got} != {body_size}")

    return run


def request_writer() -> Callable[[int], None]:
    """What each response row spends writing its GET: subtract it to get the parsing alone."""
    headers = [("Host", "127.0.0.1")]

    def run(n: int) -> None:
        for _ in range(n):
            H1Connection(CLIENT).send_request("GET", "/", headers)

    return run


def scenarios() -> dict[str, tuple[Callable[[int], None], int]]:
    """name -> (runner, body bytes per message)."""
    small_get = _request_head("GET")
    body64 = bytes(range(256)) * (64 * KIB // 256)
    post64 = _request_head("POST", f"Content-Length: {len(body64)}\r\n") + body64
    body1m = bytes(range(256)) * (MIB // 256)
    chunked1m = _request_head("PUT", "Transfer-Encoding: chunked\r\n") + _chunked(body1m, 16 * KIB)
    resp_head = (
        b"HTTP/1.1 200 OK\r\nServer: bench\r\nDate: Mon, 07 Dec 2026 16:00:00 GMT\r\n"
        b"Content-Type: text/html; charset=UTF-8\r\nContent-Length: 0\r\nCache-Control: no-cache\r\n"
        b'Etag: "0123456789abcdef"\r\nVary: Accept-Encoding\r\nX-Frame-Options: SAMEORIGIN\r\n\r\n'
    )
    resp1m = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n\r\n" % len(
        body1m
    )
    resp1m_chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(body1m, 16 * KIB)
    views = "data_views" in H1Connection.__init__.__code__.co_varnames
    extra = {}
    if views:  # the client's mode: Data events are views of the received pieces
        extra = {
            "response: 1 MiB counted, data_views": (
                client_loop(_split(resp1m + body1m, 17), MIB, data_views=True),
                MIB,
            ),
            "response: chunked 1 MiB, data_views": (
                client_loop(
                    _split(resp1m_chunked, -(-len(resp1m_chunked) // (64 * KIB))), MIB, data_views=True
                ),
                MIB,
            ),
        }
    return {
        "request: small GET": (server_loop([small_get], 0), 0),
        "request: 64 KiB POST, 1 piece": (server_loop([post64], len(body64)), len(body64)),
        "request: 64 KiB POST, 4 pieces": (server_loop(_split(post64, 4), len(body64)), len(body64)),
        "request: chunked 1 MiB, 64 KiB pieces": (
            server_loop(_split(chunked1m, -(-len(chunked1m) // (64 * KIB))), MIB),
            MIB,
        ),
        "(new connection + GET written)": (request_writer(), 0),
        "response: head, 8 fields": (client_loop([resp_head], 0), 0),
        "response: 1 MiB counted, 64 KiB pieces": (
            client_loop(_split(resp1m + body1m, 17), MIB),
            MIB,
        ),
        "response: chunked 1 MiB, 64 KiB pieces": (
            client_loop(_split(resp1m_chunked, -(-len(resp1m_chunked) // (64 * KIB))), MIB),
            MIB,
        ),
        **extra,
    }


def best_ns(run: Callable[[int], None], rounds: int, seconds: float) -> float:
    """Best ns per message over ``rounds`` rounds of about ``seconds`` each."""
    n = 1
    while True:  # calibrate: one round lasts about `seconds`
        t0 = time.perf_counter()
        run(n)
        dt = time.perf_counter() - t0
        if dt >= seconds / 4:
            break
        n *= 2
    n = max(1, int(n * seconds / dt))
    best = float("inf")
    gc.collect()
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        run(n)
        best = min(best, (time.perf_counter_ns() - t0) / n)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2, help="length of one round")
    parser.add_argument("--only", action="append", default=[], help="substring of a scenario name")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    results = {}
    print(f"{'scenario':<42} {'ns/message':>12} {'MB/s':>9}")
    for name, (run, size) in scenarios().items():
        if args.only and not any(s in name for s in args.only):
            continue
        ns = best_ns(run, args.rounds, args.seconds)
        mbs = size / ns * 1e9 / MIB if size else 0.0
        results[name] = {"ns_per_message": round(ns), "mb_per_s": round(mbs, 1)}
        print(f"{name:<42} {ns:>12,.0f} {mbs:>9,.0f}" if size else f"{name:<42} {ns:>12,.0f} {'':>9}")
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
