"""OpenID Connect sign-in on the OAuth 2.0 mixin: the ID token is verified, not just decoded.

The ID token must be signed (RS256 by default) by a key from the provider's JWKS, name the
expected issuer, have this client as its audience, not be expired, and carry the ``nonce``
that :meth:`OAuth2Mixin.authorize_redirect` put in this browser's state cookie.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt

from ._common import AuthError, AuthFuture, fetch, parse_json_object, run
from ._oauth2 import OAuth2Mixin, PendingAuthorization

JWKS_LIFETIME = 3600.0  # seconds a fetched key set is used before it is fetched again
JWKS_REFRESH_GAP = 10.0  # an unknown key id refetches the set at most this often
CLOCK_LEEWAY = 30  # seconds of clock skew tolerated on exp / iat / nbf

_CONVENIENCE_CLAIMS = (
    "sub",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "locale",
    "picture",
)


class _KeySet:
    """One provider's JWKS, as fetched at ``fetched``."""

    def __init__(self, keys: dict[str, Any], fetched: float) -> None:
        self.keys = keys
        self.fetched = fetched


_JWKS_CACHE: dict[str, _KeySet] = {}


class OpenIDConnectMixin(OAuth2Mixin):
    """OpenID Connect (authorization code flow). Subclasses set the endpoints, ``_OIDC_ISSUER``
    (one issuer or a tuple of accepted spellings), ``_OIDC_JWKS_URL`` and the
    ``_OAUTH_SETTINGS_KEY`` whose ``{"key": client_id, "secret": client_secret}`` is the default
    client."""

    _OIDC_ISSUER: str | tuple[str, ...] = ""
    _OIDC_JWKS_URL = ""
    _OIDC_ALGORITHMS: tuple[str, ...] = ("RS256",)
    _OAUTH_USERINFO_URL = ""
    _OAUTH_SETTINGS_KEY = ""

    def _oauth_client_settings(self) -> dict[str, str]:
        handler: Any = self
        name = self._OAUTH_SETTINGS_KEY
        value = handler.settings.get(name) if name else None
        if not isinstance(value, dict) or not value.get("key") or not value.get("secret"):
            raise ValueError(
                f"application setting {name!r} must be a dict with 'key' (client id) and 'secret' "
                f"(client secret), or pass client_id and client_secret to {type(self).__name__}"
            )
        return value

    def get_authenticated_user(
        self,
        redirect_uri: str,
        code: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Exchange ``code`` for tokens and verify the ID token.

        Resolves to the token answer (``access_token``, ``id_token``, ``expires_in``, ...)
        plus ``id_token_claims`` and the user's ``sub``, ``email``, ``name``, ... from them.
        """
        if client_id is None or client_secret is None:
            conf = self._oauth_client_settings()
            client_id = client_id or conf["key"]
            client_secret = client_secret or conf["secret"]
        return run(
            self,
            self._oidc_sign_in(redirect_uri, code, client_id, client_secret),
            callback,
            f"{type(self).__name__} sign-in",
        )

    async def _oidc_sign_in(
        self, redirect_uri: str, code: str, client_id: str, client_secret: str
    ) -> dict[str, Any]:
        pending = self._oauth2_check_state()
        if not code:
            raise AuthError("no authorization code in the callback", 400)
        token = await self._oauth2_token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": pending.code_verifier,
            },
            "OpenID Connect token",
        )
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise AuthError("the token answer has no id_token")
        claims = await self._verify_id_token(id_token, client_id, pending)
        result = dict(token)
        result["id_token_claims"] = claims
        for name in _CONVENIENCE_CLAIMS:
            if name in claims and name not in result:
                result[name] = claims[name]
        return result

    async def _verify_id_token(
        self, id_token: str, client_id: str, pending: PendingAuthorization
    ) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError:
            raise AuthError("the ID token is malformed") from None
        alg = header.get("alg")
        if alg not in self._OIDC_ALGORITHMS:
            raise AuthError(
                f"the ID token is signed with {_word(alg)}, not {'/'.join(self._OIDC_ALGORITHMS)}"
            )
        key = await self._jwks_key(str(header.get("kid", "")))
        issuers = self._OIDC_ISSUER if isinstance(self._OIDC_ISSUER, tuple) else (self._OIDC_ISSUER,)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=list(self._OIDC_ALGORITHMS),
                audience=client_id,
                issuer=list(issuers),
                leeway=CLOCK_LEEWAY,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the ID token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the ID token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise AuthError("the ID token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the ID token's signature does not verify") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthError(f"the ID token lacks the {_word(e.claim)} claim") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("the ID token is not valid yet") from None
        except jwt.InvalidTokenError as e:
            raise AuthError(f"the ID token is invalid ({type(e).__name__})") from None
        aud = claims["aud"]
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
            raise AuthError("the ID token names several audiences but not this client as azp")
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not secrets.compare_digest(nonce.encode(), pending.nonce.encode()):
            raise AuthError("the ID token's nonce is not the one this browser was sent with")
        return claims

    async def _jwks_key(self, kid: str) -> Any:
        url = self._OIDC_JWKS_URL
        if not url:
            raise ValueError(f"{type(self).__name__}._OIDC_JWKS_URL is not set")
        now = time.time()
        cached = _JWKS_CACHE.get(url)
        if (
            cached is None
            or now - cached.fetched > JWKS_LIFETIME
            or (kid not in cached.keys and now - cached.fetched > JWKS_REFRESH_GAP)
        ):
            cached = await self._fetch_jwks(url, now)
        key = (
            cached.keys.get(kid)
            if kid
            else (next(iter(cached.keys.values())) if len(cached.keys) == 1 else None)
        )
        if key is None:
            raise AuthError("the ID token is signed with a key the provider does not publish")
        return key

    async def _fetch_jwks(self, url: str, now: float) -> _KeySet:
        response = await fetch(self.get_auth_http_client(), url, "OpenID Connect JWKS")
        data = parse_json_object(response.body, "OpenID Connect JWKS")
        keys = {}
        for jwk in data.get("keys", []) if isinstance(data.get("keys"), list) else []:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            try:
                parsed = jwt.PyJWK.from_dict(jwk)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
                continue
            keys[str(jwk.get("kid", ""))] = parsed.key
        if not keys:
            raise AuthError("OpenID Connect JWKS: the provider publishes no usable signing key")
        key_set = _KeySet(keys, now)
        _JWKS_CACHE[url] = key_set
        return key_set


def _word(value: Any) -> str:
    text = str(value)[:30]
    return "".join(c for c in text if c.isalnum() or c in "_-") or "nothing"


class GoogleOAuth2Mixin(OpenIDConnectMixin):
    """Google sign-in (OpenID Connect). Settings: ``google_oauth = {"key": ..., "secret": ...}``.

    Point the class attributes elsewhere (a subclass) to use another deployment or a test
    provider.
    """

    _OAUTH_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
    _OAUTH_ACCESS_TOKEN_URL = "https://oauth2.googleapis.com/token"
    _OAUTH_USERINFO_URL = "https://www.googleapis.com/oauth2/v1/userinfo"
    _OIDC_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
    _OIDC_ISSUER = ("https://accounts.google.com", "accounts.google.com")
    _OAUTH_NO_CALLBACKS = False
    _OAUTH_SETTINGS_KEY = "google_oauth"

    def get_google_oauth_settings(self) -> dict[str, str]:
        """The ``google_oauth`` application setting (``key`` and ``secret``)."""
        return self._oauth_client_settings()


class YahooMixin(OpenIDConnectMixin):
    """Yahoo sign-in, which is OpenID Connect today. Settings: ``yahoo_oauth = {"key", "secret"}``."""

    _OAUTH_AUTHORIZE_URL = "https://api.login.yahoo.com/oauth2/request_auth"
    _OAUTH_ACCESS_TOKEN_URL = "https://api.login.yahoo.com/oauth2/get_token"
    _OAUTH_USERINFO_URL = "https://api.login.yahoo.com/openid/v1/userinfo"
    _OIDC_JWKS_URL = "https://api.login.yahoo.com/openid/v1/certs"
    _OIDC_ISSUER = "https://api.login.yahoo.com"
    _OAUTH_SETTINGS_KEY = "yahoo_oauth"
