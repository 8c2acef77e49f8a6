"""MySQL-only behaviour: session settings, host forms, reconnects, driver errors."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.database._connection as connection_module
from tornado.database import Connection, DataError, Error, OperationalError
from tornado.database._backends import parse_mysql_host


@pytest.fixture
def killer(mysql_kwargs: dict[str, Any]) -> Iterator[Connection]:
    conn = Connection(**mysql_kwargs)
    yield conn
    conn.close()


def _session_id(db: Connection) -> int:
    row = db.get("SELECT CONNECTION_ID() AS id")
    assert row is not None
    return int(row.id)


def _kill(killer: Connection, session_id: int) -> None:
    killer.execute("KILL %s", session_id)
    # KILL returns before the session is gone; wait (bounded) until the server dropped it.
    for _ in range(500):
        if killer.get("SELECT ID FROM information_schema.PROCESSLIST WHERE ID = %s", session_id) is None:
            return
        killer.query("SELECT SLEEP(0.01)")
    raise AssertionError(f"session {session_id} still present after KILL")


def test_reconnects_after_server_side_kill(
    mysql_db: Connection, killer: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    before = _session_id(mysql_db)
    _kill(killer, before)
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        with pytest.raises(OperationalError) as info:
            mysql_db.query("SELECT 1 AS one")
    assert info.value.code is not None and info.value.message
    assert any("Lost connection" in r.getMessage() for r in caplog.records)
    # The next call gets a fresh session without any action from the application.
    assert mysql_db.query("SELECT 1 AS one") == [{"one": 1}]
    assert _session_id(mysql_db) != before


def test_reconnects_after_max_idle_time(
    mysql_kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(connection_module, "_now", lambda: clock[0])
    db = Connection(**mysql_kwargs, max_idle_time=60)
    try:
        first = _session_id(db)
        clock[0] += 59
        assert _session_id(db) == first  # each use restarts the idle period
        clock[0] += 59
        assert _session_id(db) == first
        clock[0] += 61
        assert _session_id(db) != first
    finally:
        db.close()


def test_reconnect_opens_new_session(mysql_db: Connection) -> None:
    first = _session_id(mysql_db)
    mysql_db.reconnect()
    assert _session_id(mysql_db) != first


def test_session_settings(mysql_kwargs: dict[str, Any]) -> None:
    with Connection(**mysql_kwargs) as db:
        row = db.get(
            "SELECT @@session.time_zone AS tz, @@character_set_client AS cs, @@session.sql_mode AS m"
        )
        assert row is not None
        assert row.tz == "+00:00" and row.cs == "utf8mb4" and "STRICT_ALL_TABLES" in row.m
    with Connection(**mysql_kwargs, time_zone="+2:00", charset="utf8", sql_mode="ANSI_QUOTES") as db:
        row = db.get(
            "SELECT @@session.time_zone AS tz, @@character_set_client AS cs, @@session.sql_mode AS m"
        )
        assert row is not None
        assert row.tz == "+02:00" and row.cs in ("utf8", "utf8mb3") and row.m == "ANSI_QUOTES"


def test_strict_sql_mode_rejects_truncation(mysql_kwargs: dict[str, Any], unique_name: str) -> None:
    with Connection(**mysql_kwargs) as db:
        db.execute(f"CREATE TABLE {unique_name} (s VARCHAR(3))")
        try:
            with pytest.raises(DataError):
                db.execute(f"INSERT INTO {unique_name} VALUES (%s)", "toolong")
            with Connection(**mysql_kwargs, sql_mode="") as lax:
                lax.execute(f"INSERT INTO {unique_name} VALUES (%s)", "toolong")
            assert db.query(f"SELECT s FROM {unique_name}") == [{"s": "too"}]
        finally:
            db.execute(f"DROP TABLE {unique_name}")


def test_host_forms() -> None:
    assert parse_mysql_host("db.example") == {"host": "db.example"}
    assert parse_mysql_host("db.example:3307") == {"host": "db.example", "port": 3307}
    assert parse_mysql_host("[::1]:3307") == {"host": "::1", "port": 3307}
    assert parse_mysql_host("[::1]") == {"host": "::1"}
    assert parse_mysql_host("/run/mysqld/mysqld.sock") == {"unix_socket": "/run/mysqld/mysqld.sock"}
    for bad in ["", "db:notaport", "db:0", "db:70000", "[::1", "[::1]3306"]:
        with pytest.raises(ValueError, match="host"):
            parse_mysql_host(bad)


def test_host_port_and_unix_socket(mysql_db: Connection, mysql_kwargs: dict[str, Any]) -> None:
    row = mysql_db.get("SELECT @@port AS port, @@socket AS sock")
    assert row is not None
    assert mysql_kwargs["host"].endswith(f":{row.port}") or ":" not in mysql_kwargs["host"]
    if not row.sock or not os.path.exists(row.sock):
        pytest.skip(f"server socket {row.sock!r} is not on this machine")
    with Connection(**{**mysql_kwargs, "host": row.sock}) as db:
        assert db.get("SELECT 7 AS n") == {"n": 7}
        via = db.get("SELECT HOST AS h FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()")
        assert via is not None and "localhost" in via.h and ":" not in via.h


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_raises_operational_error(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("MySQLdb")
    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        db = Connection(f"127.0.0.1:{_free_port()}", "test", user="root", connect_timeout=2)
    assert any("Cannot connect" in r.getMessage() for r in caplog.records)
    with pytest.raises(OperationalError) as info:
        db.query("SELECT 1")
    assert info.value.code in (2002, 2003)


def test_bad_login_carries_server_message(mysql_kwargs: dict[str, Any]) -> None:
    user = f"nobody_{uuid.uuid4().hex[:8]}"
    db = Connection(**{**mysql_kwargs, "user": user, "password": "wrong"})
    with pytest.raises(OperationalError, match="Access denied") as info:
        db.query("SELECT 1")
    assert info.value.code in (1045, 1698)


def test_bad_settings_name_the_setting() -> None:
    with pytest.raises(ValueError, match="max_idle_time"):
        Connection("127.0.0.1", "test", max_idle_time=-1)
    with pytest.raises(TypeError, match="connect_timeout"):
        Connection("127.0.0.1", "test", connect_timeout="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="host"):
        Connection(3306)  # type: ignore[arg-type]
    pytest.importorskip("MySQLdb")
    with pytest.raises(ValueError, match="time_zone"):
        Connection("127.0.0.1", "test", time_zone="+0:00'; DROP TABLE x; --")
    with pytest.raises(ValueError, match="sql_mode"):
        Connection("127.0.0.1", "test", sql_mode="a\\")


def test_missing_driver_explains_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    monkeypatch.setitem(sys.modules, "MySQLdb.cursors", None)
    with pytest.raises(ImportError, match=r"pip install 'tornado-database\[mysql\]'"):
        Connection("127.0.0.1:3306", "test")


def test_package_works_without_driver(tmp_path: Any) -> None:
    code = (
        "import sys; sys.modules['MySQLdb'] = None\n"
        "from tornado.database import Connection\n"
        f"db = Connection({str(tmp_path / 'x.db')!r})\n"
        "db.execute('CREATE TABLE t (a INT)')\n"
        "db.execute('INSERT INTO t VALUES (%s)', 42)\n"
        "print(db.get('SELECT a FROM t').a)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "42"


def test_iter_uses_unbuffered_cursor(mysql_db: Connection, unique_name: str) -> None:
    mysql_db.execute(f"CREATE TABLE {unique_name} (a INT)")
    try:
        mysql_db.executemany(f"INSERT INTO {unique_name} VALUES (%s)", [(i,) for i in range(2000)])
        session = _session_id(mysql_db)
        rows = mysql_db.iter(f"SELECT a FROM {unique_name} ORDER BY a")
        assert next(rows) == {"a": 0}
        # The rest of the result is still on the server, so the session is busy streaming it.
        with pytest.raises(Error, match="out of sync"):
            mysql_db.query("SELECT 1")
        rows.close()
        assert _session_id(mysql_db) == session  # that error did not cost the session
        assert [r.a for r in mysql_db.iter(f"SELECT a FROM {unique_name} ORDER BY a")] == list(range(2000))
    finally:
        mysql_db.execute(f"DROP TABLE {unique_name}")
