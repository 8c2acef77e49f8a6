"""Facebook: the 1.0 overview's "Facebook Platform" (login page, session, ``sig``-signed REST
calls) and the Graph API over OAuth 2.0 (calls proven with ``appsecret_proof``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._common import (
    AuthError,
    AuthFuture,
    AuthMixinBase,
    absolute_url,
    done_future,
    fetch,
    parse_json_any,
    run,
    url_concat,
)
from ._oauth1 import legacy_call
from ._oauth2 import OAuth2Mixin

PLATFORM_USER_FIELDS = "uid,first_name,last_name,name,locale,pic_square,profile_url,username"
GRAPH_USER_FIELDS = ("id", "name", "first_name", "last_name", "locale", "picture", "link")


def platform_signature(args: Mapping[str, Any], secret: str) -> str:
    """Facebook Platform's ``sig``: MD5 of the ``k=v`` pairs sorted by name, then the secret."""
    text = "".join(f"{k}={args[k]}" for k in sorted(args) if k != "sig") + secret
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """Graph API ``appsecret_proof``: hex HMAC-SHA256 of the access token keyed by the app secret."""
    return hmac.new(app_secret.encode("utf-8"), access_token.encode("utf-8"), hashlib.sha256).hexdigest()


class FacebookMixin(AuthMixinBase):
    """Facebook Platform (Facebook Connect) sign-in and REST API calls.
    Settings: ``facebook_api_key`` and ``facebook_secret``."""

    _FACEBOOK_LOGIN_URL = "https://www.facebook.com/login.php"
    _FACEBOOK_API_URL = "https://api.facebook.com/restserver.php"

    def authenticate_redirect(
        self,
        callback_uri: str | None = None,
        cancel_uri: str | None = None,
        extended_permissions: Iterable[str] | str | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Redirect to Facebook's login page; it comes back to ``callback_uri`` with ``session``."""
        api_key = self._facebook_credentials()[0]
        args = {
            "api_key": api_key,
            "v": "1.0",
            "fbconnect": "true",
            "display": "page",
            "next": absolute_url(self, callback_uri),
            "return_session": "true",
        }
        if cancel_uri:
            args["cancel_url"] = absolute_url(self, cancel_uri)
        if extended_permissions:
            perms = (
                [extended_permissions]
                if isinstance(extended_permissions, str)
                else list(extended_permissions)
            )
            args["req_perms"] = ",".join(perms)
        self.redirect(url_concat(self._FACEBOOK_LOGIN_URL, args))  # type: ignore[attr-defined]
        return done_future(None, callback)

    def authorize_redirect(
        self,
        extended_permissions: Iterable[str] | str,
        callback_uri: str | None = None,
        cancel_uri: str | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Sign in and ask for ``extended_permissions`` (e.g. ``["publish_stream"]``)."""
        return self.authenticate_redirect(callback_uri, cancel_uri, extended_permissions, callback=callback)

    def get_authenticated_user(self, callback: Callable[[Any], Any] | None = None) -> AuthFuture:
        """The user of the signed ``session`` argument: ``name``, ``first_name``, ``last_name``,
        ``uid``, ``locale``, ``pic_square``, ``profile_url``, ``username``, ``session_key`` and
        ``session_expires``."""
        credentials = self._facebook_credentials()
        return run(self, self._platform_user(credentials), callback, "Facebook sign-in")

    def facebook_request(
        self, method: str, callback: Callable[[Any], Any] | None = None, **args: Any
    ) -> AuthFuture:
        """Call REST method ``method`` (``"stream.get"`` or ``"facebook.stream.get"``), signed
        with ``sig``; pass ``session_key`` for calls on behalf of a user."""
        credentials = self._facebook_credentials()
        return run(self, self._platform_call(credentials, method, args), callback, "Facebook API")

    def _facebook_credentials(self) -> tuple[str, str]:
        handler: Any = self
        handler.require_setting("facebook_api_key", "Facebook Connect")
        handler.require_setting("facebook_secret", "Facebook Connect")
        return handler.settings["facebook_api_key"], handler.settings["facebook_secret"]

    async def _platform_user(self, credentials: tuple[str, str]) -> dict[str, Any]:
        handler: Any = self
        raw = handler.get_argument("session", None)
        if not raw:
            raise AuthError("no Facebook session in the request", 400)
        try:
            session = json.loads(raw)
        except ValueError:
            raise AuthError("the Facebook session is not JSON", 400) from None
        if not isinstance(session, dict) or not isinstance(session.get("sig"), str):
            raise AuthError("the Facebook session is not a signed object", 400)
        fields = {k: v for k, v in session.items() if k != "sig"}
        expected = platform_signature(fields, credentials[1])
        if not hmac.compare_digest(expected, session["sig"]):
            raise AuthError("the Facebook session's sig does not verify")
        try:
            expires = int(session.get("expires", 0))
        except (TypeError, ValueError):
            raise AuthError("the Facebook session's expiry is malformed") from None
        if expires and expires < time.time():
            raise AuthError("the Facebook session has expired")
        if not session.get("session_key") or not session.get("uid"):
            raise AuthError("the Facebook session lacks session_key or uid")
        users = await self._platform_call(
            credentials,
            "facebook.users.getInfo",
            {"session_key": session["session_key"], "uids": session["uid"], "fields": PLATFORM_USER_FIELDS},
        )
        if not isinstance(users, list) or not users or not isinstance(users[0], dict):
            raise AuthError("Facebook returned no user for the session")
        got = users[0]
        user = {k: got.get(k) for k in PLATFORM_USER_FIELDS.split(",")}
        user["session_key"] = session["session_key"]
        user["session_expires"] = expires
        return user

    async def _platform_call(self, credentials: tuple[str, str], method: str, args: Mapping[str, Any]) -> Any:
        if not method.startswith("facebook."):
            method = "facebook." + method
        signed = {k: str(v) for k, v in args.items()}
        signed.update(
            api_key=credentials[0], v="1.0", method=method, call_id=str(int(time.time() * 1e6)), format="json"
        )
        signed["sig"] = platform_signature(signed, credentials[1])
        body = urllib.parse.urlencode(signed)
        response = await fetch(
            self.get_auth_http_client(), self._FACEBOOK_API_URL, "Facebook API", "POST", body=body
        )
        answer = parse_json_any(response.body, "Facebook API")
        if isinstance(answer, dict) and "error_code" in answer:
            raise AuthError(f"Facebook API error {str(answer['error_code'])[:10]}")
        return answer


class FacebookGraphMixin(OAuth2Mixin):
    """Facebook Login and the Graph API (OAuth 2.0 with state and PKCE).

    API calls carry ``appsecret_proof`` when the app secret is known: the ``facebook_secret``
    setting, or the ``client_secret`` given to :meth:`get_authenticated_user`.
    """

    _OAUTH_ACCESS_TOKEN_URL = "https://graph.facebook.com/oauth/access_token"
    _OAUTH_AUTHORIZE_URL = "https://www.facebook.com/dialog/oauth"
    _OAUTH_NO_CALLBACKS = False
    _FACEBOOK_BASE_URL = "https://graph.facebook.com"

    def get_authenticated_user(
        self,
        redirect_uri: str,
        client_id: str,
        client_secret: str,
        code: str,
        extra_fields: Iterable[str] | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Exchange ``code`` and fetch ``/me``: ``id``, ``name``, ``first_name``, ``last_name``,
        ``locale``, ``picture``, ``link`` and ``extra_fields``, plus ``access_token`` and
        ``session_expires``."""
        fields = set(GRAPH_USER_FIELDS) | set(extra_fields or ())
        return run(
            self,
            self._graph_user(redirect_uri, client_id, client_secret, code, sorted(fields)),
            callback,
            "Facebook sign-in",
        )

    def facebook_request(
        self,
        path: str,
        *positional: Any,
        access_token: str | None = None,
        post_args: Mapping[str, Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        **args: Any,
    ) -> AuthFuture:
        """Call the Graph API at ``path`` (``"/me"``, ``"/me/feed"``): GET with ``args`` or POST
        of ``post_args``; resolves to the decoded JSON. The callback may come second, as in
        ``facebook_request(path, callback, access_token=...)``."""
        access_token, post_args, callback = legacy_call(positional, access_token, post_args, callback)
        handler: Any = self
        secret = handler.settings.get("facebook_secret")
        return run(
            self,
            self._graph_call(path, access_token, post_args, args, secret),
            callback,
            "Facebook Graph API",
        )

    async def _graph_user(
        self, redirect_uri: str, client_id: str, client_secret: str, code: str, fields: list[str]
    ) -> dict[str, Any]:
        pending = self._oauth2_check_state()
        if not code:
            raise AuthError("no authorization code in the callback", 400)
        token = await self._oauth2_token(
            {
                "redirect_uri": redirect_uri,
                "code": code,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": pending.code_verifier,
            },
            "Facebook access token",
            method="GET",
        )
        me = await self._graph_call(
            "/me", token["access_token"], None, {"fields": ",".join(fields)}, client_secret
        )
        if not isinstance(me, dict) or not me.get("id"):
            raise AuthError("Facebook returned no user for the access token")
        user = {k: me[k] for k in fields if k in me}
        user["access_token"] = token["access_token"]
        if "expires_in" in token:
            user["session_expires"] = str(token["expires_in"])
        return user

    async def _graph_call(
        self,
        path: str,
        access_token: str | None,
        post_args: Mapping[str, Any] | None,
        args: Mapping[str, Any],
        app_secret: str | None,
    ) -> Any:
        query = dict(args)
        if access_token:
            query["access_token"] = access_token
            if app_secret:
                query["appsecret_proof"] = appsecret_proof(access_token, app_secret)
        url = url_concat(self._FACEBOOK_BASE_URL + path, query)
        answer = await self._oauth2_api(url, post_args)
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            code = str(answer["error"].get("code", "?"))[:10]
            raise AuthError(f"Facebook Graph API error {code}")
        return answer
