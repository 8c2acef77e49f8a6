from __future__ import annotations

from collections.abc import Iterator

import pytest
from tornado.ioloop import IOLoop


@pytest.fixture
def io_loop() -> Iterator[IOLoop]:
    """A fresh current IOLoop, closed afterwards; tests drive it with run_sync."""
    loop = IOLoop()
    loop.make_current()
    yield loop
    IOLoop.clear_current()
    IOLoop.clear_instance()
    loop.close(all_fds=True)
