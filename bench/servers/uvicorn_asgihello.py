"""The same Starlette hello world on uvicorn with its httptools protocol, on the asked loop."""

import asyncio

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

import uvicorn  # noqa: E402
from _starlette_app import app  # noqa: E402


async def main() -> None:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        http="httptools",
        loop="none",
        access_log=False,
        log_level="error",
    )
    server = uvicorn.Server(config)
    serving = asyncio.ensure_future(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # startup failed: show why
        await asyncio.sleep(0.01)
    announce()
    await serving


asyncio.run(main())
