from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.ioloop import IOLoop
from tornado.netutil import (
    BlockingResolver,
    DefaultExecutorResolver,
    DefaultLoopResolver,
    ExecutorResolver,
    OverrideResolver,
    Resolver,
    ThreadedResolver,
)


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A real thread pool that remembers which threads ran its work."""

    def __init__(self) -> None:
        super().__init__(max_workers=2, thread_name_prefix="counting")
        self.threads: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        def wrapped() -> Any:
            self.threads.append(threading.current_thread().name)
            return fn(*args, **kwargs)

        return super().submit(wrapped)


@pytest.fixture
def restore_resolver_config() -> Iterator[None]:
    saved = Resolver._save_configuration()
    yield
    Resolver._restore_configuration(saved)


def test_default_resolver_is_the_loop_resolver(restore_resolver_config: None) -> None:
    Resolver.configure(None)
    assert type(Resolver()) is DefaultLoopResolver
    assert Resolver.configured_class() is DefaultLoopResolver


def test_configure_chooses_the_implementation(restore_resolver_config: None) -> None:
    Resolver.configure(ThreadedResolver, num_threads=2)
    assert isinstance(Resolver(), ThreadedResolver)
    Resolver.configure("tornado.netutil.BlockingResolver")
    assert isinstance(Resolver(), BlockingResolver)
    with pytest.raises(ValueError):
        Resolver.configure(int)  # type: ignore[arg-type]


def test_base_resolver_resolve_is_abstract() -> None:
    class Incomplete(Resolver):
        pass

    with pytest.raises(NotImplementedError):
        Incomplete.resolve(object.__new__(Incomplete), "localhost", 80)


def make(kind: str, executor: concurrent.futures.Executor | None = None) -> Resolver:
    if kind == "loop":
        return DefaultLoopResolver()
    if kind == "default-executor":
        return DefaultExecutorResolver()
    if kind == "executor":
        return ExecutorResolver(executor=executor or concurrent.futures.ThreadPoolExecutor(1))
    if kind == "blocking":
        return BlockingResolver()
    if kind == "threaded":
        return ThreadedResolver()
    raise AssertionError(kind)


KINDS = ["loop", "default-executor", "executor", "blocking", "threaded"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_resolver_resolves_names_and_literals(kind: str, io_loop: IOLoop, run: Any) -> None:
    resolver = make(kind)

    async def main() -> None:
        assert await resolver.resolve("localhost", 80) == [(socket.AF_INET, ("127.0.0.1", 80))]
        assert await resolver.resolve("127.0.0.1", 8080, socket.AF_INET) == [
            (socket.AF_INET, ("127.0.0.1", 8080))
        ]
        [(family, address)] = await resolver.resolve("::1", 443)
        assert family == socket.AF_INET6 and address[:2] == ("::1", 443)

    try:
        run(main)
    finally:
        resolver.close()


@pytest.mark.parametrize("kind", KINDS)
def test_each_resolver_raises_oserror_when_it_cannot_resolve(kind: str, io_loop: IOLoop, run: Any) -> None:
    resolver = make(kind)

    async def main() -> None:
        # An IPv6 literal asked for as IPv4: fails without any DNS traffic.
        with pytest.raises(OSError):
            await resolver.resolve("::1", 80, socket.AF_INET)

    try:
        run(main)
    finally:
        resolver.close()


def test_default_executor_resolver_uses_the_loops_executor(io_loop: IOLoop, run: Any) -> None:
    pool = CountingExecutor()
    io_loop.set_default_executor(pool)

    async def main() -> None:
        assert await DefaultExecutorResolver().resolve("127.0.0.1", 1) == [(socket.AF_INET, ("127.0.0.1", 1))]

    run(main)
    assert pool.threads and pool.threads[0].startswith("counting")
    pool.shutdown()


def test_executor_resolver_runs_on_its_executor_and_closes_it(io_loop: IOLoop, run: Any) -> None:
    pool = CountingExecutor()
    resolver = ExecutorResolver(executor=pool)

    async def main() -> None:
        await resolver.resolve("localhost", 1)

    run(main)
    assert len(pool.threads) == 1
    resolver.close()
    with pytest.raises(RuntimeError):
        pool.submit(print)  # shut down by close()


def test_executor_resolver_leaves_a_shared_executor_open(io_loop: IOLoop, run: Any) -> None:
    pool = CountingExecutor()
    resolver = ExecutorResolver(executor=pool, close_executor=False)
    resolver.close()
    assert pool.submit(lambda: 42).result(timeout=10) == 42
    pool.shutdown()


def test_executor_resolver_rejects_a_non_executor() -> None:
    with pytest.raises(TypeError, match="executor"):
        ExecutorResolver(executor="pool")


def test_blocking_resolver_resolves_on_the_loop_thread(
    io_loop: IOLoop, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = BlockingResolver()
    assert resolver.executor is None
    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)

    async def main() -> None:
        assert await resolver.resolve("localhost", 1) == [(socket.AF_INET, ("127.0.0.1", 1))]

    run(main)
    assert seen == [threading.current_thread().name]


def test_threaded_resolvers_share_one_pool(io_loop: IOLoop, run: Any) -> None:
    a, b = ThreadedResolver(num_threads=3), ThreadedResolver()
    assert a.executor is b.executor and a.executor is not None
    a.close()  # must not shut the shared pool down

    async def main() -> None:
        assert await b.resolve("localhost", 5) == [(socket.AF_INET, ("127.0.0.1", 5))]

    run(main)


def test_threaded_resolver_rejects_bad_thread_count() -> None:
    with pytest.raises(ValueError, match="num_threads"):
        ThreadedResolver(num_threads=0)


FORKED_POOL = textwrap.dedent("""
    import asyncio, os
    from tornado.netutil import ThreadedResolver
    parent_pool = ThreadedResolver().executor
    pid = os.fork()
    if pid == 0:
        child = ThreadedResolver()
        ok = child.executor is not parent_pool
        ok = ok and asyncio.run(child.resolve("localhost", 1)) == [(2, ("127.0.0.1", 1))]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    print("child", os.waitstatus_to_exitcode(status))
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_threaded_resolver_gets_a_new_pool_after_fork(tmp_path: Any) -> None:
    script = tmp_path / "fork_pool.py"
    script.write_text(FORKED_POOL)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "child 0", out.stderr


