"""OAuth 1.0 and 1.0a consumer (RFC 5849): request token, authorization redirect, access token.

The request token lives in the ``_oauth_request_token`` cookie between the redirect and the
callback; a callback whose ``oauth_token`` is not that token is refused, so one browser
cannot be made to finish a sign-in that another started.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from ._common import (
    AuthError,
    AuthFuture,
    AuthMixinBase,
    absolute_url,
    callback_or_client,
    fetch,
    parse_form,
    parse_json_any,
    run,
    url_concat,
)
from ._oauth1sign import make_oauth_params

REQUEST_TOKEN_COOKIE = "_oauth_request_token"


class OAuthMixin(AuthMixinBase):
    """OAuth 1.0 / 1.0a. Subclasses set the ``_OAUTH_*_URL`` attributes and implement
    :meth:`_oauth_consumer_token` and :meth:`_oauth_get_user_future` (or the 1.0-style
    ``_oauth_get_user(access_token, callback)``)."""

    _OAUTH_REQUEST_TOKEN_URL = ""
    _OAUTH_ACCESS_TOKEN_URL = ""
    _OAUTH_AUTHORIZE_URL = ""
    _OAUTH_VERSION = "1.0a"
    _OAUTH_NO_CALLBACKS = False

    def authorize_redirect(
        self,
        callback_uri: str | None = None,
        extra_params: Mapping[str, str] | None = None,
        http_client: Any = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Get a request token and redirect to the provider's authorization page.

        The provider sends the browser back to ``callback_uri`` (1.0a: announced with the
        request token; 1.0: passed along with the redirect).
        """
        if callback_uri and self._OAUTH_NO_CALLBACKS:
            raise ValueError(f"{type(self).__name__} does not support callback URLs (_OAUTH_NO_CALLBACKS)")
        consumer = self._oauth_consumer_token()
        return run(
            self,
            self._oauth_authorize(
                self._OAUTH_AUTHORIZE_URL, consumer, callback_uri, extra_params, http_client
            ),
            callback,
            "OAuth authorization redirect",
        )

    def get_authenticated_user(self, callback: Any = None, http_client: Any = None) -> AuthFuture:
        """On the callback: exchange the request token for an access token and fetch the user.

        The user dict carries ``access_token`` (``key``, ``secret`` and whatever else the
        provider sent along with them).
        """
        callback, http_client = callback_or_client(callback, http_client)
        consumer = self._oauth_consumer_token()
        return run(self, self._oauth_user(consumer, http_client), callback, "OAuth sign-in")

    def _oauth_consumer_token(self) -> dict[str, str]:
        """``{"key": ..., "secret": ...}`` of this application at the provider."""
        raise NotImplementedError(f"{type(self).__name__} must implement _oauth_consumer_token()")

    async def _oauth_get_user_future(self, access_token: dict[str, Any]) -> dict[str, Any] | None:
        """The user that ``access_token`` belongs to; the default calls 1.0's ``_oauth_get_user``."""
        legacy = getattr(self, "_oauth_get_user", None)
        if legacy is None:
            raise NotImplementedError(f"{type(self).__name__} must implement _oauth_get_user_future()")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def deliver(user: Any) -> None:
            if not future.done():
                future.set_result(user)

        legacy(access_token, deliver)
        return await future

    # -- the dance ---------------------------------------------------------------------------

    async def _oauth_authorize(
        self,
        authorize_url: str,
        consumer: dict[str, str],
        callback_uri: str | None,
        extra_params: Mapping[str, str] | None,
        http_client: Any,
    ) -> None:
        handler: Any = self
        client = http_client or self.get_auth_http_client()
        response = await fetch(
            client, self._oauth_request_token_url(callback_uri, extra_params), "OAuth request token"
        )
        token = _token_from(parse_form(response.body, "OAuth request token"), "OAuth request token")
        if self._OAUTH_VERSION == "1.0a" and token.get("oauth_callback_confirmed") != "true":
            raise AuthError("OAuth request token: the provider did not confirm the callback (1.0a)")
        cookie = b"|".join(base64.b64encode(token[k].encode()) for k in ("key", "secret"))
        handler.set_cookie(
            REQUEST_TOKEN_COOKIE, cookie.decode(), httponly=True, secure=handler.request.protocol == "https"
        )
        args = {"oauth_token": token["key"]}
        if self._OAUTH_VERSION != "1.0a" and not self._OAUTH_NO_CALLBACKS and callback_uri != "oob":
            args["oauth_callback"] = absolute_url(self, callback_uri)
        handler.redirect(url_concat(authorize_url, args))

    def _oauth_request_token_url(
        self, callback_uri: str | None = None, extra_params: Mapping[str, str] | None = None
    ) -> str:
        """The signed request-token URL (GET, parameters in the query)."""
        consumer = self._oauth_consumer_token()
        url = self._OAUTH_REQUEST_TOKEN_URL
        extra_oauth = {}
        if self._OAUTH_VERSION == "1.0a":
            if callback_uri == "oob" or callback_uri is None and self._OAUTH_NO_CALLBACKS:
                extra_oauth["oauth_callback"] = "oob"
            else:
                extra_oauth["oauth_callback"] = absolute_url(self, callback_uri)
        params = dict(extra_params or {})
        oauth = make_oauth_params(
            "GET", url, consumer["key"], consumer["secret"], None, params, extra_oauth=extra_oauth
        )
        return url_concat(url, {**oauth, **params})

    def _oauth_access_token_url(self, request_token: Mapping[str, str]) -> str:
        """The signed access-token URL for ``request_token`` (with its ``verifier`` on 1.0a)."""
        consumer = self._oauth_consumer_token()
        url = self._OAUTH_ACCESS_TOKEN_URL
        extra_oauth = {}
        if request_token.get("verifier"):
            extra_oauth["oauth_verifier"] = request_token["verifier"]
        oauth = make_oauth_params(
            "GET", url, consumer["key"], consumer["secret"], request_token, extra_oauth=extra_oauth
        )
        return url_concat(url, oauth)

    async def _oauth_user(self, consumer: dict[str, str], http_client: Any) -> dict[str, Any]:
        handler: Any = self
        request_key = handler.get_argument("oauth_token", None)
        if not request_key:
            raise AuthError("no oauth_token in the OAuth callback", 400)
        cookie = handler.get_cookie(REQUEST_TOKEN_COOKIE)
        if not cookie:
            raise AuthError("the OAuth request-token cookie is missing")
        handler.clear_cookie(REQUEST_TOKEN_COOKIE)
        try:
            key_b64, secret_b64 = cookie.split("|")
            key = base64.b64decode(key_b64, validate=True).decode()
            secret = base64.b64decode(secret_b64, validate=True).decode()
        except ValueError:
            raise AuthError("the OAuth request-token cookie is malformed") from None
        if key != request_key:
            raise AuthError("the callback's oauth_token is not the request token of this browser")
        token = {"key": key, "secret": secret}
        verifier = handler.get_argument("oauth_verifier", None)
        if self._OAUTH_VERSION == "1.0a" and not verifier:
            raise AuthError("no oauth_verifier in the OAuth 1.0a callback", 400)
        if verifier:
            token["verifier"] = verifier
        access_token = await self._oauth_exchange(token, http_client)
        user = await self._user_for(access_token)
        user["access_token"] = access_token
        return user

    async def _oauth_exchange(self, request_token: Mapping[str, str], http_client: Any) -> dict[str, Any]:
        client = http_client or self.get_auth_http_client()
        response = await fetch(client, self._oauth_access_token_url(request_token), "OAuth access token")
        return _token_from(parse_form(response.body, "OAuth access token"), "OAuth access token")

    async def _user_for(self, access_token: dict[str, Any]) -> dict[str, Any]:
        user: Any = self._oauth_get_user_future(access_token)
        if inspect.isawaitable(user):
            user = await user
        if not user:
            raise AuthError("the provider returned no user for the access token")
        return dict(user)

    def _oauth_request_parameters(
        self,
        url: str,
        access_token: Mapping[str, str],
        parameters: Mapping[str, str] | None = None,
        method: str = "GET",
    ) -> dict[str, str]:
        """The ``oauth_*`` arguments (signature included) for a request to ``url`` made with
        ``access_token`` and sending ``parameters`` (query or form arguments)."""
        consumer = self._oauth_consumer_token()
        return make_oauth_params(method, url, consumer["key"], consumer["secret"], access_token, parameters)

    async def _oauth_api(
        self,
        url: str,
        access_token: Mapping[str, str] | None,
        post_args: Mapping[str, Any] | None,
        args: Mapping[str, Any],
        what: str,
    ) -> Any:
        """A signed API call (GET with ``args``, or POST of ``post_args``); the JSON answer."""
        query = {k: str(v) for k, v in args.items()}
        method = "POST" if post_args is not None else "GET"
        if access_token:
            signed = dict(query)
            signed.update({k: str(v) for k, v in (post_args or {}).items()})
            query.update(self._oauth_request_parameters(url, access_token, signed, method))
        full = url_concat(url, query)
        client = self.get_auth_http_client()
        if post_args is not None:
            body = urllib.parse.urlencode(post_args)
            response = await fetch(client, full, what, method="POST", body=body)
        else:
            response = await fetch(client, full, what)
        return parse_json_any(response.body, what)


