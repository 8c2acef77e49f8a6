"""AWS Signature Version 4 verification, for the Authorization header and presigned URLs.

Follows AWS's "Authenticating Requests (AWS Signature Version 4)" for S3: the canonical
request is rebuilt from what arrived (path and query re-encoded the AWS way, the signed
headers trimmed), hashed into the string to sign and signed with the key derived from the
secret, the credential's date, region and service.  The region a client signs for is
accepted as given, so clients configured for any region can talk to the server.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote_to_bytes

from ._errors import S3Error


class _Headers(Protocol):
    """What signing reads from request headers (HTTPHeaders, or any server's equivalent)."""

    def get(self, name: str, default: Any = None, /) -> Any: ...

    def get_list(self, name: str, /) -> list[str]: ...


ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
MAX_SKEW = 15 * 60
MAX_EXPIRES = 7 * 24 * 3600


@dataclass
class SigningContext:
    """What a verified request's body checks need: the payload hash it declared, and for
    signed aws-chunked bodies the key, scope and seed signature of the chunk chain."""

    access_key: str
    payload_hash: str
    signing_key: bytes = b""
    amz_date: str = ""
    scope: str = ""
    seed_signature: str = ""

    def chunk_signature(self, previous: str, chunk_sha256: str) -> str:
        sts = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, previous, EMPTY_SHA256, chunk_sha256]
        )
        return hmac.new(self.signing_key, sts.encode(), hashlib.sha256).hexdigest()

    def trailer_signature(self, previous: str, trailer: bytes) -> str:
        sts = "\n".join(
            [
                "AWS4-HMAC-SHA256-TRAILER",
                self.amz_date,
                self.scope,
                previous,
                hashlib.sha256(trailer).hexdigest(),
            ]
        )
        return hmac.new(self.signing_key, sts.encode(), hashlib.sha256).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def canonical_uri(raw_path: str) -> str:
    """The path as AWS encodes it: every byte but unreserved characters and ``/`` as %XX."""
    return quote(unquote_to_bytes(raw_path or "/"), safe="/~") or "/"


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append(
            (
                unquote_to_bytes(name).decode("utf-8", "replace"),
                unquote_to_bytes(value).decode("utf-8", "replace"),
            )
        )
    return pairs


def canonical_query(pairs: list[tuple[str, str]], exclude: str = "") -> str:
    encoded = sorted(
        (quote(n.encode("utf-8"), safe="~"), quote(v.encode("utf-8"), safe="~"))
        for n, v in pairs
        if n != exclude
    )
    return "&".join(f"{n}={v}" for n, v in encoded)


def canonical_headers(headers: _Headers, signed: list[str]) -> str:
    get_list = headers.get_list
    lines = []
    for name in signed:
        values = get_list(name)
        lines.append(name + ":" + ",".join(" ".join(v.split()) for v in values) + "\n")
    return "".join(lines)


