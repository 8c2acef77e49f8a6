from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import logging
import os
import socket
import threading
from typing import Any

import pytest
from tornado.ioloop import IOLoop


def test_add_handler_passes_back_the_socket_object(io_loop: IOLoop) -> None:
    a, b = socket.socketpair()
    try:
        seen: list[tuple[Any, int]] = []

        def handler(fd: Any, events: int) -> None:
            seen.append((fd, events))
            fd.recv(10)
            io_loop.stop()

        io_loop.add_handler(a, handler, IOLoop.READ)
        b.send(b"x")
        io_loop.start()
        assert seen == [(a, IOLoop.READ)]
        io_loop.remove_handler(a)
    finally:
        a.close()
        b.close()


def test_add_handler_with_int_fd_and_update_and_remove(io_loop: IOLoop) -> None:
    r, w = os.pipe()
    try:
        seen: list[tuple[Any, int]] = []

        def handler(fd: Any, events: int) -> None:
            seen.append((fd, events))
            if events & IOLoop.WRITE:
                io_loop.update_handler(w, IOLoop.NONE)
                io_loop.stop()

        io_loop.add_handler(w, handler, IOLoop.WRITE | IOLoop.ERROR)
        io_loop.start()
        assert seen == [(w, IOLoop.WRITE)]
        assert isinstance(seen[0][0], int)

        io_loop.remove_handler(w)
        io_loop.remove_handler(w)  # twice is harmless
        # After removal a writable pipe does not call the handler any more.
        io_loop.call_later(0.02, io_loop.stop)
        io_loop.start()
        assert len(seen) == 1
    finally:
        os.close(r)
        os.close(w)


def test_update_handler_switches_between_read_and_write(io_loop: IOLoop) -> None:
    a, b = socket.socketpair()
    try:
        events_seen: list[int] = []

        def handler(fd: socket.socket, events: int) -> None:
            events_seen.append(events)
            if events & IOLoop.WRITE:
                fd.send(b"ping")
                io_loop.update_handler(fd, IOLoop.READ)
            else:
                assert fd.recv(10) == b"pong"
                io_loop.stop()

        io_loop.add_handler(a, handler, IOLoop.WRITE)
        b_data: list[bytes] = []

        def peer(fd: socket.socket, events: int) -> None:
            b_data.append(fd.recv(10))
            fd.send(b"pong")

        io_loop.add_handler(b, peer, IOLoop.READ)
        io_loop.start()
        assert events_seen == [IOLoop.WRITE, IOLoop.READ]
        assert b_data == [b"ping"]
    finally:
        io_loop.remove_handler(a)
        io_loop.remove_handler(b)
        a.close()
        b.close()


def test_handler_exception_is_logged_and_loop_continues(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = socket.socketpair()
    calls = 0

    def handler(fd: socket.socket, events: int) -> None:
        nonlocal calls
        calls += 1
        fd.recv(1)
        if calls == 1:
            raise ValueError("handler failed")
        io_loop.stop()

    io_loop.add_handler(a, handler, IOLoop.READ)
    b.send(b"12")
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert calls == 2
    assert "ValueError: handler failed" in caplog.text
    io_loop.remove_handler(a)
    a.close()
    b.close()


def test_handler_registration_errors(io_loop: IOLoop) -> None:
    a, b = socket.socketpair()
    try:
        with pytest.raises(TypeError):
            io_loop.add_handler(a, "not callable", IOLoop.READ)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            io_loop.add_handler("nofd", lambda fd, ev: None, IOLoop.READ)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="events"):
            io_loop.add_handler(a, lambda fd, ev: None, 0x400)
        io_loop.add_handler(a, lambda fd, ev: None, IOLoop.READ)
        with pytest.raises(ValueError, match="already"):
            io_loop.add_handler(a, lambda fd, ev: None, IOLoop.READ)
        with pytest.raises(ValueError, match="no handler"):
            io_loop.update_handler(b, IOLoop.READ)
    finally:
        io_loop.remove_handler(a)
        a.close()
        b.close()


