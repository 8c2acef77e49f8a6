"""A local OAuth 2.0 / OpenID Connect provider: RSA-signed ID tokens, JWKS, PKCE, exact redirect_uri.

``/authorize`` refuses an unregistered ``redirect_uri`` outright (no redirect to it) and a
request without an S256 ``code_challenge``; ``/token`` accepts each code once, only from
its client (secret in the form or HTTP Basic), with the same redirect_uri and the verifier
whose challenge was sent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from tornado.web import HTTPError

from ._base import Provider, ProviderHandler, User, add_query, s256

CODE_LIFETIME = 120  # seconds
TOKEN_LIFETIME = 3600


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: set[str] = field(default_factory=set)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    scope: str
    user: User
    expires: float


class OIDCProvider(Provider):
    """OpenID Connect OP. ``next_claims`` (merged into the next ID token) and ``sign_next_with``
    (another private key) let tests make bad tokens the way a broken or hostile provider would."""

    title = "Local OpenID Connect provider"

    def __init__(self, users: dict[str, User]) -> None:
        super().__init__(users)
        self.clients: dict[str, Client] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, tuple[str, User]] = {}
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.next_claims: dict[str, Any] = {}
        self.sign_next_with: Any = None

    @property
    def issuer(self) -> str:
        return self.base_url

    def register_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = Client(client_id, secret, set(redirect_uris))

    def handlers(self) -> list[Any]:
        kw = {"provider": self}
        return [
            (r"/\.well-known/openid-configuration", DiscoveryHandler, kw),
            (r"/authorize", AuthorizeHandler, kw),
            (r"/token", TokenHandler, kw),
            (r"/jwks", JWKSHandler, kw),
            (r"/userinfo", UserInfoHandler, kw),
        ]

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def id_token(self, client_id: str, grant: Grant) -> str:
        now = int(time.time())
        user = grant.user
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.id,
            "aud": client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "email": user.email,
            "email_verified": True,
            "name": user.name,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "locale": user.locale,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.next_claims)
        self.next_claims = {}
        key, self.sign_next_with = self.sign_next_with or self.private_key, None
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


class DiscoveryHandler(ProviderHandler):
    endpoint = "discovery"
    provider: OIDCProvider

    def get(self) -> None:
        base = self.provider.base_url
        self.finish(
            {
                "issuer": self.provider.issuer,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "jwks_uri": base + "/jwks",
                "userinfo_endpoint": base + "/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )


class AuthorizeHandler(ProviderHandler):
    endpoint = "authorize"
    provider: OIDCProvider

    def _checked(self) -> tuple[Client, str, str]:
        client = self.provider.clients.get(self.single("client_id") or "")
        if client is None:
            raise HTTPError(400, "unknown client_id")
        redirect_uri = self.single("redirect_uri") or ""
        if redirect_uri not in client.redirect_uris:
            raise HTTPError(400, "redirect_uri is not registered for this client")
        return client, redirect_uri, self.single("state") or ""

    def _refuse(self, redirect_uri: str, state: str, error: str) -> None:
        self.redirect(add_query(redirect_uri, {"error": error, "state": state}))

    def _problem(self) -> str | None:
        if self.single("response_type") != "code":
            return "unsupported_response_type"
        if self.single("code_challenge_method") != "S256" or not self.single("code_challenge"):
            return "invalid_request"
        return None

    def get(self) -> None:
        client, redirect_uri, state = self._checked()
        problem = self._problem()
        if problem:
            self._refuse(redirect_uri, state, problem)
            return
        self.consent_page(f"Sign in to {client.client_id} and share your profile and email?")

    def post(self) -> None:
        client, redirect_uri, state = self._checked()
        problem = self._problem()
        if problem or self.get_argument("decision", "") != "allow":
            self._refuse(redirect_uri, state, problem or "access_denied")
            return
        code = secrets.token_urlsafe(24)
        self.provider.grants[code] = Grant(
            client.client_id,
            redirect_uri,
            self.single("code_challenge") or "",
            self.single("nonce"),
            self.single("scope") or "",
            self.provider.user(self.get_argument("username", "")),
            time.time() + CODE_LIFETIME,
        )
        args = {"code": code}
        if state:
            args["state"] = state
        self.redirect(add_query(redirect_uri, args))


class TokenHandler(ProviderHandler):
    endpoint = "token"
    provider: OIDCProvider

    def oauth_error(self, status: int, error: str) -> None:
        self.set_status(status)
        self.finish({"error": error})

    def _client(self) -> Client | None:
        client_id, secret = self.single("client_id"), self.single("client_secret")
        auth = self.request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:], validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
        client = self.provider.clients.get(client_id or "")
        if client is None or not hmac.compare_digest((secret or "").encode(), client.secret.encode()):
            return None
        return client

    def post(self) -> None:
        client = self._client()
        if client is None:
            self.oauth_error(401, "invalid_client")
            return
        if self.single("grant_type") != "authorization_code":
            self.oauth_error(400, "unsupported_grant_type")
            return
        grant = self.provider.grants.pop(self.single("code") or "", None)  # single use
        if grant is None or grant.client_id != client.client_id or grant.expires < time.time():
            self.oauth_error(400, "invalid_grant")
            return
        if self.single("redirect_uri") != grant.redirect_uri:
            self.oauth_error(400, "invalid_grant")
            return
        verifier = self.single("code_verifier") or ""
        if not hmac.compare_digest(s256(verifier).encode(), grant.challenge.encode()):
            self.oauth_error(400, "invalid_grant")
            return
        access = secrets.token_urlsafe(24)
        self.provider.access_tokens[access] = (client.client_id, grant.user)
        self.set_header("Cache-Control", "no-store")
        self.finish(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME,
                "scope": grant.scope,
                "id_token": self.provider.id_token(client.client_id, grant),
            }
        )


class JWKSHandler(ProviderHandler):
    endpoint = "jwks"
    provider: OIDCProvider

    def get(self) -> None:
        self.finish(self.provider.jwks())


class UserInfoHandler(ProviderHandler):
    endpoint = "userinfo"
    provider: OIDCProvider

    def get(self) -> None:
        auth = self.request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else self.single("access_token") or ""
        found = self.provider.access_tokens.get(token)
        if found is None:
            self.set_status(401)
            self.finish({"error": "invalid_token"})
            return
        user = found[1]
        self.finish({"sub": user.id, "email": user.email, "name": user.name, "locale": user.locale})
