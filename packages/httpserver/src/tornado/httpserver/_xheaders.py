"""The client address and scheme reported by a reverse proxy (``xheaders=True``)."""

from __future__ import annotations

import ipaddress

from tornado.httputil import HTTPHeaders

__all__ = ["apply_xheaders"]


def _valid_ip(ip: str) -> bool:
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return False
    return True


def apply_xheaders(
    headers: HTTPHeaders, remote_ip: str, protocol: str, trusted: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """Client address and scheme as reported by a reverse proxy in front of us.

    ``X-Real-IP`` wins; otherwise the rightmost valid address of ``X-Forwarded-For`` is
    used, because that is the one our own proxy appended; entries to its left were sent by
    the client and can be forged.  Addresses in ``trusted`` (further proxies of ours) are
    skipped.  ``X-Scheme`` / ``X-Forwarded-Proto`` give the scheme.
    """
    real = headers.get("X-Real-IP")
    if real is not None and _valid_ip(real.strip()):
        remote_ip = real.strip()
    else:
        fwd = headers.get("X-Forwarded-For")
        if fwd is not None:
            for cand in reversed(fwd.split(",")):
                cand = cand.strip()
                if cand not in trusted and _valid_ip(cand):
                    remote_ip = cand
                    break
    scheme = headers.get("X-Scheme") or headers.get("X-Forwarded-Proto")
    if scheme is not None:
        scheme = scheme.split(",")[-1].strip().lower()
        if scheme in ("http", "https"):
            protocol = scheme
    return remote_ip, protocol
