"""Our HTTPServer with the Tornado 1.0 bare callback: the lowest level a user writes."""

import os
from typing import Any

from _common import BODY, announce, parse_args, quiet_logging

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\n" + BODY


def handle_request(request: Any) -> None:
    request.write(RESPONSE)
    request.finish()


HTTPServer(handle_request).listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
