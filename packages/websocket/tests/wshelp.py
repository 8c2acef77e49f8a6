"""Helpers for tests against a live server: start one on a free port, talk to it raw."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from tornado.httpserver import HTTPServer, bind_sockets
from tornado.websocket import CLIENT, NEED_DATA, Close, Message, WebSocketProtocol, accept_key

STEP = 10.0  # seconds any single wait in a test may take before it is a failure


@contextlib.asynccontextmanager
async def serve(app: Any, **kwargs: Any) -> AsyncIterator[int]:
    server = HTTPServer(app, **kwargs)
    socks = bind_sockets(0, "127.0.0.1")
    server.add_sockets(socks)
    try:
        yield socks[0].getsockname()[1]
    finally:
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), STEP)


class RawClient:
    """A WebSocket client made of asyncio streams and the protocol core, for driving servers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self.reader, self.writer, self.head = reader, writer, head
        self.ws = WebSocketProtocol(CLIENT, max_message_size=None)
        self.status = int(head.split(b" ", 2)[1])
        lines = head.decode("latin-1").split("\r\n")[1:]
        self.headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}

    @classmethod
    async def connect(
        cls,
        port: int,
        path: str = "/ws",
        headers: dict[str, str] | None = None,
        extra: bytes = b"",
        rcvbuf: int | None = None,
    ) -> RawClient:
        sock = socket.socket()
        if rcvbuf is not None:  # before connecting, so the TCP window starts small
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        h = {
            "Host": f"127.0.0.1:{port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        }
        h.update(headers or {})
        req = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items() if v) + "\r\n"
        writer.write(req.encode("latin-1") + extra)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP)
        client = cls(reader, writer, head)
        if client.status == 101:
            assert client.headers["sec-websocket-accept"] == accept_key(key)
        return client

    async def body(self) -> bytes:
        n = int(self.headers.get("content-length", "0"))
        return await asyncio.wait_for(self.reader.readexactly(n), STEP)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def send_message(self, data: str | bytes, **kw: Any) -> None:
        self.writer.write(self.ws.send_message(data, **kw))

    async def event(self) -> Any:
        """The next event; Close(1006) when the server closed TCP without a close frame."""
        while True:
            ev = self.ws.next_event()
            if ev is not NEED_DATA:
                return ev
            data = await asyncio.wait_for(self.reader.read(65536), STEP)
            self.ws.receive_data(data)

    async def message(self) -> Any:
        ev = await self.event()
        assert isinstance(ev, Message), ev
        return ev.data

    async def closed_by_server(self) -> bool:
        """Wait until the server closes TCP; True if it did."""
        while True:
            data = await asyncio.wait_for(self.reader.read(65536), STEP)
            if not data:
                return True

    async def close(self, code: int = 1000, reason: str = "") -> Close:
        """Our close frame, then the server's answer."""
        self.writer.write(self.ws.send_close(code, reason))
        while True:
            ev = await self.event()
            if isinstance(ev, Close):
                return ev

    def abort(self) -> None:
        self.writer.transport.abort()
