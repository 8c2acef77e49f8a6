"""The same tornado.web hello world on real Tornado 6: Application + RequestHandler + HTTPServer."""

import asyncio

from _common import BODY, announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402

TEXT = BODY.decode()


class MainHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(TEXT)


async def main() -> None:
    application = tornado.web.Application([(r"/", MainHandler)])
    HTTPServer(application).listen(args.port, address="127.0.0.1")
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
