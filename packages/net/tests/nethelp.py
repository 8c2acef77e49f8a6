"""Helpers shared by tornado-net's tests (conftest puts this folder on sys.path)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable


async def eventually(cond: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll ``cond`` on the loop (bounded), for states no event announces."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def free_port(family: int = socket.AF_INET, host: str = "127.0.0.1") -> int:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def blackhole(
    family: int = socket.AF_INET, host: str = "127.0.0.1"
) -> tuple[socket.socket, list[socket.socket]]:
    """A listener whose accept queue is full, so a further connect hangs (its SYNs are dropped).

    Returns the listener and the connections filling its queue; the caller closes them.
    """
    lst = socket.socket(family, socket.SOCK_STREAM)
    lst.bind((host, 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(3):
        f = socket.socket(family, socket.SOCK_STREAM)
        f.setblocking(False)
        try:
            f.connect((host, port))
        except BlockingIOError:
            pass
        fillers.append(f)
    return lst, fillers


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))
