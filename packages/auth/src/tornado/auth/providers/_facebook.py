"""Local Facebook endpoints: the Platform (login.php, restserver.php with ``sig``) and the Graph
API (dialog/oauth, oauth/access_token, /me with ``appsecret_proof``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tornado.web import HTTPError

from ._base import Provider, ProviderHandler, User, add_query, s256

SESSION_LIFETIME = 3600


def platform_sig(args: dict[str, str], secret: str) -> str:
    """MD5 over ``k=v`` sorted by name, then the app secret (written from Facebook's docs, not
    shared with the client code on purpose)."""
    return hashlib.md5(("".join(f"{k}={args[k]}" for k in sorted(args)) + secret).encode("utf-8")).hexdigest()


@dataclass
class App:
    app_id: str
    secret: str
    redirect_uris: set[str] = field(default_factory=set)


@dataclass
class GraphGrant:
    app_id: str
    redirect_uri: str
    challenge: str | None
    user: User
    expires: float


class FacebookProvider(Provider):
    """Facebook Platform and Graph API for registered apps (``register_app``)."""

    title = "Local Facebook"

    def __init__(self, users: dict[str, User]) -> None:
        super().__init__(users)
        self.apps: dict[str, App] = {}
        self.sessions: dict[str, tuple[str, User, int]] = {}  # session_key -> (api_key, user, expires)
        self.grants: dict[str, GraphGrant] = {}
        self.tokens: dict[str, tuple[str, User]] = {}  # access token -> (app_id, user)
        self.posts: list[dict[str, str]] = []

    def register_app(self, app_id: str, secret: str, redirect_uris: Sequence[str] = ()) -> None:
        self.apps[app_id] = App(app_id, secret, set(redirect_uris))

    def handlers(self) -> list[Any]:
        kw = {"provider": self}
        return [
            (r"/login\.php", LoginHandler, kw),
            (r"/restserver\.php", RestServerHandler, kw),
            (r"/dialog/oauth", GraphDialogHandler, kw),
            (r"/oauth/access_token", GraphTokenHandler, kw),
            (r"/me", GraphMeHandler, kw),
            (r"/me/feed", GraphMeHandler, kw),
        ]


class LoginHandler(ProviderHandler):
    """Facebook Connect's login page: returns to ``next`` with a signed ``session``."""

    endpoint = "login"
    provider: FacebookProvider

    def _app(self) -> tuple[App, str]:
        app = self.provider.apps.get(self.single("api_key") or "")
        nxt = self.single("next") or ""
        if app is None or not nxt.startswith(("http://", "https://")):
            raise HTTPError(400, "unknown api_key or no next URL")
        return app, nxt

    def get(self) -> None:
        app, _ = self._app()
        self.consent_page(f"Connect with the application {app.app_id}?")

    def post(self) -> None:
        app, nxt = self._app()
        if self.get_argument("decision", "") != "allow":
            self.redirect(self.single("cancel_url") or nxt)
            return
        user = self.provider.user(self.get_argument("username", ""))
        key = secrets.token_hex(16)
        expires = int(time.time()) + SESSION_LIFETIME
        self.provider.sessions[key] = (app.app_id, user, expires)
        session = {
            "session_key": key,
            "uid": user.id,
            "expires": str(expires),
            "secret": secrets.token_hex(8),
        }
        session["sig"] = platform_sig(session, app.secret)
        self.redirect(add_query(nxt, {"session": json.dumps(session)}))


class RestServerHandler(ProviderHandler):
    """The REST API: every call must carry a valid ``sig``; errors come back as ``error_code``."""

    endpoint = "restserver"
    provider: FacebookProvider

    def post(self) -> None:
        args = {k: self.single(k) or "" for k in self.request.arguments}
        app = self.provider.apps.get(args.get("api_key", ""))
        if app is None:
            self.finish({"error_code": 101, "error_msg": "Invalid API key"})
            return
        sig = args.pop("sig", "")
        if not hmac.compare_digest(platform_sig(args, app.secret), sig):
            self.finish({"error_code": 104, "error_msg": "Incorrect signature"})
            return
        session = self.provider.sessions.get(args.get("session_key", ""))
        if session is None or session[0] != app.app_id or session[2] < time.time():
            self.finish({"error_code": 102, "error_msg": "Session key invalid or no longer valid"})
            return
        user = session[1]
        method = args.get("method")
        if method == "facebook.users.getInfo":
            self.write(
                json.dumps(
                    [
                        {
                            "uid": user.id,
                            "first_name": user.first_name,
                            "last_name": user.last_name,
                            "name": user.name,
                            "locale": user.locale,
                            "pic_square": f"{self.provider.base_url}/pics/{user.id}.jpg",
                            "profile_url": f"{self.provider.base_url}/profile.php?id={user.id}",
                            "username": user.username,
                        }
                    ]
                )
            )
            self.set_header("Content-Type", "application/json")
        elif method == "facebook.stream.publish":
            self.provider.posts.append({"user": user.username, "message": args.get("message", "")})
            self.finish(json.dumps(f"{user.id}_{len(self.provider.posts)}"))
        else:
            self.finish({"error_code": 3, "error_msg": "Unknown method"})

    get = post


