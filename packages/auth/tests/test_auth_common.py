"""What every mixin shares: errors as 4xx, nothing secret in any log line, redacted access log."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest
from authhelp import SECRETS, GoogleOAuth2Async, body_json, world
from tornado.auth import AuthError
from tornado.auth._common import redacted_uri
from tornado.web import HTTPError


def test_auth_error_is_a_4xx_http_error_naming_the_failure() -> None:
    e = AuthError("the ID token has expired")
    assert isinstance(e, HTTPError) and e.status_code == 403
    assert str(e) == "the ID token has expired"
    assert AuthError("no state", 400).status_code == 400


def test_redacted_uri() -> None:
    uri = "/cb?code=abc&state=s1&oauth_token=t&oauth_verifier=v&openid.sig=x&openid.ext2.request_token=r&next=%2F"
    out = urllib.parse.parse_qs(urllib.parse.urlsplit(redacted_uri(uri)).query)
    assert out["state"] == ["s1"] and out["next"] == ["/"]
    for name in ("code", "oauth_token", "oauth_verifier", "openid.sig", "openid.ext2.request_token"):
        assert out[name] == ["<redacted>"]
    assert redacted_uri("/plain") == "/plain"


def _values(obj: object) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(obj, dict):
        return [v for x in obj.values() for v in _values(x)]
    if isinstance(obj, list):
        return [v for x in obj for v in _values(x)]
    return [obj] if isinstance(obj, str) else []


async def test_no_secret_or_token_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    secrets: list[str] = [s for _, s in SECRETS.values()]
    caplog.set_level(logging.DEBUG)
    async with world() as w:
        for path in (
            "/twitter",
            "/friendfeed",
            "/google2",
            "/yahoo",
            "/facebook-graph",
            "/facebook",
            "/google-hybrid",
        ):
            callback = await w.agent.until_callback(w.url(path), w.url(path))
            args = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
            for name in ("code", "oauth_verifier", "openid.sig", "openid.ext2.request_token"):
                if name in args:
                    secrets.append(args[name])
            if "session" in args:
                session = json.loads(args["session"])
                secrets += [session["session_key"], session["secret"], session["sig"]]
            response = await w.agent.request(callback)
            assert response.code == 200, (path, response.body)
            user = body_json(response)["user"]
            token = user.get("access_token")
            if isinstance(token, dict):
                secrets += [token["key"], token["secret"]]
            elif token:
                secrets.append(token)
            if "id_token" in user:
                secrets.append(user["id_token"])
        # A failed one too: the reason is logged, the tokens are not.
        callback = await w.agent.until_callback(w.url("/google2"), w.url("/google2"))
        w.providers.oidc.next_claims = {"aud": "someone-else"}
        assert (await w.agent.request(callback)).code == 403
        secrets.append(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"])
    text = caplog.text
    assert "another audience" in text
    assert "<redacted>" in urllib.parse.unquote(text)
    leaked = [s for s in secrets if s in text or urllib.parse.quote(s, safe="") in text]
    assert not leaked
    assert len(secrets) > 20


async def test_redirect_methods_take_a_callback_and_return_awaitables() -> None:
    import tornado.auth
    from tornado.web import RequestHandler, asynchronous

    seen: list[object] = []

    class OpenIdCb(RequestHandler, tornado.auth.OpenIdMixin):
        @asynchronous
        def get(self) -> None:
            future = self.authenticate_redirect(callback=seen.append)
            assert future.done() and future.result() is None

    class OAuth2Cb(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
        @asynchronous
        def get(self) -> None:
            self.authorize_redirect("http://127.0.0.1/cb", "client", callback=seen.append)

    class TwitterCb(RequestHandler, tornado.auth.TwitterMixin):
        @asynchronous
        def get(self) -> None:
            self.authorize_redirect(callback=seen.append)

    async with world([("/o", OpenIdCb), ("/g", OAuth2Cb), ("/t", TwitterCb)]) as w:
        for path in ("/o", "/g", "/t"):
            response = await w.agent.request(w.url(path))
            assert response.code == 302, path
    assert seen == [None, None, None]


async def test_oauth2_request_calls_an_api_with_the_access_token() -> None:
    import tornado.auth
    from tornado.web import RequestHandler

    class Me(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
        async def get(self) -> None:
            info = await self.oauth2_request(self._OAUTH_USERINFO_URL, access_token=self.get_argument("t"))
            self.finish(info)

    async with world([("/google2", GoogleOAuth2Async), ("/me", Me)]) as w:
        response = await w.agent.browse(w.url("/google2"))
        token = body_json(response)["user"]["access_token"]
        me = await w.agent.request(w.url("/me?t=" + token))
        assert body_json(me)["email"] == "alice@example.com"
        assert (await w.agent.request(w.url("/me?t=wrong"))).code == 403


async def test_an_awaited_failure_is_the_handlers_to_answer() -> None:
    import tornado.auth
    from tornado.web import RequestHandler

    class Careful(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
        async def get(self) -> None:
            try:
                await self.get_authenticated_user("http://127.0.0.1/cb", "no-code")
            except tornado.auth.AuthError as e:
                self.set_status(401)
                self.finish({"refused": e.failure})

    async with world([("/careful", Careful)]) as w:
        response = await w.agent.request(w.url("/careful?state=s&code=c"))
        assert response.code == 401
        assert "state cookie" in body_json(response)["refused"]
