"""What every mixin shares: errors as 4xx, nothing secret in any log line, redacted access log."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest
from authhelp import SECRETS, body_json, world
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
