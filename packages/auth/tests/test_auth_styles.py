"""Every mixin method takes 1.0's ``callback=`` and returns an awaitable: checked for all of them
by signature, and by running the ones the flow tests do not already run in that style."""

from __future__ import annotations

import inspect
import json
import urllib.parse
from typing import Any

import pytest
import tornado.auth
import tornado.web
from authhelp import (
    SECRETS,
    FacebookGraphAsync,
    FriendFeedAsync,
    GoogleOAuth2Async,
    RecordingClient,
    body_json,
    user_json,
    world,
)
from tornado.auth import AuthFuture

MIXINS = [getattr(tornado.auth, name) for name in tornado.auth.__all__ if name.endswith("Mixin")]
SYNCHRONOUS = {"get_auth_http_client", "get_google_oauth_settings"}  # no I/O, plain values


def _public_methods(cls: type) -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in SYNCHRONOUS
    ]


@pytest.mark.parametrize("mixin", MIXINS, ids=lambda c: c.__name__)
def test_every_method_takes_a_callback_and_returns_an_auth_future(mixin: type) -> None:
    methods = _public_methods(mixin)
    assert methods
    for name in methods:
        signature = inspect.signature(getattr(mixin, name))
        assert "callback" in signature.parameters, f"{mixin.__name__}.{name}"
        assert signature.return_annotation in ("AuthFuture", AuthFuture), f"{mixin.__name__}.{name}"


def test_the_mixins_cover_the_overview_services() -> None:
    names = {cls.__name__ for cls in MIXINS}
    assert {
        "OpenIdMixin",
        "OAuthMixin",
        "OAuth2Mixin",
        "GoogleMixin",
        "GoogleOAuth2Mixin",
        "FacebookMixin",
        "FacebookGraphMixin",
        "TwitterMixin",
        "FriendFeedMixin",
        "YahooMixin",
    } <= names


