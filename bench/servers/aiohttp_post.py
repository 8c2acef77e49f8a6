"""aiohttp's form handling the standard way: ``await request.post()``, every field read."""

import asyncio

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

from aiohttp import web  # noqa: E402


async def form(request: web.Request) -> web.Response:
    data = await request.post()
    total = sum(len(str(v)) for v in data.values())
    return web.Response(text=f"fields={len(data)} chars={total}")


async def main() -> None:
    app = web.Application()
    app.router.add_post("/form", form)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
