"""A non-blocking, single-threaded HTTP/1.1 server (Tornado's ``httpserver``).

Each connection is an asyncio Protocol on the IOLoop's event loop that feeds the
I/O-free protocol core of :mod:`tornado.httputil`; a bare request callback works as in
Tornado 1.0::

    def handle_request(request):
        message = "You requested %s\\n" % request.uri
        request.write("HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(message), message))
        request.finish()

    HTTPServer(handle_request).listen(8888)
    IOLoop.instance().start()
"""

from __future__ import annotations

from tornado.httputil import HTTPServerRequest

from ._connection import HTTP1ServerConnection
from ._server import HTTPServer, bind_sockets, fork_processes, ssl_options_to_context, task_id

HTTPRequest = HTTPServerRequest

__all__ = [
    "HTTPServer",
    "HTTPServerRequest",
    "HTTPRequest",
    "HTTP1ServerConnection",
    "bind_sockets",
    "fork_processes",
    "task_id",
    "ssl_options_to_context",
]