def test_override_resolver_mapping_forms(io_loop: IOLoop, run: Any) -> None:
    inner = DefaultLoopResolver()
    resolver = OverrideResolver(
        resolver=inner,
        mapping={
            "example.com": "127.0.1.1",
            ("login.example.com", 443): ("localhost", 1443),
            ("login.example.com", 443, socket.AF_INET6): ("::1", 2443),
        },
    )

    async def main() -> None:
        assert await resolver.resolve("example.com", 80) == [(socket.AF_INET, ("127.0.1.1", 80))]
        assert await resolver.resolve("login.example.com", 443) == [(socket.AF_INET, ("127.0.0.1", 1443))]
        [(family, addr)] = await resolver.resolve("login.example.com", 443, socket.AF_INET6)
        assert family == socket.AF_INET6 and addr[:2] == ("::1", 2443)
        # Not in the mapping: passed through.
        assert await resolver.resolve("127.0.0.2", 9) == [(socket.AF_INET, ("127.0.0.2", 9))]

    run(main)


def test_override_resolver_close_closes_the_inner_one(io_loop: IOLoop) -> None:
    pool = CountingExecutor()
    resolver = OverrideResolver(resolver=ExecutorResolver(executor=pool), mapping={})
    resolver.close()
    with pytest.raises(RuntimeError):
        pool.submit(print)


def test_override_resolver_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="resolver"):
        OverrideResolver(resolver=None, mapping={})
    with pytest.raises(TypeError, match="mapping"):
        OverrideResolver(resolver=DefaultLoopResolver(), mapping=[("a", "b")])
