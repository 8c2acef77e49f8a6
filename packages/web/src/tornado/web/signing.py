"""Signed values for secure cookies: ``base64(value)|timestamp|signature``.

The signature is HMAC-SHA256 over the cookie name, the encoded value and the timestamp,
so a value signed for one cookie name does not validate under another. When the secret
is a dict of key versions, the token carries the version: ``kv|base64(value)|timestamp|sig``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

SecretType = str | bytes | Mapping[int, str | bytes]


def _to_bytes(s: str | bytes) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else s


def _signature(secret: str | bytes, *parts: bytes) -> bytes:
    message = b"|".join(parts) + b"|"
    return hmac.new(_to_bytes(secret), message, hashlib.sha256).hexdigest().encode("ascii")


def check_secret(secret: object, key_version: int | None) -> None:
    """Raise a ValueError naming the setting when ``cookie_secret``/``key_version`` cannot sign."""
    if isinstance(secret, (str, bytes)):
        if not secret:
            raise ValueError("the 'cookie_secret' setting is empty")
        return
    if isinstance(secret, Mapping):
        if not secret:
            raise ValueError("the 'cookie_secret' setting is an empty dict of key versions")
        if key_version is None or key_version not in secret:
            raise ValueError(
                "the 'key_version' setting must name a key of the 'cookie_secret' dict "
                f"(got {key_version!r}, keys {sorted(secret)!r})"
            )
        return
    raise ValueError(
        f"the 'cookie_secret' setting must be a str, bytes or dict of key versions, got {type(secret).__name__}"
    )


def create_signed_value(
    secret: SecretType,
    name: str,
    value: str | bytes,
    key_version: int | None = None,
    clock: float | None = None,
) -> bytes:
    """Sign ``value`` for cookie ``name``; the result is cookie-safe ASCII."""
    check_secret(secret, key_version)
    timestamp = str(int(clock if clock is not None else time.time())).encode("ascii")
    encoded = base64.b64encode(_to_bytes(value))
    bname = _to_bytes(name)
    if isinstance(secret, Mapping):
        assert key_version is not None
        kv = str(key_version).encode("ascii")
        sig = _signature(secret[key_version], kv, bname, encoded, timestamp)
        return b"|".join([kv, encoded, timestamp, sig])
    sig = _signature(secret, bname, encoded, timestamp)
    return b"|".join([encoded, timestamp, sig])


def decode_signed_value(
    secret: SecretType,
    name: str,
    value: str | bytes | None,
    max_age_days: float = 31,
    clock: float | None = None,
    min_version: int | None = None,
) -> bytes | None:
    """The original value, or None when the token is malformed, tampered, expired or foreign."""
    if not value:
        return None
    try:
        token = _to_bytes(value)
    except UnicodeEncodeError:
        return None
    parts = token.split(b"|")
    if len(parts) == 3:
        if isinstance(secret, Mapping):
            return None
        encoded, timestamp, sig = parts
        expected = _signature(secret, _to_bytes(name), encoded, timestamp)
    elif len(parts) == 4:
        if not isinstance(secret, Mapping):
            return None
        kv, encoded, timestamp, sig = parts
        try:
            version = int(kv)
        except ValueError:
            return None
        if version not in secret or (min_version is not None and version < min_version):
            return None
        expected = _signature(secret[version], kv, _to_bytes(name), encoded, timestamp)
    else:
        return None
    if not hmac.compare_digest(sig, expected):
        return None
    now = clock if clock is not None else time.time()
    if not timestamp.isdigit() or timestamp.startswith(b"0"):
        return None
    ts = int(timestamp)
    if ts < now - max_age_days * 86400:
        return None
    if ts > now + 31 * 86400:
        # Signed far in the future: a forged clock, or an attempt to stretch the lifetime.
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
