"""Local identity providers for trying and testing tornado.auth on one machine.

``LocalProviders`` serves, each on its own loopback port: an OpenID 2.0 provider
(check_authentication, AX, the OAuth hybrid), an OAuth 1.0/1.0a provider whose signature
checks are oauthlib's, an OpenID Connect provider (RS256 ID tokens from a fresh RSA key,
JWKS, PKCE, exact redirect_uri) and Facebook's Platform and Graph endpoints (``sig``,
``appsecret_proof``).  Each shows a small consent page with a username box and Allow/Deny.

    providers = LocalProviders()
    providers.start()                       # inside the running IOLoop
    providers.oidc.register_client("id", "secret", ["http://127.0.0.1:8888/auth/google"])
    class LocalGoogle(GoogleLogin):         # the same handler, pointed at the local provider
        pass
    providers.point(LocalGoogle)

Needs the ``providers`` extra (oauthlib, cryptography).
"""

from __future__ import annotations

from typing import Any

from ._base import DEFAULT_USERS, Provider, User
from ._facebook import FacebookProvider
from ._oauth1 import OAuth1Provider
from ._oidc import OIDCProvider
from ._openid import OpenIDProvider

__all__ = [
    "FacebookProvider",
    "LocalProviders",
    "OAuth1Provider",
    "OIDCProvider",
    "OpenIDProvider",
    "Provider",
    "User",
]


class LocalProviders:
    """All local providers, sharing one user list (alice, bob, and anyone typed in)."""

    def __init__(self) -> None:
        self.users = {k: User(**vars(v)) for k, v in DEFAULT_USERS.items()}
        self.oauth1 = OAuth1Provider(self.users)
        self.openid = OpenIDProvider(self.users, oauth1=self.oauth1)
        self.oidc = OIDCProvider(self.users)
        self.facebook = FacebookProvider(self.users)

    @property
    def all(self) -> list[Provider]:
        return [self.openid, self.oauth1, self.oidc, self.facebook]

    def start(self, host: str = "127.0.0.1") -> None:
        """Serve every provider on a free port of ``host`` (a loopback address) in this loop."""
        for provider in self.all:
            provider.start(host)

    async def stop(self) -> None:
        for provider in self.all:
            await provider.stop()

    def endpoints(self, mixin: type) -> dict[str, Any]:
        """The class attributes that point ``mixin`` (or a handler using it) at these providers."""
        from tornado.auth import (
            FacebookGraphMixin,
            FacebookMixin,
            FriendFeedMixin,
            OAuthMixin,
            OpenIDConnectMixin,
            OpenIdMixin,
            TwitterMixin,
        )

        out: dict[str, Any] = {}
        o1 = self.oauth1.base_url
        if issubclass(mixin, OpenIdMixin):
            out["_OPENID_ENDPOINT"] = self.openid.endpoint_url
        if issubclass(mixin, OAuthMixin):  # any OAuth 1.0 service, the hybrid's GoogleMixin too
            out.update(
                _OAUTH_REQUEST_TOKEN_URL=o1 + "/oauth/request_token",
                _OAUTH_ACCESS_TOKEN_URL=o1 + "/oauth/access_token",
                _OAUTH_AUTHORIZE_URL=o1 + "/oauth/authorize",
            )
        if issubclass(mixin, TwitterMixin):
            out.update(_OAUTH_AUTHENTICATE_URL=o1 + "/oauth/authenticate", _TWITTER_BASE_URL=o1 + "/1.1")
        if issubclass(mixin, FriendFeedMixin):
            out["_FRIENDFEED_BASE_URL"] = o1 + "/v2"
        if issubclass(mixin, OpenIDConnectMixin):
            base = self.oidc.base_url
            out.update(
                _OAUTH_AUTHORIZE_URL=base + "/authorize",
                _OAUTH_ACCESS_TOKEN_URL=base + "/token",
                _OAUTH_USERINFO_URL=base + "/userinfo",
                _OIDC_JWKS_URL=base + "/jwks",
                _OIDC_ISSUER=self.oidc.issuer,
            )
        fb = self.facebook.base_url
        if issubclass(mixin, FacebookMixin):
            out.update(_FACEBOOK_LOGIN_URL=fb + "/login.php", _FACEBOOK_API_URL=fb + "/restserver.php")
        if issubclass(mixin, FacebookGraphMixin):
            out.update(
                _OAUTH_AUTHORIZE_URL=fb + "/dialog/oauth",
                _OAUTH_ACCESS_TOKEN_URL=fb + "/oauth/access_token",
                _FACEBOOK_BASE_URL=fb,
            )
        if not out:
            raise TypeError(f"{mixin.__name__} uses no tornado.auth mixin these providers serve")
        return out

    def point(self, cls: type) -> type:
        """Set the endpoint attributes of ``cls`` (a handler class of yours) to these providers."""
        for name, value in self.endpoints(cls).items():
            setattr(cls, name, value)
        return cls
