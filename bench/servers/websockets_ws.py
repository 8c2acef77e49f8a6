"""The websockets library's asyncio server: echo, or websockets.broadcast() to every client."""

import asyncio

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

from websockets.asyncio.server import ServerConnection, broadcast, serve  # noqa: E402

clients: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    clients.add(ws)
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("broadcast:"):
                broadcast(clients, message[10:])
            else:
                await ws.send(message)
    finally:
        clients.discard(ws)


async def main() -> None:
    async with serve(handler, "127.0.0.1", args.port):
        announce()
        await asyncio.Event().wait()


asyncio.run(main())
