"""The AsyncHTTPClient contract: one client per IOLoop, configure(), callbacks, close()."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import tornado.httpclient
from tornado.httpclient import AsyncHTTPClient, HTTPClient, HTTPClientError, HTTPRequest, HTTPResponse
from tornado.ioloop import IOLoop, new_event_loop


def ok(body: bytes = b"hello", headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_one_instance_per_ioloop(impl: type[AsyncHTTPClient]) -> None:
    def on_fresh_loop() -> tuple[AsyncHTTPClient, AsyncHTTPClient]:
        loop = new_event_loop()
        io_loop = IOLoop(asyncio_loop=loop)

        async def main() -> tuple[AsyncHTTPClient, AsyncHTTPClient]:
            return impl(), impl()

        try:
            a, b = loop.run_until_complete(main())
            return a, b
        finally:
            a.close()
            io_loop.close()
            loop.close()

    a1, a2 = on_fresh_loop()
    b1, _ = on_fresh_loop()
    assert a1 is a2
    assert b1 is not a1
    assert a1.io_loop is not b1.io_loop


def test_configure_defaults_apply_to_every_client(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    srv = script_server(lambda req: ok())

    async def main() -> None:
        AsyncHTTPClient.configure(impl, defaults={"user_agent": "configured/1"})
        try:
            client = AsyncHTTPClient(force_instance=True)
            try:
                await client.fetch(srv.url + "/")
            finally:
                client.close()
        finally:
            AsyncHTTPClient.configure(None)
        client = AsyncHTTPClient(force_instance=True)
        try:
            await client.fetch(srv.url + "/")
        finally:
            client.close()

    run(main())
    assert [r.headers.get("User-Agent") for r in srv.requests] == ["configured/1", None]


def test_configure_rejects_bad_names() -> None:
    with pytest.raises(ValueError, match="dotted"):
        AsyncHTTPClient.configure("NoDots")
    with pytest.raises(ModuleNotFoundError):
        AsyncHTTPClient.configure("no_such_module.Client")
    with pytest.raises(TypeError, match="subclass"):
        AsyncHTTPClient.configure("collections.OrderedDict")
    assert AsyncHTTPClient._impl is None  # a failed configure() changes nothing


def test_callback_gets_failures_as_responses(run: Any, impl: type[AsyncHTTPClient]) -> None:
    port = closed_port()
    got: list[HTTPResponse] = []

    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            done = asyncio.Event()

            def callback(r: HTTPResponse) -> None:
                got.append(r)
                done.set()

            # With a callback the future resolves to the response instead of raising.
            result = await client.fetch(f"http://127.0.0.1:{port}/", callback=callback)
            await done.wait()
            return result
        finally:
            client.close()

    result = run(main())
    assert len(got) == 1 and got[0] is result
    assert got[0].code == 599 and isinstance(got[0].error, HTTPClientError)
    assert "refused" in str(got[0].error).lower()


def test_callback_exception_is_logged_not_raised(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    srv = script_server(lambda req: ok())

    def callback(r: HTTPResponse) -> None:
        raise RuntimeError("boom in callback")

    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            r = await client.fetch(srv.url + "/", callback=callback)
            await asyncio.sleep(0.05)
            return r
        finally:
            client.close()

    assert run(main()).code == 200
    assert any("boom in callback" in (r.exc_text or "") for r in caplog.records)


def test_http_error_is_an_alias() -> None:
    assert tornado.httpclient.HTTPError is HTTPClientError
    e = HTTPClientError(599, "Timeout during request")
    assert e.code == 599 and e.response is None and str(e) == "HTTP 599: Timeout during request"
    assert HTTPClientError(404).message == "Not Found"


def test_close_fails_queued_requests_and_refuses_new_ones(
    run: Any, impl: type[AsyncHTTPClient], script_server: Any
) -> None:
    import threading

    gate = threading.Event()

    def handler(req: Any) -> bytes:
        gate.wait(5)
        return ok()

    srv = script_server(handler)

    async def main() -> tuple[HTTPResponse, HTTPResponse]:
        client = impl(force_instance=True, max_clients=1)
        first = client.fetch(srv.url + "/1", raise_error=False)
        queued = client.fetch(srv.url + "/2", raise_error=False)
        await asyncio.sleep(0.05)
        client.close()
        gate.set()
        with pytest.raises(RuntimeError, match="closed"):
            client.fetch(srv.url + "/3")
        return await first, await queued

    first, queued = run(main())
    assert queued.code == 599 and "closed" in str(queued.error)
    assert [q.target for q in srv.requests] == ["/1"]  # the queued request never started
    if impl.__name__.startswith("Curl"):
        # libcurl's handles are freed with the client: the transfer in flight fails at once.
        assert first.code == 599 and "closed" in str(first.error)
    else:
        # The pure client lets requests in flight finish on their connection.
        assert first.code == 200


def test_closed_instance_is_replaced(run: Any, impl: type[AsyncHTTPClient]) -> None:
    async def main() -> None:
        AsyncHTTPClient.configure(impl)
        try:
            a = AsyncHTTPClient()
            a.close()
            a.close()  # idempotent
            b = AsyncHTTPClient()
            assert b is not a and type(b) is impl
            b.close()
        finally:
            AsyncHTTPClient.configure(None)

    run(main())


def test_blocking_client_raises_and_closes(impl: type[AsyncHTTPClient]) -> None:
    port = closed_port()
    client = HTTPClient(impl)
    with pytest.raises(HTTPClientError) as info:
        client.fetch(f"http://127.0.0.1:{port}/")
    assert info.value.code == 599
    r = client.fetch(HTTPRequest(f"http://127.0.0.1:{port}/"), raise_error=False)
    assert r.code == 599
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.fetch(f"http://127.0.0.1:{port}/")


def test_response_attributes(run: Any, impl: type[AsyncHTTPClient], script_server: Any) -> None:
    srv = script_server(lambda req: ok(b"body!", "X-Test: a\r\n", status="201 Made It"))

    async def main() -> HTTPResponse:
        client = impl(force_instance=True)
        try:
            return await client.fetch(srv.url + "/x?y=1")
        finally:
            client.close()

    r = run(main())
    assert r.code == 201 and r.reason == "Made It" and r.error is None
    assert r.body == b"body!" and r.buffer.getvalue() == b"body!"
    assert r.headers["X-Test"] == "a"
    assert isinstance(r.request, HTTPRequest) and r.request.url == srv.url + "/x?y=1"
    assert r.effective_url == srv.url + "/x?y=1"
    assert r.request_time is not None and 0 <= r.request_time < 30
    assert r.start_time is not None and abs(r.start_time - r.request.start_time) < 1
    if impl.__name__.startswith("Curl"):
        assert {"queue", "namelookup", "connect", "starttransfer", "total"} <= set(r.time_info)
        assert all(v >= 0 for v in r.time_info.values())
    else:
        assert r.time_info == {}


def test_more_bad_arguments_are_named(run: Any, impl: type[AsyncHTTPClient]) -> None:
    async def main() -> None:
        client = impl(force_instance=True)
        try:
            with pytest.raises(TypeError, match="callback"):
                client.fetch("http://127.0.0.1:1/", callback="not callable")  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="request"):
                client.fetch(b"http://127.0.0.1:1/")  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="streaming_callback"):
                client.fetch("http://127.0.0.1:1/", streaming_callback=1)
            with pytest.raises(TypeError, match="body"):
                client.fetch("http://127.0.0.1:1/", method="POST", body=123)
            with pytest.raises(ValueError, match="body_producer"):
                client.fetch("http://127.0.0.1:1/", method="POST", body=b"x", body_producer=lambda w: w)
            with pytest.raises(TypeError, match="ssl_options"):
                client.fetch("https://127.0.0.1:1/", ssl_options="tls")
            with pytest.raises(ValueError, match="whitespace"):
                client.fetch("http://127.0.0.1:1/a b")
        finally:
            client.close()

    run(main())


def test_curl_waits_on_the_loop_without_polling(run: Any, script_server: Any) -> None:
    """While a response is pending, libcurl runs only when its socket or its timer fires.

    A poller would call into libcurl on every tick of its period (ten or more times in the
    wait below); driven by M_SOCKETFUNCTION/M_TIMERFUNCTION it is a handful of calls.
    """
    import threading

    pytest.importorskip("pycurl")
    from tornado.curl_httpclient import CurlAsyncHTTPClient

    gate = threading.Event()
    srv = script_server(lambda req: ok(b"late") if gate.wait(10) else None)
    calls = 0

    class Counting(CurlAsyncHTTPClient):
        def _action(self, fd: int, what: int) -> None:
            nonlocal calls
            calls += 1
            super()._action(fd, what)

    async def main() -> tuple[HTTPResponse, int, list[int]]:
        client = Counting(force_instance=True)
        try:
            pending = asyncio.ensure_future(client.fetch(srv.url + "/", request_timeout=20))
            while not srv.requests:
                await asyncio.sleep(0.01)
            before = calls
            await asyncio.sleep(1.5)
            waiting = calls - before
            watched = list(client._fds)  # the connection's socket, registered with the loop
            gate.set()
            return await pending, waiting, watched
        finally:
            gate.set()
            client.close()

    r, waiting, watched = run(main())
    assert r.code == 200 and r.body == b"late"
    assert watched, "no socket was registered with the loop while waiting"
    assert waiting <= 3, f"libcurl was called {waiting} times while nothing happened"
