"""tornado.asgi: ASGI both ways.

``ASGIContainer`` serves an ASGI 3 application (Starlette, FastAPI, ...) on tornado's
HTTPServer, alone or mounted inside a tornado.web application; ``ASGIApplication`` turns a
tornado.web.Application into an ASGI application for uvicorn, hypercorn and the like.
"""

from ._application import ASGIApplication, ASGIUnavailableError
from ._container import ASGIContainer
from ._exchange import ClientDisconnected
from ._lifespan import LifespanError

__all__ = ["ASGIApplication", "ASGIContainer", "ASGIUnavailableError", "ClientDisconnected", "LifespanError"]
