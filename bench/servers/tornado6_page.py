"""The same page on real Tornado 6: its web (get_argument, get_secure_cookie) and its template.

The template files are the ones ours renders: the syntax is Tornado's.
"""

import asyncio
from pathlib import Path

from _common import announce, parse_args, quiet_logging, use_loop
from _page import COOKIE_SECRET, ITEMS, USER

args = parse_args()
use_loop(args.loop)
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates" / "tornado"


class LoginHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_secure_cookie("user", USER)
        self.write("ok")


class PageHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        name = self.get_argument("name")
        user = self.get_secure_cookie("user")
        self.render("page.html", name=name, user=user.decode() if user else None, items=ITEMS)


async def main() -> None:
    application = tornado.web.Application(
        [(r"/login", LoginHandler), (r"/page", PageHandler)],
        template_path=str(TEMPLATES),
        cookie_secret=COOKIE_SECRET,
    )
    HTTPServer(application).listen(args.port, address="127.0.0.1")
    announce()
    await asyncio.Event().wait()


asyncio.run(main())
