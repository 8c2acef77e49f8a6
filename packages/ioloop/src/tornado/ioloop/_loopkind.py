"""Which asyncio event loop implementation a new IOLoop runs on: asyncio's or uvloop.

Its own module because the choice (the ``TORNADO_EVENT_LOOP`` setting, uvloop when
importable) is needed before any IOLoop exists, by tests and tools that make bare loops.
"""

from __future__ import annotations

import asyncio
import os

__all__ = ["EVENT_LOOP_ENV", "new_event_loop", "event_loop_name"]

EVENT_LOOP_ENV = "TORNADO_EVENT_LOOP"


def _chosen_loop_kind() -> str:
    """Resolve ``TORNADO_EVENT_LOOP`` to ``"asyncio"`` or ``"uvloop"``."""
    raw = os.environ.get(EVENT_LOOP_ENV, "")
    value = raw.strip().lower()
    if value in ("", "auto"):
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "asyncio"
        return "uvloop"
    if value in ("asyncio", "uvloop"):
        return value
    raise ValueError(f"{EVENT_LOOP_ENV} must be 'asyncio', 'uvloop' or unset, not {raw!r}")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """Create a fresh asyncio loop of the kind selected by ``TORNADO_EVENT_LOOP``.

    Raises ValueError for an unknown value and RuntimeError when uvloop is
    requested explicitly but not installed.
    """
    kind = _chosen_loop_kind()
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError as e:
            raise RuntimeError(
                f"{EVENT_LOOP_ENV}=uvloop but uvloop is not installed (pip install uvloop)"
            ) from e
        return uvloop.new_event_loop()
    return asyncio.SelectorEventLoop()


def event_loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """``"uvloop"`` or ``"asyncio"``: which implementation runs ``loop`` (for reports)."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
