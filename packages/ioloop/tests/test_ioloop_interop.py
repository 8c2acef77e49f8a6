from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import threading
from typing import Any

import pytest
from tornado.ioloop import IOLoop, chain_callback, event_loop_name, new_event_loop

HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None


def test_current_inside_asyncio_run_wraps_the_running_loop() -> None:
    async def main() -> tuple[Any, ...]:
        cur = IOLoop.current()
        assert cur is not None
        fut = asyncio.get_running_loop().create_future()
        cur.add_callback(fut.set_result, "via add_callback")
        got = await fut
        return cur, IOLoop.current(), IOLoop.instance(), cur.asyncio_loop, asyncio.get_running_loop(), got

    cur, again, inst, wrapped, running, got = asyncio.run(main())
    assert cur is again is inst
    assert wrapped is running
    assert got == "via add_callback"
    # asyncio.run owns (and closed) its loop; the wrapper did not try to close it twice.
    assert running.is_closed()


def test_one_ioloop_per_asyncio_loop() -> None:
    loop = asyncio.new_event_loop()
    try:
        wrapper = IOLoop(asyncio_loop=loop)
        with pytest.raises(RuntimeError, match="already"):
            IOLoop(asyncio_loop=loop)
        wrapper.close()
        assert not loop.is_closed()  # not ours to close
    finally:
        loop.close()


def test_constructor_rejects_non_loops() -> None:
    with pytest.raises(TypeError, match="asyncio_loop"):
        IOLoop(asyncio_loop="loop")  # type: ignore[arg-type]


def test_successive_asyncio_runs_get_distinct_ioloops() -> None:
    async def main() -> IOLoop:
        cur = IOLoop.current()
        assert cur is not None
        return cur

    first = asyncio.run(main())
    second = asyncio.run(main())
    assert first is not second


def test_asyncio_code_runs_inside_ioloop_start(io_loop: IOLoop) -> None:
    results: list[Any] = []

    async def task() -> None:
        await asyncio.sleep(0.001)
        results.append(IOLoop.current() is io_loop)
        io_loop.stop()

    io_loop.spawn_callback(task)
    io_loop.start()
    assert results == [True]


# -- loop implementation selection ---------------------------------------------


def test_event_loop_env_invalid_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORNADO_EVENT_LOOP", "tokio")
    with pytest.raises(ValueError, match="TORNADO_EVENT_LOOP"):
        new_event_loop()
    with pytest.raises(ValueError, match="TORNADO_EVENT_LOOP"):
        IOLoop()


def test_event_loop_env_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORNADO_EVENT_LOOP", "asyncio")
    loop = IOLoop()
    try:
        assert isinstance(loop.asyncio_loop, asyncio.SelectorEventLoop)
        assert event_loop_name(loop.asyncio_loop) == "asyncio"
    finally:
        loop.close()


def test_event_loop_env_uvloop_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORNADO_EVENT_LOOP", "uvloop")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # makes `import uvloop` fail
    with pytest.raises(RuntimeError, match="uvloop is not installed"):
        new_event_loop()


def test_event_loop_auto_without_uvloop_uses_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TORNADO_EVENT_LOOP", raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)
    loop = new_event_loop()
    try:
        assert event_loop_name(loop) == "asyncio"
    finally:
        loop.close()


@pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop not installed")
@pytest.mark.parametrize("value", ["uvloop", "", " UVLOOP "])
def test_event_loop_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TORNADO_EVENT_LOOP", value)
    loop = IOLoop()
    try:
        assert event_loop_name(loop.asyncio_loop) == "uvloop"
        assert loop.run_sync(lambda: asyncio.sleep(0, "ok")) == "ok"
    finally:
        loop.close()


# -- chain_callback ---------------------------------------------------------------


def test_chain_callback_passes_result(io_loop: IOLoop) -> None:
    fut: asyncio.Future[str] = io_loop.asyncio_loop.create_future()
    seen: list[Any] = []

    def done(r: str) -> None:
        seen.append(r)
        io_loop.stop()

    chain_callback(fut, done)
    fut.set_result("value")
    assert seen == []  # scheduled on the loop, not run inline
    io_loop.start()
    assert seen == ["value"]


def test_chain_callback_errback_and_logging(io_loop: IOLoop, caplog: pytest.LogCaptureFixture) -> None:
    f1: asyncio.Future[str] = io_loop.asyncio_loop.create_future()
    f2: asyncio.Future[str] = io_loop.asyncio_loop.create_future()
    errors: list[BaseException] = []
    chain_callback(f1, lambda r: pytest.fail("callback must not run on error"), errback=errors.append)
    chain_callback(f2, lambda r: pytest.fail("callback must not run on error"))
    f1.set_exception(OSError("first"))
    f2.set_exception(OSError("second"))
    io_loop.call_later(0.01, io_loop.stop)
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert [str(e) for e in errors] == ["first"]
    assert "OSError: second" in caplog.text
    assert "first" not in caplog.text


def test_chain_callback_exception_in_callback_is_logged(
    io_loop: IOLoop, caplog: pytest.LogCaptureFixture
) -> None:
    fut: asyncio.Future[int] = io_loop.asyncio_loop.create_future()

    def bad(result: int) -> None:
        raise RuntimeError(f"callback got {result}")

    chain_callback(fut, bad)
    fut.set_result(7)
    io_loop.call_later(0.01, io_loop.stop)
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        io_loop.start()
    assert "RuntimeError: callback got 7" in caplog.text


def test_chain_callback_with_concurrent_future(io_loop: IOLoop) -> None:
    import concurrent.futures

    seen: list[Any] = []
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        cfut = ex.submit(lambda: 99)

        def done(r: int) -> None:
            seen.append((r, threading.current_thread() is threading.main_thread()))
            io_loop.stop()

        chain_callback(cfut, done)
        io_loop.start()
    assert seen == [(99, True)]


def test_chain_callback_rejects_non_futures() -> None:
    with pytest.raises(TypeError, match="future"):
        chain_callback("nope", print)  # type: ignore[arg-type]
