"""Our WebSocketHandler: echo each text message, or send it to every client ("broadcast:...")."""

import os

from _common import announce, parse_args, quiet_logging

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402
from tornado.websocket import WebSocketHandler  # noqa: E402

clients: set["Echo"] = set()


class Echo(WebSocketHandler):
    def open(self) -> None:
        clients.add(self)

    def on_message(self, message: str | bytes) -> None:
        if isinstance(message, str) and message.startswith("broadcast:"):
            payload = message[10:]
            for client in clients:
                client.write_message(payload)
        else:
            self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        clients.discard(self)


application = tornado.web.Application([(r"/ws", Echo)])
HTTPServer(application).listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
