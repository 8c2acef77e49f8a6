#!/usr/bin/env python3
"""Sign in with Google, Yahoo, Facebook, Twitter or FriendFeed: tornado.auth's mixins on one page.

Each service is configured with its client id and secret (``--google_client_id=...
--google_client_secret=...``, see ``--help``); a service without them is shown disabled.
``--local_providers`` starts local stand-ins for every provider (tornado.auth.providers) and
points the handlers at them, so the whole thing can be clicked through on one machine:

    python3 demos/auth/authdemo.py --local_providers

then open http://127.0.0.1:8888/ and sign in as anyone (alice and bob have profiles).
Register ``<this site>/auth/<service>`` as the redirect / callback URL at a real provider.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

import tornado.auth
import tornado.escape
import tornado.httpserver
import tornado.netutil
import tornado.options
import tornado.web
from tornado.options import define, options

define("port", default=8888, help="run on the given port", type=int)
define(
    "cookie_secret",
    default="",
    help="signs the login and state cookies (default: a random one, so sign-ins end with the process)",
)
define("local_providers", default=False, type=bool, help="start local providers and sign in against them")
for _service, _what in (
    ("google", "OAuth 2.0 client"),
    ("yahoo", "OAuth 2.0 client"),
    ("facebook", "Facebook app"),
):
    define(f"{_service}_client_id", default="", help=f"{_service}: {_what} id")
    define(f"{_service}_client_secret", default="", help=f"{_service}: {_what} secret")
for _service in ("twitter", "friendfeed"):
    define(f"{_service}_consumer_key", default="", help=f"{_service}: OAuth consumer key")
    define(f"{_service}_consumer_secret", default="", help=f"{_service}: OAuth consumer secret")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>tornado.auth demo</title>
<style>body{{font:16px sans-serif;margin:2em auto;max-width:40em}} li{{margin:.4em 0}}
.off{{color:#999}} .who{{padding:1em;background:#eef}}</style></head><body>
<h1>tornado.auth</h1>{body}</body></html>"""


class BaseHandler(tornado.web.RequestHandler):
    service = ""  # a sign-in handler's service, answered 404 until it is configured

    def prepare(self) -> None:
        if self.service and not self.settings["enabled"].get(self.service):
            raise tornado.web.HTTPError(404, "%s sign-in is not configured", self.service)

    def get_current_user(self) -> Any:
        raw = self.get_secure_cookie("user")
        return json.loads(raw) if raw else None

    def page(self, body: str) -> None:
        self.finish(PAGE.format(body=body))

    def redirect_uri(self, service: str) -> str:
        return f"{self.request.protocol}://{self.request.host}/auth/{service}"

    def signed_in(self, service: str, user: dict[str, Any] | None) -> None:
        if not user:
            raise tornado.auth.AuthError("the provider did not vouch for a user")
        shown = {
            "service": service,
            "name": user.get("name") or user.get("username") or "",
            "email": user.get("email", ""),
        }
        self.set_secure_cookie("user", json.dumps(shown), httponly=True, samesite="Lax")
        self.redirect("/")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        why = exc.failure if isinstance(exc, tornado.auth.AuthError) else self._reason
        self.page(
            f"<h2 id='error'>Sign-in refused ({status_code})</h2>"
            f"<p id='reason'>{tornado.escape.xhtml_escape(why)}</p><p><a href='/'>Back</a></p>"
        )


class HomeHandler(BaseHandler):
    def get(self) -> None:
        user = self.current_user
        who = (
            f"<p class='who' id='user'>Signed in as <b>{tornado.escape.xhtml_escape(user['name'])}</b> "
            f"&lt;{tornado.escape.xhtml_escape(user['email'])}&gt; via "
            f"<span id='service'>{tornado.escape.xhtml_escape(user['service'])}</span>. "
            "<a href='/logout'>Sign out</a></p>"
            if user
            else "<p id='user'>Not signed in.</p>"
        )
        items = []
        for service, label, _ in SERVICES:
            if self.settings["enabled"].get(service):
                items.append(
                    f"<li><a id='signin-{service}' href='/auth/{service}'>Sign in with {label}</a></li>"
                )
            else:
                items.append(f"<li class='off'>{label}: not configured</li>")
        self.page(who + "<ul>" + "".join(items) + "</ul>")


class LogoutHandler(BaseHandler):
    def get(self) -> None:
        self.clear_cookie("user")
        self.redirect("/")


class GoogleLogin(BaseHandler, tornado.auth.GoogleOAuth2Mixin):
    service = "google"

    async def get(self) -> None:
        if self.get_argument("state", None) or self.get_argument("error", None):
            user = await self.get_authenticated_user(
                self.redirect_uri("google"), self.get_argument("code", "")
            )
            self.signed_in("Google", user)
            return
        await self.authorize_redirect(
            self.redirect_uri("google"),
            self.settings["google_oauth"]["key"],
            scope=["openid", "profile", "email"],
        )


class YahooLogin(BaseHandler, tornado.auth.YahooMixin):
    service = "yahoo"

    async def get(self) -> None:
        if self.get_argument("state", None) or self.get_argument("error", None):
            user = await self.get_authenticated_user(
                self.redirect_uri("yahoo"), self.get_argument("code", "")
            )
            self.signed_in("Yahoo", user)
            return
        await self.authorize_redirect(
            self.redirect_uri("yahoo"), self.settings["yahoo_oauth"]["key"], scope="openid email"
        )


