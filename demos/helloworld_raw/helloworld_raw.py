#!/usr/bin/env python3
"""Tornado 1.0's bare-callback hello world: no framework, the callback writes raw HTTP."""

import tornado.httpserver
import tornado.ioloop


def handle_request(request):
    message = "You requested %s\n" % request.uri  # noqa: UP031 (Tornado 1.0 verbatim)
    request.write("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(message), message))  # noqa: UP031
    request.finish()


if __name__ == "__main__":
    http_server = tornado.httpserver.HTTPServer(handle_request)
    http_server.listen(8888)
    tornado.ioloop.IOLoop.instance().start()
