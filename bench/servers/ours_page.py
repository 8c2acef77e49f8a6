"""A page on our tornado.web: query argument + signed cookie, rendered by tornado.template.

GET /login sets the signed ``user`` cookie (the harness fetches it once before measuring);
GET /page?name=... reads both and renders page.html, which extends base.html.
"""

import os
from pathlib import Path

from _common import announce, parse_args, quiet_logging
from _page import COOKIE_SECRET, ITEMS, USER

args = parse_args()
os.environ["TORNADO_EVENT_LOOP"] = args.loop  # our IOLoop picks asyncio or uvloop from this
quiet_logging()

import tornado.web  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

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


application = tornado.web.Application(
    [(r"/login", LoginHandler), (r"/page", PageHandler)],
    template_path=str(TEMPLATES),
    cookie_secret=COOKIE_SECRET,
)
HTTPServer(application).listen(args.port, "127.0.0.1")
ioloop = IOLoop.current()
ioloop.add_callback(announce)
ioloop.start()
