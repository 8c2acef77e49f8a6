#!/usr/bin/env python3
"""A blog on a real database: the blog example of the Tornado 1.0 overview.

Entries are written in Markdown by signed-in authors and read by everyone: a home page of
the latest entries (each rendered by the ``Entry`` UI module), an entry page, an archive and
an Atom feed. Data lives in an SQLite file by default, or in MySQL/MariaDB::

    python3 demos/blog/blog.py --create_author=alice@example.com --author_name=Alice
    python3 demos/blog/blog.py --port=8888
    python3 demos/blog/blog.py --mysql_host=127.0.0.1:3306 --mysql_database=blog \\
        --mysql_user=root --mysql_password=

On SIGTERM a frontend drains: it stops accepting, answers what it has started, closes idle
keep-alive connections and exits (``--drain_timeout`` bounds the wait), so it can be
restarted behind nginx without losing a request. See README.md.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os.path
import signal
import sys
from typing import Any

import handlers
import passwords
import store
import tornado.database
import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.options
import tornado.web
import uimodules
from tornado.options import define, options

define("port", default=8888, type=int, help="run on the given port")
define("address", default="", help="listen on this address only (default: every interface)")
define(
    "reuse_port",
    default=False,
    type=bool,
    help="bind with SO_REUSEPORT, so several processes share --port (deploy/frontends.py --reuse-port)",
)
define("sqlite", default="blog.db", help="the SQLite database file, used unless --mysql_host is set")
define("mysql_host", default="", help="MySQL/MariaDB server as host:port; empty means SQLite")
define("mysql_database", default="blog", help="the MySQL database (it must exist)")
define("mysql_user", default="blog", help="the MySQL user")
define("mysql_password", default="", help="the MySQL password")
define("db_workers", default=4, type=int, help="database sessions (threads) per frontend")
define(
    "sqlite_inline_reads",
    default=True,
    type=bool,
    help="run SQLite SELECTs on the event loop (microseconds) instead of handing each to a thread",
)
define(
    "cookie_secret",
    default="demo-only-blog-secret-change-me-8c3f1a",
    help="signs the session cookie; every frontend of one site needs the same one",
)
define("blog_title", default="Tornado Blog", help="the blog's name")
define("home_entries", default=10, type=int, help="how many entries the home page shows")
define("login_max_failures", default=5, type=int, help="failed sign-ins allowed per address and account")
define("login_window", default=900.0, type=float, help="seconds over which failed sign-ins are counted")
define("xheaders", default=False, type=bool, help="trust X-Real-IP/X-Scheme (set it behind nginx only)")
define("drain_timeout", default=10.0, type=float, help="on SIGTERM, the longest wait for open requests")
define("debug_endpoints", default=False, type=bool, help="serve /debug/whoami (for deployment tests)")
define("google_client_id", default="", help="sign authors in with Google too (OAuth 2.0 client id)")
define("google_client_secret", default="", help="the Google OAuth 2.0 client secret")
define(
    "local_providers",
    default=False,
    type=bool,
    help="sign in with Google against a local stand-in provider (tornado.auth.providers), to try it",
)
define("create_author", default="", help="add an author with this e-mail (password from stdin) and exit")
define("author_name", default="", help="the display name for --create_author")

log = logging.getLogger("tornado.application")
HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_SECRET = "demo-only-blog-secret-change-me-8c3f1a"


def connect_args() -> tuple[tuple[object, ...], dict[str, object]]:
    return store.connect_args(
        options.sqlite, options.mysql_host, options.mysql_database, options.mysql_user, options.mysql_password
    )


def open_database() -> tornado.database.Connection:
    """A blocking session with the schema applied; a clear message when the server is unreachable."""
    args, kwargs = connect_args()
    try:
        db = tornado.database.Connection(*args, **kwargs)  # type: ignore[arg-type]
        store.apply_schema(db)
    except tornado.database.OperationalError as e:
        where = options.mysql_host or options.sqlite
        sys.exit(f"blog: cannot use the database at {where}: {e}")
    return db


def async_database() -> tornado.database.AsyncConnection:
    """The handlers' sessions: ``db_workers`` threads, and SQLite reads inline (a read of a
    few indexed rows costs less than handing it to a thread and back)."""
    args, kwargs = connect_args()
    inline = options.sqlite_inline_reads and not options.mysql_host
    return tornado.database.AsyncConnection(
        *args,  # type: ignore[arg-type]
        max_workers=options.db_workers,
        inline_reads=inline,
        **kwargs,  # type: ignore[arg-type]
    )


def make_application(
    db: tornado.database.AsyncConnection, google_client: tuple[str, str] | None = None
) -> tornado.web.Application:
    """The blog; with ``google_client`` (id, secret) authors may also sign in with Google."""
    for name in ("home_entries", "login_max_failures"):
        if options[name] < 1:
            raise ValueError(f"{name} must be at least 1, got {options[name]}")
    if options.login_window <= 0:
        raise ValueError(f"login_window must be positive, got {options.login_window}")
    settings = {
        "template_path": os.path.join(HERE, "templates"),
        "static_path": os.path.join(HERE, "static"),
        "ui_modules": uimodules,
        "xsrf_cookies": True,
        "cookie_secret": options.cookie_secret,
        "login_url": "/auth/login",
        "store": store.Store(db),
        "blog_title": options.blog_title,
        "home_entries": options.home_entries,
        "login_max_failures": options.login_max_failures,
        "login_window": options.login_window,
        "port": options.port,
    }
    routes: list[Any] = handlers.routes(options.debug_endpoints)
    if google_client is not None:
        import oauth

        if not all(google_client):
            raise ValueError("google_client_id and google_client_secret must be set together")
        settings["google_oauth"] = {"key": google_client[0], "secret": google_client[1]}
        routes.append((r"/auth/google", oauth.GoogleSignInHandler))
    return tornado.web.Application(routes, **settings)


def create_author_from_stdin() -> None:
    """``--create_author``: the first (or another) author; the password never goes on the command line."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            sys.exit("blog: the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    email = options.create_author
    name = options.author_name or email.split("@")[0]
    db = open_database()
    try:
        store.create_author(db, email, name, passwords.hash_password(password))
    except (ValueError, tornado.database.IntegrityError) as e:
        sys.exit(f"blog: {e}" if isinstance(e, ValueError) else f"blog: author {email} already exists")
    finally:
        db.close()
    print(f"author {email} created")


