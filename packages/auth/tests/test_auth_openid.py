"""OpenID 2.0 against the local provider: the overview's GoogleHandler, AX, the OAuth hybrid,
and every way an assertion can be untrustworthy."""

from __future__ import annotations

import logging
import urllib.parse

import pytest
from authhelp import body_json, world
from tornado.auth._openid import AX_NS


async def test_overview_google_handler_signs_in() -> None:
    async with world() as w:
        first = await w.agent.request(w.url("/google"))
        assert first.code == 302
        location = first.headers["Location"]
        assert location.startswith(w.providers.openid.endpoint_url + "?")
        args = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        assert args["openid.mode"] == "checkid_setup"
        assert args["openid.return_to"] == w.url("/google")
        assert args["openid.realm"] == w.url("/")
        response = await w.agent.browse(location)
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        assert user["email"] == "alice@example.com"
        assert user["name"] == "Alice Liddell"
        assert user["first_name"] == "Alice" and user["last_name"] == "Liddell"
        assert user["locale"] == "en_us"
        assert user["username"] == "alice"
        assert user["claimed_id"].endswith("/openid/id/alice")


async def test_verbatim_handler_sends_a_failed_sign_in_back_to_the_provider() -> None:
    async with world() as w:
        callback = await w.agent.until_callback(w.url("/google-verbatim"), w.url("/google-verbatim"))
        tampered = callback.replace("alice%40example.com", "mallory%40example.com")
        assert tampered != callback
        response = await w.agent.request(tampered)
        assert response.code == 302
        assert response.headers["Location"].startswith(w.providers.openid.endpoint_url)


async def test_awaited_openid_mixin_with_ax() -> None:
    async with world() as w:
        response = await w.agent.browse(w.url("/openid"), approve={"username": "bob", "decision": "allow"})
        user = body_json(response)["user"]
        assert user["email"] == "bob@example.com"
        assert user["locale"] == "es_es"


async def test_google_hybrid_returns_an_oauth_access_token() -> None:
    async with world() as w:
        response = await w.agent.browse(w.url("/google-hybrid"))
        assert response.code == 200, response.body
        user = body_json(response)["user"]
        token = user["access_token"]
        assert token["key"] in w.providers.oauth1.access_tokens
        grant = w.providers.oauth1.access_tokens[token["key"]]
        assert grant.user is not None and grant.user.username == "alice"


async def _assertion(w, path: str = "/openid") -> str:
    return await w.agent.until_callback(w.url(path), w.url(path))


async def test_tampered_attribute_is_refused() -> None:
    async with world() as w:
        callback = await _assertion(w)
        response = await w.agent.request(callback.replace("alice%40example.com", "mallory%40example.com"))
        assert response.code == 403
        assert b"mallory" not in response.body


async def test_unsigned_attributes_are_ignored() -> None:
    async with world() as w:
        callback = await _assertion(w)
        extra = urllib.parse.urlencode(
            {
                "openid.ns.ext9": AX_NS,
                "openid.ext9.type.email": "http://axschema.org/contact/email",
                "openid.ext9.value.email": "mallory@example.com",
            }
        )
        response = await w.agent.request(callback + "&" + extra)
        assert response.code == 200
        assert body_json(response)["user"]["email"] == "alice@example.com"


async def test_replayed_assertion_is_refused() -> None:
    async with world() as w:
        callback = await _assertion(w)
        assert (await w.agent.request(callback)).code == 200
        assert (await w.agent.request(callback)).code == 403


async def test_assertion_for_another_return_to_is_refused() -> None:
    async with world() as w:
        callback = await _assertion(w, "/openid")
        moved = callback.replace(w.url("/openid"), w.url("/google-hybrid"), 1)
        response = await w.agent.request(moved)
        assert response.code == 403


async def test_cancel_and_missing_assertion() -> None:
    async with world() as w:
        response = await w.agent.browse(w.url("/openid"), approve={"username": "alice", "decision": "deny"})
        assert response.code == 403


async def test_provider_failures_give_no_user() -> None:
    for fault in ("500", "badjson"):
        async with world() as w:
            callback = await _assertion(w)
            w.providers.openid.fail_next("openid", fault)
            response = await w.agent.request(callback)
            assert response.code == 403, fault


def _edit(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    args = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    args.update(changes)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(args)))


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"openid.op_endpoint": "http://127.0.0.1:1/openid/ud"}, "names another OpenID endpoint"),
        ({"openid.signed": "op_endpoint,response_nonce,assoc_handle"}, "unsigned"),
        ({"openid.response_nonce": "2001-01-01T00:00:00Zabc"}, "stale"),
        ({"openid.response_nonce": "yesterday"}, "response_nonce is malformed"),
        ({"openid.ns": "http://openid.net/signon/1.1"}, "not OpenID 2.0"),
    ],
    ids=["op_endpoint", "unsigned", "stale", "bad-nonce", "openid-1"],
)
async def test_assertions_we_refuse_before_asking_the_provider(
    changes: dict[str, str], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with world() as w:
        callback = await _assertion(w)
        assert "POST /openid/ud" in caplog.text  # the consent page's answer
        caplog.clear()
        response = await w.agent.request(_edit(callback, **changes))
        assert response.code == 403
        assert reason in caplog.text
        assert "/openid/ud" not in caplog.text  # no check_authentication was needed
