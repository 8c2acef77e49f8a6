"""The ASGI HTTP connection scope, built from what tornado's server knows about a request."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tornado.httputil import HTTPHeaders

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}

Scope = dict[str, Any]

# Header names as ASGI wants them (lower-case bytes), by the server's normalized text name.
# The parser hands out one normalized name per field, so this stays as small as the set of
# names clients send; it is bounded all the same.
_LOWER: dict[str, bytes] = {}
_LOWER_MAX = 1024
HTTP_VERSIONS = {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0"}


def scope_version(version: str) -> str:
    """``http_version`` of the scope: "1.1" for "HTTP/1.1"."""
    return version[5:] if version.startswith("HTTP/") else version


def _lower(name: str) -> bytes:
    low = name.lower().encode("latin-1")
    if len(_LOWER) >= _LOWER_MAX:
        _LOWER.clear()
    _LOWER[name] = low
    return low


def asgi_headers(headers: HTTPHeaders) -> list[tuple[bytes, bytes]]:
    """Request headers as ASGI wants them: lower-case names, bytes, in arrival order."""
    lower = _LOWER
    out: list[tuple[bytes, bytes]] = []
    # HTTPHeaders keeps {name: [values]}; walking it directly skips get_all's generator.
    fields = headers._dict.items() if type(headers) is HTTPHeaders else _grouped(headers)
    for name, values in fields:
        low = lower.get(name)
        if low is None:
            low = _lower(name)
        for value in values:
            out.append((low, value.encode("latin-1")))
    return out


def _grouped(headers: Any) -> list[tuple[str, list[str]]]:
    return [(name, [value]) for name, value in headers.get_all()]


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
    if client is not None:
        if client[0] != remote_ip:
            client = (remote_ip, client[1])  # X-Real-Ip / X-Forwarded-For applied by the server
    elif remote_ip:
        client = (remote_ip, 0)
    http_version = HTTP_VERSIONS.get(version) or scope_version(version)
    scope: Scope = {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": http_version,
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
        scope["state"] = state.copy()
    return scope
