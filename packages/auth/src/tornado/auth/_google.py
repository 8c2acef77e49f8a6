"""Google's OpenID 2.0 endpoint with the OAuth hybrid extension (the 1.0 overview's GoogleMixin).

Google retired this endpoint; today's users want :class:`tornado.auth.GoogleOAuth2Mixin`
(OpenID Connect). The protocol is kept because the overview's ``GoogleHandler`` is written
against it, and any OpenID 2.0 provider can stand in through ``_OPENID_ENDPOINT``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._common import AuthFuture, callback_or_client, done_future, run, url_concat
from ._oauth1 import OAuthMixin, consumer_from_settings
from ._openid import DEFAULT_AX_ATTRS, OAUTH_EXT_NS, OpenIdMixin, signed_extension_field


class GoogleMixin(OpenIdMixin, OAuthMixin):
    """Google OpenID sign-in; with :meth:`authorize_redirect` also an OAuth access token for
    ``oauth_scope`` (settings ``google_consumer_key`` and ``google_consumer_secret``)."""

    _OPENID_ENDPOINT = "https://www.google.com/accounts/o8/ud"
    _OAUTH_ACCESS_TOKEN_URL = "https://www.google.com/accounts/OAuthGetAccessToken"
    _OAUTH_VERSION = "1.0"

    def authorize_redirect(  # type: ignore[override]
        self,
        oauth_scope: str,
        callback_uri: str | None = None,
        ax_attrs: Sequence[str] = DEFAULT_AX_ATTRS,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Sign in and authorize access to ``oauth_scope`` in one trip (the OAuth hybrid)."""
        args = self._openid_args(callback_uri, ax_attrs=ax_attrs, oauth_scope=oauth_scope)
        self.redirect(url_concat(self._openid_endpoint(), args))  # type: ignore[attr-defined]
        return done_future(None, callback)

    def get_authenticated_user(self, callback: Any = None, http_client: Any = None) -> AuthFuture:
        """The verified OpenID user; after :meth:`authorize_redirect` it also carries the
        ``access_token`` the signed request token was exchanged for."""
        callback, http_client = callback_or_client(callback, http_client)
        return run(self, self._google_user(http_client), callback, "Google OpenID sign-in")

    async def _google_user(self, http_client: Any) -> dict[str, Any]:
        args, signed = await self._openid_verified_assertion(http_client)
        user = self._openid_user(args, signed)
        request_key = signed_extension_field(args, signed, OAUTH_EXT_NS, "request_token")
        if request_key:
            token = await self._oauth_exchange({"key": request_key, "secret": ""}, http_client)
            user["access_token"] = token
        return user

    def _oauth_consumer_token(self) -> dict[str, str]:
        return consumer_from_settings(self, "google", "Google OAuth")
