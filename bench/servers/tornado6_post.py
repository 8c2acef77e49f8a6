"""The same form handler on real Tornado 6: every field read with get_argument."""

import asyncio

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402


class FormHandler(tornado.web.RequestHandler):
    def post(self) -> None:
        names = list(self.request.arguments)
        total = sum(len(self.get_argument(name)) for name in names)
        self.write(f"fields={len(names)} chars={total}")


async def main() -> None:
    application = tornado.web.Application([(r"/form", FormHandler)])
    HTTPServer(application).listen(args.port, address="127.0.0.1")
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
