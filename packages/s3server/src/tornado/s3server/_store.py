"""Buckets and objects on disk, confined to the root directory.

Layout under ``root``::

    <bucket>/.bucket          creation time and the bucket's hash depth (JSON)
    <bucket>/[xx/...]<name>   objects; ``xx`` = hash directories when bucket_depth > 0,
                              long keys continue in ``<chunk>~`` directories (see _names)
    .s3/tmp/                  bodies being received; renamed into place when complete
    .s3/uploads/<id>/         multipart uploads in progress

Every path is walked from an open directory descriptor one component at a time with
``O_NOFOLLOW``, so a symlink planted anywhere under the root (a bucket, a hash directory,
an object) is never followed: it reads as "no such bucket/key".  Components come only from
validated bucket names, hex digits and escaped key names, which hold no separators.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass

from . import _names
from ._errors import S3Error
from ._objfile import ObjectInfo, read_info, write_all, writev_all

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
BUCKET_META = ".bucket"
INTERNAL = ".s3"
_STALE_TMP = 24 * 3600
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_HEX2 = re.compile("[0-9a-f]{2}")


class _TempNames:
    """Names for temporary files: a random prefix per process and a counter (no syscall each).

    A forked child draws a new prefix, so processes sharing a root never race for a name;
    ``O_EXCL`` settles the rare clash with a file left by a process long gone.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.prefix = secrets.token_hex(6) + "-"
        self.count = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}{next(self.count):x}"


_temp_names = _TempNames()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_temp_names.reset)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def open_dir(name: str, dir_fd: int) -> int:
    """Open a real directory (not a symlink) below ``dir_fd``."""
    return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


def open_file(name: str, dir_fd: int) -> int:
    """Open a regular file (not a symlink, FIFO or device) below ``dir_fd`` for reading."""
    return open_file_stat(name, dir_fd)[0]


def open_file_stat(name: str, dir_fd: int) -> tuple[int, os.stat_result]:
    """:func:`open_file`, with the file's status (so that callers need not ask again)."""
    fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise FileNotFoundError(errno.ENOENT, "not a regular file", name)
    os.set_blocking(fd, True)
    return fd, st


def ensure_dir(name: str, dir_fd: int) -> int:
    try:
        os.mkdir(name, 0o755, dir_fd=dir_fd)
    except FileExistsError:
        pass
    return open_dir(name, dir_fd)


@dataclass
class Bucket:
    name: str
    created: float
    depth: int


@dataclass
class Entry:
    """A key found by a listing walk: its UTF-8 bytes and where its file lives."""

    key_bytes: bytes
    dirs: list[str]
    name: str

    @property
    def key(self) -> str:
        return self.key_bytes.decode("utf-8")


class TempFile:
    """A file in ``.s3/tmp`` that becomes an object (or a part) by :meth:`Storage.publish`.

    A streamed body is written as it arrives.  A body already whole in memory (``buffered``)
    is only hashed as it is given; the file is created by :meth:`finish`, which writes body
    and trailer with one ``writev``, so a body that fails a check never touches the disk.
    When made for a bucket, the bucket stays open until :meth:`discard`, so that publishing
    does not look it up again.
    """

    def __init__(
        self, storage: Storage, bucket: Bucket | None = None, bucket_fd: int = -1, buffered: bool = False
    ) -> None:
        self.storage = storage
        self.bucket = bucket
        self.bucket_fd = bucket_fd
        self.name = ""
        self.fd = -1
        self.md5 = hashlib.md5()
        self.size = 0
        self._pieces: list[bytes | memoryview] | None = [] if buffered else None
        if not buffered:
            self._create()

    def _create(self) -> None:
        self.name, self.fd = self.storage.create_temp()

    def write(self, data: bytes | memoryview) -> None:
        self.md5.update(data)
        self.size += len(data)
        pieces = self._pieces
        if pieces is not None:
            # Bytes are immutable: kept as they are; anything else is copied (it may change).
            pieces.append(data if type(data) is bytes else bytes(data))
            return
        n = os.write(self.fd, data)
        if n < len(data):
            write_all(self.fd, memoryview(data)[n:])

    def finish(self, info: ObjectInfo) -> None:
        """Append the trailer; the file is complete and closed."""
        trailer = info.trailer()
        pieces = self._pieces
        if pieces is not None:
            self._pieces = None
            self._create()
            pieces.append(trailer)
            writev_all(self.fd, pieces)
        else:
            write_all(self.fd, trailer)
        os.close(self.fd)
        self.fd = -1

    def discard(self) -> None:
        """Remove the file unless it was published, and let go of the bucket; idempotent."""
        self._pieces = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.name:
            try:
                os.unlink(self.name, dir_fd=self.storage.tmp_fd)
            except FileNotFoundError:
                pass
            self.name = ""
        if self.bucket_fd >= 0:
            os.close(self.bucket_fd)
            self.bucket_fd = -1


