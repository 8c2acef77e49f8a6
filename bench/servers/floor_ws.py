"""The floor, not a WebSocket server: a bare asyncio Protocol that, after the upgrade, answers
every read with the echo of the frame it got (looked up in a dict once seen), parsing nothing.
Its CPU time per message is what the event loop and the two socket calls cost; a real server
cannot go below it."""

import asyncio
import base64
import hashlib
from typing import Any

from _common import announce, parse_args, quiet_logging, use_loop

args = parse_args()
use_loop(args.loop)
quiet_logging()

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
replies: dict[bytes, bytes] = {}


def echo_of(frame: bytes) -> bytes:
    """The unmasked echo of one small masked client frame (computed once per distinct frame)."""
    n = frame[1] & 0x7F
    key, body = frame[2:6], frame[6 : 6 + n]
    return bytes((frame[0], n)) + bytes(b ^ key[i & 3] for i, b in enumerate(body))


class Floor(asyncio.Protocol):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.head = b""
        self.upgraded = False

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            reply = replies.get(data)
            if reply is None:
                reply = replies[data] = echo_of(data)
            self.transport.write(reply)
            return
        self.head += data
        if b"\r\n\r\n" in self.head:
            key = self.head.split(b"Sec-WebSocket-Key:", 1)[1].split(b"\r\n", 1)[0].strip()
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            self.transport.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            self.upgraded = True


async def main() -> None:
    server = await asyncio.get_running_loop().create_server(Floor, "127.0.0.1", args.port)
    announce()
    async with server:
        await server.serve_forever()


asyncio.run(main())
