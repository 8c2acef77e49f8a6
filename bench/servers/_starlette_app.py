"""The Starlette hello world both ASGI servers run (ours: ASGIContainer; uvicorn)."""

from _common import BODY
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

TEXT = BODY.decode()


async def hello(request: object) -> PlainTextResponse:
    return PlainTextResponse(TEXT)


app = Starlette(routes=[Route("/", hello)])
