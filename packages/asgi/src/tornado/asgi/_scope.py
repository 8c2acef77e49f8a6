"""The ASGI HTTP connection scope, built from what tornado's server knows about a request."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tornado.httputil import HTTPHeaders

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}

Scope = dict[str, Any]


def asgi_headers(headers: HTTPHeaders) -> list[tuple[bytes, bytes]]:
    """Request headers as ASGI wants them: lower-case names, bytes, in arrival order."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.get_all()]


def _peer(address: Any) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2:
        return (str(address[0]), int(address[1]))
    return None


def connection_addresses(connection: Any) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """(client, server) (host, port) pairs of the server connection, when the server exposes them."""
    transport = getattr(connection, "transport", None)
    if transport is None:
        return None, None
    return _peer(transport.get_extra_info("peername")), _peer(transport.get_extra_info("sockname"))


def http_scope(
    method: str,
    target: str,
    version: str,
    headers: HTTPHeaders,
    remote_ip: str,
    protocol: str,
    client: tuple[str, int] | None,
    server: tuple[str, int] | None,
    root_path: str,
    state: dict[str, Any] | None,
) -> Scope:
    path, _, query = target.partition("?")
    if client is not None and client[0] != remote_ip:
        client = (remote_ip, client[1])  # X-Real-Ip / X-Forwarded-For applied by the server
    elif client is None and remote_ip:
        client = (remote_ip, 0)
    scope: Scope = {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": version[5:] if version.startswith("HTTP/") else version,
        "method": method,
        "scheme": protocol,
        "path": unquote(path) if "%" in path else path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": root_path,
        "headers": asgi_headers(headers),
        "client": client,
        "server": server,
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope
