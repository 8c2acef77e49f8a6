"""One HTTP client under load, run inside that client's venv by client_bench.py.

    python client_runner.py CLIENT URL --requests N --concurrency C --loop asyncio|uvloop
    python client_runner.py CLIENT URL --stream        # one large response, counted and dropped

Prints one JSON line: requests/s (or bytes/s for --stream), seconds, and the process's
RSS growth.  CLIENT is one of: ours-simple, ours-curl, tornado6-simple, tornado6-curl,
aiohttp, httpx.  Stdlib plus the client itself; nothing else is imported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any


def rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


Fetch = Callable[[str], Awaitable[int]]


async def make_client(
    kind: str, concurrency: int, on_chunk: Callable[[bytes], None] | None
) -> tuple[Fetch, Any]:
    """(fetch(url) -> status, closer) for one client library."""
    if kind in ("ours-simple", "ours-curl", "tornado6-simple", "tornado6-curl"):
        if kind.endswith("curl"):
            from tornado.curl_httpclient import CurlAsyncHTTPClient as impl
        else:
            from tornado.simple_httpclient import SimpleAsyncHTTPClient as impl
        big = 2**40
        kw: dict[str, Any] = {"max_clients": concurrency}
        if on_chunk is not None:
            kw.update(max_body_size=big, max_buffer_size=big)
        client = impl(force_instance=True, **kw)
        opts: dict[str, Any] = {"request_timeout": 600}
        if on_chunk is not None:
            opts["streaming_callback"] = on_chunk

        async def fetch(url: str) -> int:
            r = await client.fetch(url, **opts)
            return int(r.code)

        return fetch, client.close
    if kind == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))

        async def fetch(url: str) -> int:
            async with session.get(url) as r:
                if on_chunk is None:
                    await r.read()
                else:
                    async for chunk in r.content.iter_chunked(65536):
                        on_chunk(chunk)
                return r.status

        return fetch, session.close
    if kind == "httpx":
        import httpx

        hx = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        )

        async def fetch(url: str) -> int:
            if on_chunk is None:
                r = await hx.get(url)
                return r.status_code
            async with hx.stream("GET", url) as r:
                async for chunk in r.aiter_raw():
                    on_chunk(chunk)
                return r.status_code

        return fetch, hx.aclose
    raise SystemExit(f"unknown client {kind!r}")


async def load(kind: str, url: str, requests: int, concurrency: int) -> dict[str, Any]:
    fetch, close = await make_client(kind, concurrency, None)
    await fetch(url)  # connect and warm up
    left = requests
    errors = 0

    async def worker() -> None:
        nonlocal left, errors
        while left > 0:
            left -= 1
            if await fetch(url) != 200:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    result = close()
    if asyncio.iscoroutine(result):
        await result
    return {
        "client": kind,
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds,
        "errors": errors,
    }


async def stream(kind: str, url: str) -> dict[str, Any]:
    got = 0

    def on_chunk(chunk: bytes) -> None:
        nonlocal got
        got += len(chunk)

    fetch, close = await make_client(kind, 1, on_chunk)
    before = rss_kib()
    start = time.perf_counter()
    code = await fetch(url)
    seconds = time.perf_counter() - start
    peak = rss_kib("VmHWM")
    result = close()
    if asyncio.iscoroutine(result):
        await result
    return {
        "client": kind,
        "code": code,
        "bytes": got,
        "seconds": seconds,
        "bytes_per_s": got / seconds,
        "rss_growth_kib": peak - before,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("client")
    p.add_argument("url")
    p.add_argument("--requests", type=int, default=20_000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"])
    p.add_argument("--stream", action="store_true")
    a = p.parse_args()
    if a.loop == "uvloop":
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        loop = asyncio.SelectorEventLoop()
    asyncio.set_event_loop(loop)
    coro = stream(a.client, a.url) if a.stream else load(a.client, a.url, a.requests, a.concurrency)
    out = loop.run_until_complete(coro)
    out["loop"] = a.loop
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
