"""Tornado 6's lowest public level: HTTPServer driving an HTTPServerConnectionDelegate.

The closest Tornado 6 equivalent of a 1.0 bare request callback: no web.Application,
no RequestHandler, the response written straight to the HTTP/1 connection.
"""

import asyncio

from _common import BODY, announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

from tornado import httputil  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402

START_LINE = httputil.ResponseStartLine("HTTP/1.1", 200, "OK")


class Responder(httputil.HTTPMessageDelegate):
    def __init__(self, connection: httputil.HTTPConnection) -> None:
        self.connection = connection

    def finish(self) -> None:
        headers = httputil.HTTPHeaders({"Content-Type": "text/plain", "Content-Length": str(len(BODY))})
        self.connection.write_headers(START_LINE, headers, BODY)
        self.connection.finish()


class HelloDelegate(httputil.HTTPServerConnectionDelegate):
    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return Responder(request_conn)


async def main() -> None:
    HTTPServer(HelloDelegate()).listen(args.port, address="127.0.0.1")
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
