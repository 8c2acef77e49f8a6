#!/usr/bin/env python3
"""The canonical "Hello, world" of the Tornado 1.0 overview, under Python 3.

Run it with ``python3 demos/helloworld/helloworld.py [--port=8888]`` and open
http://localhost:8888/.
"""

import tornado.httpserver
import tornado.ioloop
import tornado.options
import tornado.web
from tornado.options import define, options

define("port", default=8888, help="run on the given port", type=int)


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


application = tornado.web.Application(
    [
        (r"/", MainHandler),
    ]
)

if __name__ == "__main__":
    tornado.options.parse_command_line()
    http_server = tornado.httpserver.HTTPServer(application)
    http_server.listen(options.port)
    tornado.ioloop.IOLoop.instance().start()
