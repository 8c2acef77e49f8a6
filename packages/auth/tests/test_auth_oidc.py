"""OAuth 2.0 + OpenID Connect (Google, Yahoo) against the local provider: state, PKCE, and an ID
token verified against the provider's JWKS (signature, iss, aud, exp, nonce)."""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.parse
from typing import Any

import pytest
from authhelp import SECRETS, Agent, GoogleOAuth2Async, RecordingClient, World, body_json, world
from cryptography.hazmat.primitives.asymmetric import rsa


def query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


async def callback_url(w: World, path: str = "/google2") -> str:
    return await w.agent.until_callback(w.url(path), w.url(path))


async def test_google_oauth2_sign_in() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/google2"))
        assert first.code == 302
        args = query(first.headers["Location"])
        assert first.headers["Location"].startswith(w.providers.oidc.base_url + "/authorize?")
        assert args["client_id"] == SECRETS["google"][0]
        assert args["redirect_uri"] == w.url("/google2")
        assert args["scope"] == "openid profile email"
        assert args["code_challenge_method"] == "S256" and len(args["code_challenge"]) == 43
        assert args["state"] and args["nonce"] and args["approval_prompt"] == "auto"
        set_cookie = " ".join(first.headers.get_list("Set-Cookie"))
        assert "_oauth2_state=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
        response = await w.agent.browse(first.headers["Location"])
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["email"] == "alice@example.com" and user["name"] == "Alice Liddell"
        claims = user["id_token_claims"]
        assert claims["aud"] == SECRETS["google"][0] and claims["iss"] == w.providers.oidc.issuer
        assert claims["nonce"] == args["nonce"]
        assert user["access_token"] in w.providers.oidc.access_tokens
        assert "_oauth2_state" not in w.agent.cookies


async def test_yahoo_is_openid_connect_too() -> None:
    async with world() as w:
        response = await w.agent.browse(w.url("/yahoo"), approve={"username": "bob", "decision": "allow"})
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["email"] == "bob@example.com"
        assert user["id_token_claims"]["aud"] == SECRETS["yahoo"][0]


async def test_forged_state_is_refused() -> None:
    async with world() as w:
        url = await callback_url(w)
        args = query(url)
        args["state"] = "forged-" + args["state"]
        response = await w.agent.request(w.url("/google2?" + urllib.parse.urlencode(args)))
        assert response.code == 403


async def test_missing_state_is_a_bad_request() -> None:
    async with world() as w:
        url = await callback_url(w)
        args = query(url)
        del args["state"]
        args["state"] = ""
        response = await w.agent.request(w.url("/google2?" + urllib.parse.urlencode(args)))
        assert response.code == 400


async def test_login_csrf_without_the_state_cookie_is_refused() -> None:
    async with world() as w:
        url = await callback_url(w)
        victim = Agent()  # the attacker's callback URL, opened in the victim's browser
        try:
            assert (await victim.request(url)).code == 403
        finally:
            victim.client.close()


async def test_replayed_state_is_refused() -> None:
    async with world() as w:
        url = await callback_url(w)
        saved = dict(w.agent.cookies)
        assert (await w.agent.request(url)).code == 200
        w.agent.cookies.update(saved)  # the same request again, cookie and all
        response = await w.agent.request(url)
        assert response.code == 403


