"""The Starlette hello world on our HTTPServer through tornado.asgi.ASGIContainer."""

import os

from _common import announce, parse_args, quiet_logging

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

from _starlette_app import app  # noqa: E402
from tornado.asgi import ASGIContainer  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

container = ASGIContainer(app)
ioloop = IOLoop.current()
ioloop.run_sync(container.startup)
HTTPServer(container).listen(args.port, "127.0.0.1")
ioloop.add_callback(announce)
ioloop.start()
