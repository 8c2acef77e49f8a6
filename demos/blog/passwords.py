"""Password hashing with scrypt and constant-time verification.

A stored hash reads ``scrypt$<n>$<r>$<p>$<salt b64>$<key b64>``: the cost parameters travel
with it, so raising them later leaves old hashes verifiable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1
KEY_LEN = 32
MIN_LENGTH = 8
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A fresh salted scrypt hash of ``password``."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password must be at least {MIN_LENGTH} characters")
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=KEY_LEN, maxmem=_MAXMEM)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


# Checked when the account does not exist, so that an unknown e-mail address costs as much
# time as a wrong password and response times do not reveal which addresses have accounts.
_DECOY = f"scrypt${N}${R}${P}${_b64(b'decoy-salt-16byt')}${_b64(bytes(KEY_LEN))}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such account, always False)."""
    try:
        scheme, n, r, p, salt, key = (stored or _DECOY).split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected) and stored is not None
