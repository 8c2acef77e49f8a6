"""OpenID 2.0 relying party with Attribute Exchange (and Google's OAuth hybrid extension).

A positive assertion arrives through the browser, so nothing in it is trusted until the
provider confirms it (``openid.mode=check_authentication``), it was made for this very URL
(``openid.return_to``) by our endpoint (``openid.op_endpoint``), it is fresh, and it signs
every field read from it.
"""

from __future__ import annotations

import calendar
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from ._common import (
    AuthError,
    AuthFuture,
    AuthMixinBase,
    absolute_url,
    callback_or_client,
    done_future,
    fetch,
    run,
    url_concat,
)

OPENID_NS = "http://specs.openid.net/auth/2.0"
IDENTIFIER_SELECT = "http://specs.openid.net/auth/2.0/identifier_select"
AX_NS = "http://openid.net/srv/ax/1.0"
OAUTH_EXT_NS = "http://specs.openid.net/extensions/oauth/1.0"

# AX alias -> type URI (axschema.org).  "name" asks for three of them.
AX_TYPES = {
    "email": "http://axschema.org/contact/email",
    "language": "http://axschema.org/pref/language",
    "username": "http://axschema.org/namePerson/friendly",
    "firstname": "http://axschema.org/namePerson/first",
    "lastname": "http://axschema.org/namePerson/last",
    "fullname": "http://axschema.org/namePerson",
}
DEFAULT_AX_ATTRS = ("name", "email", "language", "username")
MAX_ASSERTION_AGE = 600.0  # seconds: an older openid.response_nonce is refused


class OpenIdMixin(AuthMixinBase):
    """OpenID 2.0 and Attribute Exchange against the provider at ``_OPENID_ENDPOINT``."""

    _OPENID_ENDPOINT = ""

    def authenticate_redirect(
        self,
        callback_uri: str | None = None,
        ax_attrs: Sequence[str] = DEFAULT_AX_ATTRS,
        callback: Callable[[Any], Any] | None = None,
    ) -> AuthFuture:
        """Redirect to the provider, which sends the browser back to ``callback_uri`` (default:
        this URL) with ``openid.mode`` set; ``ax_attrs`` picks the attributes asked for."""
        args = self._openid_args(callback_uri, ax_attrs=ax_attrs)
        self.redirect(url_concat(self._openid_endpoint(), args))  # type: ignore[attr-defined]
        return done_future(None, callback)

    def get_authenticated_user(self, callback: Any = None, http_client: Any = None) -> AuthFuture:
        """The user the provider vouches for: ``name``, ``first_name``, ``last_name``, ``email``,
        ``locale``, ``username`` (those it sent) and ``claimed_id``."""
        callback, http_client = callback_or_client(callback, http_client)
        return run(self, self._openid_authenticated_user(http_client), callback, "OpenID sign-in")

    # -- building the request -----------------------------------------------------------------

    def _openid_endpoint(self) -> str:
        if not self._OPENID_ENDPOINT:
            raise ValueError(f"{type(self).__name__}._OPENID_ENDPOINT is not set")
        return self._OPENID_ENDPOINT

    def _openid_args(
        self, callback_uri: str | None, ax_attrs: Sequence[str] = (), oauth_scope: str | None = None
    ) -> dict[str, str]:
        return_to = absolute_url(self, callback_uri)
        parts = urllib.parse.urlsplit(return_to)
        args = {
            "openid.ns": OPENID_NS,
            "openid.claimed_id": IDENTIFIER_SELECT,
            "openid.identity": IDENTIFIER_SELECT,
            "openid.return_to": return_to,
            "openid.realm": f"{parts.scheme}://{parts.netloc}/",
            "openid.mode": "checkid_setup",
        }
        if ax_attrs:
            aliases: list[str] = []
            for attr in ax_attrs:
                wanted = ["firstname", "fullname", "lastname"] if attr == "name" else [attr]
                for alias in wanted:
                    if alias not in AX_TYPES:
                        raise ValueError(f"unknown OpenID AX attribute {attr!r}")
                    if alias not in aliases:
                        aliases.append(alias)
            args["openid.ns.ax"] = AX_NS
            args["openid.ax.mode"] = "fetch_request"
            for alias in aliases:
                args[f"openid.ax.type.{alias}"] = AX_TYPES[alias]
            args["openid.ax.required"] = ",".join(aliases)
        if oauth_scope:
            args["openid.ns.oauth"] = OAUTH_EXT_NS
            args["openid.oauth.consumer"] = self._oauth_consumer_token()["key"]  # type: ignore[attr-defined]
            args["openid.oauth.scope"] = oauth_scope
        return args

    # -- checking the answer --------------------------------------------------------------------

    def _openid_response(self) -> dict[str, str]:
        handler: Any = self
        return {
            k: handler.get_argument(k, strip=False)
            for k in handler.request.arguments
            if k.startswith("openid.")
        }

    async def _openid_authenticated_user(self, http_client: Any) -> dict[str, Any]:
        args, signed = await self._openid_verified_assertion(http_client)
        return self._openid_user(args, signed)

    async def _openid_verified_assertion(self, http_client: Any) -> tuple[dict[str, str], set[str]]:
        endpoint = self._openid_endpoint()
        args = self._openid_response()
        mode = args.get("openid.mode")
        if mode is None:
            raise AuthError("no OpenID assertion in the request")
        if mode != "id_res":
            raise AuthError(f"the OpenID provider answered mode {mode!r}, not a sign-in")
        if args.get("openid.ns") != OPENID_NS:
            raise AuthError("the assertion is not OpenID 2.0")
        self._openid_check_return_to(args.get("openid.return_to", ""))
        if args.get("openid.op_endpoint") != endpoint:
            raise AuthError("the assertion names another OpenID endpoint")
        signed = set(filter(None, args.get("openid.signed", "").split(",")))
        needed = {"op_endpoint", "return_to", "response_nonce", "assoc_handle"}
        needed |= {k for k in ("claimed_id", "identity") if f"openid.{k}" in args}
        if not needed <= signed:
            raise AuthError("the assertion leaves " + ", ".join(sorted(needed - signed)) + " unsigned")
        _check_nonce_age(args.get("openid.response_nonce", ""))
        body = urllib.parse.urlencode({**args, "openid.mode": "check_authentication"})
        client = http_client or self.get_auth_http_client()
        response = await fetch(client, endpoint, "OpenID verification", method="POST", body=body)
        answer = _parse_key_value(response.body)
        if answer.get("is_valid") != "true":
            raise AuthError("the OpenID provider did not confirm the assertion")
        return args, signed

    def _openid_check_return_to(self, return_to: str) -> None:
        """The assertion must come back to this URL: same scheme, host, port, path, and every
        query argument of ``return_to`` present here with the same value."""
        request: Any = self.request  # type: ignore[attr-defined]
        here = urllib.parse.urlsplit(request.full_url())
        there = urllib.parse.urlsplit(return_to)
        if (there.scheme.lower(), there.netloc.lower(), there.path) != (
            here.scheme.lower(),
            here.netloc.lower(),
            here.path,
        ):
            raise AuthError("openid.return_to is not this URL")
        present = urllib.parse.parse_qs(here.query, keep_blank_values=True)
        for k, v in urllib.parse.parse_qsl(there.query, keep_blank_values=True):
            if v not in present.get(k, []):
                raise AuthError("openid.return_to has query arguments this request lacks")

    def _openid_user(self, args: dict[str, str], signed: set[str]) -> dict[str, Any]:
        attrs = _signed_extension_values(args, signed, AX_NS, "value")
        by_type = {}
        ax_alias = _extension_alias(args, signed, AX_NS)
        if ax_alias is not None:
            for key, type_uri in args.items():
                prefix = f"openid.{ax_alias}.type."
                if key.startswith(prefix) and key[len("openid.") :] in signed:
                    name = key[len(prefix) :]
                    if name in attrs:
                        by_type[type_uri] = attrs[name]
        user: dict[str, Any] = {}
        first = by_type.get(AX_TYPES["firstname"])
        last = by_type.get(AX_TYPES["lastname"])
        full = by_type.get(AX_TYPES["fullname"])
        if first:
            user["first_name"] = first
        if last:
            user["last_name"] = last
        name = full or " ".join(p for p in (first, last) if p)
        if name:
            user["name"] = name
        if by_type.get(AX_TYPES["email"]):
            user["email"] = by_type[AX_TYPES["email"]]
        if by_type.get(AX_TYPES["language"]):
            user["locale"] = by_type[AX_TYPES["language"]].lower().replace("-", "_")
        if by_type.get(AX_TYPES["username"]):
            user["username"] = by_type[AX_TYPES["username"]]
        claimed = args.get("openid.claimed_id")
        if claimed:
            user["claimed_id"] = claimed
        return user


