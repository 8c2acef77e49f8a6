"""OAuth 1.0a (Twitter) and 1.0 (FriendFeed) against a provider whose signature checks are oauthlib's."""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import pytest
import tornado.auth
import tornado.web
from authhelp import TwitterAsync, body_json, user_json, world
from tornado.web import RequestHandler


async def test_twitter_awaited_sign_in_and_signed_post() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/twitter"))
        assert first.code == 302
        location = first.headers["Location"]
        assert location.startswith(w.providers.oauth1.base_url + "/oauth/authorize?oauth_token=")
        assert "_oauth_request_token" in w.agent.cookies
        response = await w.agent.browse(location)
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["username"] == "alice" and user["screen_name"] == "alice"
        assert set(user["access_token"]) >= {"key", "secret"}
        assert user["posted"]["text"] == "signed in!"
        assert w.providers.oauth1.posts == [{"user": "alice", "status": "signed in!"}]
        assert "_oauth_request_token" not in w.agent.cookies


async def test_twitter_callback_style() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/twitter-cb"))
        assert "/oauth/authenticate?" in first.headers["Location"]
        response = await w.agent.browse(
            first.headers["Location"], approve={"username": "bob", "decision": "allow"}
        )
        assert response.code == 200, response.body
        body = body_json(response)["user"]
        assert body["username"] == "bob" and body["creds"]["screen_name"] == "bob"


async def test_friendfeed_oauth_1_0_with_registered_callback() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/friendfeed"))
        location = first.headers["Location"]
        assert "oauth_callback" not in location  # registered with the provider (_OAUTH_NO_CALLBACKS)
        response = await w.agent.browse(location)
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["username"] == "alice" and user["name"] == "Alice Liddell"
        assert user["entry"]["body"] == "hello"


async def test_callback_token_must_match_the_cookie() -> None:
    async with world() as w:
        callback = await w.agent.until_callback(w.url("/twitter"), w.url("/twitter"))
        other = w.agent.cookies["_oauth_request_token"]
        # Another browser's sign-in: its own cookie, our callback URL.
        from authhelp import Agent

        thief = Agent()
        try:
            await thief.request(w.url("/twitter"))
            assert thief.cookies["_oauth_request_token"] != other
            response = await thief.request(callback)
            assert response.code == 403
        finally:
            thief.client.close()
        # And without any cookie at all.
        w.agent.cookies.pop("_oauth_request_token")
        assert (await w.agent.request(callback)).code == 403


async def test_tampered_verifier_and_denied_approval() -> None:
    async with world() as w:
        callback = await w.agent.until_callback(w.url("/twitter"), w.url("/twitter"))
        parts = urllib.parse.urlsplit(callback)
        args = dict(urllib.parse.parse_qsl(parts.query))
        args["oauth_verifier"] = "x" + args["oauth_verifier"]
        response = await w.agent.request(w.url("/twitter?" + urllib.parse.urlencode(args)))
        assert response.code == 403
    async with world() as w:
        location = (await w.agent.request(w.url("/twitter"))).headers["Location"]
        denied = await w.agent.request(location, "POST", {"username": "alice", "decision": "deny"})
        back = denied.headers["Location"]
        assert back.startswith(w.url("/twitter?denied="))
        response = await w.agent.request(back)  # no oauth_token: the handler starts over
        assert response.headers["Location"].startswith(w.providers.oauth1.base_url)


async def test_wrong_consumer_secret_is_refused_and_answered_without_a_hang() -> None:
    async with world(twitter_consumer_secret="not-the-secret") as w:
        first = await w.agent.request(w.url("/twitter"))
        assert first.code == 403
        first = await w.agent.request(w.url("/twitter-cb"))  # 1.0 style: nobody awaits the redirect
        assert first.code == 403


@pytest.mark.parametrize("fault", ["500", "badjson"])
async def test_provider_failures_give_no_user(fault: str) -> None:
    async with world() as w:
        callback = await w.agent.until_callback(w.url("/twitter-cb"), w.url("/twitter-cb"))
        w.providers.oauth1.fail_next("verify_credentials", fault)
        response = await w.agent.request(callback)
        assert response.code == 403
        assert body_json(response) == {"user": None}


async def test_missing_consumer_setting_names_it(caplog: pytest.LogCaptureFixture) -> None:
    async with world([("/twitter", TwitterAsync)], twitter_consumer_key=None) as w:
        with caplog.at_level(logging.ERROR):
            response = await w.agent.request(w.url("/twitter"))
        assert response.code == 500
        assert "twitter_consumer_key" in caplog.text


async def test_no_callbacks_provider_rejects_a_callback_uri() -> None:
    class Bad(RequestHandler, tornado.auth.FriendFeedMixin):
        async def get(self) -> None:
            await self.authorize_redirect(callback_uri="/elsewhere")

    async with world([("/bad", Bad)]) as w:
        assert (await w.agent.request(w.url("/bad"))).code == 500


@pytest.mark.parametrize("endpoint", ["request_token", "access_token"])
@pytest.mark.parametrize("fault", ["500", "badjson"])
async def test_token_endpoint_failures_give_no_user(endpoint: str, fault: str) -> None:
    async with world() as w:
        if endpoint == "request_token":
            w.providers.oauth1.fail_next(endpoint, fault)
            response = await w.agent.request(w.url("/twitter-cb"))  # the redirect itself fails
            assert response.code == 403
            assert "Location" not in response.headers
            return
        callback = await w.agent.until_callback(w.url("/twitter-cb"), w.url("/twitter-cb"))
        w.providers.oauth1.fail_next(endpoint, fault)
        response = await w.agent.request(callback)
        assert response.code == 403 and body_json(response) == {"user": None}


class GenericOAuth10(RequestHandler, tornado.auth.OAuthMixin):
    """An OAuth 1.0 service of the application's own, written the 1.0 way: the callback URL
    travels with the authorize redirect, and ``_oauth_get_user(access_token, callback)``."""

    _OAUTH_VERSION = "1.0"
    _OAUTH_NO_CALLBACKS = False

    @tornado.web.asynchronous
    def get(self) -> None:
        if self.get_argument("oauth_token", None):
            self.get_authenticated_user(self.async_callback(lambda user: user_json(self, user)))
            return
        self.authorize_redirect(callback_uri="/generic?next=%2Fhome")

    def _oauth_consumer_token(self) -> dict[str, str]:
        return {"key": "generic-key", "secret": "generic-secret"}

    def _oauth_get_user(self, access_token: dict[str, Any], callback: Any) -> None:
        callback(
            {"username": access_token["username"], "legacy": True} if access_token.get("username") else None
        )


async def test_a_generic_oauth_1_0_mixin_with_the_legacy_user_hook() -> None:
    async with world([("/generic", GenericOAuth10)]) as w:
        w.providers.oauth1.register_consumer("generic-key", "generic-secret", version="1.0")
        first = await w.agent.request(w.url("/generic"))
        location = first.headers["Location"]
        args = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        assert args["oauth_callback"] == w.url("/generic?next=%2Fhome")  # 1.0: sent with the redirect
        response = await w.agent.browse(location, approve={"username": "bob", "decision": "allow"})
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["username"] == "bob" and user["legacy"] is True
        assert set(user["access_token"]) >= {"key", "secret"}
        assert "oauth_verifier" not in user["access_token"]
