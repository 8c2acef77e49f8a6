"""The request handler: routing (path-style and virtual-host), authentication, S3 errors.

One catch-all handler reads the bucket from the Host header or the first path segment and
the key from the rest of the *raw* path (decoded strictly as UTF-8), then dispatches on
method and sub-resource (``?uploads``, ``?delete``, ``?list-type=2`` ...) to the functions
in ``_buckets`` and ``_objects``.  Request bodies go through a :class:`BodyReceiver` created
in :meth:`prepare`, fed from ``request.body`` for a small body (read whole by the framework
before the handler runs) and from :meth:`data_received` by :class:`S3StreamingHandler`, which
the application picks for a large body or one of unknown length.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import types
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from tornado.web import HTTPError, RequestHandler, stream_request_body

from . import _buckets, _objects, _xml
from ._body import BodyReceiver, BufferSink
from ._errors import S3Error
from ._sigv4 import SigningContext
from ._store import TempFile

if TYPE_CHECKING:
    from ._app import S3Context

gen_log = logging.getLogger("tornado.general")

MAX_XML_BODY = 1024 * 1024
# Sub-resources this server does not implement: answered with NotImplemented, not mistaken
# for a plain GET/PUT of the bucket or object.
_UNSUPPORTED = frozenset(
    """accelerate acl analytics attributes cors encryption intelligent-tiering inventory legal-hold
    lifecycle logging metrics notification object-lock ownershipControls policy policyStatus
    publicAccessBlock replication requestPayment restore retention select tagging torrent website
    versions""".split()
)


class S3Handler(RequestHandler):
    """Serves one S3 request whose body (if any) is small enough to be read whole first."""

    SUPPORTED_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")

    bucket = ""
    key = ""
    signing: SigningContext | None = None
    receiver: BodyReceiver | None = None
    temp: TempFile | None = None
    buffer: BufferSink | None = None
    _streamed = False

    def initialize(self, context: S3Context) -> None:
        self.s3 = context

    def set_default_headers(self) -> None:
        self._headers["x-amz-request-id"] = getattr(self, "_request_id", None) or self._new_request_id()

    def _new_request_id(self) -> str:
        self._request_id = _request_ids.next()
        return self._request_id

    def compute_etag(self) -> str | None:
        return None  # S3's ETag is the stored MD5, set explicitly

    # ------------------------------------------------------------------ request parsing

    def arg(self, name: str) -> str | None:
        values = self.request.query_arguments.get(name)
        if not values:
            return None
        value = values[-1]
        if isinstance(value, str):
            return value
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise S3Error("InvalidArgument", f"The {name} parameter is not valid UTF-8.") from None

    def has_arg(self, name: str) -> bool:
        return name in self.request.query_arguments

    def _route(self) -> tuple[str, str]:
        request = self.request
        try:
            path = unquote_to_bytes(request.path).decode("utf-8")
        except UnicodeDecodeError:
            raise S3Error("InvalidURI") from None
        if not path.startswith("/"):
            raise S3Error("InvalidURI")
        host = request.host_name.lower().rstrip(".")
        for domain in self.s3.domains:
            if host.endswith("." + domain):
                return host[: -len(domain) - 1], path[1:]
        bucket, _, key = path[1:].partition("/")
        if key and not bucket:
            raise S3Error("InvalidURI")
        return bucket, key

    def prepare(self) -> None:
        self.bucket, self.key = self._route()
        if self.s3.verifier is not None:
            self.signing = self.s3.verifier.verify(
                self.request.method, self.request.path, self.request.query, self.request.headers
            )
        method = self.request.method
        if method == "PUT" and self.key and "X-Amz-Copy-Source" not in self.request.headers:
            self.temp = _objects.start_put(self, buffered=not self._stream_request_body)
            self.receiver = BodyReceiver(
                self.request.headers, self.temp, _objects.MAX_OBJECT_SIZE, self.signing
            )
        elif method in ("PUT", "POST"):
            self.buffer = BufferSink()
            self.receiver = BodyReceiver(self.request.headers, self.buffer, MAX_XML_BODY, self.signing)

    def data_received(self, chunk: bytes) -> None:
        """Body bytes as they arrive, when the framework streams request bodies."""
        self._streamed = True
        if self.receiver is not None:
            self.receiver.feed(chunk)

    def body_done(self) -> None:
        """The whole body has been received: run every integrity check on it."""
        if self.receiver is None:
            return
        if not self._streamed and self.request.body:
            self.receiver.feed(self.request.body)
        self.receiver.finish()

    def xml_body(self) -> bytes:
        self.body_done()
        return self.buffer.getvalue() if self.buffer is not None else b""

    # ------------------------------------------------------------------ dispatch

    def _unsupported(self) -> None:
        for name in self.request.query_arguments:
            if name in _UNSUPPORTED:
                raise S3Error("NotImplemented", f"The {name} sub-resource is not implemented by this server.")

    def get(self) -> Any:
        if not self.bucket:
            return _buckets.list_buckets(self)
        if not self.key:
            if self.has_arg("location"):
                return _buckets.get_location(self)
            if self.has_arg("versioning"):
                return _buckets.get_versioning(self)
            if self.has_arg("uploads"):
                return _buckets.list_uploads(self)
            self._unsupported()
            if self.arg("list-type") == "2":
                return _buckets.list_objects(self, v2=True)
            return _buckets.list_objects(self, v2=False)
        if self.has_arg("uploadId"):
            return _objects.list_parts(self)
        self._unsupported()
        return _objects.get_object(self, head=False)

    def head(self) -> Any:
        if not self.bucket:
            raise S3Error("MethodNotAllowed")
        if not self.key:
            return _buckets.head_bucket(self)
        return _objects.get_object(self, head=True)

    def put(self) -> Any:
        if not self.bucket:
            raise S3Error("MethodNotAllowed")
        self._unsupported()
        if not self.key:
            return _buckets.create_bucket(self)
        if self.has_arg("uploadId") or self.has_arg("partNumber"):
            return _objects.upload_part(self)
        if "X-Amz-Copy-Source" in self.request.headers:
            return _objects.copy_object(self)
        return _objects.put_object(self)

    def post(self) -> Any:
        if not self.bucket:
            raise S3Error("MethodNotAllowed")
        if not self.key:
            if self.has_arg("delete"):
                return _buckets.delete_objects(self)
            raise S3Error("NotImplemented", "Browser-based POST uploads are not implemented by this server.")
        if self.has_arg("uploads"):
            return _objects.create_upload(self)
        if self.has_arg("uploadId"):
            return _objects.complete_upload(self)
        raise S3Error("NotImplemented", "This POST request is not implemented by this server.")

    def delete(self) -> Any:
        if not self.bucket:
            raise S3Error("MethodNotAllowed")
        self._unsupported()
        if not self.key:
            return _buckets.delete_bucket(self)
        if self.has_arg("uploadId"):
            return _objects.abort_upload(self)
        return _objects.delete_object(self)

    # ------------------------------------------------------------------ responses

    def send_xml(self, root: str, children: list[str], status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/xml")
        self.finish(_xml.document(root, children))

    def send_empty(self, status: int = 200) -> None:
        self.set_status(status)
        self.clear_header("Content-Type")
        self.finish()

    def resource(self) -> str:
        return "/" + self.bucket + ("/" + self.key if self.key else "") if self.bucket else "/"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if self.temp is not None:
            self.temp.discard()  # before the answer: a refused body leaves nothing behind
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, S3Error):
            err = exc
        elif isinstance(exc, HTTPError):
            code = {405: "MethodNotAllowed", 404: "NoSuchKey"}.get(exc.status_code, "InvalidRequest")
            err = S3Error(code, status=exc.status_code)
        else:
            err = S3Error("InternalError")
        self.set_status(err.status)
        if err.code == "InvalidRange" and "ActualObjectSize" in err.extra:
            self.set_header("Content-Range", "bytes */" + err.extra["ActualObjectSize"])
        if self.request.method == "HEAD":
            self.clear_header("Content-Type")
            self.finish()
            return
        self.set_header("Content-Type", "application/xml")
        extra = {k.replace("_", "-"): v for k, v in err.extra.items()}
        if self.bucket and err.code in ("NoSuchBucket", "BucketNotEmpty", "BucketAlreadyOwnedByYou"):
            extra.setdefault("BucketName", self.bucket)
        self.finish(_xml.error_document(err.code, err.message, self.resource(), self._request_id, extra))

    def log_exception(self, typ: Any, value: BaseException | None, tb: types.TracebackType | None) -> None:
        if isinstance(value, S3Error):
            if value.status >= 500:
                gen_log.warning("%s %s: %s", value.code, self._request_summary(), value.message)
            return
        super().log_exception(typ, value, tb)

    def on_finish(self) -> None:
        if self.temp is not None:
            self.temp.discard()

    def on_connection_close(self) -> None:
        if self.temp is not None:
            self.temp.discard()


@stream_request_body
class S3StreamingHandler(S3Handler):
    """The same handler for a body too large to hold in memory: it goes to disk as it arrives."""


class _RequestIds:
    """S3 request ids: 16 upper-case hex digits, a random prefix per process and a counter."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.prefix = secrets.randbits(32) << 32
        self.count = itertools.count()

    def next(self) -> str:
        return f"{self.prefix | (next(self.count) & 0xFFFFFFFF):016X}"


_request_ids = _RequestIds()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_request_ids.reset)