async def test_redirects_with_callbacks() -> None:
    seen: list[object] = []

    class GoogleAuthorize(tornado.web.RequestHandler, tornado.auth.GoogleMixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            self.authorize_redirect("http://www.google.com/m8/feeds/", callback=seen.append)

    class TwitterAuthenticate(tornado.web.RequestHandler, tornado.auth.TwitterMixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            self.authenticate_redirect(callback=seen.append)

    class FacebookAuthenticate(tornado.web.RequestHandler, tornado.auth.FacebookMixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            self.authenticate_redirect(callback=seen.append)

    class FacebookAuthorize(tornado.web.RequestHandler, tornado.auth.FacebookMixin):
        async def get(self) -> None:
            await self.authorize_redirect(["publish_stream", "read_stream"], callback=seen.append)

    routes = [("/g", GoogleAuthorize), ("/t", TwitterAuthenticate), ("/f", FacebookAuthenticate)]
    async with world([*routes, ("/fa", FacebookAuthorize)]) as w:
        locations = {}
        for path in ("/g", "/t", "/f", "/fa"):
            response = await w.agent.request(w.url(path))
            assert response.code == 302, path
            locations[path] = response.headers["Location"]
    assert seen == [None, None, None, None]
    google = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(locations["/g"]).query))
    assert google["openid.oauth.consumer"] == SECRETS["google_hybrid"][0]
    assert google["openid.oauth.scope"] == "http://www.google.com/m8/feeds/"
    assert "/oauth/authenticate?oauth_token=" in locations["/t"]
    assert "req_perms=publish_stream%2Cread_stream" in locations["/fa"]
    assert "req_perms" not in locations["/f"]


async def test_api_calls_with_callbacks() -> None:
    """friendfeed_request and oauth2_request, 1.0 style, with tokens from real sign-ins."""

    class FriendFeedFeed(tornado.web.RequestHandler, tornado.auth.FriendFeedMixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            token = json.loads(self.get_argument("token"))
            self.friendfeed_request(
                "/feedinfo/alice", callback=self.async_callback(self._done), access_token=token
            )

        def _done(self, feed: Any) -> None:
            self.finish({"feed": feed})

    class UserInfo(tornado.web.RequestHandler, tornado.auth.GoogleOAuth2Mixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            self.oauth2_request(
                self._OAUTH_USERINFO_URL,
                access_token=self.get_argument("token"),
                callback=self.async_callback(self._done),
            )

        def _done(self, info: Any) -> None:
            self.finish({"info": info})

    routes = [("/friendfeed", FriendFeedAsync), ("/google2", GoogleOAuth2Async)]
    async with world([*routes, ("/ff-feed", FriendFeedFeed), ("/userinfo", UserInfo)]) as w:
        ff = body_json(await w.agent.browse(w.url("/friendfeed")))["user"]["access_token"]
        response = await w.agent.request(
            w.url("/ff-feed?" + urllib.parse.urlencode({"token": json.dumps(ff)}))
        )
        assert body_json(response)["feed"]["name"] == "Alice Liddell"
        bad = dict(ff, secret="not-the-secret")
        response = await w.agent.request(
            w.url("/ff-feed?" + urllib.parse.urlencode({"token": json.dumps(bad)}))
        )
        assert body_json(response) == {"feed": None}  # the provider refused the signature

        google = body_json(await w.agent.browse(w.url("/google2")))["user"]["access_token"]
        response = await w.agent.request(w.url("/userinfo?token=" + google))
        assert body_json(response)["info"]["email"] == "alice@example.com"
        response = await w.agent.request(w.url("/userinfo?token=wrong"))
        assert body_json(response) == {"info": None}


async def test_facebook_graph_in_callback_style() -> None:
    class GraphCallbacks(tornado.web.RequestHandler, tornado.auth.FacebookGraphMixin):
        @tornado.web.asynchronous
        def get(self) -> None:
            redirect_uri = self.request.protocol + "://" + self.request.host + "/graph-cb"
            app_id, secret = SECRETS["facebook"]
            if self.get_argument("state", None):
                self.get_authenticated_user(
                    redirect_uri,
                    app_id,
                    secret,
                    self.get_argument("code", ""),
                    callback=self.async_callback(self._on_auth),
                )
                return
            self.authorize_redirect(redirect_uri, app_id)

        def _on_auth(self, user: dict[str, Any] | None) -> None:
            if not user:
                user_json(self, None)
                return
            self.facebook_request(
                "/me",
                self.async_callback(lambda me: user_json(self, dict(user, me=me))),
                access_token=user["access_token"],
                fields="id,email",
            )

    async with world([("/graph-cb", GraphCallbacks)]) as w:
        w.providers.facebook.register_app(*SECRETS["facebook"], [w.url("/graph-cb")])
        user = body_json(await w.agent.browse(w.url("/graph-cb")))["user"]
        assert user["name"] == "Alice Liddell"
        assert user["me"] == {"id": user["id"], "email": "alice@example.com"}
        url = await w.agent.until_callback(w.url("/graph-cb"), w.url("/graph-cb"))
        forged = url.replace("state=", "state=x", 1)
        response = await w.agent.request(forged)
        assert response.code == 403 and body_json(response) == {"user": None}


async def test_facebook_graph_call_with_a_positional_access_token() -> None:
    """Tornado 6's ``facebook_request(path, access_token, post_args)`` order."""

    class Post(tornado.web.RequestHandler, tornado.auth.FacebookGraphMixin):
        async def get(self) -> None:
            self.finish(await self.facebook_request("/me/feed", self.get_argument("t"), {"message": "six"}))

    async with world([("/facebook-graph", FacebookGraphAsync), ("/post", Post)]) as w:
        token = body_json(await w.agent.browse(w.url("/facebook-graph")))["user"]["access_token"]
        response = await w.agent.request(w.url("/post?t=" + token))
        assert response.code == 200, response.body
        assert w.providers.facebook.posts[-1] == {"user": "alice", "message": "six"}


async def test_facebook_platform_awaited() -> None:
    class PlatformAsync(tornado.web.RequestHandler, tornado.auth.FacebookMixin):
        async def get(self) -> None:
            if self.get_argument("session", None):
                user = await self.get_authenticated_user()
                stream = await self.facebook_request(
                    "stream.publish", session_key=user["session_key"], message="awaited"
                )
                user_json(self, dict(user, stream=stream))
                return
            await self.authenticate_redirect()

    async with world([("/platform", PlatformAsync)]) as w:
        response = await w.agent.browse(w.url("/platform"), approve={"username": "bob", "decision": "allow"})
        user = body_json(response)["user"]
        assert user["name"] == "Bob Marley" and user["locale"] == "es_ES"
        assert user["stream"].endswith("_1")
        assert w.providers.facebook.posts == [{"user": "bob", "message": "awaited"}]


async def test_tornado_6_passes_the_http_client_first() -> None:
    """``get_authenticated_user(http_client)`` (Tornado 6) next to 1.0's ``(callback)``."""
    recording = RecordingClient()

    class OpenIdSix(tornado.web.RequestHandler, tornado.auth.OpenIdMixin):
        async def get(self) -> None:
            if self.get_argument("openid.mode", None):
                user_json(self, await self.get_authenticated_user(recording))
                return
            await self.authenticate_redirect()

    class TwitterSix(tornado.web.RequestHandler, tornado.auth.TwitterMixin):
        async def get(self) -> None:
            if self.get_argument("oauth_token", None):
                user_json(self, await self.get_authenticated_user(recording))
                return
            await self.authenticate_redirect(None, recording)

    try:
        async with world([("/openid6", OpenIdSix), ("/twitter6", TwitterSix)]) as w:
            for path in ("/openid6", "/twitter6"):
                response = await w.agent.browse(w.url(path))
                assert response.code == 200, response.body
                assert body_json(response)["user"]["username"] == "alice"
    finally:
        recording.client.close()
    assert recording.paths == ["/openid/ud", "/oauth/request_token", "/oauth/access_token"]
