"""aiohttp hello world the standard way: web.Application, one route, web.Response(text=...)."""

import asyncio

from _common import BODY, announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

from aiohttp import web  # noqa: E402

TEXT = BODY.decode()


async def hello(request: web.Request) -> web.Response:
    return web.Response(text=TEXT)


async def main() -> None:
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
