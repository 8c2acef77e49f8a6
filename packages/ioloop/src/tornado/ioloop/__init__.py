"""The IOLoop: Tornado's event loop API over an asyncio event loop.

One :class:`IOLoop` wraps one asyncio loop, so callback-style code
(``add_timeout``, ``add_handler``, ``add_callback``) and ``async``/``await``
code share the same loop.  New loops are uvloop loops when uvloop is importable,
unless the environment variable ``TORNADO_EVENT_LOOP`` says otherwise
(``asyncio`` | ``uvloop``).

The code lives in ``_loopkind`` (which asyncio loop implementation new loops use),
``_loop`` (IOLoop itself), ``_periodic`` (PeriodicCallback) and ``_callbacks``
(``chain_callback``, the 1.0 ``callback=`` convention over futures).
"""

from __future__ import annotations

from ._callbacks import chain_callback
from ._loop import IOLoop, TimeoutError
from ._loopkind import EVENT_LOOP_ENV as EVENT_LOOP_ENV
from ._loopkind import event_loop_name, new_event_loop
from ._periodic import PeriodicCallback

__all__ = [
    "IOLoop",
    "PeriodicCallback",
    "TimeoutError",
    "chain_callback",
    "new_event_loop",
    "event_loop_name",
]
