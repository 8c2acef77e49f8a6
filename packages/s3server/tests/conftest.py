"""Fixtures: an S3Application served on a free 127.0.0.1 port from a background thread
(its own event loop), and boto3 clients pointed at it."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import tornado.ioloop
from tornado.httpserver import HTTPServer
from tornado.s3server import S3Application

ACCESS_KEY = "AKIDTESTTESTTEST"
SECRET_KEY = "secret/with+odd=chars"


class LiveS3:
    """An S3Application served in its own thread and event loop."""

    def __init__(self, root: Path, **kwargs: Any) -> None:
        self.root = root
        self.app = S3Application(str(root), **kwargs)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._sock = sock
        self._started = threading.Event()
        self.loop = tornado.ioloop.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = HTTPServer(self.app, max_body_size=1024**3)

        async def start() -> None:
            self.server.add_sockets([self._sock])
            await asyncio.sleep(0)

        self.loop.run_until_complete(start())
        self._started.set()
        self.loop.run_forever()

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.stop()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
            self.app.storage.close()

    def open_files(self) -> int:
        """Descriptors of this process (the server runs in a thread of it) on files under the root."""
        root = str(self.root)
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(root) and "/." not in target[len(root) :]:
                count += 1
        return count

    def client(
        self,
        addressing: str = "path",
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
        **config: Any,
    ) -> Any:
        import boto3
        from botocore.config import Config

        endpoint = self.url if addressing == "path" else f"http://localhost:{self.port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": addressing},
                signature_version="s3v4",
                retries={"max_attempts": 1},
                **config,
            ),
        )
        if addressing == "virtual":
            client.meta.events.register("before-send.s3", self._connect_to_loopback)
        return client

    def _connect_to_loopback(self, request: Any, **kwargs: Any) -> None:
        """Send a virtual-host request (``Host: <bucket>.localhost:port``) to 127.0.0.1.

        ``<bucket>.localhost`` does not resolve everywhere, so the connection goes to the
        loopback address while the request itself (Host header, path, signature) stays as
        the client built it.
        """
        parts = urlsplit(request.url)
        assert parts.hostname is not None and parts.hostname.endswith("localhost"), request.url
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.port}"))


@pytest.fixture
def start_s3(tmp_path: Path) -> Iterator[Callable[..., LiveS3]]:
    """Start an S3 server on a fresh root (``root`` keyword to reuse one); stopped at teardown."""
    servers: list[LiveS3] = []

    def start(root: Path | None = None, **kwargs: Any) -> LiveS3:
        if root is None:
            root = tmp_path / f"root{len(servers)}"
            root.mkdir()
        server = LiveS3(root, **kwargs)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def s3server(start_s3: Callable[..., LiveS3]) -> LiveS3:
    return start_s3()


@pytest.fixture
def s3(s3server: LiveS3) -> Any:
    """A boto3 client (path-style) on an unauthenticated server, with bucket ``test`` created."""
    client = s3server.client()
    client.create_bucket(Bucket="test")
    return client


@pytest.fixture
def signed_s3(start_s3: Callable[..., LiveS3]) -> LiveS3:
    """A server that requires Signature V4 with ACCESS_KEY/SECRET_KEY (the clients' defaults)."""
    return start_s3(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