async def test_tampered_state_cookie_is_refused() -> None:
    async with world() as w:
        url = await callback_url(w)
        value = w.agent.cookies["_oauth2_state"]
        w.agent.cookies["_oauth2_state"] = value[:-2] + ("00" if not value.endswith("00") else "11")
        assert (await w.agent.request(url)).code == 403


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "somebody-else"},
        {"iss": "https://evil.example.com"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "not-the-nonce"},
        {"iat": None},
    ],
    ids=["audience", "issuer", "expired", "nonce", "no-iat"],
)
async def test_bad_id_tokens_give_no_user(claims: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    async with world() as w:
        url = await callback_url(w)
        w.providers.oidc.next_claims = {k: v for k, v in claims.items() if v is not None}
        if claims.get("iat", 0) is None:
            original = w.providers.oidc.id_token

            def without_iat(client_id: str, grant: Any) -> str:
                import jwt

                token = original(client_id, grant)
                payload = jwt.decode(token, options={"verify_signature": False})
                del payload["iat"]
                return jwt.encode(
                    payload,
                    w.providers.oidc.private_key,
                    algorithm="RS256",
                    headers={"kid": w.providers.oidc.kid},
                )

            w.providers.oidc.id_token = without_iat  # type: ignore[method-assign]
        response = await w.agent.request(url)
        assert response.code == 403
        assert "ID token" in caplog.text


async def test_id_token_signed_by_another_key_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    async with world() as w:
        url = await callback_url(w)
        w.providers.oidc.sign_next_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert (await w.agent.request(url)).code == 403
        assert "signature does not verify" in caplog.text


async def test_callback_style_gets_none() -> None:
    async with world() as w:
        url = await callback_url(w, "/google2cb")
        args = query(url)
        args["state"] = "forged"
        response = await w.agent.request(w.url("/google2cb?" + urllib.parse.urlencode(args)))
        assert response.code == 403 and body_json(response) == {"user": None}
    async with world() as w:
        response = await w.agent.browse(w.url("/google2cb"))
        assert body_json(response)["user"]["email"] == "alice@example.com"


@pytest.mark.parametrize("endpoint", ["token", "jwks"])
@pytest.mark.parametrize("fault", ["500", "badjson"])
async def test_provider_failures_give_no_user(endpoint: str, fault: str) -> None:
    async with world() as w:
        url = await callback_url(w)
        w.providers.oidc.fail_next(endpoint, fault)
        assert (await w.agent.request(url)).code == 403


async def test_provider_denial_gives_no_user() -> None:
    async with world() as w:
        response = await w.agent.browse(w.url("/google2"), approve={"username": "alice", "decision": "deny"})
        assert response.code == 403


async def test_missing_settings_are_named(caplog: pytest.LogCaptureFixture) -> None:
    async with world(cookie_secret=None) as w:
        assert (await w.agent.request(w.url("/google2"))).code == 500
        assert "cookie_secret" in caplog.text
    async with world() as w:
        url = await callback_url(w)
        w.application.settings["google_oauth"] = None
        assert (await w.agent.request(url)).code == 500
        assert "'google_oauth'" in caplog.text


# -- the provider itself: what a real one refuses, ours refuses -------------------------------------


async def _provider_grant(w: World, verifier: str) -> tuple[str, str]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    client_id = SECRETS["google"][0]
    authorize = (
        w.providers.oidc.base_url
        + "/authorize?"
        + urllib.parse.urlencode(
            {
                "client_id": client_id,
                "redirect_uri": w.url("/google2"),
                "response_type": "code",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    response = await w.agent.request(authorize, "POST", {"username": "alice", "decision": "allow"})
    return query(response.headers["Location"])["code"], authorize


async def _token(w: World, **fields: str) -> Any:
    return await w.agent.request(w.providers.oidc.base_url + "/token", "POST", fields)


async def test_provider_enforces_pkce_redirect_uri_and_single_use_codes() -> None:
    async with world() as w:
        base = {
            "grant_type": "authorization_code",
            "client_id": SECRETS["google"][0],
            "client_secret": SECRETS["google"][1],
            "redirect_uri": w.url("/google2"),
        }
        code, _ = await _provider_grant(w, "v" * 50)
        bad = await _token(w, **base, code=code, code_verifier="w" * 50)
        assert bad.code == 400 and body_json(bad) == {"error": "invalid_grant"}
        code, _ = await _provider_grant(w, "v" * 50)
        assert (
            await _token(w, **dict(base, redirect_uri=w.url("/other")), code=code, code_verifier="v" * 50)
        ).code == 400
        code, _ = await _provider_grant(w, "v" * 50)
        assert (
            await _token(w, **dict(base, client_secret="nope"), code=code, code_verifier="v" * 50)
        ).code == 401
        code, _ = await _provider_grant(w, "v" * 50)
        assert (await _token(w, **base, code=code, code_verifier="v" * 50)).code == 200
        assert (await _token(w, **base, code=code, code_verifier="v" * 50)).code == 400  # used up
        unregistered = (
            w.providers.oidc.base_url
            + "/authorize?"
            + urllib.parse.urlencode(
                {
                    "client_id": SECRETS["google"][0],
                    "redirect_uri": "http://127.0.0.1:1/steal",
                    "response_type": "code",
                }
            )
        )
        response = await w.agent.request(unregistered)
        assert response.code == 400 and "Location" not in response.headers
        no_pkce = (
            w.providers.oidc.base_url
            + "/authorize?"
            + urllib.parse.urlencode(
                {
                    "client_id": SECRETS["google"][0],
                    "redirect_uri": w.url("/google2"),
                    "response_type": "code",
                }
            )
        )
        response = await w.agent.request(no_pkce)
        assert query(response.headers["Location"])["error"] == "invalid_request"


def test_pkce_challenge_matches_rfc7636_appendix_b() -> None:
    from tornado.auth._oauth2 import pkce_challenge
    from tornado.auth.providers._base import s256

    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert s256(verifier) == pkce_challenge(verifier)


@pytest.mark.parametrize("alg", ["HS256", "none"])
async def test_id_tokens_with_another_algorithm_are_refused(
    alg: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An attacker's token with ``alg: none`` or an HMAC key it chose: no user."""
    import jwt

    async with world() as w:
        url = await callback_url(w)
        original = w.providers.oidc.id_token

        def resigned(client_id: str, grant: Any) -> str:
            claims = jwt.decode(original(client_id, grant), options={"verify_signature": False})
            key = "attacker-chosen-hmac-key-of-32-bytes" if alg == "HS256" else None
            return jwt.encode(claims, key, algorithm=None if alg == "none" else alg)

        w.providers.oidc.id_token = resigned  # type: ignore[method-assign]
        response = await w.agent.request(url)
        assert response.code == 403
        assert f"signed with {alg}, not RS256" in caplog.text


async def test_get_auth_http_client_is_the_one_used() -> None:
    """An application can route every provider call through its own client (a proxy, a pool)."""
    import tornado.auth

    recording = RecordingClient()

    class ThroughOwnClient(GoogleOAuth2Async):
        def get_auth_http_client(self) -> Any:
            return recording

    assert issubclass(ThroughOwnClient, tornado.auth.GoogleOAuth2Mixin)
    try:
        async with world([("/google2", ThroughOwnClient)]) as w:
            response = await w.agent.browse(w.url("/google2"))
            assert response.code == 200, response.body
            assert recording.paths == ["/token", "/jwks"]
    finally:
        recording.client.close()


async def test_an_old_state_is_refused() -> None:
    """The state cookie is signed, so only its own clock can be old: the flow took too long."""
    import json

    from tornado.auth import _oauth2
    from tornado.web import create_signed_value

    async with world() as w:
        url = await callback_url(w)
        raw = w.agent.cookies["_oauth2_state"]
        saved = json.loads(_decode_state(w, raw))
        saved["t"] -= _oauth2.STATE_LIFETIME + 60
        old = create_signed_value(w.application.settings["cookie_secret"], "_oauth2_state", json.dumps(saved))
        w.agent.cookies["_oauth2_state"] = old.decode()
        assert (await w.agent.request(url)).code == 403


def _decode_state(w: World, raw: str) -> str:
    from tornado.web import decode_signed_value

    value = decode_signed_value(w.application.settings["cookie_secret"], "_oauth2_state", raw)
    assert value is not None
    return value.decode()


async def test_a_rotated_signing_key_is_fetched_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tornado.auth import _oidc

    monkeypatch.setattr(_oidc, "JWKS_REFRESH_GAP", 0.0)
    async with world() as w:
        assert (await w.agent.browse(w.url("/google2"))).code == 200  # the key set is cached now
        oidc = w.providers.oidc
        oidc.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        oidc.kid = "rotated"
        response = await w.agent.browse(w.url("/google2"))
        assert response.code == 200, response.body
        assert body_json(response)["user"]["email"] == "alice@example.com"
        # A key id the provider does not publish, even after fetching again: no user.
        url = await callback_url(w)
        original = oidc.id_token
        oidc.id_token = lambda client_id, grant: _with_kid(original(client_id, grant), oidc, "unknown")  # type: ignore[method-assign]
        assert (await w.agent.request(url)).code == 403
        assert "a key the provider does not publish" in caplog.text


def _with_kid(token: str, oidc: Any, kid: str) -> str:
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, oidc.private_key, algorithm="RS256", headers={"kid": kid})
