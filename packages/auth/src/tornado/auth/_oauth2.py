"""OAuth 2.0 client (RFC 6749 authorization code grant) with ``state`` and PKCE (RFC 7636, S256).

:meth:`OAuth2Mixin.authorize_redirect` makes a random ``state``, a PKCE code verifier and an
OpenID Connect ``nonce``, and keeps them in a short-lived signed cookie (so the application
needs ``cookie_secret``).  On the way back :meth:`OAuth2Mixin._oauth2_check_state` accepts the
callback only when its ``state`` is the one in this browser's cookie and was not used before;
the code verifier then goes with the code to the token endpoint, so a code stolen on the way
is worthless without it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._common import (
    AuthError,
    AuthFuture,
    AuthMixinBase,
    done_future,
    fetch,
    parse_json_any,
    parse_json_object,
    run,
    url_concat,
)

STATE_COOKIE = "_oauth2_state"
STATE_LIFETIME = 600.0  # seconds between the redirect and the callback
_USED_STATES: dict[str, float] = {}  # state -> when it may be forgotten (this process)
_USED_STATES_MAX = 100_000


@dataclass(frozen=True)
class PendingAuthorization:
    """What authorize_redirect left in the cookie, returned once the callback's state matches."""

    state: str
    code_verifier: str
    nonce: str


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 4.2, S256: ``BASE64URL(SHA256(ASCII(code_verifier)))`` without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuth2Mixin(AuthMixinBase):
    """OAuth 2.0 against ``_OAUTH_AUTHORIZE_URL`` and ``_OAUTH_ACCESS_TOKEN_URL``."""

    _OAUTH_AUTHORIZE_URL = ""
    _OAUTH_ACCESS_TOKEN_URL = ""

    def authorize_redirect(
        self,
        redirect_uri: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        extra_params: Mapping[str, Any] | None = None,
        scope: Sequence[str] | str | None = None,
        response_type: str = "code",
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Redirect to the provider's authorization page, which returns to ``redirect_uri``.

        ``state``, ``code_challenge`` (S256) and ``nonce`` are added; ``client_secret`` is
        accepted for compatibility and never sent here.
        """
        del client_secret
        handler: Any = self
        handler.require_setting("cookie_secret", "OAuth 2.0 state (tornado.auth)")
        pending = PendingAuthorization(
            state=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(48),
            nonce=secrets.token_urlsafe(24),
        )
        args: dict[str, Any] = {"response_type": response_type}
        if redirect_uri is not None:
            args["redirect_uri"] = redirect_uri
        if client_id is not None:
            args["client_id"] = client_id
        if scope:
            args["scope"] = scope if isinstance(scope, str) else " ".join(scope)
        args.update(
            state=pending.state,
            code_challenge=pkce_challenge(pending.code_verifier),
            code_challenge_method="S256",
            nonce=pending.nonce,
        )
        if extra_params:
            args.update(extra_params)
        cookie = json.dumps(
            {"s": pending.state, "v": pending.code_verifier, "n": pending.nonce, "t": time.time()}
        )
        handler.set_secure_cookie(
            STATE_COOKIE,
            cookie,
            expires_days=STATE_LIFETIME / 86400,
            httponly=True,
            samesite="Lax",
            secure=handler.request.protocol == "https",
        )
        handler.redirect(url_concat(self._OAUTH_AUTHORIZE_URL, args))
        return done_future(None, callback)

    def _oauth_request_token_url(
        self,
        redirect_uri: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        code: str | None = None,
        extra_params: Mapping[str, Any] | None = None,
    ) -> str:
        """The token endpoint URL with the code-exchange arguments in its query (GET providers)."""
        args = {
            k: v
            for k, v in (
                ("redirect_uri", redirect_uri),
                ("code", code),
                ("client_id", client_id),
                ("client_secret", client_secret),
            )
            if v is not None
        }
        if extra_params:
            args.update(extra_params)
        return url_concat(self._OAUTH_ACCESS_TOKEN_URL, args)

    def oauth2_request(
        self,
        url: str,
        access_token: str | None = None,
        post_args: Mapping[str, Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        **args: Any,
    ) -> AuthFuture:
        """Call a provider API: GET ``url`` with ``args`` (or POST ``post_args``), the access
        token added as ``access_token``; resolves to the decoded JSON answer."""
        if access_token:
            args["access_token"] = access_token
        return run(self, self._oauth2_api(url_concat(url, args), post_args), callback, "OAuth 2.0 request")

    async def _oauth2_api(self, url: str, post_args: Mapping[str, Any] | None) -> Any:
        client = self.get_auth_http_client()
        if post_args is not None:
            body = urllib.parse.urlencode(post_args)
            response = await fetch(client, url, "OAuth 2.0 request", method="POST", body=body)
        else:
            response = await fetch(client, url, "OAuth 2.0 request")
        return parse_json_any(response.body, "OAuth 2.0 request")

    # -- the callback ---------------------------------------------------------------------------

    def _oauth2_check_state(self) -> PendingAuthorization:
        """The pending authorization whose ``state`` this callback carries, used up now.

        A missing, forged or replayed ``state``, or a provider's ``error`` answer, is an AuthError.
        """
        handler: Any = self
        error = handler.get_argument("error", None)
        if error is not None:
            raise AuthError(f"the provider refused the authorization ({_short(error)})")
        returned = handler.get_argument("state", None)
        if not returned:
            raise AuthError("no state in the OAuth 2.0 callback", 400)
        raw = handler.get_secure_cookie(STATE_COOKIE, max_age_days=STATE_LIFETIME / 86400)
        handler.clear_cookie(STATE_COOKIE)
        if raw is None:
            raise AuthError("no OAuth 2.0 state cookie in this browser (expired, tampered or never set)")
        try:
            saved = json.loads(raw)
            pending = PendingAuthorization(str(saved["s"]), str(saved["v"]), str(saved["n"]))
            started = float(saved["t"])
        except (ValueError, KeyError, TypeError):
            raise AuthError("the OAuth 2.0 state cookie is malformed") from None
        if not secrets.compare_digest(returned.encode(), pending.state.encode()):
            raise AuthError("the callback's state is not the one this browser was sent with")
        now = time.time()
        if now - started > STATE_LIFETIME:
            raise AuthError("the OAuth 2.0 state has expired")
        _forget_old_states(now)
        if pending.state in _USED_STATES:
            raise AuthError("the OAuth 2.0 state was already used (replayed callback)")
        _USED_STATES[pending.state] = started + STATE_LIFETIME
        return pending

    async def _oauth2_token(
        self,
        fields: Mapping[str, str],
        what: str,
        method: str = "POST",
        auth: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """Exchange at the token endpoint: POST the form (or GET with it in the query)."""
        client = self.get_auth_http_client()
        kwargs: dict[str, Any] = {}
        if auth is not None:
            kwargs.update(auth_username=auth[0], auth_password=auth[1])
        if method == "POST":
            response = await fetch(
                client,
                self._OAUTH_ACCESS_TOKEN_URL,
                what,
                method="POST",
                body=urllib.parse.urlencode(fields),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                **kwargs,
            )
        else:
            response = await fetch(client, url_concat(self._OAUTH_ACCESS_TOKEN_URL, fields), what, **kwargs)
        token = parse_json_object(response.body, what)
        if not isinstance(token.get("access_token"), str) or not token["access_token"]:
            raise AuthError(f"{what}: the provider's answer has no access_token")
        return token


def _forget_old_states(now: float) -> None:
    """Drop expired states, oldest first (insertion order is expiry order), and bound the memory."""
    while _USED_STATES:
        state, until = next(iter(_USED_STATES.items()))
        if until >= now and len(_USED_STATES) < _USED_STATES_MAX:
            return
        del _USED_STATES[state]


def _short(text: str) -> str:
    """A provider-supplied word, cut and cleaned for a log line."""
    return "".join(c for c in text[:40] if c.isalnum() or c in "_-.")
