"""aiohttp's WebSocketResponse as its documentation writes a handler: echo, or send to all."""

import asyncio

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

from aiohttp import WSMsgType, web  # noqa: E402

clients: set[web.WebSocketResponse] = set()


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    clients.add(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                if msg.data.startswith("broadcast:"):
                    payload = msg.data[10:]
                    for client in list(clients):
                        await client.send_str(payload)
                else:
                    await ws.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
    finally:
        clients.discard(ws)
    return ws


async def main() -> None:
    app = web.Application()
    app.router.add_get("/ws", websocket)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
