"""Running a ``@stream_request_body`` handler while its body is still arriving.

``prepare()`` runs as soon as the head is in, and the server reads no body until it is
done (``start`` returns the future that says so).  Each piece then goes to
``data_received()``; an awaitable it returns holds back further reading.  The verb method
runs once the body is complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tornado.web.handler import RequestHandler

__all__ = ["start", "data", "done", "closed"]


def start(
    handler: RequestHandler, transforms: list[Any] | None, args: list[Any], kwargs: dict[str, Any]
) -> asyncio.Future[None]:
    """Begin the request: the returned future resolves when prepare() has finished."""
    loop = asyncio.get_running_loop()
    prepared: asyncio.Future[None] = loop.create_future()
    body: asyncio.Future[None] = loop.create_future()
    handler._body_future = body
    asyncio.ensure_future(_run(handler, transforms, args, kwargs, prepared, body))
    return prepared


async def _run(
    handler: RequestHandler,
    transforms: list[Any] | None,
    args: list[Any],
    kwargs: dict[str, Any],
    prepared: asyncio.Future[None],
    body: asyncio.Future[None],
) -> None:
    try:
        try:
            method = handler._begin(transforms, args, kwargs)
            if handler._hooks_prepare:
                result = handler.prepare()
                if result is not None and isawaitable(result):
                    await result
        finally:
            if not prepared.done():
                prepared.set_result(None)
        if handler._finished:
            return
        try:
            await body
        except asyncio.CancelledError:
            return  # the client went away before sending the whole body
        result = getattr(handler, method.lower())(*handler.path_args, **handler.path_kwargs)
        if result is not None and isawaitable(result):
            await result
        if handler._auto_finish and not handler._finished:
            await handler.finish()
    except Exception as e:
        handler._handle_request_exception(e)


def data(handler: RequestHandler, chunk: bytes) -> Awaitable[None] | None:
    """Give ``chunk`` to the handler; an error in it answers the request (500 or its HTTPError)."""
    if handler._finished:
        return None
    try:
        result = handler.data_received(chunk)
    except Exception as e:
        handler._handle_request_exception(e)
        return None
    if result is not None and isawaitable(result):
        return _guard(handler, result)
    return None


async def _guard(handler: RequestHandler, pending: Awaitable[Any]) -> None:
    try:
        await pending
    except Exception as e:
        handler._handle_request_exception(e)


def done(handler: RequestHandler) -> None:
    """The whole body has arrived: the verb method may run."""
    body = handler._body_future
    if body is not None and not body.done():
        body.set_result(None)


def closed(handler: RequestHandler) -> None:
    """The connection closed before the body was complete."""
    body = handler._body_future
    if body is not None and not body.done():
        body.cancel()
    handler._on_connection_close()