class GraphDialogHandler(ProviderHandler):
    endpoint = "dialog"
    provider: FacebookProvider

    def _checked(self) -> tuple[App, str, str]:
        app = self.provider.apps.get(self.single("client_id") or "")
        redirect_uri = self.single("redirect_uri") or ""
        if app is None or redirect_uri not in app.redirect_uris:
            raise HTTPError(400, "unknown client_id or unregistered redirect_uri")
        return app, redirect_uri, self.single("state") or ""

    def get(self) -> None:
        app, _, _ = self._checked()
        self.consent_page(f"Log in to {app.app_id} with Facebook?")

    def post(self) -> None:
        app, redirect_uri, state = self._checked()
        if self.get_argument("decision", "") != "allow":
            self.redirect(add_query(redirect_uri, {"error": "access_denied", "state": state}))
            return
        if self.single("code_challenge") and self.single("code_challenge_method") != "S256":
            raise HTTPError(400, "only S256 code challenges")
        code = secrets.token_urlsafe(24)
        user = self.provider.user(self.get_argument("username", ""))
        challenge = self.single("code_challenge")
        self.provider.grants[code] = GraphGrant(app.app_id, redirect_uri, challenge, user, time.time() + 120)
        self.redirect(add_query(redirect_uri, {"code": code, "state": state}))


class GraphTokenHandler(ProviderHandler):
    endpoint = "access_token"
    provider: FacebookProvider

    def graph_error(self, message: str, code: int = 100) -> None:
        self.set_status(400)
        self.finish({"error": {"message": message, "type": "OAuthException", "code": code}})

    def get(self) -> None:
        app = self.provider.apps.get(self.single("client_id") or "")
        if app is None or not hmac.compare_digest(
            (self.single("client_secret") or "").encode(), app.secret.encode()
        ):
            self.graph_error("Error validating client secret.", 1)
            return
        grant = self.provider.grants.pop(self.single("code") or "", None)
        if grant is None or grant.app_id != app.app_id or grant.expires < time.time():
            self.graph_error("Invalid verification code format.")
            return
        if self.single("redirect_uri") != grant.redirect_uri:
            self.graph_error("Error validating verification code (redirect_uri).")
            return
        if grant.challenge is not None:
            verifier = self.single("code_verifier") or ""
            if not hmac.compare_digest(s256(verifier).encode(), grant.challenge.encode()):
                self.graph_error("Invalid code verifier.")
                return
        token = secrets.token_urlsafe(32)
        self.provider.tokens[token] = (app.app_id, grant.user)
        self.finish({"access_token": token, "token_type": "bearer", "expires_in": 5183944})


class GraphMeHandler(ProviderHandler):
    """``/me`` and ``/me/feed``: a known token and its app's ``appsecret_proof`` are required."""

    endpoint = "me"
    provider: FacebookProvider

    def _user(self) -> User | None:
        token = self.single("access_token") or ""
        found = self.provider.tokens.get(token)
        proof = self.single("appsecret_proof") or ""
        if found is None:
            self._error("Invalid OAuth access token.", 190)
            return None
        app = self.provider.apps[found[0]]
        expected = hmac.new(app.secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, proof):
            self._error("Invalid appsecret_proof provided in the API argument", 100)
            return None
        return found[1]

    def _error(self, message: str, code: int) -> None:
        self.set_status(400)
        self.finish({"error": {"message": message, "type": "OAuthException", "code": code}})

    def get(self) -> None:
        user = self._user()
        if user is None:
            return
        every = {
            "id": user.id,
            "name": user.name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "locale": user.locale,
            "email": user.email,
            "link": f"{self.provider.base_url}/{user.username}",
            "picture": {"data": {"url": f"{self.provider.base_url}/pics/{user.id}.jpg"}},
        }
        fields = (self.single("fields") or "id,name").split(",")
        self.finish({k: every[k] for k in fields if k in every})

    def post(self) -> None:
        user = self._user()
        if user is None:
            return
        self.provider.posts.append({"user": user.username, "message": self.get_argument("message", "")})
        self.finish({"id": f"{user.id}_{len(self.provider.posts)}"})
