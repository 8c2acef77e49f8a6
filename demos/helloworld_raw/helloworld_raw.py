#!/usr/bin/env python3
"""Tornado 1.0's bare-callback hello world: no framework, the callback writes raw HTTP.

Run it with ``python3 demos/helloworld_raw/helloworld_raw.py [--port=8888]``.
"""

import tornado.httpserver
import tornado.ioloop
import tornado.options
from tornado.options import define, options

define("port", default=8888, help="run on the given port", type=int)


def handle_request(request):
    message = "You requested %s\n" % request.uri  # noqa: UP031 (Tornado 1.0 verbatim)
    request.write("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(message), message))  # noqa: UP031
    request.finish()


if __name__ == "__main__":
    tornado.options.parse_command_line()
    http_server = tornado.httpserver.HTTPServer(handle_request)
    http_server.listen(options.port)
    tornado.ioloop.IOLoop.instance().start()
