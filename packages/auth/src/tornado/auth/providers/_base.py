"""What the local providers share: the users, a consent page, fault injection, serving on loopback."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tornado.escape import xhtml_escape
from tornado.httpserver import HTTPServer, bind_sockets
from tornado.web import Application, HTTPError, RequestHandler

log = logging.getLogger("tornado.auth.providers")


@dataclass
class User:
    """Someone who can sign in at a local provider."""

    username: str
    first_name: str
    last_name: str
    email: str
    locale: str = "en_US"
    id: str = field(default_factory=lambda: str(secrets.randbelow(10**12) + 10**12))

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEFAULT_USERS = {
    "alice": User("alice", "Alice", "Liddell", "alice@example.com", "en_US", "100000000001"),
    "bob": User("bob", "Bob", "Marley", "bob@example.com", "es_ES", "100000000002"),
}


class Provider:
    """A provider: its application, the port it serves on, and one-shot faults for tests.

    ``fail_next(endpoint, "500" | "badjson")`` makes the next request to ``endpoint`` (a
    handler's ``endpoint`` name) answer HTTP 500 or a body that is not JSON.
    """

    title = "Local provider"

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self.faults: dict[str, str] = {}
        self.port = 0
        self.host = "127.0.0.1"
        self._server: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def fail_next(self, endpoint: str, kind: str) -> None:
        if kind not in ("500", "badjson"):
            raise ValueError(f"fault must be '500' or 'badjson', not {kind!r}")
        self.faults[endpoint] = kind

    def user(self, username: str) -> User:
        username = username.strip().lower() or "alice"
        if username not in self.users:
            self.users[username] = User(username, username.capitalize(), "Example", f"{username}@example.com")
        return self.users[username]

    def handlers(self) -> list[Any]:
        raise NotImplementedError

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host`` (loopback) and ``port`` (0: a free one) on the running loop."""
        app = Application(self.handlers(), log_function=_log_request)
        self._server = HTTPServer(app)
        sockets = bind_sockets(port, host)
        self.host = host
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await asyncio.wait_for(self._server.close_all_connections(), 10)
            self._server = None


def _log_request(handler: RequestHandler) -> None:
    """Providers log the path only: their query strings carry tokens."""
    log.info("%d %s %s", handler.get_status(), handler.request.method, handler.request.path)


class ProviderHandler(RequestHandler):
    """Base of every provider endpoint: knows its provider, honours injected faults."""

    endpoint = ""

    def initialize(self, provider: Any) -> None:
        self.provider = provider

    def prepare(self) -> None:
        fault = self.provider.faults.pop(self.endpoint, None)
        if fault == "500":
            raise HTTPError(500, "injected fault")
        if fault == "badjson":
            self.set_header("Content-Type", "application/json")
            self.finish("{this is not json")

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(f"{status_code}: {self._reason}")

    def single(self, name: str) -> str | None:
        """A form or query argument that appears at most once (else 400)."""
        values = self.get_arguments(name, strip=False)
        if len(values) > 1:
            raise HTTPError(400, "duplicate argument %s", name)
        return values[0] if values else None

    def consent_page(self, what: str, extra_fields: dict[str, str] | None = None) -> None:
        """The sign-in/approval page: a username box, Allow and Deny; posts back to this URL."""
        hidden = "".join(
            f'<input type="hidden" name="{xhtml_escape(k)}" value="{xhtml_escape(v)}">'
            for k, v in (extra_fields or {}).items()
        )
        self.finish(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{xhtml_escape(self.provider.title)}: sign in</title></head><body>"
            f"<h1>{xhtml_escape(self.provider.title)}</h1>"
            f"<p>{xhtml_escape(what)}</p>"
            f'<form method="post" action="{xhtml_escape(self.request.uri)}">{hidden}'
            '<label>Username <input name="username" value="alice" autocomplete="off"></label> '
            '<button type="submit" name="decision" value="allow">Allow</button> '
            '<button type="submit" name="decision" value="deny">Deny</button>'
            "</form></body></html>"
        )


def s256(verifier: str) -> str:
    """RFC 7636's S256 code challenge, written here apart from the client's on purpose."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def add_query(url: str, args: dict[str, str]) -> str:
    """``url`` with ``args`` appended to its query."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(args.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
