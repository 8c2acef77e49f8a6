"""A relying-party app for every mixin (awaited and 1.0 callback styles), the local providers
it signs in with, and a cookie-keeping user agent that follows redirects like a browser."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http.cookies
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import tornado.auth
import tornado.web
from tornado.auth.providers import LocalProviders
from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.web import Application, RequestHandler, asynchronous

STEP = 20.0
COOKIE_SECRET = "relying-party-cookie-secret"
SECRETS = {
    "twitter": ("tw-consumer-key-0001", "tw-consumer-secret-0001"),
    "friendfeed": ("ff-consumer-key-0001", "ff-consumer-secret-0001"),
    "google_hybrid": ("google-consumer.example.com", "gc-consumer-secret-0001"),
    "google": ("google-client-0001", "google-client-secret-0001"),
    "yahoo": ("yahoo-client-0001", "yahoo-client-secret-0001"),
    "facebook": ("fb-app-0001", "fb-app-secret-0001"),
}


def user_json(handler: RequestHandler, user: dict[str, Any] | None) -> None:
    """Answer the signed-in user as JSON (or 403 when there is none)."""
    if user is None:
        handler.set_status(403)
        handler.finish({"user": None})
        return
    handler.finish({"user": user})


# -- OpenID 2.0 ----------------------------------------------------------------------------


# The overview's "Third party authentication" example, character for character.
class GoogleHandler(tornado.web.RequestHandler, tornado.auth.GoogleMixin):
    @tornado.web.asynchronous
    def get(self):
        if self.get_argument("openid.mode", None):
            self.get_authenticated_user(self.async_callback(self._on_auth))
            return
        self.authenticate_redirect()

    def _on_auth(self, user):
        if not user:
            self.authenticate_redirect()
            return
        # Save the user with, e.g., set_secure_cookie()


class OverviewGoogle(GoogleHandler):
    """The overview's handler, plus showing the user it got."""

    def _on_auth(self, user):
        super()._on_auth(user)
        if user:
            user_json(self, user)


class OpenIdAsync(RequestHandler, tornado.auth.OpenIdMixin):
    async def get(self) -> None:
        if self.get_argument("openid.mode", None):
            user_json(self, await self.get_authenticated_user())
            return
        await self.authenticate_redirect(ax_attrs=["name", "email", "language", "username"])


class GoogleHybrid(RequestHandler, tornado.auth.GoogleMixin):
    async def get(self) -> None:
        if self.get_argument("openid.mode", None):
            user_json(self, await self.get_authenticated_user())
            return
        await self.authorize_redirect("http://www.google.com/m8/feeds/")


# -- OAuth 1.0a / 1.0 ------------------------------------------------------------------------


class TwitterAsync(RequestHandler, tornado.auth.TwitterMixin):
    async def get(self) -> None:
        if self.get_argument("oauth_token", None):
            user = await self.get_authenticated_user()
            posted = await self.twitter_request(
                "/statuses/update", post_args={"status": "signed in!"}, access_token=user["access_token"]
            )
            user["posted"] = posted
            user_json(self, user)
            return
        await self.authorize_redirect()


class TwitterCallbacks(RequestHandler, tornado.auth.TwitterMixin):
    """1.0 style: @asynchronous, async_callback, nothing awaited."""

    @asynchronous
    def get(self) -> None:
        if self.get_argument("oauth_token", None):
            self.get_authenticated_user(self.async_callback(self._on_auth))
            return
        self.authenticate_redirect()

    def _on_auth(self, user: dict[str, Any] | None) -> None:
        if not user:
            user_json(self, None)
            return
        self.twitter_request(
            "/account/verify_credentials",
            self.async_callback(lambda creds: user_json(self, dict(user, creds=creds))),
            access_token=user["access_token"],
        )


class FriendFeedAsync(RequestHandler, tornado.auth.FriendFeedMixin):
    async def get(self) -> None:
        if self.get_argument("oauth_token", None):
            user = await self.get_authenticated_user()
            entry = await self.friendfeed_request(
                "/entry", post_args={"body": "hello"}, access_token=user["access_token"]
            )
            user_json(self, dict(user, entry=entry))
            return
        await self.authorize_redirect()


# -- OAuth 2.0 / OpenID Connect ---------------------------------------------------------------


