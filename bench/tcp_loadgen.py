"""Echo load: N connections, each sending a batch of lines and waiting for all of them back.

    python tcp_loadgen.py --port P --connections 64 --pipeline 8 --duration 4

Prints one JSON line: {"lines": total echoed, "seconds": measured time}.  Runs on uvloop
when it is installed, so the client costs as little as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

LINE = b"x" * 63 + b"\n"


class Client(asyncio.Protocol):
    def __init__(self, batch: bytes, count: int, done: asyncio.Future[None], stop_at: float) -> None:
        self.batch, self.count, self.done, self.stop_at = batch, count, done, stop_at
        self.pending = 0
        self.echoed = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.pending = self.count
        self.transport.write(self.batch)

    def data_received(self, data: bytes) -> None:
        n = data.count(b"\n")
        self.pending -= n
        self.echoed += n
        if self.pending == 0:
            if time.monotonic() < self.stop_at:
                self.send()
            elif not self.done.done():
                self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("server closed the connection"))


async def main(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    batch = LINE * args.pipeline
    start = time.monotonic()
    stop_at = start + args.duration
    clients = []
    for _ in range(args.connections):
        done = loop.create_future()
        _, proto = await loop.create_connection(
            lambda d=done: Client(batch, args.pipeline, d, stop_at), "127.0.0.1", args.port
        )
        clients.append(proto)
    await asyncio.wait_for(asyncio.gather(*(c.done for c in clients)), args.duration + 30)
    elapsed = time.monotonic() - start
    for c in clients:
        c.transport.close()
    print(json.dumps({"lines": sum(c.echoed for c in clients), "seconds": elapsed}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--pipeline", type=int, default=8)
    p.add_argument("--duration", type=float, default=4.0)
    args = p.parse_args()
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    asyncio.run(main(args))
