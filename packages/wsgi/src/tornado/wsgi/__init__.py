"""tornado.wsgi: WSGI both ways.

``WSGIApplication`` runs tornado.web handlers on any WSGI server (Tornado 1.0's interface:
``wsgiref.handlers.CGIHandler().run(tornado.wsgi.WSGIApplication(handlers))``), and
``WSGIContainer`` runs any WSGI application (Flask, Django, ...) on tornado's HTTPServer, alone
or next to native handlers through ``tornado.web.FallbackHandler``.
"""

from ._application import WSGIApplication, WSGIStaticFileHandler
from ._container import WSGIContainer
from ._environ import from_wsgi_str, to_wsgi_str
from ._syncrun import WSGIUnavailableError

__all__ = [
    "WSGIApplication",
    "WSGIContainer",
    "WSGIStaticFileHandler",
    "WSGIUnavailableError",
    "from_wsgi_str",
    "to_wsgi_str",
]
