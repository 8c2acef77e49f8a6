"""Tornado 6 hello world the way its documentation writes it: web.Application + RequestHandler."""

import asyncio

from _common import BODY, announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

import tornado.web  # noqa: E402


class MainHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain")
        self.write(BODY)


async def main() -> None:
    app = tornado.web.Application([(r"/", MainHandler)])
    app.listen(args.port, address="127.0.0.1")
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
