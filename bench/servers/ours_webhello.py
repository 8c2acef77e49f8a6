"""Our tornado.web hello world, as the Tornado 1.0 overview writes it, served by HTTPServer."""

import os

from _common import BODY, announce, parse_args, quiet_logging

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

TEXT = BODY.decode()


class MainHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(TEXT)


application = tornado.web.Application([(r"/", MainHandler)])
HTTPServer(application).listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