class GoogleOAuth2Async(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
    async def get(self) -> None:
        redirect_uri = self.request.protocol + "://" + self.request.host + "/google2"
        if self.get_argument("code", None) or self.get_argument("state", None):
            user_json(self, await self.get_authenticated_user(redirect_uri, self.get_argument("code", "")))
            return
        await self.authorize_redirect(
            redirect_uri=redirect_uri,
            client_id=self.settings["google_oauth"]["key"],
            scope=["openid", "profile", "email"],
            response_type="code",
            extra_params={"approval_prompt": "auto"},
        )


class GoogleOAuth2Callbacks(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
    @asynchronous
    def get(self) -> None:
        redirect_uri = self.request.protocol + "://" + self.request.host + "/google2cb"
        if self.get_argument("state", None):
            self.get_authenticated_user(
                redirect_uri, self.get_argument("code", ""), callback=self.async_callback(self._on_auth)
            )
            return
        self.authorize_redirect(redirect_uri, self.settings["google_oauth"]["key"], scope=["openid", "email"])

    def _on_auth(self, user: dict[str, Any] | None) -> None:
        user_json(self, user)


class YahooAsync(RequestHandler, tornado.auth.YahooMixin):
    async def get(self) -> None:
        redirect_uri = self.request.protocol + "://" + self.request.host + "/yahoo"
        if self.get_argument("state", None):
            user_json(self, await self.get_authenticated_user(redirect_uri, self.get_argument("code", "")))
            return
        await self.authorize_redirect(redirect_uri, self.settings["yahoo_oauth"]["key"], scope="openid email")


class FacebookGraphAsync(RequestHandler, tornado.auth.FacebookGraphMixin):
    async def get(self) -> None:
        redirect_uri = self.request.protocol + "://" + self.request.host + "/facebook-graph"
        app_id, secret = SECRETS["facebook"]
        if self.get_argument("state", None):
            user = await self.get_authenticated_user(
                redirect_uri, app_id, secret, self.get_argument("code", ""), extra_fields=["email"]
            )
            post = await self.facebook_request(
                "/me/feed", access_token=user["access_token"], post_args={"message": "hi"}
            )
            user_json(self, dict(user, post=post))
            return
        await self.authorize_redirect(redirect_uri, app_id, extra_params={"scope": "email"})


class FacebookPlatform(RequestHandler, tornado.auth.FacebookMixin):
    """The 1.0 Facebook Connect handler shape."""

    @asynchronous
    def get(self) -> None:
        if self.get_argument("session", None):
            self.get_authenticated_user(self.async_callback(self._on_auth))
            return
        self.authenticate_redirect()

    def _on_auth(self, user: dict[str, Any] | None) -> None:
        if not user:
            user_json(self, None)
            return
        self.facebook_request(
            "stream.publish",
            self.async_callback(lambda post: user_json(self, dict(user, post=post))),
            session_key=user["session_key"],
            message="hello from tornado.auth",
        )


HANDLERS: list[tuple[str, type]] = [
    ("/google", OverviewGoogle),
    ("/google-verbatim", GoogleHandler),
    ("/openid", OpenIdAsync),
    ("/google-hybrid", GoogleHybrid),
    ("/twitter", TwitterAsync),
    ("/twitter-cb", TwitterCallbacks),
    ("/friendfeed", FriendFeedAsync),
    ("/google2", GoogleOAuth2Async),
    ("/google2cb", GoogleOAuth2Callbacks),
    ("/yahoo", YahooAsync),
    ("/facebook-graph", FacebookGraphAsync),
    ("/facebook", FacebookPlatform),
]


# -- the world: providers + relying party + a user agent ------------------------------------------


class Agent:
    """A user agent: keeps cookies (per host, like a browser: ports share them), follows redirects."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.client = AsyncHTTPClient(force_instance=True)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def request(
        self, url: str, method: str = "GET", fields: dict[str, str] | None = None
    ) -> HTTPResponse:
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = await self.client.fetch(
            HTTPRequest(
                url, method=method, headers=headers, body=body, follow_redirects=False, request_timeout=STEP
            ),
            raise_error=False,
        )
        for header in response.headers.get_list("Set-Cookie"):
            self._store(header)
        return response

    def _store(self, header: str) -> None:
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            expires = morsel["expires"]
            gone = bool(expires) and email.utils.parsedate_to_datetime(expires).timestamp() < time.time()
            if gone or morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    async def browse(self, url: str, approve: dict[str, str] | None = None, hops: int = 10) -> HTTPResponse:
        """GET ``url`` and follow redirects; a provider's consent page is answered with ``approve``
        (default: allow as alice). Returns the first non-redirect answer that is not a consent page."""
        answer = {"username": "alice", "decision": "allow"} if approve is None else approve
        method, fields = "GET", None
        for _ in range(hops):
            response = await self.request(url, method, fields)
            if response.code in (301, 302, 303, 307):
                url = urllib.parse.urljoin(url, response.headers["Location"])
                method, fields = "GET", None
                continue
            if response.code == 200 and b'name="decision"' in response.body:
                method, fields = "POST", answer
                continue
            return response
        raise AssertionError("too many redirects")

    async def until_callback(self, url: str, prefix: str) -> str:
        """Follow ``url`` through the provider until the redirect back to ``prefix``; return that URL."""
        method, fields = "GET", None
        for _ in range(10):
            response = await self.request(url, method, fields)
            if response.code in (301, 302, 303, 307):
                url = urllib.parse.urljoin(url, response.headers["Location"])
                if url.startswith(prefix):
                    return url
                method, fields = "GET", None
                continue
            if response.code == 200 and b'name="decision"' in response.body:
                method, fields = "POST", {"username": "alice", "decision": "allow"}
                continue
            raise AssertionError(f"provider answered {response.code}: {response.body[:200]!r}")
        raise AssertionError("too many redirects")


class RecordingClient:
    """An application's own client for provider calls (get_auth_http_client / http_client):
    a real one that notes the path of every request it makes."""

    def __init__(self) -> None:
        self.client = AsyncHTTPClient(force_instance=True)
        self.paths: list[str] = []

    async def fetch(self, request: HTTPRequest, **kwargs: Any) -> HTTPResponse:
        self.paths.append(urllib.parse.urlsplit(request.url).path)
        return await self.client.fetch(request, **kwargs)


@dataclass
class World:
    providers: LocalProviders
    app_url: str
    agent: Agent
    application: Application

    def url(self, path: str) -> str:
        return self.app_url + path


def settings() -> dict[str, Any]:
    return dict(
        cookie_secret=COOKIE_SECRET,
        twitter_consumer_key=SECRETS["twitter"][0],
        twitter_consumer_secret=SECRETS["twitter"][1],
        friendfeed_consumer_key=SECRETS["friendfeed"][0],
        friendfeed_consumer_secret=SECRETS["friendfeed"][1],
        google_consumer_key=SECRETS["google_hybrid"][0],
        google_consumer_secret=SECRETS["google_hybrid"][1],
        google_oauth={"key": SECRETS["google"][0], "secret": SECRETS["google"][1]},
        yahoo_oauth={"key": SECRETS["yahoo"][0], "secret": SECRETS["yahoo"][1]},
        facebook_api_key=SECRETS["facebook"][0],
        facebook_secret=SECRETS["facebook"][1],
    )


@contextlib.asynccontextmanager
async def world(handlers: list[tuple[str, type]] | None = None, **overrides: Any) -> AsyncIterator[World]:
    """Local providers plus the relying party (each handler class pointed at the providers)."""
    providers = LocalProviders()
    providers.start()
    routes = []
    for path, cls in handlers or HANDLERS:
        local = type(cls.__name__, (cls,), {"__module__": cls.__module__})
        with contextlib.suppress(TypeError):  # a service of the test's own points itself
            providers.point(local)
        routes.append((path, local))
    conf = settings()
    conf.update(overrides)
    application = Application(routes, **conf)
    server = HTTPServer(application)
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    app_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    providers.oauth1.register_consumer(*SECRETS["twitter"], version="1.0a")
    providers.oauth1.register_consumer(
        *SECRETS["friendfeed"], version="1.0", callback=app_url + "/friendfeed"
    )
    providers.oauth1.register_consumer(*SECRETS["google_hybrid"], version="1.0")
    providers.oidc.register_client(*SECRETS["google"], [app_url + "/google2", app_url + "/google2cb"])
    providers.oidc.register_client(*SECRETS["yahoo"], [app_url + "/yahoo"])
    providers.facebook.register_app(*SECRETS["facebook"], [app_url + "/facebook-graph"])
    agent = Agent()
    try:
        yield World(providers, app_url, agent, application)
    finally:
        agent.client.close()
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), STEP)
        await providers.stop()


def body_json(response: HTTPResponse) -> Any:
    return json.loads(response.body)
