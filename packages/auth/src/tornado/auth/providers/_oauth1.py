"""A local OAuth 1.0 / 1.0a provider (Twitter-shaped and FriendFeed-shaped APIs).

Every request's HMAC-SHA1 signature is checked by oauthlib, an implementation independent of
ours: parameters are collected from the query, a form body and the Authorization header
exactly as a real provider would, the timestamp must be recent and each nonce is accepted
once. Request tokens are single-use and bound to their consumer; 1.0a needs the verifier.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from oauthlib.common import Request as OAuthlibRequest
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature
from tornado.web import HTTPError

from ._base import Provider, ProviderHandler, User, add_query

TIMESTAMP_WINDOW = 600  # seconds


@dataclass
class Consumer:
    key: str
    secret: str
    version: str = "1.0a"  # or "1.0"
    callback: str | None = None  # 1.0 providers with a registered callback


@dataclass
class Token:
    key: str
    secret: str
    consumer: str
    callback: str | None = None
    user: User | None = None
    verifier: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class OAuth1Provider(Provider):
    """Endpoints: ``/oauth/request_token``, ``/oauth/authorize``, ``/oauth/authenticate``,
    ``/oauth/access_token``; APIs under ``/1.1`` (Twitter) and ``/v2`` (FriendFeed)."""

    title = "Local OAuth 1.0a provider"

    def __init__(self, users: dict[str, User]) -> None:
        super().__init__(users)
        self.consumers: dict[str, Consumer] = {}
        self.request_tokens: dict[str, Token] = {}
        self.access_tokens: dict[str, Token] = {}
        self.nonces: set[tuple[str, str, str]] = set()
        self.posts: list[dict[str, Any]] = []

    def register_consumer(
        self, key: str, secret: str, version: str = "1.0a", callback: str | None = None
    ) -> None:
        self.consumers[key] = Consumer(key, secret, version, callback)

    def preauthorized_request_token(self, consumer: str, user: User) -> str | None:
        """A request token already approved by ``user`` (OpenID's OAuth hybrid); secret is empty."""
        if consumer not in self.consumers:
            return None
        key = secrets.token_urlsafe(18)
        self.request_tokens[key] = Token(key, "", consumer, user=user)
        return key

    def handlers(self) -> list[Any]:
        kw = {"provider": self}
        return [
            (r"/oauth/request_token", RequestTokenHandler, kw),
            (r"/oauth/(?:authorize|authenticate)", AuthorizeHandler, kw),
            (r"/oauth/access_token", AccessTokenHandler, kw),
            (r"/1\.1/account/verify_credentials\.json", VerifyCredentialsHandler, kw),
            (r"/1\.1/statuses/update\.json", StatusUpdateHandler, kw),
            (r"/v2/feedinfo/([^/]+)", FeedInfoHandler, kw),
            (r"/v2/entry", FeedInfoHandler, kw),
        ]

    def new_token(self, consumer: str, **kw: Any) -> Token:
        return Token(secrets.token_urlsafe(18), secrets.token_urlsafe(24), consumer, **kw)


class SignedHandler(ProviderHandler):
    """Checks the request's OAuth signature with oauthlib before the endpoint runs."""

    provider: OAuth1Provider

    def oauth(self, token_kind: str | None) -> tuple[dict[str, str], Consumer, Token | None]:
        """Verify the request; ``token_kind`` is None, ``"request"`` or ``"access"``."""
        request = self.request
        content_type = request.headers.get("Content-Type", "")
        body = (
            request.body.decode("utf-8")
            if content_type.startswith("application/x-www-form-urlencoded")
            else None
        )
        headers = (
            {"Authorization": request.headers["Authorization"]} if "Authorization" in request.headers else {}
        )
        try:
            params = oauthlib_signature.collect_parameters(
                uri_query=request.query, body=body, headers=headers, exclude_oauth_signature=False
            )
        except ValueError:
            raise HTTPError(400, "malformed OAuth parameters") from None
        oauth = {k: v for k, v in params if k.startswith("oauth_")}
        if len(oauth) != sum(1 for k, _ in params if k.startswith("oauth_")):
            raise HTTPError(400, "duplicate OAuth parameter")
        for name in (
            "oauth_consumer_key",
            "oauth_signature_method",
            "oauth_signature",
            "oauth_timestamp",
            "oauth_nonce",
        ):
            if name not in oauth:
                raise HTTPError(400, "missing %s", name)
        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            raise HTTPError(400, "unsupported signature method")
        if oauth.get("oauth_version", "1.0") != "1.0":
            raise HTTPError(400, "bad oauth_version")
        consumer = self.provider.consumers.get(oauth["oauth_consumer_key"])
        if consumer is None:
            raise HTTPError(401, "unknown consumer")
        token = None
        if token_kind is not None:
            store = self.provider.request_tokens if token_kind == "request" else self.provider.access_tokens
            token = store.get(oauth.get("oauth_token", ""))
            if token is None or token.consumer != consumer.key:
                raise HTTPError(401, "unknown or foreign %s token", token_kind)
        try:
            stamp = int(oauth["oauth_timestamp"])
        except ValueError:
            raise HTTPError(400, "bad oauth_timestamp") from None
        if abs(time.time() - stamp) > TIMESTAMP_WINDOW:
            raise HTTPError(401, "stale oauth_timestamp")
        checked = OAuthlibRequest(self._signed_uri(), request.method, body, headers)
        checked.params = [(k, v) for k, v in params if k != "oauth_signature"]
        checked.signature = oauth["oauth_signature"]
        if not oauthlib_signature.verify_hmac_sha1(checked, consumer.secret, token.secret if token else None):
            raise HTTPError(401, "invalid OAuth signature")
        nonce = (consumer.key, oauth["oauth_timestamp"], oauth["oauth_nonce"])
        if nonce in self.provider.nonces:
            raise HTTPError(401, "replayed oauth_nonce")
        self.provider.nonces.add(nonce)
        return oauth, consumer, token

    def _signed_uri(self) -> str:
        host = self.request.host
        return f"{self.request.protocol}://{host}{self.request.uri}"

    def answer_form(self, fields: dict[str, str]) -> None:
        self.set_header("Content-Type", "application/x-www-form-urlencoded")
        self.finish(urllib.parse.urlencode(fields))


class RequestTokenHandler(SignedHandler):
    endpoint = "request_token"

    def get(self) -> None:
        oauth, consumer, _ = self.oauth(None)
        callback = oauth.get("oauth_callback")
        if consumer.version == "1.0a":
            if not callback:
                raise HTTPError(400, "oauth_callback is required (OAuth 1.0a)")
            if callback != "oob" and not callback.startswith(("http://", "https://")):
                raise HTTPError(400, "oauth_callback must be an absolute URL or oob")
        token = self.provider.new_token(consumer.key, callback=callback or consumer.callback)
        self.provider.request_tokens[token.key] = token
        fields = {"oauth_token": token.key, "oauth_token_secret": token.secret}
        if consumer.version == "1.0a":
            fields["oauth_callback_confirmed"] = "true"
        self.answer_form(fields)

    post = get


class AuthorizeHandler(ProviderHandler):
    endpoint = "authorize"
    provider: OAuth1Provider

    def _token(self) -> Token:
        token = self.provider.request_tokens.get(self.single("oauth_token") or "")
        if token is None or token.user is not None:
            raise HTTPError(400, "unknown or already authorized request token")
        return token

    def get(self) -> None:
        token = self._token()
        self.consent_page(f"Allow the application {token.consumer[:8]}... to use your account?")

    def post(self) -> None:
        token = self._token()
        consumer = self.provider.consumers[token.consumer]
        callback = token.callback
        if consumer.version == "1.0" and consumer.callback is None:
            callback = self.single("oauth_callback") or callback
        if not callback or callback == "oob":
            raise HTTPError(400, "no callback to return to")
        if self.get_argument("decision", "") != "allow":
            del self.provider.request_tokens[token.key]
            self.redirect(add_query(callback, {"denied": token.key}))
            return
        token.user = self.provider.user(self.get_argument("username", ""))
        back = {"oauth_token": token.key}
        if consumer.version == "1.0a":
            token.verifier = secrets.token_urlsafe(16)
            back["oauth_verifier"] = token.verifier
        self.redirect(add_query(callback, back))


class AccessTokenHandler(SignedHandler):
    endpoint = "access_token"

    def get(self) -> None:
        oauth, consumer, request_token = self.oauth("request")
        assert request_token is not None
        if request_token.user is None:
            raise HTTPError(401, "request token not authorized")
        if request_token.verifier is not None and oauth.get("oauth_verifier") != request_token.verifier:
            raise HTTPError(401, "wrong oauth_verifier")
        del self.provider.request_tokens[request_token.key]
        user = request_token.user
        token = self.provider.new_token(consumer.key, user=user)
        self.provider.access_tokens[token.key] = token
        self.answer_form(
            {
                "oauth_token": token.key,
                "oauth_token_secret": token.secret,
                "user_id": user.id,
                "screen_name": user.username,
                "username": user.username,
            }
        )

    post = get


class VerifyCredentialsHandler(SignedHandler):
    endpoint = "verify_credentials"

    def get(self) -> None:
        _, _, token = self.oauth("access")
        assert token is not None and token.user is not None
        user = token.user
        self.finish(
            {"id_str": user.id, "screen_name": user.username, "name": user.name, "lang": user.locale[:2]}
        )


class StatusUpdateHandler(SignedHandler):
    endpoint = "statuses_update"

    def post(self) -> None:
        _, _, token = self.oauth("access")
        assert token is not None and token.user is not None
        status = self.get_body_argument("status")
        self.provider.posts.append({"user": token.user.username, "status": status})
        self.finish(
            {
                "id_str": str(len(self.provider.posts)),
                "text": status,
                "user": {"screen_name": token.user.username},
            }
        )


class FeedInfoHandler(SignedHandler):
    endpoint = "feedinfo"

    def get(self, username: str) -> None:
        self.oauth("access")
        user = self.provider.users.get(username)
        if user is None:
            raise HTTPError(404)
        self.finish({"id": user.username, "name": user.name, "description": "", "type": "user"})

    def post(self) -> None:
        _, _, token = self.oauth("access")
        assert token is not None and token.user is not None
        body = self.get_body_argument("body")
        self.provider.posts.append({"user": token.user.username, "body": body})
        self.finish({"id": f"e/{len(self.provider.posts)}", "body": body})