def test_remove_handler_of_closed_socket(io_loop: IOLoop) -> None:
    a, b = socket.socketpair()
    io_loop.add_handler(a, lambda fd, ev: None, IOLoop.READ)
    a.close()
    io_loop.remove_handler(a)
    assert io_loop._handlers == {}
    b.close()


def test_close_all_fds_closes_registered_objects(io_loop: IOLoop) -> None:
    loop = IOLoop()
    a, b = socket.socketpair()
    r, w = os.pipe()
    loop.add_handler(a, lambda fd, ev: None, IOLoop.READ)
    loop.add_handler(r, lambda fd, ev: None, IOLoop.READ)
    loop.close(all_fds=True)
    assert a.fileno() == -1
    with pytest.raises(OSError):
        os.fstat(r)
    assert loop.asyncio_loop.is_closed()
    b.close()
    os.close(w)


def test_add_future_with_asyncio_future(io_loop: IOLoop) -> None:
    fut: asyncio.Future[int] = io_loop.asyncio_loop.create_future()
    seen: list[Any] = []

    def done(f: asyncio.Future[int]) -> None:
        seen.append(f)
        io_loop.stop()

    io_loop.add_future(fut, done)
    io_loop.add_callback(fut.set_result, 42)
    io_loop.start()
    assert seen == [fut]
    assert seen[0].result() == 42


def test_add_future_with_concurrent_future(io_loop: IOLoop) -> None:
    seen: list[tuple[Any, bool]] = []
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        cfut = ex.submit(lambda: "from thread")

        def done(f: concurrent.futures.Future[str]) -> None:
            # Runs on the loop's thread, not the executor's.
            seen.append((f.result(), threading.current_thread() is threading.main_thread()))
            io_loop.stop()

        io_loop.add_future(cfut, done)
        io_loop.start()
    assert seen == [("from thread", True)]


def test_run_in_executor(io_loop: IOLoop) -> None:
    async def main() -> tuple[Any, Any]:
        default = await io_loop.run_in_executor(None, lambda a, b: a + b, 2, 3)
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            explicit = await io_loop.run_in_executor(ex, threading.current_thread)
        return default, explicit

    default, thread = io_loop.run_sync(main)
    assert default == 5
    assert thread is not threading.main_thread()


def test_run_sync_with_coroutine_and_plain_function(io_loop: IOLoop) -> None:
    async def coro() -> Any:
        await asyncio.sleep(0)
        return IOLoop.current()

    assert io_loop.run_sync(coro) is io_loop
    assert io_loop.run_sync(lambda: "plain") == "plain"
    assert io_loop.run_sync(lambda: IOLoop.current()) is io_loop


def test_run_sync_propagates_exceptions(io_loop: IOLoop) -> None:
    async def fail() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError, match="nope"):
        io_loop.run_sync(fail)
    # The loop is still usable afterwards.
    assert io_loop.run_sync(lambda: 1) == 1


def test_run_sync_timeout(io_loop: IOLoop) -> None:
    cancelled = []

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(TimeoutError):
        io_loop.run_sync(slow, timeout=0.01)
    assert cancelled == [True]
    with pytest.raises(ValueError, match="timeout"):
        io_loop.run_sync(slow, timeout=-1)


def test_run_sync_inside_running_loop_is_an_error(io_loop: IOLoop) -> None:
    async def nested() -> None:
        io_loop.run_sync(lambda: None)

    with pytest.raises(RuntimeError, match="running"):
        io_loop.run_sync(nested)


def test_timedelta_timeout_and_callbacks_share_loop_with_asyncio(io_loop: IOLoop) -> None:
    async def main() -> list[str]:
        order: list[str] = []
        fut = asyncio.get_running_loop().create_future()
        IOLoop.current().add_timeout(datetime.timedelta(milliseconds=5), fut.set_result, "timeout")
        order.append(await fut)
        return order

    assert io_loop.run_sync(main, timeout=10) == ["timeout"]
