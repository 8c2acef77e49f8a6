"""Signing in through Google (OpenID Connect) with ``tornado.auth``'s ``GoogleOAuth2Mixin``.

An author whose Google e-mail address (verified by Google) is an author's address here is
signed in as that author; anyone else is refused.  Imported only when configured, so the blog
runs without ``tornado.auth`` installed.
"""

from __future__ import annotations

from typing import Any

import tornado.auth
from handlers import AUTHOR_COOKIE, BaseHandler

SCOPE = ["openid", "email", "profile"]


class GoogleSignInHandler(BaseHandler, tornado.auth.GoogleOAuth2Mixin):
    def redirect_uri(self) -> str:
        return f"{self.request.protocol}://{self.request.host}/auth/google"

    async def get(self) -> None:
        if not (self.get_argument("state", None) or self.get_argument("error", None)):
            await self.authorize_redirect(
                self.redirect_uri(), self.settings["google_oauth"]["key"], scope=SCOPE
            )
            return
        user: dict[str, Any] | None = await self.get_authenticated_user(
            self.redirect_uri(), self.get_argument("code", "")
        )
        email = str((user or {}).get("email", "")).strip().lower()
        verified = (user or {}).get("email_verified", False) in (True, "true")
        author = await self.store.author(email) if email and verified else None
        if author is None:
            self.set_status(403)
            error = "That Google account is not one of this blog's authors."
            self.render("login.html", error=error, email="", next="/")
            return
        self.set_secure_cookie(AUTHOR_COOKIE, author.email, expires_days=14, **self.cookie_flags())
        self.redirect("/")


def start_local_provider(port: int) -> tuple[str, str]:
    """A local stand-in for Google (tornado.auth.providers) that knows this blog as a client;
    returns the client id and secret to use.  For trying the flow and for tests."""
    from tornado.auth.providers import LocalProviders

    client = ("local-blog-client", "local-blog-secret")
    providers = LocalProviders()
    providers.start()
    urls = [f"http://{host}:{port}/auth/google" for host in ("127.0.0.1", "localhost")]
    providers.oidc.register_client(*client, urls)
    providers.point(GoogleSignInHandler)
    _running.append(providers)
    return client


_running: list[Any] = []  # the local providers live as long as the process
