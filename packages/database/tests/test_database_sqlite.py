"""The embedded SQLite backend: how it is chosen, placeholder translation, type round trips."""

from __future__ import annotations

import datetime
import decimal
import os
from pathlib import Path

import pytest
import tornado.database._connection as connection_module
from tornado.database import Connection, ProgrammingError
from tornado.database._sql import to_qmark


@pytest.mark.parametrize("host", ["app.db", "app.sqlite", "app.SQLITE3", "{dir}/app.db", "sqlite:///app.db"])
def test_backend_chosen_by_host(host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = host.format(dir=tmp_path)
    # database, user and password are ignored, so a MySQL configuration switches by host alone.
    with Connection(spec, "blog", user="ignored", password="ignored") as db:
        assert db.backend == "sqlite"
        db.execute("CREATE TABLE t (a INT)")
    assert (tmp_path / Path(spec).name).exists()


def test_sqlite_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    with Connection("sqlite:///sub/rel.data") as db:  # relative, any suffix with the URL form
        db.execute("CREATE TABLE t (a INT)")
    assert (tmp_path / "sub" / "rel.data").exists()
    with Connection(f"sqlite:///{tmp_path}/abs.data") as db:  # sqlite:////abs/path
        db.execute("CREATE TABLE t (a INT)")
    assert (tmp_path / "abs.data").exists()
    with pytest.raises(ValueError, match="sqlite:///"):
        Connection("sqlite://host/x.db")


def test_memory_database_and_classmethod(tmp_path: Path) -> None:
    for db in (Connection(":memory:"), Connection("sqlite://"), Connection.sqlite()):
        assert db.backend == "sqlite"
        db.execute("CREATE TABLE t (a INT)")
        db.execute("INSERT INTO t VALUES (%s)", 1)
        assert db.query("SELECT a FROM t") == [{"a": 1}]
        db.close()
    path = tmp_path / "plain-name"
    with Connection.sqlite(str(path)) as db:
        db.execute("CREATE TABLE t (a INT)")
    assert path.exists()


def test_memory_database_survives_idle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(connection_module, "_now", lambda: clock[0])
    db = Connection(":memory:", max_idle_time=1)
    db.execute("CREATE TABLE t (a INT)")
    clock[0] += 1000
    assert db.query("SELECT * FROM t") == []  # reconnecting would have lost the table


def test_file_database_reconnects_after_idle_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(connection_module, "_now", lambda: clock[0])
    db = Connection(f"{tmp_path}/a.db", max_idle_time=1)
    db.execute("CREATE TEMP TABLE session_only (a INT)")
    assert db.query("SELECT * FROM session_only") == []
    clock[0] += 1000
    with pytest.raises(ProgrammingError, match="session_only"):
        db.query("SELECT * FROM session_only")  # a new session no longer has the temp table


def test_missing_directory_names_host(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="host"):
        Connection(f"{tmp_path}/no/such/dir/app.db")
    with pytest.raises(TypeError, match="path"):
        Connection.sqlite(123)  # type: ignore[arg-type]


def test_placeholder_translation() -> None:
    assert to_qmark("SELECT 1") == "SELECT 1"
    assert to_qmark("SELECT * FROM t WHERE a = %s AND b = %s") == "SELECT * FROM t WHERE a = ? AND b = ?"
    assert to_qmark("SELECT '%s', \"%s\", `%s`, [%s] FROM t WHERE x = %s") == (
        "SELECT '%s', \"%s\", `%s`, [%s] FROM t WHERE x = ?"
    )
    assert to_qmark("SELECT 'it''s %s' WHERE a LIKE '10%%' AND b = %s") == (
        "SELECT 'it''s %s' WHERE a LIKE '10%' AND b = ?"
    )
    assert to_qmark("SELECT %s -- %s\n, %s /* %s */") == "SELECT ? -- %s\n, ? /* %s */"
    assert to_qmark("SELECT 5 %% 3") == "SELECT 5 % 3"


@pytest.mark.parametrize(
    "sql, message",
    [
        ("SELECT %d", "%d"),
        ("SELECT ?", "'\\?'"),
        ("SELECT %s, 'open", "unterminated"),
        ("SELECT %s /* open", "unterminated"),
        ("SELECT %s, [open", "unterminated"),
    ],
)
def test_placeholder_translation_rejects(sql: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_qmark(sql)
    with pytest.raises(ProgrammingError, match=message):
        Connection(":memory:").query(sql)


def test_types_read_back_like_mysql() -> None:
    db = Connection(":memory:")
    db.execute("CREATE TABLE t (d DATE, ts TIMESTAMP, dt DATETIME, price DECIMAL(10,2), b BLOB, s TEXT)")
    when = datetime.datetime(2009, 9, 10, 8, 30, 1, 250)
    day = datetime.date(2009, 9, 10)
    db.execute(
        "INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s)",
        day,
        when,
        when,
        decimal.Decimal("9.99"),
        b"\x00\xff",
        "x",
    )
    row = db.get("SELECT * FROM t")
    assert row == {"d": day, "ts": when, "dt": when, "price": 9.99, "b": b"\x00\xff", "s": "x"}
    db.execute("INSERT INTO t (dt, s) VALUES (CURRENT_TIMESTAMP, %s)", "now")
    now = db.get("SELECT dt FROM t WHERE s = %s", "now")
    assert now is not None and isinstance(now.dt, datetime.datetime)


def test_foreign_keys_are_enforced() -> None:
    from tornado.database import IntegrityError

    db = Connection(":memory:")
    db.execute("CREATE TABLE a (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE b (a_id INTEGER REFERENCES a(id))")
    with pytest.raises(IntegrityError):
        db.execute("INSERT INTO b VALUES (%s)", 5)


def test_connection_usable_from_another_thread(tmp_path: Path) -> None:
    import threading

    db = Connection(os.fspath(tmp_path / "t.db"))
    db.execute("CREATE TABLE t (a INT)")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            db.execute("INSERT INTO t VALUES (%s)", 1)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=work)
    t.start()
    t.join(30)
    assert errors == []
    assert db.get("SELECT COUNT(*) AS n FROM t") == {"n": 1}
