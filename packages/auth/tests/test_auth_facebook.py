"""Facebook Platform (session, sig) and Graph API (state, PKCE, appsecret_proof) against local endpoints."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import tornado.auth
from authhelp import SECRETS, FacebookGraphAsync, body_json, world
from tornado.auth._facebook import appsecret_proof, platform_signature
from tornado.web import RequestHandler


def query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


async def test_platform_sign_in_and_signed_call() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/facebook"))
        args = query(first.headers["Location"])
        assert args["api_key"] == SECRETS["facebook"][0] and args["next"] == w.url("/facebook")
        assert args["return_session"] == "true" and args["fbconnect"] == "true"
        response = await w.agent.browse(first.headers["Location"])
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["name"] == "Alice Liddell" and user["username"] == "alice" and user["uid"]
        assert user["session_key"] in w.providers.facebook.sessions
        assert w.providers.facebook.posts == [{"user": "alice", "message": "hello from tornado.auth"}]


async def test_platform_forged_session_is_refused() -> None:
    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook"), w.url("/facebook"))
        session = json.loads(query(url)["session"])
        session["uid"] = "100000000002"  # bob's, keeping alice's sig
        response = await w.agent.request(
            w.url("/facebook?" + urllib.parse.urlencode({"session": json.dumps(session)}))
        )
        assert response.code == 403 and body_json(response) == {"user": None}
        response = await w.agent.request(w.url("/facebook?session=%7Bnot+json"))
        assert response.code == 403


async def test_platform_calls_signed_with_the_wrong_secret_are_refused() -> None:
    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook"), w.url("/facebook"))
        w.application.settings["facebook_secret"] = "wrong"
        # The session's own sig no longer verifies either; sign it as the app thinks it should be.
        session = json.loads(query(url)["session"])
        session["sig"] = platform_signature({k: v for k, v in session.items() if k != "sig"}, "wrong")
        response = await w.agent.request(
            w.url("/facebook?" + urllib.parse.urlencode({"session": json.dumps(session)}))
        )
        assert response.code == 403  # the provider answered error_code 104 (Incorrect signature)


def test_platform_signature_is_md5_of_sorted_pairs() -> None:
    import hashlib

    expected = hashlib.md5(b"a=1b=2" + b"s").hexdigest()
    assert platform_signature({"b": "2", "a": "1"}, "s") == expected
    assert platform_signature({"a": "1", "b": "2", "sig": "ignored"}, "s") == expected


async def test_graph_sign_in_with_state_pkce_and_appsecret_proof() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/facebook-graph"))
        args = query(first.headers["Location"])
        assert args["client_id"] == SECRETS["facebook"][0] and args["scope"] == "email"
        assert args["state"] and args["code_challenge_method"] == "S256"
        response = await w.agent.browse(first.headers["Location"])
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["name"] == "Alice Liddell" and user["email"] == "alice@example.com"
        assert {"id", "first_name", "last_name", "locale", "picture", "link"} <= set(user)
        assert user["access_token"] in w.providers.facebook.tokens
        assert user["session_expires"] == "5183944"
        assert user["post"]["id"].endswith("_1")


async def test_graph_calls_without_the_app_secret_lack_the_proof() -> None:
    class NoProof(RequestHandler, tornado.auth.FacebookGraphMixin):
        async def get(self) -> None:
            self.finish(await self.facebook_request("/me", access_token=self.get_argument("t")))

    async with world([("/facebook-graph", FacebookGraphAsync), ("/noproof", NoProof)]) as w:
        response = await w.agent.browse(w.url("/facebook-graph"))
        token = body_json(response)["user"]["access_token"]
        assert (await w.agent.request(w.url("/noproof?t=" + token))).code == 200
        w.application.settings["facebook_secret"] = None
        assert (await w.agent.request(w.url("/noproof?t=" + token))).code == 403


async def test_graph_forged_state_is_refused() -> None:
    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook-graph"), w.url("/facebook-graph"))
        args = query(url)
        args["state"] = "x"
        response = await w.agent.request(w.url("/facebook-graph?" + urllib.parse.urlencode(args)))
        assert response.code == 403


@pytest.mark.parametrize("endpoint", ["access_token", "me"])
async def test_graph_provider_failures(endpoint: str) -> None:
    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook-graph"), w.url("/facebook-graph"))
        w.providers.facebook.fail_next(endpoint, "500" if endpoint == "me" else "badjson")
        assert (await w.agent.request(url)).code == 403


def test_appsecret_proof_is_hmac_sha256_hex() -> None:
    import hashlib
    import hmac

    assert appsecret_proof("token", "secret") == hmac.new(b"secret", b"token", hashlib.sha256).hexdigest()


async def test_platform_expired_or_incomplete_sessions_are_refused(caplog: pytest.LogCaptureFixture) -> None:
    """Validly signed by the app secret, but past its expiry or without a session key."""
    import time

    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook"), w.url("/facebook"))
        session = json.loads(query(url)["session"])
        for change, reason in (
            ({"expires": str(int(time.time()) - 60)}, "has expired"),
            ({"session_key": ""}, "lacks session_key"),
            ({"expires": "soon"}, "expiry is malformed"),
        ):
            forged = {k: v for k, v in dict(session, **change).items() if k != "sig"}
            forged["sig"] = platform_signature(forged, SECRETS["facebook"][1])
            response = await w.agent.request(
                w.url("/facebook?" + urllib.parse.urlencode({"session": json.dumps(forged)}))
            )
            assert response.code == 403 and body_json(response) == {"user": None}
            assert reason in caplog.text


@pytest.mark.parametrize("fault", ["500", "badjson"])
async def test_platform_provider_failures(fault: str) -> None:
    async with world() as w:
        url = await w.agent.until_callback(w.url("/facebook"), w.url("/facebook"))
        w.providers.facebook.fail_next("restserver", fault)
        response = await w.agent.request(url)
        assert response.code == 403 and body_json(response) == {"user": None}


async def test_a_malformed_session_is_a_bad_request() -> None:
    class Awaited(RequestHandler, tornado.auth.FacebookMixin):
        async def get(self) -> None:
            await self.get_authenticated_user()

    async with world([("/fb", Awaited)]) as w:
        for session in ("{not json", "[1, 2]", '{"uid": "1"}'):
            response = await w.agent.request(w.url("/fb?" + urllib.parse.urlencode({"session": session})))
            assert response.code == 400, session
