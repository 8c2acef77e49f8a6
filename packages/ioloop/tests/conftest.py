from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from tornado.ioloop import IOLoop

HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None

LOOP_KINDS = [
    "asyncio",
    pytest.param("uvloop", marks=pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop not installed")),
]


@pytest.fixture(params=LOOP_KINDS)
def io_loop(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[IOLoop]:
    """A fresh current IOLoop on each available loop implementation."""
    monkeypatch.setenv("TORNADO_EVENT_LOOP", request.param)
    loop = IOLoop()
    loop.make_current()
    yield loop
    IOLoop.clear_current()
    IOLoop.clear_instance()
    loop.close(all_fds=True)


@pytest.fixture(autouse=True)
def _clean_globals() -> Iterator[None]:
    yield
    inst = IOLoop._instance
    IOLoop.clear_instance()
    IOLoop.clear_current()
    if inst is not None:
        inst.close()
