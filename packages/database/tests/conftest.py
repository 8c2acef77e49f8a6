"""Fixtures for tornado.database tests.

MySQL tests use the server named by TORNADO_TEST_MYSQL (``user[:password]@host[:port]/db``,
default ``root@127.0.0.1:3306/test``). Without a reachable server they skip with the reason,
except with CI=true, where a missing server is a failure. SQLite tests always run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.database import Connection, Error

DEFAULT_MYSQL = "root@127.0.0.1:3306/test"


def mysql_settings() -> dict[str, Any]:
    """Connection keyword arguments from TORNADO_TEST_MYSQL."""
    spec = os.environ.get("TORNADO_TEST_MYSQL") or DEFAULT_MYSQL
    creds, _, rest = spec.rpartition("@")
    host, _, database = rest.partition("/")
    user, _, password = creds.partition(":")
    return {
        "host": host,
        "database": database or "test",
        "user": user or None,
        "password": password or None,
        "connect_timeout": 5,
    }


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"MySQL required when CI=true: {reason}")
    pytest.skip(f"MySQL not available: {reason}")


_probe: dict[str, str | None] = {}


@pytest.fixture
def mysql_kwargs() -> dict[str, Any]:
    """Settings of a reachable MySQL server, or skip/fail as the module docstring says."""
    settings = mysql_settings()
    if "reason" not in _probe:
        try:
            with Connection(**settings) as probe:
                probe.query("SELECT 1")
            _probe["reason"] = None
        except ImportError:
            _probe["reason"] = "the mysqlclient driver (MySQLdb) is not installed"
        except Error as e:
            _probe["reason"] = f"cannot connect to {settings['host']}: {e}"
    if _probe["reason"]:
        _unavailable(_probe["reason"])
    return settings


@pytest.fixture
def mysql_db(mysql_kwargs: dict[str, Any]) -> Iterator[Connection]:
    db = Connection(**mysql_kwargs)
    yield db
    db.close()


@pytest.fixture
def sqlite_kwargs(tmp_path: Any) -> dict[str, Any]:
    return {"host": f"sqlite:///{tmp_path}/test.db"}


@pytest.fixture(params=["sqlite", "mysql"])
def db_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings of each backend in turn, so a test runs against both."""
    kwargs: dict[str, Any] = request.getfixturevalue(f"{request.param}_kwargs")
    return kwargs


@pytest.fixture
def connect(db_kwargs: dict[str, Any]) -> Iterator[Callable[..., Connection]]:
    """Open more connections to the database under test; closed after the test."""
    opened: list[Connection] = []

    def factory(**overrides: Any) -> Connection:
        conn = Connection(**{**db_kwargs, **overrides})
        opened.append(conn)
        return conn

    yield factory
    for conn in opened:
        conn.close()


@pytest.fixture
def db(connect: Callable[..., Connection]) -> Connection:
    return connect()


@pytest.fixture
def table(db: Connection) -> Iterator[str]:
    """A unique, empty table (id, name, score, created) dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    if db.backend == "mysql":
        db.execute(
            f"CREATE TABLE {name} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
            " name VARCHAR(100) NOT NULL UNIQUE, score INT, created DATETIME) ENGINE=InnoDB"
        )
    else:
        db.execute(
            f"CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " name VARCHAR(100) NOT NULL UNIQUE, score INT, created DATETIME)"
        )
    yield name
    db.execute(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def unique_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"