def consumer_from_settings(handler: Any, service: str, feature: str) -> dict[str, str]:
    """The consumer token in the ``<service>_consumer_key`` and ``<service>_consumer_secret``
    settings; a missing one is named in the error."""
    names = (f"{service}_consumer_key", f"{service}_consumer_secret")
    for name in names:
        handler.require_setting(name, feature)
    return {"key": handler.settings[names[0]], "secret": handler.settings[names[1]]}


def _token_from(fields: dict[str, str], what: str) -> dict[str, Any]:
    key = fields.pop("oauth_token", None)
    secret = fields.pop("oauth_token_secret", None)
    if not key or secret is None:
        raise AuthError(f"{what}: the provider's answer has no token")
    token: dict[str, Any] = {"key": key, "secret": secret}
    token.update(fields)
    return token


def legacy_call(
    positional: tuple[Any, ...],
    access_token: Any,
    post_args: Any,
    callback: Callable[[Any], Any] | None,
) -> tuple[Any, Any, Callable[[Any], Any] | None]:
    """Sort out ``(access_token, post_args, callback)`` of an API call made 6.x-style
    (``path, access_token, post_args``) or 1.0-style (``path, callback, access_token=...``):
    a callable first positional argument is the callback."""
    rest = list(positional)
    if rest and callable(rest[0]):
        if callback is not None:
            raise TypeError("callback given twice")
        callback = rest.pop(0)
    if rest:
        if access_token is not None:
            raise TypeError("access_token given twice")
        access_token = rest.pop(0)
    if rest:
        if post_args is not None:
            raise TypeError("post_args given twice")
        post_args = rest.pop(0)
    if rest:
        raise TypeError(f"too many positional arguments ({len(positional) + 1})")
    return access_token, post_args, callback