class Storage:
    """The file-system side of the server; raises :class:`S3Error` for what a client got wrong."""

    def __init__(self, root_directory: str, bucket_depth: int = 0) -> None:
        if not isinstance(bucket_depth, int) or isinstance(bucket_depth, bool) or not 0 <= bucket_depth <= 8:
            raise ValueError(f"bucket_depth must be an int in 0..8, got {bucket_depth!r}")
        if not isinstance(root_directory, (str, os.PathLike)) or not os.path.isdir(root_directory):
            raise ValueError(f"root_directory is not a directory: {root_directory!r}")
        self.root = os.path.realpath(root_directory)
        self.bucket_depth = bucket_depth
        # Parsed .bucket files, keyed by bucket name, valid while the file's identity is unchanged.
        self._bucket_cache: dict[str, tuple[tuple[int, int, int, int], Bucket]] = {}
        self.root_fd = os.open(self.root, _DIR_FLAGS & ~os.O_NOFOLLOW)
        try:
            internal = ensure_dir(INTERNAL, self.root_fd)
            self.tmp_fd = ensure_dir("tmp", internal)
            self.uploads_fd = ensure_dir("uploads", internal)
            os.close(internal)
        except OSError as e:
            raise ValueError(
                f"root_directory {self.root!r}: cannot use {INTERNAL}/ inside it ({e.strerror})"
            ) from None
        self._clean_tmp()

    def _clean_tmp(self) -> None:
        cutoff = time.time() - _STALE_TMP
        for entry in os.scandir(self.tmp_fd):
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.name, dir_fd=self.tmp_fd)
            except OSError:
                pass

    def close(self) -> None:
        for fd in (self.tmp_fd, self.uploads_fd, self.root_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    # ------------------------------------------------------------------ buckets

    def _open_bucket(self, name: str) -> int:
        if name not in self._bucket_cache:  # a name in the cache was checked when it was read
            _names.check_bucket_name(name)
        try:
            return open_dir(name, self.root_fd)
        except (FileNotFoundError, NotADirectoryError, OSError) as e:
            if isinstance(e, (FileNotFoundError, NotADirectoryError)) or e.errno == errno.ELOOP:
                raise S3Error("NoSuchBucket", BucketName=name) from None
            raise

    def _bucket_info(self, name: str, fd: int) -> Bucket:
        # Every object request needs its bucket's depth: one stat of the .bucket file (not
        # followed if it is a symlink) replaces the open, read and parse while it is unchanged.
        try:
            st = os.stat(BUCKET_META, dir_fd=fd, follow_symlinks=False)
        except OSError:
            st = None
        identity = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size) if st is not None else None
        cached = self._bucket_cache.get(name)
        if cached is not None and cached[0] == identity and st is not None and stat.S_ISREG(st.st_mode):
            return cached[1]
        bucket = self._read_bucket_info(name, fd)
        if identity is not None:
            self._bucket_cache[name] = (identity, bucket)
        return bucket

    def _read_bucket_info(self, name: str, fd: int) -> Bucket:
        try:
            meta_fd = open_file(BUCKET_META, fd)
        except OSError:
            return Bucket(name, os.fstat(fd).st_mtime, 0)  # a directory made by hand: flat
        try:
            doc = json.loads(os.read(meta_fd, 4096))
        except ValueError:
            doc = {}
        finally:
            os.close(meta_fd)
        created = doc.get("created") if isinstance(doc, dict) else None
        depth = doc.get("depth") if isinstance(doc, dict) else None
        return Bucket(
            name,
            float(created) if isinstance(created, (int, float)) else os.fstat(fd).st_mtime,
            depth if isinstance(depth, int) and 0 <= depth <= 8 else 0,
        )

    def bucket(self, name: str) -> Bucket:
        """The bucket ``name``; NoSuchBucket when absent."""
        fd = self._open_bucket(name)
        try:
            return self._bucket_info(name, fd)
        finally:
            os.close(fd)

    def buckets(self) -> list[Bucket]:
        out = []
        for entry in os.scandir(self.root_fd):
            if _names.bucket_name_error(entry.name) is None and entry.is_dir(follow_symlinks=False):
                try:
                    out.append(self.bucket(entry.name))
                except (S3Error, OSError):
                    continue
        out.sort(key=lambda b: b.name)
        return out

    def create_bucket(self, name: str) -> None:
        _names.check_bucket_name(name)
        try:
            os.mkdir(name, 0o755, dir_fd=self.root_fd)
        except FileExistsError:
            raise S3Error("BucketAlreadyOwnedByYou", BucketName=name) from None
        fd = open_dir(name, self.root_fd)
        try:
            doc = json.dumps({"created": time.time(), "depth": self.bucket_depth}).encode()
            tmp = ".bucket." + secrets.token_hex(8)
            meta = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd)
            try:
                write_all(meta, doc)
            finally:
                os.close(meta)
            os.rename(tmp, BUCKET_META, src_dir_fd=fd, dst_dir_fd=fd)
        finally:
            os.close(fd)

    def delete_bucket(self, name: str) -> None:
        fd = self._open_bucket(name)
        try:
            info = self._bucket_info(name, fd)
            for _entry in self._walk(fd, info.depth, 0, [], b"", b""):
                raise S3Error("BucketNotEmpty", BucketName=name)
            self._remove_empty_dirs(fd)
            try:
                os.unlink(BUCKET_META, dir_fd=fd)
            except FileNotFoundError:
                pass
            self._bucket_cache.pop(name, None)
        finally:
            os.close(fd)
        try:
            os.rmdir(name, dir_fd=self.root_fd)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise S3Error(
                    "BucketNotEmpty", "The bucket holds files that are not objects.", BucketName=name
                ) from None
            raise

    def _remove_empty_dirs(self, fd: int) -> None:
        for entry in list(os.scandir(fd)):
            if entry.is_dir(follow_symlinks=False):
                sub = open_dir(entry.name, fd)
                try:
                    self._remove_empty_dirs(sub)
                finally:
                    os.close(sub)
                try:
                    os.rmdir(entry.name, dir_fd=fd)
                except OSError:
                    pass

    # ------------------------------------------------------------------ objects

    def _object_location(self, bucket: Bucket, key: str) -> tuple[list[str], str]:
        parts = _names.key_to_parts(key)
        dirs = _names.hash_dirs(key.encode("utf-8"), bucket.depth) + parts[:-1]
        return dirs, parts[-1]

    def _walk_to(self, bucket_fd: int, dirs: list[str], create: bool) -> int:
        """Descend ``dirs`` from the bucket; returns a new descriptor (the caller closes it)."""
        fd = os.dup(bucket_fd)
        for d in dirs:
            try:
                nxt = ensure_dir(d, fd) if create else open_dir(d, fd)
            finally:
                os.close(fd)
            fd = nxt
        return fd

    def open_object(self, bucket_name: str, key: str) -> tuple[int, ObjectInfo]:
        """An open descriptor on the object's file (the body is its first ``info.size`` bytes)."""
        bfd = self._open_bucket(bucket_name)
        try:
            bucket = self._bucket_info(bucket_name, bfd)
            dirs, name = self._object_location(bucket, key)
            try:
                dfd = self._walk_to(bfd, dirs, create=False) if dirs else bfd
                try:
                    fd, st = open_file_stat(name, dfd)
                finally:
                    if dfd != bfd:
                        os.close(dfd)
            except OSError as e:
                if (
                    isinstance(e, (FileNotFoundError, NotADirectoryError, IsADirectoryError))
                    or e.errno == errno.ELOOP
                ):
                    raise S3Error("NoSuchKey", Key=key) from None
                raise
        finally:
            os.close(bfd)
        try:
            return fd, read_info(fd, st)
        except BaseException:
            os.close(fd)
            raise

    def head_object(self, bucket_name: str, key: str) -> ObjectInfo:
        fd, info = self.open_object(bucket_name, key)
        os.close(fd)
        return info

    def create_temp(self) -> tuple[str, int]:
        """A new, empty file in ``.s3/tmp``: its name and a descriptor open for writing."""
        while True:
            name = _temp_names.next()
            try:
                return name, os.open(name, _TEMP_FLAGS, 0o644, dir_fd=self.tmp_fd)
            except FileExistsError:
                continue  # left by an earlier process of the same name prefix: take the next

    def new_temp(self, bucket_name: str | None = None, buffered: bool = False) -> TempFile:
        """A temp file for a body; for a PUT, ``bucket_name`` is checked (NoSuchBucket) and held."""
        if bucket_name is None:
            return TempFile(self, buffered=buffered)
        fd = self._open_bucket(bucket_name)
        try:
            return TempFile(self, self._bucket_info(bucket_name, fd), fd, buffered)
        except BaseException:
            os.close(fd)
            raise

    def publish(self, temp: TempFile, bucket_name: str, key: str) -> None:
        """Move a finished temp file into place as ``key``: readers see the old or the new object."""
        bucket = temp.bucket
        if bucket is not None and bucket.name == bucket_name and temp.bucket_fd >= 0:
            try:
                self._publish_in(temp, temp.bucket_fd, bucket, key, 1)
                return
            except FileNotFoundError:
                pass  # the bucket held since the PUT began was deleted: look the name up again
        bfd = self._open_bucket(bucket_name)
        try:
            self._publish_in(temp, bfd, self._bucket_info(bucket_name, bfd), key, 3)
        finally:
            os.close(bfd)

    def _publish_in(self, temp: TempFile, bfd: int, bucket: Bucket, key: str, attempts: int) -> None:
        dirs, name = self._object_location(bucket, key)
        for attempt in range(attempts):
            dfd = self._walk_to(bfd, dirs, create=True) if dirs else bfd
            try:
                os.rename(temp.name, name, src_dir_fd=self.tmp_fd, dst_dir_fd=dfd)
                temp.name = ""
                return
            except FileNotFoundError:
                if attempt == attempts - 1:
                    raise  # a directory on the way vanished (a concurrent delete): retry
            except IsADirectoryError:
                raise S3Error(
                    "InvalidRequest", "A directory that is not an object is in the way.", Key=key
                ) from None
            finally:
                if dfd != bfd:
                    os.close(dfd)

    def delete_object(self, bucket_name: str, key: str) -> None:
        """Remove ``key`` if present (S3 answers 204 either way) and any directories it emptied."""
        bfd = self._open_bucket(bucket_name)
        try:
            bucket = self._bucket_info(bucket_name, bfd)
            dirs, name = self._object_location(bucket, key)
            fds = [bfd]
            try:
                for d in dirs:
                    fds.append(open_dir(d, fds[-1]))
                os.unlink(name, dir_fd=fds[-1])
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return
            except OSError as e:
                if e.errno == errno.ELOOP:
                    return
                raise
            finally:
                for i in range(len(fds) - 1, 0, -1):
                    os.close(fds[i])
                    try:
                        os.rmdir(dirs[i - 1], dir_fd=fds[i - 1])
                    except OSError:
                        pass
        finally:
            os.close(bfd)

    # ------------------------------------------------------------------ listing

    def list_entries(self, bucket_name: str, prefix: bytes = b"", after: bytes = b"") -> list[Entry]:
        """Every key starting with ``prefix`` and greater than ``after``, sorted by UTF-8 bytes."""
        bfd = self._open_bucket(bucket_name)
        try:
            bucket = self._bucket_info(bucket_name, bfd)
            entries = list(self._walk(bfd, bucket.depth, 0, [], b"", prefix))
        finally:
            os.close(bfd)
        if after:
            entries = [e for e in entries if e.key_bytes > after]
        entries.sort(key=lambda e: e.key_bytes)
        return entries

    def _walk(
        self, fd: int, depth: int, level: int, dirs: list[str], base: bytes, prefix: bytes
    ) -> Iterator[Entry]:
        with os.scandir(fd) as it:
            items = list(it)
        for item in items:
            name = item.name
            if name.startswith("."):
                continue
            if level < depth:
                if _HEX2.fullmatch(name) and item.is_dir(follow_symlinks=False):
                    yield from self._descend(fd, name, depth, level + 1, dirs, base, prefix)
                continue
            if _names.is_object_name(name):
                key = base + _names.name_to_key_bytes(name)
                if key.startswith(prefix) and _utf8(key) and item.is_file(follow_symlinks=False):
                    yield Entry(key, dirs, name)
            elif _names.is_continuation_name(name) and item.is_dir(follow_symlinks=False):
                sub_base = base + _names.name_to_key_bytes(name[:-1])
                if sub_base.startswith(prefix) or prefix.startswith(sub_base):
                    yield from self._descend(fd, name, depth, level, dirs, sub_base, prefix)

    def _descend(
        self, fd: int, name: str, depth: int, level: int, dirs: list[str], base: bytes, prefix: bytes
    ) -> Iterator[Entry]:
        try:
            sub = open_dir(name, fd)
        except OSError:
            return
        try:
            yield from self._walk(sub, depth, level, [*dirs, name], base, prefix)
        finally:
            os.close(sub)

    def entry_info(self, bucket_name: str, entry: Entry) -> ObjectInfo | None:
        """Metadata for a listed entry, or None if it vanished meanwhile."""
        try:
            bfd = self._open_bucket(bucket_name)
        except S3Error:
            return None
        try:
            dfd = self._walk_to(bfd, entry.dirs, create=False)
            try:
                fd = open_file(entry.name, dfd)
            finally:
                os.close(dfd)
        except OSError:
            return None
        finally:
            os.close(bfd)
        try:
            return read_info(fd)
        except OSError:
            return None
        finally:
            os.close(fd)
