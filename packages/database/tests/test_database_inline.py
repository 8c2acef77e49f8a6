"""AsyncConnection(inline_reads=True): SQLite SELECTs on the loop thread, the rest in the pool."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from tornado.database import AsyncConnection, ProgrammingError, Row


def _file_db(tmp_path: Path) -> str:
    path = tmp_path / "inline.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR(10), at DATETIME)")
        raw.execute("INSERT INTO t VALUES (1, 'x', '2026-01-02 03:04:05'), (2, 'y', '2026-01-03 00:00:00')")
    raw.close()
    return f"sqlite:///{path}"


def test_selects_resolve_at_once_and_writes_go_to_the_pool(tmp_path: Path) -> None:
    host = _file_db(tmp_path)

    async def main() -> None:
        with AsyncConnection(host, inline_reads=True) as db:
            rows = db.query("SELECT a, b, at FROM t ORDER BY a")
            assert rows.done()  # read on this thread: no hand-off to the pool
            got = await rows
            assert [type(r) for r in got] == [Row, Row]
            assert got[0].b == "x" and got[0].at.year == 2026  # the DATETIME converter applies
            one = db.get("  with x as (select b from t where a = %s) select * from x", 2)
            assert one.done() and (await one) == {"b": "y"}
            written = db.execute("INSERT INTO t VALUES (%s, %s, %s)", 3, "z", None)
            assert not written.done()  # writes are the pool's
            await written
            assert [r.a for r in await db.query("SELECT a FROM t ORDER BY a")] == [1, 2, 3]
            assert db._threads  # the write started the pool

        with AsyncConnection(host) as db:  # without the option every call is handed off
            rows = db.query("SELECT a FROM t")
            assert not rows.done()
            assert len(await rows) == 3

    asyncio.run(main())


def test_what_the_read_only_session_cannot_do_runs_in_the_pool(tmp_path: Path) -> None:
    host = _file_db(tmp_path)

    async def main() -> None:
        with AsyncConnection(host, inline_reads=True) as db:
            # A statement that writes, though asked as a query, is run by the pool.
            deleted = db.query("WITH gone AS (SELECT 1) DELETE FROM t WHERE a = %s RETURNING b", 2)
            assert not deleted.done()
            assert await deleted == [{"b": "y"}]
            # Errors are the pool's, as without the option.
            with pytest.raises(ProgrammingError):
                await db.query("SELECT nope FROM t")
            with pytest.raises(ProgrammingError, match="rows, expected at most one"):
                await db.get("SELECT a FROM t UNION ALL SELECT a FROM t")
            # A database locked by a writer: the read waits in the pool instead of the loop.
            other = sqlite3.connect(
                Path(host[len("sqlite:///") :]), isolation_level=None, check_same_thread=False
            )
            other.execute("BEGIN EXCLUSIVE")
            other.execute("INSERT INTO t VALUES (9, 'w', NULL)")
            locked = db.query("SELECT a FROM t ORDER BY a")
            assert not locked.done()
            threading.Timer(0.2, other.execute, ["COMMIT"]).start()
            assert [r.a for r in await locked] == [1, 9]
            other.close()

    asyncio.run(main())


def test_callbacks_of_inline_reads_run_later_on_the_loop(tmp_path: Path) -> None:
    host = _file_db(tmp_path)

    async def main() -> None:
        got: list[Any] = []
        with AsyncConnection(host, inline_reads=True) as db:
            db.get("SELECT b FROM t WHERE a = %s", 1, callback=got.append)
            assert got == []  # never called from inside the call
            await asyncio.sleep(0)
            assert got == [{"b": "x"}]

    asyncio.run(main())


def test_inline_reads_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="inline_reads needs an SQLite database file"):
        AsyncConnection(":memory:", inline_reads=True)
    with pytest.raises(TypeError, match="inline_reads must be a bool"):
        AsyncConnection(_file_db(tmp_path), inline_reads=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="inline_reads is for SQLite"):
        AsyncConnection("127.0.0.1:1", "db", inline_reads=True, connect_timeout=0.2)
