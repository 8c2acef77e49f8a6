"""How a PUT reaches the disk: small bodies are read whole and written with their trailer at
once, large or unsized ones stream; either way a refused body leaves no object, no temporary
file and no open descriptor, and a bucket deleted while its PUT runs is reported, not written."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.s3server import S3Application, S3Error, _app, _handler, _store
from tornado.s3server._objfile import ObjectInfo, read_info, writev_all
from tornado.s3server._store import Storage


def request(
    server: Any,
    method: str,
    path: str,
    body: Any = b"",
    headers: dict[str, str] | None = None,
    chunked: bool = False,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def temp_files(root: Path) -> list[str]:
    return os.listdir(root / ".s3" / "tmp")


def pieces(data: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def handler_for(app: S3Application, method: str, headers: dict[str, str]) -> type:
    req = HTTPServerRequest(method=method, uri="/b/k", headers=HTTPHeaders(headers))
    return app.find_handler(req).handler_class


def test_only_large_or_unsized_bodies_stream(tmp_path: Path) -> None:
    app = S3Application(str(tmp_path))
    try:
        limit = _app.BUFFERED_BODY
        assert handler_for(app, "GET", {}) is _handler.S3Handler
        assert handler_for(app, "PUT", {"Content-Length": "65536"}) is _handler.S3Handler
        assert handler_for(app, "PUT", {"Content-Length": str(limit)}) is _handler.S3Handler
        assert handler_for(app, "PUT", {"Content-Length": str(limit + 1)}) is _handler.S3StreamingHandler
        assert handler_for(app, "PUT", {"Transfer-Encoding": "chunked"}) is _handler.S3StreamingHandler
        for odd in ("\u00b2", "1e3", " 5"):  # not a plain decimal length: never parsed here
            assert handler_for(app, "PUT", {"Content-Length": odd}) is _handler.S3StreamingHandler
    finally:
        app.storage.close()


BIG = bytes(range(256)) * (3 * 1024 * 1024 // 256)  # over BUFFERED_BODY: streams


@pytest.mark.parametrize(
    "body,chunked", [(b"x" * 65536, False), (BIG, False), (BIG, True)], ids=["small", "large", "unsized"]
)
def test_a_refused_body_leaves_no_object_no_temp_file_no_descriptor(
    s3server: Any, s3: Any, body: bytes, chunked: bool
) -> None:
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    before = s3server.open_files()
    data: Any = pieces(body) if chunked else body
    status, answer = request(s3server, "PUT", "/test/k", data, {"Content-MD5": bad}, chunked)
    assert status == 400 and b"<Code>BadDigest</Code>" in answer
    assert request(s3server, "GET", "/test/k")[0] == 404
    assert temp_files(s3server.root) == []
    assert s3server.open_files() == before

    data = pieces(body) if chunked else body
    assert request(s3server, "PUT", "/test/k", data, {"Content-MD5": good}, chunked)[0] == 200
    assert request(s3server, "GET", "/test/k") == (200, body)
    assert s3.head_object(Bucket="test", Key="k")["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert temp_files(s3server.root) == []
    assert s3server.open_files() == before


def test_puts_refused_before_their_body_hold_nothing_open(s3server: Any, s3: Any) -> None:
    before = s3server.open_files()
    for path, code in [
        ("/nobucket/k", 404),  # NoSuchBucket
        ("/test/k?partNumber=1&uploadId=nope", 404),  # NoSuchUpload
        ("/test/k?partNumber=0&uploadId=nope", 400),  # part number out of range
    ]:
        for body in (b"x" * 100, BIG):
            assert request(s3server, "PUT", path, body)[0] == code, path
    assert temp_files(s3server.root) == []
    assert s3server.open_files() == before


def test_a_bucket_deleted_during_a_put_is_reported_or_followed(tmp_path: Path) -> None:
    store = Storage(str(tmp_path))
    try:
        for buffered in (False, True):
            store.create_bucket("bkt")
            temp = store.new_temp("bkt", buffered)
            temp.write(b"body")
            store.delete_bucket("bkt")  # empty: the body is not in it yet
            temp.finish(ObjectInfo(temp.size, temp.md5.hexdigest(), 1.0))
            with pytest.raises(S3Error) as e:
                store.publish(temp, "bkt", "k")
            assert e.value.code == "NoSuchBucket"
            temp.discard()
            assert temp_files(tmp_path) == []

        # Deleted and made again meanwhile: the object lands in the bucket of that name now.
        store.create_bucket("bkt")
        temp = store.new_temp("bkt")
        temp.write(b"body")
        store.delete_bucket("bkt")
        store.create_bucket("bkt")
        temp.finish(ObjectInfo(temp.size, temp.md5.hexdigest(), 1.0))
        store.publish(temp, "bkt", "k")
        temp.discard()
        assert store.head_object("bkt", "k").size == 4
        assert temp_files(tmp_path) == []
    finally:
        store.close()


def test_a_buffered_body_touches_the_disk_only_when_finished(tmp_path: Path) -> None:
    store = Storage(str(tmp_path))
    try:
        store.create_bucket("bkt")
        temp = store.new_temp("bkt", buffered=True)
        temp.write(b"abc")
        assert temp_files(tmp_path) == []
        temp.discard()  # refused: nothing was ever written
        assert temp_files(tmp_path) == []

        temp = store.new_temp("bkt", buffered=True)
        view = bytearray(b"mutable")
        temp.write(b"abc")
        temp.write(memoryview(view))
        view[:] = b"changed"  # a mutable piece was copied when given
        assert temp_files(tmp_path) == []
        temp.finish(ObjectInfo(temp.size, temp.md5.hexdigest(), 1.0))
        store.publish(temp, "bkt", "k")
        temp.discard()
        fd, info = store.open_object("bkt", "k")
        try:
            assert os.pread(fd, info.size, 0) == b"abcmutable"
            assert info.etag == hashlib.md5(b"abcmutable").hexdigest()
        finally:
            os.close(fd)
    finally:
        store.close()


def test_a_temp_name_in_the_way_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Storage(str(tmp_path))
    try:
        (tmp_path / ".s3" / "tmp" / "taken").write_bytes(b"someone else's")
        names = iter(["taken", "free"])
        monkeypatch.setattr(_store._temp_names, "next", lambda: next(names))
        name, fd = store.create_temp()
        os.close(fd)
        assert name == "free"
        assert (tmp_path / ".s3" / "tmp" / "taken").read_bytes() == b"someone else's"
    finally:
        store.close()


def test_temp_names_and_request_ids_are_unique() -> None:
    names = {_store._temp_names.next() for _ in range(1000)}
    assert len(names) == 1000
    ids = {_handler._request_ids.next() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch("[0-9A-F]{16}", i) for i in ids)


def test_writev_all_completes_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_writev, real_write = os.writev, os.write
    monkeypatch.setattr(os, "writev", lambda fd, bufs: real_writev(fd, [bytes(b)[:3] for b in bufs][:1]))
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data)[:5]))
    parts: list[bytes | memoryview] = [b"first piece", memoryview(b"second"), b"", b"third and last"]
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        writev_all(fd, parts)
    finally:
        os.close(fd)
    assert (tmp_path / "f").read_bytes() == b"first piecesecondthird and last"


@pytest.mark.parametrize("body_size", [0, 5, 5000, 100_000])
@pytest.mark.parametrize("header_size", [0, 10_000])
def test_object_files_read_back_whatever_their_trailer_size(
    tmp_path: Path, body_size: int, header_size: int
) -> None:
    body = bytes(range(256)) * (body_size // 256) + b"z" * (body_size % 256)
    info = ObjectInfo(len(body), hashlib.md5(body).hexdigest(), 2.5, "text/plain", {"a": "b"})
    if header_size:
        info.headers["Content-Disposition"] = "d" * header_size  # a trailer longer than one tail read
    path = tmp_path / "obj"
    path.write_bytes(body + info.trailer())
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_info(fd) == info
        assert read_info(fd, os.fstat(fd)) == info
    finally:
        os.close(fd)


@pytest.mark.parametrize("content", [b"", b"abc", b"plain file placed by hand" * 1000])
def test_a_plain_file_is_its_own_body(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "plain"
    path.write_bytes(content)
    fd = os.open(path, os.O_RDONLY)
    try:
        info = read_info(fd)
    finally:
        os.close(fd)
    assert (info.size, info.etag) == (len(content), hashlib.md5(content).hexdigest())
