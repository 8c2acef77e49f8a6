"""OAuth 1.0 request signing (RFC 5849 section 3.4): base string and HMAC-SHA1 signature.

Pure functions, so they are checked against the RFC's worked examples on their own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping

__all__ = [
    "base_string_uri",
    "make_oauth_params",
    "normalize_parameters",
    "percent_encode",
    "signature_base_string",
    "hmac_sha1_signature",
]


def percent_encode(value: str | bytes) -> str:
    """RFC 5849 3.6: UTF-8, then every byte but ALPHA / DIGIT / ``-._~`` as ``%XX``."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return urllib.parse.quote(value, safe=b"~")


def base_string_uri(url: str) -> str:
    """RFC 5849 3.4.1.2: scheme and host lower-cased, default port dropped, no query or fragment."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"OAuth 1.0 signs only http and https URLs, not {url!r}")
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def normalize_parameters(params: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 3.4.1.3.2: encode names and values, sort by name then value, join with ``&``."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 3.4.1: ``METHOD&uri&params``; the URL's own query arguments are signed too.

    ``params`` are the protocol parameters and form-body arguments (without
    ``oauth_signature``); a query in ``url`` is added to them here.
    """
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    all_params = [*query, *params]
    return "&".join(
        [
            percent_encode(method.upper()),
            percent_encode(base_string_uri(url)),
            percent_encode(normalize_parameters(all_params)),
        ]
    )


def hmac_sha1_signature(base_string: str, consumer_secret: str, token_secret: str | None = None) -> str:
    """RFC 5849 3.4.2: base64 HMAC-SHA1 keyed with ``encode(consumer secret)&encode(token secret)``."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret or '')}"
    digest = hmac.new(key.encode("ascii"), base_string.encode("ascii"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def make_oauth_params(
    method: str,
    url: str,
    consumer_key: str,
    consumer_secret: str,
    token: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
    version: str = "1.0",
    extra_oauth: Mapping[str, str] | None = None,
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The ``oauth_*`` parameters, ``oauth_signature`` included, for one request.

    ``token`` is ``{"key": ..., "secret": ...}`` (request or access token); ``parameters`` are
    the other arguments the request sends in its form body or query; ``extra_oauth`` adds
    protocol parameters such as ``oauth_callback`` or ``oauth_verifier``.
    """
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": timestamp if timestamp is not None else str(int(time.time())),
        "oauth_nonce": nonce if nonce is not None else binascii.b2a_hex(uuid.uuid4().bytes).decode(),
        "oauth_version": version,
    }
    if token is not None:
        oauth["oauth_token"] = token["key"]
    if extra_oauth:
        oauth.update(extra_oauth)
    signed = [*oauth.items(), *(parameters or {}).items()]
    base = signature_base_string(method, url, signed)
    oauth["oauth_signature"] = hmac_sha1_signature(base, consumer_secret, token["secret"] if token else None)
    return oauth
