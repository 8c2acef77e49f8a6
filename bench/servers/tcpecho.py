"""A line echo server on tornado.tcpserver.TCPServer, as its documentation writes one.

The same file runs on our packages and on Tornado 6 (the API is the same); the harness
picks the venv.
"""

import os

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
use_loop(args.loop)  # Tornado 6 follows the asyncio policy
quiet_logging()

from tornado.ioloop import IOLoop  # noqa: E402
from tornado.iostream import StreamClosedError  # noqa: E402
from tornado.tcpserver import TCPServer  # noqa: E402


class EchoServer(TCPServer):
    async def handle_stream(self, stream, address):  # type: ignore[no-untyped-def]
        # Each line is its own small write: without this, Nagle's algorithm holds the
        # later lines of a batch back until the client ACKs the first (asyncio's transports
        # set TCP_NODELAY on their own).
        stream.set_nodelay(True)
        try:
            while True:
                line = await stream.read_until(b"\n")
                await stream.write(line)
        except StreamClosedError:
            pass


EchoServer().listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
