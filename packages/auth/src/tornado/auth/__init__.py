"""tornado.auth: third-party sign-in for tornado.web handlers.

Mix a class into a ``RequestHandler``: call ``authenticate_redirect()`` or
``authorize_redirect()`` to send the browser to the provider, then, when it comes back,
``get_authenticated_user()`` for the verified user.  Every method takes 1.0's ``callback=``
and returns an awaitable; awaited, a failed sign-in raises :class:`AuthError` (a 4xx
``HTTPError``), and with a callback the callback gets ``None``.

Protocols: :class:`OpenIdMixin` (OpenID 2.0 + AX), :class:`OAuthMixin` (OAuth 1.0/1.0a),
:class:`OAuth2Mixin` (OAuth 2.0 with state and PKCE), :class:`OpenIDConnectMixin`.
Services: Google (OpenID hybrid and OpenID Connect), Facebook (Platform and Graph),
Twitter, FriendFeed, Yahoo.  Endpoints are class attributes, so a subclass can point a
mixin at another host; :mod:`tornado.auth.providers` runs local providers to try them.
"""

from ._common import AuthError, AuthFuture
from ._facebook import FacebookGraphMixin, FacebookMixin
from ._google import GoogleMixin
from ._oauth1 import OAuthMixin
from ._oauth2 import OAuth2Mixin
from ._oidc import GoogleOAuth2Mixin, OpenIDConnectMixin, YahooMixin
from ._openid import OpenIdMixin
from ._twitter import FriendFeedMixin, TwitterMixin

__all__ = [
    "AuthError",
    "AuthFuture",
    "FacebookGraphMixin",
    "FacebookMixin",
    "FriendFeedMixin",
    "GoogleMixin",
    "GoogleOAuth2Mixin",
    "OAuth2Mixin",
    "OAuthMixin",
    "OpenIDConnectMixin",
    "OpenIdMixin",
    "TwitterMixin",
    "YahooMixin",
]
