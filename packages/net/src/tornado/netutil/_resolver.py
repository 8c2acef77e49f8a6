"""Asynchronous name resolution: the configurable Resolver and its implementations."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
from collections.abc import Awaitable
from typing import Any

from tornado.ioloop import IOLoop
from tornado.util import Configurable

__all__ = [
    "Resolver",
    "DefaultLoopResolver",
    "DefaultExecutorResolver",
    "ExecutorResolver",
    "BlockingResolver",
    "ThreadedResolver",
    "OverrideResolver",
]

Address = tuple[int, Any]


def _resolve_addr(host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC) -> list[Address]:
    infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    return [(fam, sockaddr) for fam, _type, _proto, _canon, sockaddr in infos]


class Resolver(Configurable):
    """Turns a host name into addresses without blocking the IOLoop.

    ``Resolver()`` builds the configured implementation (:class:`DefaultLoopResolver` unless
    ``Resolver.configure(...)`` chose another), so every client in the process resolves the
    same way.  Implementations: :class:`DefaultLoopResolver`, :class:`DefaultExecutorResolver`,
    :class:`ExecutorResolver`, :class:`BlockingResolver`, :class:`ThreadedResolver`,
    :class:`OverrideResolver`.
    """

    @classmethod
    def configurable_base(cls) -> type[Resolver]:
        return Resolver

    @classmethod
    def configurable_default(cls) -> type[Resolver]:
        return DefaultLoopResolver

    def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> Awaitable[list[Address]]:
        """Awaitable list of ``(family, address)`` pairs, ``address`` ready for ``connect``.

        Raises OSError (``socket.gaierror``) when the name cannot be resolved.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement resolve()")

    def close(self) -> None:
        """Free what the resolver holds (threads, an inner resolver)."""


class DefaultLoopResolver(Resolver):
    """Resolves with the event loop's own ``getaddrinfo`` (the default)."""

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[Address]:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, family=family, type=socket.SOCK_STREAM
        )
        return [(fam, sockaddr) for fam, _type, _proto, _canon, sockaddr in infos]


class DefaultExecutorResolver(Resolver):
    """Resolves with ``socket.getaddrinfo`` on the IOLoop's default executor."""

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[Address]:
        return await IOLoop.current().run_in_executor(None, _resolve_addr, host, port, family)


class ExecutorResolver(Resolver):
    """Resolves on a ``concurrent.futures.Executor`` of your choosing.

    The executor is shut down by :meth:`close` unless ``close_executor=False`` (for one
    shared with other code).  Without an executor the lookup blocks the loop.
    """

    executor: concurrent.futures.Executor | None
    close_executor: bool

    def initialize(
        self, executor: concurrent.futures.Executor | None = None, close_executor: bool = True
    ) -> None:
        if executor is not None and not isinstance(executor, concurrent.futures.Executor):
            raise TypeError(f"executor must be a concurrent.futures.Executor, not {type(executor).__name__}")
        self.executor = executor
        self.close_executor = bool(close_executor) and executor is not None

    def close(self) -> None:
        if self.close_executor and self.executor is not None:
            self.executor.shutdown(wait=False)
        self.executor = None

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[Address]:
        if self.executor is None:
            return _resolve_addr(host, port, family)
        return await asyncio.wrap_future(self.executor.submit(_resolve_addr, host, port, family))


class BlockingResolver(ExecutorResolver):
    """Calls ``socket.getaddrinfo`` on the loop itself, blocking it (deprecated in Tornado 5)."""

    def initialize(self) -> None:  # type: ignore[override]
        super().initialize()


class ThreadedResolver(ExecutorResolver):
    """Resolves on a thread pool shared by every ThreadedResolver of the process.

    The first one sets the pool's size (``num_threads``); a forked child makes its own pool,
    since threads do not survive ``fork``.
    """

    _threadpool: concurrent.futures.ThreadPoolExecutor | None = None
    _threadpool_pid: int | None = None

    def initialize(self, num_threads: int = 10) -> None:  # type: ignore[override]
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
            raise ValueError(f"num_threads must be a positive int, got {num_threads!r}")
        super().initialize(executor=ThreadedResolver._create_threadpool(num_threads), close_executor=False)

    @classmethod
    def _create_threadpool(cls, num_threads: int) -> concurrent.futures.ThreadPoolExecutor:
        pid = os.getpid()
        if ThreadedResolver._threadpool_pid != pid:
            ThreadedResolver._threadpool = None
        if ThreadedResolver._threadpool is None:
            ThreadedResolver._threadpool = concurrent.futures.ThreadPoolExecutor(
                num_threads, thread_name_prefix="tornado-resolver"
            )
            ThreadedResolver._threadpool_pid = pid
        return ThreadedResolver._threadpool


class OverrideResolver(Resolver):
    """Wraps ``resolver`` with a fixed mapping, for local DNS changes (tests, staging).

    Keys and values: ``"example.com": "127.0.1.1"`` (host to host),
    ``("login.example.com", 443): ("localhost", 1443)`` (host and port), and
    ``("login.example.com", 443, socket.AF_INET6): ("::1", 1443)`` (host, port and family).
    The most specific matching key wins.
    """

    resolver: Resolver
    mapping: dict[Any, Any]

    def initialize(self, resolver: Resolver, mapping: dict[Any, Any]) -> None:
        if not isinstance(resolver, Resolver):
            raise TypeError(f"resolver must be a Resolver, not {type(resolver).__name__}")
        if not isinstance(mapping, dict):
            raise TypeError(f"mapping must be a dict, not {type(mapping).__name__}")
        self.resolver = resolver
        self.mapping = mapping

    def close(self) -> None:
        self.resolver.close()

    def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> Awaitable[list[Address]]:
        if (host, port, family) in self.mapping:
            host, port = self.mapping[(host, port, family)]
        elif (host, port) in self.mapping:
            host, port = self.mapping[(host, port)]
        elif host in self.mapping:
            host = self.mapping[host]
        return self.resolver.resolve(host, port, family)
