"""The blog's request handlers: reading (home, entry, archive, feed), writing, signing in."""

from __future__ import annotations

import os
from typing import Any

import passwords
import tornado.ioloop
import tornado.web
from store import MAX_TITLE, Store

AUTHOR_COOKIE = "blog_author"


class BaseHandler(tornado.web.RequestHandler):
    """Loads the signed-in author (if any) before every request.

    The ``_xsrf`` cookie is set by the pages with a form (``xsrf_form_html``: sign-in,
    compose, sign-out), not on every page view: a reader's pages carry no Set-Cookie.
    """

    SETS_XSRF_COOKIE = False

    @property
    def store(self) -> Store:
        return self.application.settings["store"]

    async def prepare(self) -> None:
        email = self.get_secure_cookie(AUTHOR_COOKIE)
        author = await self.store.author(email.decode("utf-8")) if email else None
        self.current_user = author

    def cookie_flags(self) -> dict[str, Any]:
        """Session cookies are invisible to scripts, not sent cross-site, HTTPS-only on HTTPS."""
        return {"httponly": True, "samesite": "Lax", "secure": self.request.protocol == "https"}


class HomeHandler(BaseHandler):
    async def get(self) -> None:
        entries = await self.store.latest(self.settings["home_entries"])
        self.render("home.html", entries=entries)


class EntryHandler(BaseHandler):
    async def get(self, slug: str) -> None:
        entry = await self.store.entry(slug)
        if entry is None:
            raise tornado.web.HTTPError(404)
        self.render("entry.html", entry=entry)


class ArchiveHandler(BaseHandler):
    async def get(self) -> None:
        self.render("archive.html", entries=await self.store.archive())


class FeedHandler(BaseHandler):
    async def get(self) -> None:
        entries = await self.store.latest(10)
        self.set_header("Content-Type", "application/atom+xml; charset=UTF-8")
        base = f"{self.request.protocol}://{self.request.host}"
        self.render("feed.xml", entries=entries, base=base)


class ComposeHandler(BaseHandler):
    """New entries, and edits of existing ones (``?slug=``)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        slug = self.get_argument("slug", None)
        entry = await self.store.entry(slug) if slug else None
        if slug and entry is None:
            raise tornado.web.HTTPError(404)
        self.render(
            "compose.html",
            entry=entry,
            title=entry.title if entry else "",
            text=entry.markdown if entry else "",
            error=None,
        )

    @tornado.web.authenticated
    async def post(self) -> None:
        slug = self.get_argument("slug", "")
        title = self.get_argument("title", "").strip()
        text = self.get_argument("markdown", "")
        entry = await self.store.entry(slug) if slug else None
        if slug and entry is None:
            raise tornado.web.HTTPError(404)
        error = None
        if not title:
            error = "An entry needs a title."
        elif len(title) > MAX_TITLE:
            error = f"A title has at most {MAX_TITLE} characters."
        elif not text.strip():
            error = "An entry needs some text."
        if error:
            self.set_status(400)
            self.render("compose.html", entry=entry, title=title, text=text, error=error)
            return
        if entry is not None:
            await self.store.update_entry(slug, title, text)
        else:
            slug = await self.store.create_entry(self.current_user.email, title, text)
        self.redirect("/entry/" + slug)


def local_next(url: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


class LoginHandler(BaseHandler):
    def get(self) -> None:
        self.render("login.html", error=None, email="", next=local_next(self.get_argument("next", None)))

    async def post(self) -> None:
        email = self.get_argument("email", "").strip().lower()
        password = self.get_argument("password", "")
        next_url = local_next(self.get_argument("next", None))
        limit = self.settings["login_max_failures"]
        window = self.settings["login_window"]
        subjects = ["ip:" + str(self.request.remote_ip), "email:" + email]
        for subject in subjects:
            if await self.store.failures(subject, window) >= limit:
                self.set_status(429)
                self.set_header("Retry-After", str(int(window)))
                minutes = max(1, round(window / 60))
                error = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
                self.render("login.html", error=error, email=email, next=next_url)
                return
        author = await self.store.author(email) if email else None
        stored = author.password_hash if author else None
        loop = tornado.ioloop.IOLoop.current()
        ok = await loop.run_in_executor(None, passwords.check_password, password, stored)
        if not ok or author is None:
            for subject in subjects:
                await self.store.record_failure(subject, window)
            self.set_status(403)
            self.render("login.html", error="Wrong e-mail address or password.", email=email, next=next_url)
            return
        await self.store.clear_failures("email:" + email)
        self.set_secure_cookie(AUTHOR_COOKIE, author.email, expires_days=14, **self.cookie_flags())
        self.redirect(next_url)


class LogoutHandler(BaseHandler):
    """A POST with the XSRF token, so another site cannot sign an author out."""

    def post(self) -> None:
        self.clear_cookie(AUTHOR_COOKIE)
        self.redirect("/")


class WhoAmIHandler(tornado.web.RequestHandler):
    """Which frontend answered and what it believes about the client (for deployment tests)."""

    def get(self) -> None:
        self.write(
            {
                "pid": os.getpid(),
                "port": self.settings["port"],
                "remote_ip": self.request.remote_ip,
                "protocol": self.request.protocol,
            }
        )


def routes(debug_endpoints: bool) -> list[tuple[str, type[tornado.web.RequestHandler]]]:
    table: list[tuple[str, type[tornado.web.RequestHandler]]] = [
        (r"/", HomeHandler),
        (r"/archive", ArchiveHandler),
        (r"/feed", FeedHandler),
        (r"/entry/([a-z0-9-]+)", EntryHandler),
        (r"/compose", ComposeHandler),
        (r"/auth/login", LoginHandler),
        (r"/auth/logout", LogoutHandler),
    ]
    if debug_endpoints:
        table.append((r"/debug/whoami", WhoAmIHandler))
    return table
