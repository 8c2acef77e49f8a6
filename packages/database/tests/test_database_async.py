"""AsyncConnection: queries on a thread pool, awaited or delivered to a 1.0-style callback."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.database import AsyncConnection, Connection, IntegrityError, Row


def test_methods_are_awaitable(db_kwargs: dict[str, Any], unique_name: str) -> None:
    async def main() -> None:
        with AsyncConnection(**db_kwargs, max_workers=2) as pool:
            await pool.execute(f"CREATE TABLE {unique_name} (a INT, b VARCHAR(10))")
            try:
                assert (
                    await pool.executemany_rowcount(
                        f"INSERT INTO {unique_name} VALUES (%s, %s)", [(1, "x"), (2, "y")]
                    )
                    == 2
                )
                await pool.executemany(f"INSERT INTO {unique_name} VALUES (%s, %s)", [(3, "z")])
                assert (
                    await pool.execute_rowcount(f"UPDATE {unique_name} SET b = %s WHERE a > %s", "w", 1) == 2
                )
                rows = await pool.query(f"SELECT a, b FROM {unique_name} ORDER BY a")
                assert [type(r) for r in rows] == [Row] * 3
                assert [(r.a, r.b) for r in rows] == [(1, "x"), (2, "w"), (3, "w")]
                assert await pool.get(f"SELECT b FROM {unique_name} WHERE a = %s", 1) == {"b": "x"}
            finally:
                await pool.execute(f"DROP TABLE {unique_name}")

    asyncio.run(main())


def test_callback_runs_on_loop_thread(db_kwargs: dict[str, Any]) -> None:
    async def main() -> None:
        got: asyncio.Future[tuple[Any, threading.Thread]] = asyncio.get_running_loop().create_future()
        with AsyncConnection(**db_kwargs) as pool:
            returned = pool.get(
                "SELECT %s AS v", 41, callback=lambda row: got.set_result((row, threading.current_thread()))
            )
            row, thread = await got
            assert row == {"v": 41} and thread is threading.current_thread()
            assert await returned == {"v": 41}

    asyncio.run(main())


def test_error_is_raised_or_logged(db_kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Any] = []

    async def main() -> None:
        with AsyncConnection(**db_kwargs) as pool:
            with pytest.raises(IntegrityError):
                await pool.run(_duplicate_key)
            with caplog.at_level(logging.ERROR, logger="tornado.application"):
                fut = pool.run(_duplicate_key, callback=calls.append)
                with pytest.raises(IntegrityError):
                    await fut
                await asyncio.sleep(0)  # let done-callbacks run

    asyncio.run(main())
    assert calls == []
    assert any(r.name == "tornado.application" and r.exc_info for r in caplog.records)


def _duplicate_key(conn: Connection) -> None:
    conn.execute("CREATE TEMPORARY TABLE dup (a INT PRIMARY KEY)")
    try:
        conn.execute("INSERT INTO dup VALUES (%s)", 1)
        conn.execute("INSERT INTO dup VALUES (%s)", 1)
    finally:
        conn.execute("DROP TABLE dup")


def test_one_connection_per_worker_thread(db_kwargs: dict[str, Any]) -> None:
    workers = 3
    barrier = threading.Barrier(workers, timeout=30)

    def which(conn: Connection) -> tuple[int, int]:
        barrier.wait()  # all workers busy at once, so each call runs in its own thread
        return threading.get_ident(), id(conn)

    async def main() -> list[tuple[int, int]]:
        with AsyncConnection(**db_kwargs, max_workers=workers) as pool:
            first = await asyncio.gather(*(pool.run(which) for _ in range(workers)))
            second = await asyncio.gather(*(pool.run(which) for _ in range(workers)))
            assert sorted(first) == sorted(second)  # a thread keeps its connection
            return first

    seen = asyncio.run(main())
    assert len({t for t, _ in seen}) == workers
    assert len({c for _, c in seen}) == workers


def test_memory_database_uses_one_worker() -> None:
    async def main() -> None:
        with AsyncConnection(":memory:", max_workers=4) as pool:
            assert pool.max_workers == 1
            await pool.execute("CREATE TABLE t (a INT)")
            await asyncio.gather(*(pool.execute("INSERT INTO t VALUES (%s)", i) for i in range(10)))
            assert await pool.get("SELECT COUNT(*) AS n FROM t") == {"n": 10}

    asyncio.run(main())


def test_close_and_misuse(tmp_path: Path) -> None:
    pool = AsyncConnection(f"{tmp_path}/a.db")
    with pytest.raises(RuntimeError, match="running event loop"):
        pool.query("SELECT 1")
    pool.close()

    async def after_close() -> None:
        with pytest.raises(RuntimeError, match="closed"):
            pool.query("SELECT 1")

    asyncio.run(after_close())
    with pytest.raises(ValueError, match="max_workers"):
        AsyncConnection(":memory:", max_workers=0)
    with pytest.raises(TypeError, match="max_workers"):
        AsyncConnection(":memory:", max_workers="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_idle_time"):
        AsyncConnection(":memory:", max_idle_time=-5)


def test_other_requests_served_while_slow_query_runs(mysql_kwargs: dict[str, Any]) -> None:
    """A SLEEP(1) query in the pool must not stop the event loop from answering clients."""

    async def main() -> tuple[int, int, Row | None]:
        served = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal served
            line = await reader.readline()
            served += 1
            writer.write(line.upper())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with AsyncConnection(**mysql_kwargs, max_workers=2) as pool:
            slow = pool.get("SELECT SLEEP(1) AS slept")
            # The second worker watches the server's process list to see the slow query run.
            watching: Callable[[], Any] = lambda: pool.get(  # noqa: E731
                "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = %s",
                "SELECT SLEEP(1) AS slept",
            )
            served_while_running = 0
            for _ in range(10_000):
                if slow.done():
                    break
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"ping\n")
                assert await reader.readline() == b"PING\n"
                writer.close()
                row = await watching()
                if row is not None and row.n == 1:
                    served_while_running = served
            result = await slow
        server.close()
        await server.wait_closed()
        return served, served_while_running, result

    served, served_while_running, result = asyncio.run(main())
    assert result == {"slept": 0}
    assert served_while_running >= 1, "no request was answered while SLEEP(1) ran"
    assert served >= served_while_running


def test_results_finished_together_reach_the_loop_in_one_wake_up(tmp_path: Path) -> None:
    """While the loop is busy, finished calls pile up and are handed over in one batch."""
    calls = 20
    finished = threading.Semaphore(0)

    def job(conn: Connection) -> int:
        value = conn.get("SELECT %s AS v", 7)["v"]  # type: ignore[index]
        finished.release()
        return value

    async def main() -> tuple[list[int], int]:
        loop = asyncio.get_running_loop()
        wakeups = 0
        real = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal wakeups
            wakeups += 1
            return real(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign, assignment]
        with AsyncConnection(f"{tmp_path}/b.db", max_workers=4) as pool:
            futures = [pool.run(job) for _ in range(calls)]
            for _ in range(calls):  # the loop is blocked here until every call has finished
                assert finished.acquire(timeout=30)
            results = await asyncio.gather(*futures)
        return results, wakeups

    results, wakeups = asyncio.run(main())
    assert results == [7] * calls
    assert wakeups == 1


def test_a_cancelled_wait_does_not_disturb_the_others(tmp_path: Path) -> None:
    async def main() -> list[Any]:
        with AsyncConnection(f"{tmp_path}/c.db", max_workers=2) as pool:
            slow = pool.run(lambda c: (threading.Event().wait(0.2), c.get("SELECT 1 AS v"))[1])
            slow.cancel()
            return await asyncio.gather(*(pool.get("SELECT %s AS v", i) for i in range(5)))

    assert [r["v"] for r in asyncio.run(main())] == list(range(5))
