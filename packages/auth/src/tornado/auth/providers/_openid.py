"""A local OpenID 2.0 provider (stateless mode): checkid_setup with AX, check_authentication.

Assertions are signed with HMAC-SHA256 under a private association; check_authentication
recomputes the signature over exactly the fields named in ``openid.signed`` and accepts each
``response_nonce`` once.  With the OAuth hybrid extension it issues a pre-authorized request
token at the OAuth 1.0 provider it is paired with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from typing import Any

from tornado.web import HTTPError

from .._openid import AX_NS, AX_TYPES, IDENTIFIER_SELECT, OAUTH_EXT_NS, OPENID_NS
from ._base import Provider, ProviderHandler, User, add_query

ENDPOINT_PATH = "/openid/ud"


def key_value_form(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{k}:{v}\n" for k, v in pairs)


class OpenIDProvider(Provider):
    """OpenID 2.0 OP at ``endpoint_url``; ``oauth1`` (optional) receives hybrid request tokens."""

    title = "Local OpenID provider"

    def __init__(self, users: dict[str, User], oauth1: Any = None) -> None:
        super().__init__(users)
        self.oauth1 = oauth1
        self.assoc_handle = "stateless." + secrets.token_hex(8)
        self._mac_key = os.urandom(32)
        self.used_nonces: set[str] = set()

    @property
    def endpoint_url(self) -> str:
        return self.base_url + ENDPOINT_PATH

    def handlers(self) -> list[Any]:
        return [(ENDPOINT_PATH, OpenIDEndpoint, {"provider": self})]

    def sign(self, fields: dict[str, str], signed: list[str]) -> str:
        text = key_value_form([(k, fields["openid." + k]) for k in signed])
        return base64.b64encode(
            hmac.new(self._mac_key, text.encode("utf-8"), hashlib.sha256).digest()
        ).decode()

    def assertion(self, request: dict[str, str], user: User) -> dict[str, str]:
        """The positive assertion fields for ``request`` (checkid_setup args) and ``user``."""
        identity = f"{self.base_url}/openid/id/{user.username}"
        nonce = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + secrets.token_hex(6)
        out = {
            "openid.ns": OPENID_NS,
            "openid.mode": "id_res",
            "openid.op_endpoint": self.endpoint_url,
            "openid.claimed_id": identity,
            "openid.identity": identity,
            "openid.return_to": request["openid.return_to"],
            "openid.response_nonce": nonce,
            "openid.assoc_handle": self.assoc_handle,
        }
        ax_alias = _alias_of(request, AX_NS)
        if ax_alias and request.get(f"openid.{ax_alias}.mode") == "fetch_request":
            values = {
                AX_TYPES["email"]: user.email,
                AX_TYPES["language"]: user.locale.replace("_", "-"),
                AX_TYPES["username"]: user.username,
                AX_TYPES["firstname"]: user.first_name,
                AX_TYPES["lastname"]: user.last_name,
                AX_TYPES["fullname"]: user.name,
            }
            out["openid.ns.ext1"] = AX_NS
            out["openid.ext1.mode"] = "fetch_response"
            prefix = f"openid.{ax_alias}.type."
            for key, type_uri in request.items():
                if key.startswith(prefix) and type_uri in values:
                    name = key[len(prefix) :]
                    out[f"openid.ext1.type.{name}"] = type_uri
                    out[f"openid.ext1.value.{name}"] = values[type_uri]
        oauth_alias = _alias_of(request, OAUTH_EXT_NS)
        if oauth_alias and self.oauth1 is not None:
            consumer = request.get(f"openid.{oauth_alias}.consumer", "")
            token = self.oauth1.preauthorized_request_token(consumer, user)
            if token is not None:
                out["openid.ns.ext2"] = OAUTH_EXT_NS
                out["openid.ext2.scope"] = request.get(f"openid.{oauth_alias}.scope", "")
                out["openid.ext2.request_token"] = token
        signed = [k[len("openid.") :] for k in out if k not in ("openid.ns", "openid.mode")]
        out["openid.signed"] = ",".join(signed)
        out["openid.sig"] = self.sign(out, signed)
        return out

    def check(self, fields: dict[str, str]) -> bool:
        """check_authentication: our handle, a signature that verifies, a nonce not seen before."""
        if fields.get("openid.assoc_handle") != self.assoc_handle:
            return False
        signed = [s for s in fields.get("openid.signed", "").split(",") if s]
        if not signed or any("openid." + s not in fields for s in signed):
            return False
        expected = self.sign(fields, signed)
        if not hmac.compare_digest(expected, fields.get("openid.sig", "")):
            return False
        nonce = fields.get("openid.response_nonce", "")
        if "response_nonce" not in signed or nonce in self.used_nonces:
            return False
        self.used_nonces.add(nonce)
        return True


def _alias_of(fields: dict[str, str], namespace: str) -> str | None:
    for key, value in fields.items():
        if key.startswith("openid.ns.") and value == namespace:
            return key[len("openid.ns.") :]
    return None


class OpenIDEndpoint(ProviderHandler):
    endpoint = "openid"
    provider: OpenIDProvider

    def _fields(self) -> dict[str, str]:
        return {k: self.single(k) or "" for k in self.request.arguments if k.startswith("openid.")}

    def _checked_request(self) -> dict[str, str]:
        fields = self._fields()
        if fields.get("openid.ns") != OPENID_NS or fields.get("openid.mode") != "checkid_setup":
            raise HTTPError(400, "not an OpenID 2.0 checkid_setup request")
        return_to = fields.get("openid.return_to", "")
        realm = fields.get("openid.realm", "")
        if not return_to.startswith(("http://", "https://")) or not return_to.startswith(realm):
            raise HTTPError(400, "openid.return_to must be an absolute URL under openid.realm")
        if fields.get("openid.claimed_id") != IDENTIFIER_SELECT:
            raise HTTPError(400, "only identifier_select is supported")
        return fields

    def get(self) -> None:
        fields = self._checked_request()
        realm = fields.get("openid.realm", "")
        self.consent_page(f"Sign in to {realm} with your local OpenID?")

    def post(self) -> None:
        mode = self.single("openid.mode")
        if mode == "check_authentication":
            valid = self.provider.check(self._fields())
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish(key_value_form([("ns", OPENID_NS), ("is_valid", "true" if valid else "false")]))
            return
        fields = self._checked_request()
        if self.get_argument("decision", "") != "allow":
            back = {"openid.ns": OPENID_NS, "openid.mode": "cancel"}
        else:
            back = self.provider.assertion(fields, self.provider.user(self.get_argument("username", "")))
        self.redirect(add_query(fields["openid.return_to"], back))
