"""The same page on aiohttp + Jinja2 (autoescape on), with an HMAC-signed cookie checked in the handler.

The cookie is ``base64(value)|timestamp|hmac-sha256`` over name, value and timestamp, the
way an aiohttp user without a session library signs one; /login sets it.
"""

import asyncio
import base64
import hashlib
import hmac
import time
from pathlib import Path

from _common import announce, parse_args, quiet_logging, use_loop
from _page import COOKIE_SECRET, ITEMS, USER

args = parse_args()
use_loop(args.loop)
quiet_logging()

import jinja2  # noqa: E402
from aiohttp import web  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates" / "jinja2"
SECRET = COOKIE_SECRET.encode()
MAX_AGE = 31 * 86400

# trim_blocks/lstrip_blocks: block tags leave no blank lines, as Tornado's whitespace="single" does.
env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True, lstrip_blocks=True
)


def _sign(name: str, value: bytes, timestamp: bytes) -> bytes:
    msg = b"|".join([name.encode(), value, timestamp])
    return hmac.new(SECRET, msg, hashlib.sha256).hexdigest().encode()


def create_signed(name: str, value: str) -> str:
    encoded = base64.b64encode(value.encode())
    timestamp = str(int(time.time())).encode()
    return b"|".join([encoded, timestamp, _sign(name, encoded, timestamp)]).decode()


def decode_signed(name: str, token: str | None) -> str | None:
    if not token:
        return None
    parts = token.encode().split(b"|")
    if len(parts) != 3:
        return None
    encoded, timestamp, sig = parts
    if not hmac.compare_digest(sig, _sign(name, encoded, timestamp)):
        return None
    if not timestamp.isdigit() or int(timestamp) < time.time() - MAX_AGE:
        return None
    return base64.b64decode(encoded).decode()


async def login(request: web.Request) -> web.Response:
    response = web.Response(text="ok")
    response.set_cookie("user", create_signed("user", USER), max_age=30 * 86400)
    return response


async def page(request: web.Request) -> web.Response:
    name = request.query.get("name")
    if name is None:
        raise web.HTTPBadRequest(text="missing argument name")
    user = decode_signed("user", request.cookies.get("user"))
    html = env.get_template("page.html").render(name=name, user=user, items=ITEMS)
    return web.Response(text=html, content_type="text/html")


async def main() -> None:
    app = web.Application()
    app.router.add_get("/login", login)
    app.router.add_get("/page", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