def parse_amz_date(value: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except (ValueError, OverflowError):
        raise S3Error(
            "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        ) from None


def _parse_credential(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or parts[3] != "s3":
        raise S3Error(
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    return parts[0], parts[1], parts[2], "/".join(parts[1:])


def _parse_authorization(value: str) -> dict[str, str]:
    fields = {}
    for item in value[len(ALGORITHM) :].split(","):
        name, sep, val = item.strip().partition("=")
        if sep:
            fields[name.strip()] = val.strip()
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in fields:
            raise S3Error(
                "AuthorizationHeaderMalformed", f"The authorization header is malformed; missing {required}."
            )
    return fields


class Verifier:
    """Checks requests against ``{access_key: secret_key}``."""

    def __init__(self, credentials: dict[str, str], now: object = time.time) -> None:
        self.credentials = dict(credentials)
        self._now = now

    def now(self) -> float:
        return float(self._now())  # type: ignore[operator]

    def _secret(self, access_key: str) -> str:
        secret = self.credentials.get(access_key)
        if secret is None:
            raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=access_key)
        return secret

    def verify(self, method: str, raw_path: str, raw_query: str, headers: _Headers) -> SigningContext:
        """The request's signing context; raises S3Error (403/400) when it is not properly signed."""
        get = headers.get
        auth = get("Authorization")
        pairs = query_pairs(raw_query) if raw_query else []
        if auth is not None and auth.startswith(ALGORITHM + " "):
            return self._verify_header(method, raw_path, pairs, headers, auth)
        query = dict(pairs)
        if query.get("X-Amz-Algorithm") == ALGORITHM:
            return self._verify_presigned(method, raw_path, pairs, query, headers)
        if auth is not None or "Signature" in query:
            raise S3Error(
                "InvalidRequest",
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
            )
        raise S3Error(
            "AccessDenied", "Anonymous access is not allowed: sign the request with AWS Signature Version 4."
        )

    def _signature(
        self, secret: str, date: str, region: str, amz_date: str, scope: str, creq: str
    ) -> tuple[str, bytes]:
        key = signing_key(secret, date, region)
        sts = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
        return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest(), key

    def _verify_header(
        self, method: str, raw_path: str, pairs: list[tuple[str, str]], headers: _Headers, auth: str
    ) -> SigningContext:
        get = headers.get
        fields = _parse_authorization(auth)
        access_key, date, region, scope = _parse_credential(fields["Credential"])
        secret = self._secret(access_key)
        amz_date = get("X-Amz-Date")
        if not amz_date:
            raise S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
        when = parse_amz_date(amz_date)
        if abs(self.now() - when) > MAX_SKEW:
            raise S3Error("RequestTimeTooSkewed", RequestTime=amz_date)
        if amz_date[:8] != date:
            raise S3Error("SignatureDoesNotMatch", "The credential date does not match the request date.")
        signed = fields["SignedHeaders"].lower().split(";")
        if "host" not in signed:
            raise S3Error("AuthorizationHeaderMalformed", "The host header must be signed.")
        payload = get("X-Amz-Content-SHA256")
        if payload is None:
            raise S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        creq = "\n".join(
            [
                method,
                canonical_uri(raw_path),
                canonical_query(pairs),
                canonical_headers(headers, signed),
                ";".join(signed),
                payload,
            ]
        )
        expected, key = self._signature(secret, date, region, amz_date, scope, creq)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise S3Error("SignatureDoesNotMatch", AWSAccessKeyId=access_key)
        return SigningContext(access_key, payload, key, amz_date, scope, expected)

    def _verify_presigned(
        self,
        method: str,
        raw_path: str,
        pairs: list[tuple[str, str]],
        query: dict[str, str],
        headers: _Headers,
    ) -> SigningContext:
        for name in (
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        ):
            if name not in query:
                raise S3Error(
                    "AuthorizationQueryParametersError",
                    f"Query-string authentication requires {name}.",
                    status=400,
                )
        access_key, date, region, scope = _parse_credential(query["X-Amz-Credential"])
        secret = self._secret(access_key)
        amz_date = query["X-Amz-Date"]
        when = parse_amz_date(amz_date)
        try:
            expires = int(query["X-Amz-Expires"])
        except ValueError:
            expires = -1
        if not 1 <= expires <= MAX_EXPIRES:
            raise S3Error(
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be between 1 and 604800 seconds.",
                status=400,
            )
        now = self.now()
        if when - now > MAX_SKEW:
            raise S3Error("AccessDenied", "Request is not valid yet")
        if now > when + expires:
            raise S3Error(
                "AccessDenied",
                "Request has expired",
                Expires=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when + expires)),
            )
        signed = query["X-Amz-SignedHeaders"].lower().split(";")
        if "host" not in signed:
            raise S3Error("AccessDenied", "The host header must be signed.")
        get = headers.get
        payload = get("X-Amz-Content-SHA256") or UNSIGNED
        creq = "\n".join(
            [
                method,
                canonical_uri(raw_path),
                canonical_query(pairs, exclude="X-Amz-Signature"),
                canonical_headers(headers, signed),
                ";".join(signed),
                payload,
            ]
        )
        expected, key = self._signature(secret, date, region, amz_date, scope, creq)
        if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
            raise S3Error("SignatureDoesNotMatch", AWSAccessKeyId=access_key)
        return SigningContext(access_key, payload, key, amz_date, scope, expected)
