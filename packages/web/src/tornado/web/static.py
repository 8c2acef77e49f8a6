"""Serving files from a directory with validators, ranges and versioned URLs."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
import threading
import time
from typing import Any

from tornado.httputil import format_timestamp, parse_http_date
from tornado.web.errors import HTTPError
from tornado.web.handler import RequestHandler
from tornado.web.redirects import origin

_CHUNK = 64 * 1024
_TEN_YEARS = 86400 * 365 * 10


class StaticFileHandler(RequestHandler):
    """Serve files under ``path``; never anything outside it.

    Symlinks are followed while they resolve inside the root; one that leads outside it
    (to a file or through a directory) is refused with 403, like a ``..`` path.

    With ``?v=`` in the URL (see static_url) the response may be cached for ten years.
    Supports If-None-Match/If-Modified-Since (304), single byte ranges (206/416) and HEAD.
    """

    CACHE_MAX_AGE = _TEN_YEARS
    SETS_XSRF_COOKIE = False
    _static_hashes: dict[str, str | None] = {}
    # Versioned URLs by (prefix, static_path, path): a page calls static_url for the same few
    # files on every request, and the check that a path resolves inside the root costs a
    # realpath (syscalls per path component).  Kept, like the hashes, while static_hash_cache.
    _static_urls: dict[tuple[str, str, str], str] = {}
    _lock = threading.Lock()

    def initialize(self, path: str, default_filename: str | None = None) -> None:
        if not isinstance(path, str) or not path:
            raise ValueError("StaticFileHandler needs a 'path' (the static root directory)")
        self.root = os.path.abspath(path)
        self.default_filename = default_filename

    @classmethod
    def reset(cls) -> None:
        """Forget cached content hashes (files changed on disk)."""
        with cls._lock:
            cls._static_hashes = {}
            cls._static_urls = {}

    def head(self, path: str) -> Any:
        return self.get(path, include_body=False)

    async def get(self, path: str, include_body: bool = True) -> None:
        abspath = self.validate_absolute_path(path)
        if abspath is None:
            return
        st = os.stat(abspath)
        size = st.st_size
        modified = int(st.st_mtime)
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("Last-Modified", format_timestamp(modified))
        etag = self._etag_for(abspath, st)
        if etag:
            self.set_header("Etag", etag)
        mime, encoding = mimetypes.guess_type(abspath)
        if encoding == "gzip":
            mime = "application/gzip"
        elif encoding == "bzip2":
            mime = "application/x-bzip2"
        elif encoding is not None:
            mime = "application/octet-stream"
        if mime is None:
            mime = "application/octet-stream"
        elif mime.startswith("text/") or mime in ("application/javascript", "application/json"):
            mime += "; charset=UTF-8"
        self.set_header("Content-Type", mime)
        if "v" in self.request.query_arguments:
            self.set_header("Expires", format_timestamp(time.time() + self.CACHE_MAX_AGE))
            self.set_header("Cache-Control", f"max-age={self.CACHE_MAX_AGE}")
        else:
            self.set_header("Cache-Control", "public")
        if self._not_modified(etag, modified):
            self.set_status(304)
            self._headers.pop("Content-Type", None)
            return
        start, end = 0, size
        range_header = self.request.headers.get("Range")
        if range_header:
            parsed = _parse_range(range_header)
            if parsed is not None:
                first, last = parsed
                if first is None:  # suffix: the last N bytes
                    assert last is not None
                    if last == 0:
                        self._unsatisfiable(size)
                        return
                    start = max(size - last, 0)
                else:
                    start = first
                    end = size if last is None else min(last + 1, size)
                if start >= size or start >= end:
                    self._unsatisfiable(size)
                    return
                self.set_status(206)
                self.set_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        length = end - start
        self.set_header("Content-Length", length)
        if not include_body or self.request.method == "HEAD":
            return
        with open(abspath, "rb") as f:
            f.seek(start)
            remaining = length
            while remaining > 0:
                data = f.read(min(_CHUNK, remaining))
                if not data:
                    break
                remaining -= len(data)
                self.write(data)
                if remaining > 0:
                    await self.flush()

    def _unsatisfiable(self, size: int) -> None:
        self.set_status(416)
        self.clear_header("Etag")
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.set_header("Content-Range", f"bytes */{size}")

    def compute_etag(self) -> str | None:
        # The content hash is set in get(); do not hash the body a second time.
        return None

    def _not_modified(self, etag: str | None, modified: int) -> bool:
        if self.request.headers.get("If-None-Match"):
            return bool(etag) and self.check_etag_header()
        ims = self.request.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parse_http_date(ims)
            except ValueError:
                return False
            return since.timestamp() >= modified
        return False

    def _etag_for(self, abspath: str, st: os.stat_result) -> str | None:
        version = self.get_version(self.settings, abspath, full=True)
        return f'"{version}"' if version else None

    def validate_absolute_path(self, path: str) -> str | None:
        """The file for URL path ``path``, or a 403/404; None when a redirect was sent."""
        if "\x00" in path:
            raise HTTPError(400, "NUL byte in static path")
        root = self.root
        if os.path.isabs(path) or path.startswith(("/", "\\")):
            raise HTTPError(403, "absolute static path %r", path)
        abspath = os.path.abspath(os.path.join(root, path))
        if not (abspath + os.sep).startswith(root + os.sep):
            raise HTTPError(403, "%s is not in the static root directory", path)
        if not _resolves_inside(abspath, root):
            raise HTTPError(403, "%s leads through a symlink to outside the static root", path)
        if os.path.isdir(abspath):
            if self.default_filename is None:
                raise HTTPError(403, "%s is a directory", path)
            if not self.request.path.endswith("/"):
                target = self.request.path + "/"
                if origin(target) != ("", None):
                    # "//host/" (or "/\\host/") would be a redirect to another site.
                    raise HTTPError(403, "cannot redirect %r: a browser reads it as another host", target)
                self.redirect(target, permanent=True)
                return None
            abspath = os.path.join(abspath, self.default_filename)
            if not _resolves_inside(abspath, root):
                raise HTTPError(403, "%s leads through a symlink to outside the static root", path)
        if not os.path.exists(abspath):
            raise HTTPError(404)
        if not os.path.isfile(abspath) or not stat.S_ISREG(os.stat(abspath).st_mode):
            raise HTTPError(403, "%s is not a file", path)
        return abspath

    @classmethod
    def get_version(cls, settings: dict[str, Any], path: str, full: bool = False) -> str | None:
        """A hash of the file's content (cached unless ``static_hash_cache`` is False)."""
        abspath = path if os.path.isabs(path) else os.path.join(settings["static_path"], path)
        abspath = os.path.abspath(abspath)
        use_cache = settings.get("static_hash_cache", True)
        hashes = cls._static_hashes
        if use_cache:
            digest = hashes.get(abspath)
            if digest is not None or abspath in hashes:
                return digest if full or digest is None else digest[:5]
        try:
            h = hashlib.sha1()
            with open(abspath, "rb") as f:
                for block in iter(lambda: f.read(_CHUNK), b""):
                    h.update(block)
            digest = h.hexdigest()
        except OSError:
            digest = None
        if use_cache:
            with cls._lock:
                hashes[abspath] = digest
        return digest if full or digest is None else digest[:5]

    @classmethod
    def make_static_url(cls, settings: dict[str, Any], path: str, include_version: bool = True) -> str:
        """``/static/<path>?v=<hash>``: the versioned URL static_url() returns."""
        prefix = settings.get("static_url_prefix", "/static/")
        url = prefix + path.lstrip("/")
        if not include_version:
            return url
        use_cache = settings.get("static_hash_cache", True)
        key = (prefix, settings["static_path"], path)
        if use_cache:
            cached = cls._static_urls.get(key)
            if cached is not None:
                return cached
        root = os.path.abspath(settings["static_path"])
        abspath = os.path.abspath(os.path.join(root, path))
        if not (abspath + os.sep).startswith(root + os.sep) or not _resolves_inside(abspath, root):
            versioned = url
        else:
            version = cls.get_version(settings, abspath)
            versioned = f"{url}?v={version}" if version else url
        if use_cache:
            with cls._lock:
                cls._static_urls[key] = versioned
        return versioned


def _resolves_inside(abspath: str, root: str) -> bool:
    """True when ``abspath``, with every symlink on its way resolved, is still under ``root``
    (itself resolved: a root that is a symlink is fine)."""
    real_root = os.path.realpath(root)
    return (os.path.realpath(abspath) + os.sep).startswith(real_root.rstrip(os.sep) + os.sep)


def _parse_range(header: str) -> tuple[int | None, int | None] | None:
    """Parse a single ``bytes=first-last`` range; None when malformed or multi-range (serve all)."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_s, sep, last_s = spec.strip().partition("-")
    if not sep:
        return None
    try:
        if not first_s:
            if not last_s.isdigit():
                return None
            return None, int(last_s)
        if not first_s.isdigit():
            return None
        first = int(first_s)
        if not last_s:
            return first, None
        if not last_s.isdigit():
            return None
        last = int(last_s)
    except ValueError:
        return None
    if last < first:
        return None
    return first, last
