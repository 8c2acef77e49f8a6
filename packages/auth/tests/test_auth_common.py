"""What every mixin shares: errors as 4xx, nothing secret in any log line, redacted access log."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest
from authhelp import SECRETS, Agent, GoogleOAuth2Async, body_json, world
from tornado.auth import AuthError
from tornado.auth._common import redacted_uri
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.web import Application, HTTPError, RequestHandler, asynchronous


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


async def test_uncaught_errors_log_no_code_and_no_cookie(caplog: pytest.LogCaptureFixture) -> None:
    """A handler bug after the provider's redirect back: the log names the request, redacted."""
    async with world([("/google2", GoogleOAuth2Async)]) as w:
        url = await w.agent.until_callback(w.url("/google2"), w.url("/google2"))
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["code"]
        w.application.settings["google_oauth"] = {"key": SECRETS["google"][0]}  # no secret: a bug
        with caplog.at_level(logging.ERROR):
            response = await w.agent.request(url)
    assert response.code == 500
    assert "Uncaught exception GET /google2?" in caplog.text and "'google_oauth'" in caplog.text
    assert code not in caplog.text and urllib.parse.quote(code) not in caplog.text
    assert w.agent.cookies["_oauth2_state"] not in caplog.text
    assert "Cookie" not in caplog.text


async def test_the_applications_own_logging_methods_are_kept(caplog: pytest.LogCaptureFixture) -> None:
    import tornado.auth

    class Base(RequestHandler):
        def _request_summary(self) -> str:
            return "summary of the application's own"

        def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
            logging.getLogger("tornado.application").error("logged the application's way")

    class Broken(Base, tornado.auth.GoogleOAuth2Mixin):
        def get(self) -> None:
            raise RuntimeError("bug")

    with caplog.at_level(logging.INFO):
        async with world([("/broken", Broken)]) as w:
            assert (await w.agent.request(w.url("/broken"))).code == 500
    assert "logged the application's way" in caplog.text
    assert "summary of the application's own" in caplog.text  # the access log line


async def test_failures_answer_4xx_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with world() as w:
        bodies = []
        url = await w.agent.until_callback(w.url("/google2"), w.url("/google2"))
        bodies.append(await w.agent.request(url.replace("state=", "state=forged", 1)))
        url = await w.agent.until_callback(w.url("/twitter"), w.url("/twitter"))
        bodies.append(await w.agent.request(url.replace("oauth_verifier=", "oauth_verifier=x", 1)))
        bodies.append(await w.agent.request(w.url("/openid?openid.mode=id_res")))
        bodies.append(await w.agent.request(w.url("/facebook?session=%7B")))
        bodies.append(await w.agent.request(w.url("/google2?state=&code=c")))
    assert [r.code for r in bodies] == [403, 403, 403, 403, 400]
    for response in bodies:
        assert b"Traceback" not in response.body and b'File "' not in response.body
    assert "Traceback" not in caplog.text
    assert "Authentication failed: the callback's state is not the one" in caplog.text


async def test_an_unreachable_provider_gives_no_user(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with world() as w:
        url = await w.agent.until_callback(w.url("/twitter-cb"), w.url("/twitter-cb"))
        await w.providers.oauth1.stop()
        response = await w.agent.request(url)
        assert response.code == 403 and body_json(response) == {"user": None}
        verifier = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["oauth_verifier"]
    assert "OAuth access token: provider unreachable" in caplog.text
    assert verifier not in caplog.text


async def test_mixins_point_at_the_real_services_by_default() -> None:
    """Endpoints are class attributes: unchanged, Google's OpenID endpoint gets checkid_setup."""
    import tornado.auth

    class RealGoogle(RequestHandler, tornado.auth.GoogleMixin):
        @asynchronous
        def get(self) -> None:
            self.authenticate_redirect()

    server = HTTPServer(Application([("/real", RealGoogle)]))
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/real"
    agent = Agent()
    try:
        response = await agent.request(url)
    finally:
        agent.client.close()
        server.stop()
        await server.close_all_connections()
    assert response.code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "www.google.com", "/accounts/o8/ud")
    args = dict(urllib.parse.parse_qsl(location.query))
    assert args["openid.mode"] == "checkid_setup" and args["openid.return_to"] == url
    assert tornado.auth.GoogleOAuth2Mixin._OAUTH_AUTHORIZE_URL.startswith("https://accounts.google.com/")
    assert tornado.auth.TwitterMixin._OAUTH_REQUEST_TOKEN_URL.startswith("https://api.twitter.com/")


async def test_a_service_of_the_applications_own_on_oauth2mixin() -> None:
    """Written the Tornado 6 way (``_oauth_request_token_url``, ``get_auth_http_client``,
    ``oauth2_request``), plus the one call that state and PKCE ask of it: ``_oauth2_check_state``."""
    import tornado.auth
    from tornado.auth._facebook import appsecret_proof

    app_id, secret = SECRETS["facebook"]

    class Custom(RequestHandler, tornado.auth.OAuth2Mixin):
        _API = ""

        async def get(self) -> None:
            redirect_uri = self.request.protocol + "://" + self.request.host + "/custom"
            if self.get_argument("code", None):
                pending = self._oauth2_check_state()
                url = self._oauth_request_token_url(
                    redirect_uri=redirect_uri,
                    client_id=app_id,
                    client_secret=secret,
                    code=self.get_argument("code"),
                    extra_params={"code_verifier": pending.code_verifier},
                )
                response = await self.get_auth_http_client().fetch(url)
                token = json.loads(response.body)["access_token"]
                me = await self.oauth2_request(
                    self._API + "/me", token, appsecret_proof=appsecret_proof(token, secret), fields="id,name"
                )
                self.finish(me)
                return
            await self.authorize_redirect(redirect_uri, app_id, scope="email")

    async with world([("/custom", Custom)]) as w:
        fb = w.providers.facebook
        fb.register_app(app_id, secret, [w.url("/custom")])
        Custom._OAUTH_AUTHORIZE_URL = fb.base_url + "/dialog/oauth"
        Custom._OAUTH_ACCESS_TOKEN_URL = fb.base_url + "/oauth/access_token"
        Custom._API = fb.base_url
        response = await w.agent.browse(w.url("/custom"))
        assert response.code == 200, response.body
        assert body_json(response)["name"] == "Alice Liddell"
        url = await w.agent.until_callback(w.url("/custom"), w.url("/custom"))
        assert (await w.agent.request(url.replace("state=", "state=x", 1))).code == 403


async def test_google_oauth_settings() -> None:
    import tornado.auth

    class Settings(RequestHandler, tornado.auth.GoogleOAuth2Mixin):
        def get(self) -> None:
            self.finish(self.get_google_oauth_settings())

    async with world([("/settings", Settings)]) as w:
        response = await w.agent.request(w.url("/settings"))
        assert body_json(response) == {"key": SECRETS["google"][0], "secret": SECRETS["google"][1]}
        w.application.settings["google_oauth"] = {"key": "only-a-key"}
        assert (await w.agent.request(w.url("/settings"))).code == 500


async def test_no_traceback_page_for_a_refused_sign_in_even_in_debug_mode() -> None:
    async with world(serve_traceback=True) as w:
        url = await w.agent.until_callback(w.url("/google2"), w.url("/google2"))
        response = await w.agent.request(url.replace("state=", "state=forged", 1))
        assert response.code == 403
        assert b"Traceback" not in response.body and b"403" in response.body
        w.application.settings["google_oauth"] = None  # a real bug still shows its traceback
        response = await w.agent.request(url)
        assert response.code == 500 and b"Traceback" in response.body
