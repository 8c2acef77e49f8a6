"""A frontend's graceful exit on SIGTERM: the chat ends its long polls and WebSockets cleanly,
so the pages come back through nginx to another process, then drains and exits."""

from __future__ import annotations

import asyncio
import http.client
import json
import signal
import socket
import time
import urllib.parse
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
SECRET = "test-secret-for-draining"
WAIT = 20.0


def run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())`` in a thread of its own: this thread may have an event loop marked
    as running already (Playwright's sync API, opened by an earlier test file)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def request(
    port: int, method: str, path: str, cookies: dict[str, str], fields: dict[str, str] | None = None
) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";")[0]
    return resp.status, data


def test_chat_answers_long_polls_closes_sockets_and_exits_on_sigterm(
    start_demo: Callable[..., Any], net: Any
) -> None:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    # A long drain_timeout: the process must finish because nothing is left, not because time ran out.
    chat = start_demo(
        "chat/chatdemo.py", f"--cookie_secret={SECRET}", "--debug_endpoints=true", "--drain_timeout=60"
    )
    cookies: dict[str, str] = {}
    request(chat.port, "GET", "/auth/login", cookies)
    assert (
        request(chat.port, "POST", "/auth/login", cookies, {"name": "ann", "_xsrf": cookies["_xsrf"]})[0]
        == 302
    )

    body = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"]}).encode()
    poll = socket.create_connection(("127.0.0.1", chat.port), timeout=WAIT)
    poll.sendall(
        b"POST /a/message/updates HTTP/1.1\r\nHost: x\r\nCookie: "
        + "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()
        + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    def listening() -> dict[str, int]:
        return json.loads(request(chat.port, "GET", "/a/debug/waiters", cookies)[1])

    async def main() -> tuple[int | None, bytes]:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        url = f"ws://127.0.0.1:{chat.port}/a/message/socket"
        ws = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}, request_timeout=WAIT))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, net.wait_for, lambda: listening() == {"waiters": 1, "sockets": 1}, "listeners"
        )
        chat.process.send_signal(signal.SIGTERM)
        while await asyncio.wait_for(ws.read_message(), WAIT) is not None:
            pass
        answer = await loop.run_in_executor(None, _read_all, poll)
        return ws.close_code, answer

    close_code, answer = run_async(main)
    assert close_code == 1012  # "service restart": the page reconnects, elsewhere
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    # (_read_all returned: the idle keep-alive connection was then closed by the drain)
    assert json.loads(payload) == {"messages": []}  # answered, empty: the page polls again
    assert chat.process.wait(WAIT) == 0
    assert "drained gracefully" in chat.log()


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
    sock.close()
    return b"".join(chunks)


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (EOF or reset), reading whatever it sent first."""
    sock.settimeout(WAIT)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def test_blog_drains_on_sigterm_bounded_by_drain_timeout(
    start_demo: Callable[..., Any], tmp_path: Any, net: Any
) -> None:
    import pytest

    pytest.importorskip("markdown")
    pytest.importorskip("nh3")
    blog = start_demo(
        "blog/blog.py", f"--sqlite={tmp_path / 'drain.db'}", "--drain_timeout=1", f"--cookie_secret={SECRET}"
    )
    # An idle keep-alive connection, and a request whose body never finishes arriving.
    idle = http.client.HTTPConnection("127.0.0.1", blog.port, timeout=WAIT)
    idle.request("GET", "/")
    assert idle.getresponse().read()
    stuck = socket.create_connection(("127.0.0.1", blog.port), timeout=WAIT)
    stuck.sendall(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nemail=a")
    time.sleep(0.2)  # let the server read the head
    blog.process.send_signal(signal.SIGTERM)

    def refusing() -> bool:
        with socket.socket() as s:
            s.settimeout(2)
            return s.connect_ex(("127.0.0.1", blog.port)) != 0

    net.wait_for(refusing, "the blog to stop accepting")
    assert idle.sock is not None and _closed_by_server(idle.sock)  # idle keep-alive closed
    assert _closed_by_server(stuck)  # cut off once drain_timeout has passed
    blog.process.wait(WAIT)
    assert blog.process.returncode == 0
    assert "drained after drain_timeout; exiting" in blog.log()


def test_blog_with_nothing_in_flight_drains_gracefully(start_demo: Callable[..., Any], tmp_path: Any) -> None:
    import pytest

    pytest.importorskip("markdown")
    pytest.importorskip("nh3")
    blog = start_demo("blog/blog.py", f"--sqlite={tmp_path / 'drain.db'}", f"--cookie_secret={SECRET}")
    idle = http.client.HTTPConnection("127.0.0.1", blog.port, timeout=WAIT)
    idle.request("GET", "/")
    assert idle.getresponse().read()
    blog.process.send_signal(signal.SIGTERM)
    assert idle.sock is not None and _closed_by_server(idle.sock)
    blog.process.wait(WAIT)
    assert blog.process.returncode == 0
    assert "drained gracefully; exiting" in blog.log()
