"""Our tornado.web form handler: every field of a urlencoded POST read with get_argument."""

import os

from _common import announce, parse_args, quiet_logging

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402


class FormHandler(tornado.web.RequestHandler):
    def post(self) -> None:
        names = list(self.request.arguments)
        total = sum(len(self.get_argument(name)) for name in names)
        self.write(f"fields={len(names)} chars={total}")


application = tornado.web.Application([(r"/form", FormHandler)])
HTTPServer(application).listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