async def serve() -> None:
    open_database().close()
    db = async_database()
    google_client: tuple[str, str] | None = None
    if options.local_providers:
        import oauth

        google_client = oauth.start_local_provider(options.port)
    elif options.google_client_id or options.google_client_secret:
        google_client = (options.google_client_id, options.google_client_secret)
    application = make_application(db, google_client)
    server = tornado.httpserver.HTTPServer(application, xheaders=options.xheaders)
    if options.reuse_port:
        server.add_sockets(
            tornado.netutil.bind_sockets(options.port, options.address or None, reuse_port=True)
        )
    else:
        server.listen(options.port, options.address)
    if options.cookie_secret == DEMO_SECRET:
        log.warning("using the demo cookie_secret: set --cookie_secret outside a demo")
    log.info(
        "Blog listening on http://%s:%d/ (pid %d)", options.address or "127.0.0.1", options.port, os.getpid()
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    graceful = await server.drain(options.drain_timeout)
    log.info("drained %s; exiting", "gracefully" if graceful else "after drain_timeout")
    await loop.run_in_executor(None, db.close)


def main() -> None:
    tornado.options.parse_command_line()
    if options.create_author:
        create_author_from_stdin()
        return
    tornado.ioloop.IOLoop.current().run_sync(serve)


if __name__ == "__main__":
    main()
