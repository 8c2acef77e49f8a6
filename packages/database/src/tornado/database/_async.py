"""Running queries from async code without blocking the event loop.

Queries block, as they always have in this module. ``AsyncConnection`` moves them onto a
small pool of threads in which every thread owns its own ``Connection`` (database sessions
must not be shared between threads), and hands the result back as an awaitable or, 1.0
style, to a ``callback`` run on the event loop thread.

The hand-off is the pool's own rather than ``run_in_executor``: a query is often shorter
than the round trip, so results finished while the loop was busy go back in one batch, with
one wake-up of the loop, straight into the awaiting futures (no intermediate
``concurrent.futures.Future`` chained to each).

An SQLite read of a few rows takes tens of microseconds, less than the hand-off itself (a
thread wake-up, the GIL passed back and forth, the loop woken), so ``inline_reads`` runs
``query`` and ``get`` SELECTs on the event loop thread instead, in a read-only session that
never waits for a lock; anything that session cannot do at once goes to the pool as usual.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ._backends import SQLiteBackend, is_sqlite_target, sqlite_path
from ._connection import Connection
from ._row import Row, make_rows

T = TypeVar("T")

app_log = logging.getLogger("tornado.application")

# A call for a pool thread: the loop to answer on, the future to resolve, what to run.
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[Connection], Any]]
# Statements tried inline: those that read (a WITH that writes fails in the read-only session).
_READ = re.compile(r"\s*(?:select|with)\b", re.I)


class AsyncConnection:
    """The ``Connection`` API, each method returning an awaitable and accepting ``callback=``.

    Takes the same arguments as ``Connection`` plus ``max_workers``, the number of threads
    and so the number of database sessions. An in-memory SQLite database exists only inside
    its session, so for ``":memory:"`` a single worker is used and every query sees the same
    data. Call the methods from a running event loop (an ``async def`` handler, or the IOLoop).

    ``inline_reads`` (SQLite database files only): ``query`` and ``get`` of a SELECT run on
    the calling thread in a read-only session with a busy timeout of 0, and the awaitable is
    already resolved; a statement that fails there (it writes, the database is locked, an
    error) is run in the pool, which waits for locks and reports errors as without the
    option. Worth it for reads of a few indexed rows; a slow SELECT would hold up the event
    loop for its whole duration.
    """

    def __init__(
        self, host: str, *args: Any, max_workers: int = 4, inline_reads: bool = False, **kwargs: Any
    ) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int):
            raise TypeError(f"max_workers must be an int, not {type(max_workers).__name__}")
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        if not isinstance(inline_reads, bool):
            raise TypeError(f"inline_reads must be a bool, not {type(inline_reads).__name__}")
        sqlite = isinstance(host, str) and is_sqlite_target(host)
        if sqlite and sqlite_path(host) == ":memory:":
            if inline_reads:
                raise ValueError(
                    "inline_reads needs an SQLite database file: ':memory:' lives in one session"
                )
            max_workers = 1
        if inline_reads and not sqlite:
            raise ValueError(f"inline_reads is for SQLite database files, not the MySQL host {host!r}")
        # Build one Connection now so that bad settings fail here, not in a worker thread.
        first = Connection(host, *args, **kwargs)
        self._factory: Callable[[], Connection] = functools.partial(Connection, host, *args, **kwargs)
        self._spare: list[Connection] = [first]
        self._all: list[Connection] = [first]
        self._lock = threading.Lock()
        self._local = threading.local()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        # Finished calls per event loop, waiting for that loop's next delivery.
        self._done: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        self._closed = False
        self.max_workers = max_workers
        self.inline_reads = inline_reads
        # Per calling thread (each event loop's), a read-only session for inline reads.
        self._reader_backend = SQLiteBackend(sqlite_path(host), 0.0) if inline_reads else None
        self._readers = threading.local()
        self._all_readers: list[sqlite3.Connection] = []

    def _connection(self) -> Connection:
        """The calling worker thread's own Connection, created on first use."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                conn = self._spare.pop() if self._spare else None
            if conn is None:
                conn = self._factory()
                with self._lock:
                    self._all.append(conn)
            self._local.conn = conn
        return conn

    def run(
        self, fn: Callable[[Connection], T], callback: Callable[[T], Any] | None = None
    ) -> asyncio.Future[T]:
        """Call ``fn(connection)`` in a worker thread; use it to run several statements in a row.

        The returned future resolves to ``fn``'s result. With ``callback`` the result is also
        passed to ``callback`` on the event loop thread; if ``fn`` raises, the error is logged
        to ``tornado.application`` and the callback is not called.
        """
        if self._closed:
            raise RuntimeError("AsyncConnection is closed")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("AsyncConnection methods must be called from a running event loop") from None
        future: asyncio.Future[T] = loop.create_future()
        if not self._threads:
            self._start_threads()
        self._jobs.put((loop, future, fn))
        if callback is not None:
            future.add_done_callback(functools.partial(_deliver, callback))
        return future

    def _start_threads(self) -> None:
        with self._lock:
            if self._threads:
                return
            for i in range(self.max_workers):
                thread = threading.Thread(target=self._work, name=f"tornado-database-{i}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        """A pool thread: run calls until close() sends None."""
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, future, fn = job
            try:
                value, ok = fn(self._connection()), True
            except BaseException as e:  # delivered to the awaiting code, as run_in_executor would
                value, ok = (e if not isinstance(e, StopIteration) else RuntimeError(repr(e))), False
            with self._lock:
                batch = self._done.setdefault(loop, [])
                batch.append((future, ok, value))
                first = len(batch) == 1
            if first:  # else a delivery is already scheduled and will take this one too
                try:
                    loop.call_soon_threadsafe(self._deliver_done, loop)
                except RuntimeError:  # the loop was closed: nobody is waiting any more
                    with self._lock:
                        self._done.pop(loop, None)

    def _deliver_done(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            batch = self._done.pop(loop, [])
        for future, ok, value in batch:
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _read_inline(self, query: str, parameters: tuple[Any, ...]) -> list[Row] | None:
        """The rows of a SELECT read on this thread, or None: then it goes to the pool."""
        backend = self._reader_backend
        if backend is None or self._closed or not isinstance(query, str) or not _READ.match(query):
            return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None  # run() says why
        reader: sqlite3.Connection | None = getattr(self._readers, "db", None)
        try:
            if reader is None:
                reader = self._readers.db = backend.connect_reader()
                with self._lock:
                    self._all_readers.append(reader)
            sql, args = backend.prepare(query, parameters)
            cursor = reader.execute(sql, args)
            try:
                return make_rows(cursor.description, cursor.fetchall())
            finally:
                cursor.close()
        except (sqlite3.Error, ValueError, TypeError):
            return None  # the pool runs it again: it waits for locks and reports errors

    def _resolved(self, value: T, callback: Callable[[T], Any] | None) -> asyncio.Future[T]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("AsyncConnection methods must be called from a running event loop") from None
        future: asyncio.Future[T] = loop.create_future()
        future.set_result(value)
        if callback is not None:
            future.add_done_callback(functools.partial(_deliver, callback))
        return future

    def query(
        self, query: str, *parameters: Any, callback: Callable[[list[Row]], Any] | None = None
    ) -> asyncio.Future[list[Row]]:
        """``Connection.query`` in a worker thread (inline with ``inline_reads``)."""
        rows = self._read_inline(query, parameters)
        if rows is not None:
            return self._resolved(rows, callback)
        return self.run(lambda c: c.query(query, *parameters), callback)

    def get(
        self, query: str, *parameters: Any, callback: Callable[[Row | None], Any] | None = None
    ) -> asyncio.Future[Row | None]:
        """``Connection.get`` in a worker thread (inline with ``inline_reads``)."""
        rows = self._read_inline(query, parameters)
        if rows is not None and len(rows) <= 1:  # more rows: the pool raises get()'s error
            return self._resolved(rows[0] if rows else None, callback)
        return self.run(lambda c: c.get(query, *parameters), callback)

    def execute(
        self, query: str, *parameters: Any, callback: Callable[[int | None], Any] | None = None
    ) -> asyncio.Future[int | None]:
        """``Connection.execute`` in a worker thread; resolves to the last inserted row id."""
        return self.run(lambda c: c.execute(query, *parameters), callback)

    def execute_rowcount(
        self, query: str, *parameters: Any, callback: Callable[[int], Any] | None = None
    ) -> asyncio.Future[int]:
        """``Connection.execute_rowcount`` in a worker thread."""
        return self.run(lambda c: c.execute_rowcount(query, *parameters), callback)

    def executemany(
        self,
        query: str,
        parameters: Iterable[Sequence[Any]],
        callback: Callable[[int | None], Any] | None = None,
    ) -> asyncio.Future[int | None]:
        """``Connection.executemany`` in a worker thread."""
        params = list(parameters)
        return self.run(lambda c: c.executemany(query, params), callback)

    def executemany_rowcount(
        self,
        query: str,
        parameters: Iterable[Sequence[Any]],
        callback: Callable[[int], Any] | None = None,
    ) -> asyncio.Future[int]:
        """``Connection.executemany_rowcount`` in a worker thread."""
        params = list(parameters)
        return self.run(lambda c: c.executemany_rowcount(query, params), callback)

    def close(self) -> None:
        """Wait for running queries, stop the threads and close every session."""
        self._closed = True
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(None)  # after every call already queued
        for thread in threads:
            thread.join()
        with self._lock:
            conns, self._all, self._spare = self._all, [], []
            readers, self._all_readers = self._all_readers, []
        for conn in conns:
            conn.close()
        for reader in readers:
            reader.close()

    def __enter__(self) -> AsyncConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _deliver(callback: Callable[[T], Any], future: asyncio.Future[T]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        app_log.error("Database call failed; callback %r not called", callback, exc_info=exc)
        return
    try:
        callback(future.result())
    except Exception:
        app_log.error("Exception in database callback %r", callback, exc_info=True)
