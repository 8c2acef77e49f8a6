"""S3Application and start(): the 1.0 interface, with signatures and virtual hosts added."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from tornado.web import Application

from ._handler import S3Handler, S3StreamingHandler
from ._multipart import Uploads
from ._sigv4 import Verifier
from ._store import Storage

gen_log = logging.getLogger("tornado.general")

# Large bodies stream to disk, so the server's body limit is S3's object limit (plus framing).
MAX_BODY_SIZE = 5 * 1024**3 + 64 * 1024**2
# A body of known length up to this size is read whole before the handler runs: one write of
# body and trailer, and no per-request task or pause of reading as streaming needs.
BUFFERED_BODY = 1024 * 1024


class S3Context:
    """What every request needs: storage, uploads, the signature verifier, routing settings."""

    def __init__(
        self,
        storage: Storage,
        verifier: Verifier | None,
        domains: Sequence[str],
        region: str,
    ) -> None:
        self.storage = storage
        self.uploads = Uploads(storage)
        self.verifier = verifier
        self.domains = tuple(d.lower().strip(".") for d in domains)
        self.region = region
        who = next(iter(verifier.credentials), "anonymous") if verifier else "anonymous"
        owner_id = hashlib.sha256(who.encode("utf-8")).hexdigest()
        self._owner = f"<Owner><ID>{owner_id}</ID><DisplayName>tornado</DisplayName></Owner>"

    def owner_xml(self) -> str:
        return self._owner


class S3Application(Application):
    """An S3-compatible server backed by files under ``root_directory``.

    ``bucket_depth`` spreads each new bucket's objects over that many levels of hashed
    sub-directories, so no directory grows too large.  With ``access_key`` and
    ``secret_key`` (or a ``credentials`` dict of several), every request must carry a valid
    AWS Signature Version 4; without them any request is accepted, as in Tornado 1.0.
    ``domains`` are the host names under which ``<bucket>.<domain>`` selects a bucket
    (virtual-host addressing); other hosts use path-style ``/<bucket>/<key>``.
    """

    def __init__(
        self,
        root_directory: str,
        bucket_depth: int = 0,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        credentials: dict[str, str] | None = None,
        domains: Sequence[str] = ("localhost",),
        region: str = "us-east-1",
        **settings: Any,
    ) -> None:
        if (access_key is None) != (secret_key is None):
            raise ValueError("access_key and secret_key must be given together")
        creds = dict(credentials or {})
        if access_key is not None and secret_key is not None:
            if not access_key or not secret_key:
                raise ValueError("access_key and secret_key must not be empty")
            creds[access_key] = secret_key
        if isinstance(domains, str) or not all(isinstance(d, str) and d for d in domains):
            raise ValueError(f"domains must be a sequence of host names, got {domains!r}")
        if not isinstance(region, str) or not region:
            raise ValueError(f"region must be a non-empty str, got {region!r}")
        self.storage = Storage(root_directory, bucket_depth)
        self.s3 = S3Context(self.storage, Verifier(creds) if creds else None, domains, region)
        self._handler_kwargs = {"context": self.s3}
        super().__init__([(r"/.*", S3Handler, self._handler_kwargs)], **settings)

    def find_handler(self, request: Any, **kwargs: Any) -> Any:
        """Every request goes to the S3 handler; a large body, or one of unknown length, streams."""
        headers = request.headers
        length = headers.get("Content-Length")
        if "Transfer-Encoding" in headers or (
            length is not None
            and not (length.isascii() and length.isdigit() and int(length) <= BUFFERED_BODY)
        ):
            return self.get_handler_delegate(request, S3StreamingHandler, self._handler_kwargs)
        return self.get_handler_delegate(request, S3Handler, self._handler_kwargs)

    @property
    def authenticated(self) -> bool:
        return self.s3.verifier is not None


def start(
    port: int,
    root_directory: str,
    bucket_depth: int = 0,
    address: str = "127.0.0.1",
    **kwargs: Any,
) -> None:
    """Serve an :class:`S3Application` on ``address:port`` and run the IOLoop (blocks)."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    application = S3Application(root_directory, bucket_depth, **kwargs)
    if not application.authenticated:
        gen_log.warning(
            "s3server: no access key configured: every request is accepted without authentication"
        )
    server = HTTPServer(application, max_body_size=MAX_BODY_SIZE)
    server.listen(port, address)
    IOLoop.current().start()
