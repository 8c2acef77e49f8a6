"""The Connection API, run identically against SQLite and MySQL with portable SQL."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

import pytest
from tornado.database import (
    Connection,
    DatabaseError,
    Error,
    IntegrityError,
    ProgrammingError,
    Row,
)


def test_row_keys_are_attributes() -> None:
    row = Row(title="Hello", id=3)
    assert row.title == "Hello" and row["id"] == 3
    row.extra = 1
    assert row["extra"] == 1
    del row.extra
    assert "extra" not in row
    with pytest.raises(AttributeError):
        _ = row.missing
    with pytest.raises(AttributeError):
        del row.missing


def test_query_returns_rows(db: Connection, table: str) -> None:
    db.execute(f"INSERT INTO {table} (name, score) VALUES (%s, %s)", "alice", 3)
    db.execute(f"INSERT INTO {table} (name, score) VALUES (%s, %s)", "bob", 5)
    rows = db.query(f"SELECT name, score FROM {table} ORDER BY score DESC")
    assert [type(r) for r in rows] == [Row, Row]
    assert [(r.name, r.score) for r in rows] == [("bob", 5), ("alice", 3)]
    assert db.query(f"SELECT * FROM {table} WHERE score > %s", 100) == []


def test_execute_returns_lastrowid(db: Connection, table: str) -> None:
    first = db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "a")
    second = db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "b")
    assert isinstance(first, int) and second == first + 1
    assert db.get(f"SELECT name FROM {table} WHERE id = %s", second) == {"name": "b"}
    assert db.execute_lastrowid(f"INSERT INTO {table} (name) VALUES (%s)", "c") == second + 1


def test_get_one_none_or_error(db: Connection, table: str) -> None:
    db.executemany(f"INSERT INTO {table} (name, score) VALUES (%s, %s)", [("a", 1), ("b", 1)])
    assert db.get(f"SELECT name FROM {table} WHERE name = %s", "a") == {"name": "a"}
    assert db.get(f"SELECT name FROM {table} WHERE name = %s", "zzz") is None
    with pytest.raises(ProgrammingError, match="2 rows"):
        db.get(f"SELECT name FROM {table} WHERE score = %s", 1)


def test_rowcounts(db: Connection, table: str) -> None:
    n = db.executemany_rowcount(
        f"INSERT INTO {table} (name, score) VALUES (%s, %s)", [("a", 1), ("b", 2), ("c", 3)]
    )
    assert n == 3
    assert db.execute_rowcount(f"UPDATE {table} SET score = score + 1 WHERE score >= %s", 2) == 2
    assert db.execute_rowcount(f"DELETE FROM {table} WHERE name = %s", "nobody") == 0
    assert db.executemany_rowcount(f"DELETE FROM {table} WHERE name = %s", []) == 0
    assert [r.score for r in db.query(f"SELECT score FROM {table} ORDER BY name")] == [1, 3, 4]


def test_executemany_accepts_any_iterable_of_tuples(db: Connection, table: str) -> None:
    db.executemany(f"INSERT INTO {table} (name, score) VALUES (%s, %s)", ((f"n{i}", i) for i in range(50)))
    assert db.get(f"SELECT COUNT(*) AS n, SUM(score) AS s FROM {table}") == {"n": 50, "s": sum(range(50))}
    with pytest.raises(TypeError, match="sequences"):
        db.executemany(f"INSERT INTO {table} (name) VALUES (%s)", [5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a string"):
        db.executemany(f"INSERT INTO {table} (name) VALUES (%s)", "abc")


def test_iter_streams_rows(db: Connection, table: str) -> None:
    db.executemany(f"INSERT INTO {table} (name, score) VALUES (%s, %s)", [(f"n{i}", i) for i in range(1200)])
    it = db.iter(f"SELECT name, score FROM {table} WHERE score >= %s ORDER BY score", 100)
    first = next(it)
    assert isinstance(first, Row) and first.score == 100
    rest = list(it)
    assert len(rest) == 1099 and rest[-1].name == "n1199"
    # The connection is usable again once the iterator is exhausted.
    assert db.get(f"SELECT COUNT(*) AS n FROM {table}") == {"n": 1200}


def test_injection_attempt_is_stored_as_data(db: Connection, table: str) -> None:
    evil = f"x'); DROP TABLE {table}; --"
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", evil)
    also_evil = "' OR '1'='1"
    assert db.query(f"SELECT * FROM {table} WHERE name = %s", also_evil) == []
    assert db.get(f"SELECT name FROM {table} WHERE name = %s", evil) == {"name": evil}
    for tricky in ["%s", "%%", "100%", "?", "back\\slash", 'dq"', "`tick`", "--", "/*"]:
        db.execute(f"INSERT INTO {table} (name) VALUES (%s)", tricky)
        assert db.get(f"SELECT name FROM {table} WHERE name = %s", tricky) == {"name": tricky}


def test_percent_literals_and_placeholders(db: Connection, table: str) -> None:
    db.executemany(f"INSERT INTO {table} (name) VALUES (%s)", [("50% off",), ("half",)])
    rows = db.query(f"SELECT name FROM {table} WHERE name LIKE '%%off' AND name <> %s", "x")
    assert [r.name for r in rows] == ["50% off"]
    assert db.get("SELECT '%%s' AS a, %s AS b", "v") == {"a": "%s", "b": "v"}
    assert db.get("SELECT 'it''s' AS a") == {"a": "it's"}


def test_unicode_round_trip(db: Connection, table: str) -> None:
    text = "héllo wörld ✓ 😀 中文"
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", text)
    assert db.get(f"SELECT name FROM {table}") == {"name": text}


def test_datetime_and_null_round_trip(db: Connection, table: str) -> None:
    when = datetime.datetime(2010, 5, 17, 13, 45, 7)
    db.execute(f"INSERT INTO {table} (name, created, score) VALUES (%s, %s, %s)", "a", when, None)
    row = db.get(f"SELECT created, score FROM {table}")
    assert row == {"created": when, "score": None}


def test_autocommit_visible_to_other_connection(
    db: Connection, table: str, connect: Callable[..., Connection]
) -> None:
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "committed")
    assert connect().get(f"SELECT name FROM {table}") == {"name": "committed"}


def test_transaction_rollback_and_commit(db: Connection, table: str) -> None:
    db.execute("BEGIN")
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "rolled back")
    db.execute("ROLLBACK")
    db.execute("BEGIN")
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "kept")
    db.execute("COMMIT")
    assert [r.name for r in db.query(f"SELECT name FROM {table}")] == ["kept"]


def test_integrity_error_carries_server_message(db: Connection, table: str) -> None:
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "dup")
    with pytest.raises(IntegrityError) as info:
        db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "dup")
    err = info.value
    assert isinstance(err, DatabaseError) and isinstance(err, Error)
    assert isinstance(err.code, int)
    assert ("Duplicate entry" in err.message) or ("UNIQUE constraint failed" in err.message)
    assert err.sql == f"INSERT INTO {table} (name) VALUES (%s)"
    # The connection stays usable after a statement error.
    assert db.get(f"SELECT COUNT(*) AS n FROM {table}") == {"n": 1}


def test_error_log_has_sql_but_not_values(
    db: Connection, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        with pytest.raises(Error):
            db.query(f"SELECT no_such_column FROM {table} WHERE name = %s", "secret-value-123")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "tornado.general")
    assert f"SELECT no_such_column FROM {table} WHERE name = %s" in text
    assert "secret-value-123" not in text


def test_syntax_error_and_missing_table(db: Connection, unique_name: str) -> None:
    with pytest.raises(ProgrammingError):
        db.query("SELEC 1")
    with pytest.raises(DatabaseError) as info:
        db.query(f"SELECT * FROM {unique_name}")
    assert unique_name in info.value.message


def test_wrong_parameter_count_is_programming_error(db: Connection) -> None:
    with pytest.raises(ProgrammingError):
        db.query("SELECT %s AS a, %s AS b", 1)
    with pytest.raises(ProgrammingError):
        db.query("SELECT %s AS a", 1, 2)


def test_query_must_be_text(db: Connection) -> None:
    with pytest.raises(TypeError, match="query must be a str"):
        db.query(b"SELECT 1")  # type: ignore[arg-type]


def test_close_then_use_reconnects(db: Connection, table: str) -> None:
    db.execute(f"INSERT INTO {table} (name) VALUES (%s)", "a")
    db.close()
    assert db.get(f"SELECT name FROM {table}") == {"name": "a"}
    db.reconnect()
    assert db.get(f"SELECT COUNT(*) AS n FROM {table}") == {"n": 1}


def test_context_manager_closes(db_kwargs: dict[str, Any]) -> None:
    with Connection(**db_kwargs) as other:
        assert other.get("SELECT 1 AS one") == {"one": 1}
    assert other._db is None
