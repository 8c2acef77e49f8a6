"""Twitter and FriendFeed: OAuth 1.0a and 1.0 providers with signed JSON APIs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._common import AuthFuture, run
from ._oauth1 import OAuthMixin, consumer_from_settings, legacy_call


class TwitterMixin(OAuthMixin):
    """Sign in with Twitter (OAuth 1.0a). Settings: ``twitter_consumer_key``, ``twitter_consumer_secret``.

    ``authenticate_redirect`` skips the approval page for users who already approved the
    application; ``authorize_redirect`` always shows it.
    """

    _OAUTH_REQUEST_TOKEN_URL = "https://api.twitter.com/oauth/request_token"
    _OAUTH_ACCESS_TOKEN_URL = "https://api.twitter.com/oauth/access_token"
    _OAUTH_AUTHORIZE_URL = "https://api.twitter.com/oauth/authorize"
    _OAUTH_AUTHENTICATE_URL = "https://api.twitter.com/oauth/authenticate"
    _OAUTH_NO_CALLBACKS = False
    _TWITTER_BASE_URL = "https://api.twitter.com/1.1"

    def authenticate_redirect(
        self,
        callback_uri: str | None = None,
        http_client: Any = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Like :meth:`authorize_redirect`, through Twitter's sign-in (authenticate) page
        (Tornado 6's argument order)."""
        consumer = self._oauth_consumer_token()
        return run(
            self,
            self._oauth_authorize(self._OAUTH_AUTHENTICATE_URL, consumer, callback_uri, None, http_client),
            callback,
            "Twitter sign-in redirect",
        )

    def twitter_request(
        self,
        path: str,
        *positional: Any,
        access_token: Mapping[str, str] | None = None,
        post_args: Mapping[str, Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        **args: Any,
    ) -> AuthFuture:
        """Call the API: ``path`` like ``"/statuses/update"`` (``.json`` is added) or a full URL.

        GET with ``args`` as query arguments, or POST of ``post_args``; signed with
        ``access_token``. Resolves to the decoded JSON. 1.0's ``twitter_request(path,
        callback, access_token=...)`` also works.
        """
        token, post_args, callback = legacy_call(positional, access_token, post_args, callback)
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = self._TWITTER_BASE_URL + path + ".json"
        return run(self, self._oauth_api(url, token, post_args, args, "Twitter API"), callback, "Twitter API")

    def _oauth_consumer_token(self) -> dict[str, str]:
        return consumer_from_settings(self, "twitter", "Twitter OAuth")

    async def _oauth_get_user_future(self, access_token: dict[str, Any]) -> dict[str, Any] | None:
        user = await self.twitter_request("/account/verify_credentials", access_token=access_token)
        if isinstance(user, dict) and user.get("screen_name"):
            user["username"] = user["screen_name"]
            return user
        return None


class FriendFeedMixin(OAuthMixin):
    """FriendFeed (OAuth 1.0, callback registered with the provider).
    Settings: ``friendfeed_consumer_key``, ``friendfeed_consumer_secret``."""

    _OAUTH_VERSION = "1.0"
    _OAUTH_NO_CALLBACKS = True
    _OAUTH_REQUEST_TOKEN_URL = "https://friendfeed.com/account/oauth/request_token"
    _OAUTH_ACCESS_TOKEN_URL = "https://friendfeed.com/account/oauth/access_token"
    _OAUTH_AUTHORIZE_URL = "https://friendfeed.com/account/oauth/authorize"
    _FRIENDFEED_BASE_URL = "https://friendfeed-api.com/v2"

    def friendfeed_request(
        self,
        path: str,
        *positional: Any,
        access_token: Mapping[str, str] | None = None,
        post_args: Mapping[str, Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        **args: Any,
    ) -> AuthFuture:
        """Call the FriendFeed API v2 at ``path`` (like ``"/feed/bret"``), signed with
        ``access_token`` when given; resolves to the decoded JSON. 1.0's
        ``friendfeed_request(path, callback, access_token=...)`` also works."""
        token, post_args, callback = legacy_call(positional, access_token, post_args, callback)
        url = self._FRIENDFEED_BASE_URL + path
        return run(
            self, self._oauth_api(url, token, post_args, args, "FriendFeed API"), callback, "FriendFeed API"
        )

    def _oauth_consumer_token(self) -> dict[str, str]:
        return consumer_from_settings(self, "friendfeed", "FriendFeed OAuth")

    async def _oauth_get_user_future(self, access_token: dict[str, Any]) -> dict[str, Any] | None:
        username = access_token.get("username")
        if not username:
            return None
        user = await self.friendfeed_request(
            "/feedinfo/" + username, access_token=access_token, include="id,name,description"
        )
        if isinstance(user, dict) and user.get("id"):
            user["username"] = user["id"]
            return user
        return None
