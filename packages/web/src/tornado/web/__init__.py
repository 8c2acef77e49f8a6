"""tornado.web: a small, fast web framework on the non-blocking HTTP server.

Map URL patterns to RequestHandler subclasses in an Application, then serve it with
``HTTPServer(application)`` or ``application.listen(port)``.
"""

from tornado.web.application import Application, GZipContentEncoding
from tornado.web.decorators import addslash, asynchronous, authenticated, removeslash, stream_request_body
from tornado.web.errors import Finish, HTTPError, MissingArgumentError
from tornado.web.handler import RequestHandler
from tornado.web.handlers import ErrorHandler, FallbackHandler, RedirectHandler
from tornado.web.routing import URLSpec, url
from tornado.web.signing import create_signed_value, decode_signed_value
from tornado.web.static import StaticFileHandler
from tornado.web.uimodules import TemplateModule, UIModule

__all__ = [
    "Application",
    "ErrorHandler",
    "FallbackHandler",
    "Finish",
    "GZipContentEncoding",
    "HTTPError",
    "MissingArgumentError",
    "RedirectHandler",
    "RequestHandler",
    "StaticFileHandler",
    "TemplateModule",
    "UIModule",
    "URLSpec",
    "addslash",
    "asynchronous",
    "authenticated",
    "create_signed_value",
    "decode_signed_value",
    "removeslash",
    "stream_request_body",
    "url",
]
