from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

# Shared helpers for the tests (imported as a plain module).
sys.path.insert(0, os.path.dirname(__file__))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> bool | None:
    """Run ``async def`` tests on a fresh event loop, bounded in time."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), 90))
    return True


@pytest.fixture(autouse=True)
def fresh_key_cache() -> Iterator[None]:
    """Providers start with new keys on ports that may be reused: forget fetched key sets."""
    from tornado.auth import _oidc

    _oidc._JWKS_CACHE.clear()
    yield
    _oidc._JWKS_CACHE.clear()
