"""The same line echo on asyncio's own streams (asyncio.start_server), as a baseline."""

import asyncio

from _common import announce, parse_args, use_loop

args = parse_args()
use_loop(args.loop)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    announce()
    async with server:
        await server.serve_forever()


asyncio.run(main())