def _extension_alias(args: dict[str, str], signed: set[str], namespace: str) -> str | None:
    """The alias under which the (signed) extension ``namespace`` is declared, if any."""
    for key, value in args.items():
        if key.startswith("openid.ns.") and value == namespace and key[len("openid.") :] in signed:
            return key[len("openid.ns.") :]
    return None


def _signed_extension_values(
    args: dict[str, str], signed: set[str], namespace: str, field: str
) -> dict[str, str]:
    """``{name: value}`` of ``openid.<alias>.<field>.<name>`` fields that the provider signed."""
    alias = _extension_alias(args, signed, namespace)
    if alias is None:
        return {}
    prefix = f"openid.{alias}.{field}."
    return {
        key[len(prefix) :]: value
        for key, value in args.items()
        if key.startswith(prefix) and key[len("openid.") :] in signed
    }


def signed_extension_field(args: dict[str, str], signed: set[str], namespace: str, name: str) -> str | None:
    """``openid.<alias>.<name>`` of the extension ``namespace`` when signed (the hybrid's token)."""
    alias = _extension_alias(args, signed, namespace)
    if alias is None or f"{alias}.{name}" not in signed:
        return None
    return args.get(f"openid.{alias}.{name}")


def _check_nonce_age(nonce: str) -> None:
    """``openid.response_nonce`` starts with its UTC time (``2005-05-15T17:11:51Z``)."""
    try:
        stamp = calendar.timegm(time.strptime(nonce[:20], "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise AuthError("the assertion's response_nonce is malformed") from None
    if abs(time.time() - stamp) > MAX_ASSERTION_AGE:
        raise AuthError("the assertion is stale (response_nonce too old)")


def _parse_key_value(body: bytes) -> dict[str, str]:
    """OpenID key-value form: ``key:value`` lines."""
    out = {}
    for line in body.decode("utf-8", "replace").split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out