class FacebookLogin(BaseHandler, tornado.auth.FacebookGraphMixin):
    service = "facebook"

    async def get(self) -> None:
        app_id, secret = self.settings["facebook_app"]
        if self.get_argument("state", None) or self.get_argument("error", None):
            user = await self.get_authenticated_user(
                self.redirect_uri("facebook"),
                app_id,
                secret,
                self.get_argument("code", ""),
                extra_fields=["email"],
            )
            self.signed_in("Facebook", user)
            return
        await self.authorize_redirect(self.redirect_uri("facebook"), app_id, extra_params={"scope": "email"})


class TwitterLogin(BaseHandler, tornado.auth.TwitterMixin):
    service = "twitter"

    async def get(self) -> None:
        if self.get_argument("oauth_token", None):
            user = await self.get_authenticated_user()
            self.signed_in("Twitter", user)
            return
        if self.get_argument("denied", None):
            raise tornado.auth.AuthError("you declined at Twitter")
        await self.authenticate_redirect()


class FriendFeedLogin(BaseHandler, tornado.auth.FriendFeedMixin):
    """The 1.0 style: @asynchronous and a callback."""

    service = "friendfeed"

    @tornado.web.asynchronous
    def get(self) -> None:
        if self.get_argument("oauth_token", None):
            self.get_authenticated_user(self.async_callback(self._on_auth))
            return
        self.authorize_redirect()

    def _on_auth(self, user: dict[str, Any] | None) -> None:
        if not user:
            self.send_error(403, reason="FriendFeed sign-in failed")
            return
        self.signed_in("FriendFeed", user)


SERVICES: list[tuple[str, str, type]] = [
    ("google", "Google", GoogleLogin),
    ("yahoo", "Yahoo", YahooLogin),
    ("facebook", "Facebook", FacebookLogin),
    ("twitter", "Twitter", TwitterLogin),
    ("friendfeed", "FriendFeed", FriendFeedLogin),
]

LOCAL_CREDENTIALS = {  # used with --local_providers for services given no credentials
    "google": ("local-google-client", "local-google-secret"),
    "yahoo": ("local-yahoo-client", "local-yahoo-secret"),
    "facebook": ("local-facebook-app", "local-facebook-secret"),
    "twitter": ("local-twitter-key", "local-twitter-secret"),
    "friendfeed": ("local-friendfeed-key", "local-friendfeed-secret"),
}


def credentials() -> dict[str, tuple[str, str]]:
    out = {}
    for service in ("google", "yahoo", "facebook"):
        out[service] = (options[f"{service}_client_id"], options[f"{service}_client_secret"])
    for service in ("twitter", "friendfeed"):
        out[service] = (options[f"{service}_consumer_key"], options[f"{service}_consumer_secret"])
    return out


def start_local_providers(creds: dict[str, tuple[str, str]], port: int) -> Any:
    """Local providers for every service, knowing this app's clients and redirect URLs."""
    from tornado.auth.providers import LocalProviders

    providers = LocalProviders()
    providers.start()
    for service, (key, secret) in list(creds.items()):
        if not key or not secret:
            creds[service] = LOCAL_CREDENTIALS[service]

    def urls(service: str) -> list[str]:
        return [f"http://{host}:{port}/auth/{service}" for host in ("127.0.0.1", "localhost")]

    providers.oidc.register_client(*creds["google"], urls("google"))
    providers.oidc.register_client(*creds["yahoo"], urls("yahoo"))
    providers.facebook.register_app(*creds["facebook"], urls("facebook"))
    providers.oauth1.register_consumer(*creds["twitter"], version="1.0a")
    providers.oauth1.register_consumer(*creds["friendfeed"], version="1.0", callback=urls("friendfeed")[0])
    for _, _, handler in SERVICES:
        providers.point(handler)
    for provider in providers.all:
        logging.info("%s at %s", provider.title, provider.base_url)
    return providers


def make_app(creds: dict[str, tuple[str, str]]) -> tornado.web.Application:
    enabled = {service: bool(key and secret) for service, (key, secret) in creds.items()}
    routes: list[Any] = [(r"/", HomeHandler), (r"/logout", LogoutHandler)]
    routes += [(rf"/auth/{service}", handler) for service, _, handler in SERVICES]
    return tornado.web.Application(
        routes,
        cookie_secret=options.cookie_secret or secrets.token_hex(32),
        enabled=enabled,
        google_oauth={"key": creds["google"][0], "secret": creds["google"][1]},
        yahoo_oauth={"key": creds["yahoo"][0], "secret": creds["yahoo"][1]},
        facebook_app=creds["facebook"],
        facebook_secret=creds["facebook"][1],
        twitter_consumer_key=creds["twitter"][0],
        twitter_consumer_secret=creds["twitter"][1],
        friendfeed_consumer_key=creds["friendfeed"][0],
        friendfeed_consumer_secret=creds["friendfeed"][1],
    )


def main() -> None:
    tornado.options.parse_command_line()
    creds = credentials()

    async def serve() -> None:
        # The app's port is bound before the local providers take ephemeral ones, so a
        # provider can never land on the port this app was told to use.
        sockets = tornado.netutil.bind_sockets(options.port, "127.0.0.1")
        if options.local_providers:
            start_local_providers(creds, options.port)
        tornado.httpserver.HTTPServer(make_app(creds)).add_sockets(sockets)
        logging.info("tornado.auth demo on http://127.0.0.1:%d/", options.port)
        await asyncio.Event().wait()  # until interrupted

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
