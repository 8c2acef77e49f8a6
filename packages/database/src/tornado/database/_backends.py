"""The two drivers behind ``Connection``: MySQL through mysqlclient, and stdlib SQLite.

Each backend knows how to open a raw DB-API connection, how to adapt a ``%s`` statement and
its parameters for its driver, and which driver errors mean the connection is gone.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import Error, OperationalError, ProgrammingError, translate
from ._sql import to_qmark

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_SCHEME = "sqlite://"
_SQLITE_ERROR = 1

# MySQL errors after which the session is unusable: cannot connect (2002, 2003), "server has
# gone away" (2006), lost connection (2013, 2055), server shutdown (1053), MariaDB's
# "connection was killed" (1927) and MySQL 8's idle disconnect (4031).
_MYSQL_LOST_CODES = frozenset({2002, 2003, 2006, 2013, 2055, 1053, 1927, 4031})


def is_sqlite_target(host: str) -> bool:
    """Tell whether ``host`` names an SQLite database rather than a MySQL server."""
    return host == ":memory:" or host.startswith(SQLITE_SCHEME) or host.lower().endswith(SQLITE_SUFFIXES)


def sqlite_path(host: str) -> str:
    """Turn ``sqlite:///rel.db``, ``sqlite:////abs.db``, ``:memory:`` or a plain path into a path."""
    if host.startswith(SQLITE_SCHEME):
        rest = host[len(SQLITE_SCHEME) :]
        if rest in ("", "/", "/:memory:"):
            return ":memory:"
        if not rest.startswith("/"):
            raise ValueError(
                f"host {host!r}: an SQLite URL is sqlite:///relative/path or sqlite:////absolute/path"
            )
        return rest[1:]
    return host


class Backend:
    """Driver-specific behaviour; ``Connection`` holds one and stays driver-agnostic."""

    name = ""
    #: Whether an idle or dropped session can be replaced by opening a new one.
    reconnectable = True
    driver_errors: tuple[type[BaseException], ...] = ()

    def connect(self) -> Any:
        raise NotImplementedError

    def prepare(self, sql: str, args: Sequence[Any]) -> tuple[str, Any]:
        raise NotImplementedError

    def is_disconnect(self, exc: BaseException) -> bool:
        return False

    def translate(self, exc: BaseException, sql: str | None) -> Error:
        return translate(exc, sql)

    def unbuffered_cursor(self, db: Any) -> Any:
        return db.cursor()


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, path: str, timeout: float) -> None:
        if not path:
            raise ValueError("host: empty SQLite database path")
        self.path = path
        self.timeout = timeout
        self.reconnectable = path != ":memory:"
        self.driver_errors = (sqlite3.Error,)

    def connect(self) -> Any:
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            if not os.path.isdir(parent):
                raise ValueError(f"host: directory {parent!r} of the SQLite database does not exist")
        # isolation_level=None: autocommit, like the MySQL backend; BEGIN/COMMIT work as SQL.
        # check_same_thread=False: a Connection may be created in one thread and used or closed
        # in another, though never by two threads at once.
        db = sqlite3.connect(
            self.path,
            timeout=self.timeout,
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
            check_same_thread=False,
        )
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def prepare(self, sql: str, args: Sequence[Any]) -> tuple[str, Any]:
        return to_qmark(sql), tuple(_sqlite_value(a) for a in args)

    def connect_reader(self) -> sqlite3.Connection:
        """A read-only session that never waits for a lock (busy timeout 0): a statement
        that would write, or wait, fails at once instead (see AsyncConnection's inline_reads)."""
        uri = Path(os.path.abspath(self.path)).as_uri() + "?mode=ro"
        return sqlite3.connect(
            uri,
            uri=True,
            timeout=0,
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
            check_same_thread=False,
        )

    def translate(self, exc: BaseException, sql: str | None) -> Error:
        error = translate(exc, sql)
        # sqlite3 reports bad SQL (syntax, unknown table or column) as OperationalError with
        # the generic SQLITE_ERROR code; MySQL calls those ProgrammingError, so do we.
        if type(error) is OperationalError and error.code == _SQLITE_ERROR:
            return ProgrammingError(error.message, code=error.code, sql=error.sql)
        return error


def _sqlite_value(value: Any) -> Any:
    """Store dates and decimals as the text MySQL would print, without global sqlite3 adapters."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _convert_datetime(raw: bytes) -> Any:
    text = raw.decode()
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return text


def _convert_date(raw: bytes) -> Any:
    text = raw.decode()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return text


# Columns declared DATETIME / TIMESTAMP / DATE read back as datetime objects, as on MySQL.
# These replace the stdlib defaults for "timestamp" and "date" (deprecated since 3.12).
# The same rows are read again and again (a home page), so parsed values are kept: they are
# immutable, and a hit in the C-level cache skips a Python call per column of every row.
_cached_datetime = functools.lru_cache(maxsize=4096)(_convert_datetime)
_cached_date = functools.lru_cache(maxsize=4096)(_convert_date)
sqlite3.register_converter("DATETIME", _cached_datetime)
sqlite3.register_converter("TIMESTAMP", _cached_datetime)
sqlite3.register_converter("DATE", _cached_date)


def parse_mysql_host(host: str) -> dict[str, Any]:
    """Split ``host``, ``host:port``, ``[v6addr]:port`` or a unix socket path into connect kwargs."""
    if not host:
        raise ValueError("host: empty MySQL host")
    if host.startswith("/"):
        return {"unix_socket": host}
    name, port_text = host, ""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise ValueError(f"host {host!r}: missing ']' after IPv6 address")
        name, rest = host[1:end], host[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"host {host!r}: expected ':port' after ']'")
            port_text = rest[1:]
    elif host.count(":") == 1:
        name, port_text = host.split(":")
    kwargs: dict[str, Any] = {"host": name}
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"host {host!r}: port must be a number from 1 to 65535")
        kwargs["port"] = int(port_text)
    return kwargs


class MySQLBackend(Backend):
    name = "mysql"

    def __init__(
        self,
        host: str,
        database: str | None,
        user: str | None,
        password: str | None,
        connect_timeout: float,
        time_zone: str,
        charset: str,
        sql_mode: str,
    ) -> None:
        try:
            import MySQLdb
            import MySQLdb.cursors
        except ImportError:
            raise ImportError(
                f"host {host!r} names a MySQL server, which needs the mysqlclient driver: "
                "pip install 'tornado-database[mysql]' (building it needs libmariadb-dev or "
                "libmysqlclient-dev and pkg-config). For the embedded backend use an SQLite "
                "path such as 'sqlite:///app.db'."
            ) from None
        self._mysqldb = MySQLdb
        self._sscursor = MySQLdb.cursors.SSCursor
        self.driver_errors = (MySQLdb.Error,)
        self.host = host
        kwargs = parse_mysql_host(host)
        kwargs.update(
            charset=charset,
            use_unicode=True,
            autocommit=True,
            connect_timeout=max(1, round(connect_timeout)),
            # Set both here rather than through MySQLdb's sql_mode argument, which ignores "".
            init_command=(
                f"SET time_zone = '{_sql_text(time_zone, 'time_zone')}',"
                f" sql_mode = '{_sql_text(sql_mode, 'sql_mode')}'"
            ),
        )
        if database is not None:
            kwargs["database"] = database
        if user is not None:
            kwargs["user"] = user
        if password is not None:
            kwargs["password"] = password
        self._kwargs = kwargs

    def connect(self) -> Any:
        return self._mysqldb.connect(**self._kwargs)

    def prepare(self, sql: str, args: Sequence[Any]) -> tuple[str, Any]:
        # Always a tuple, never None, so MySQLdb applies %-formatting uniformly and %% is
        # a literal percent sign whether or not the statement has parameters.
        return sql, tuple(args)

    def is_disconnect(self, exc: BaseException) -> bool:
        if isinstance(exc, self._mysqldb.InterfaceError):
            return True
        if isinstance(exc, self._mysqldb.OperationalError) and exc.args:
            code = exc.args[0]
            return code in _MYSQL_LOST_CODES
        return False

    def unbuffered_cursor(self, db: Any) -> Any:
        return db.cursor(self._sscursor)


def _sql_text(value: str, setting: str) -> str:
    """Reject session settings that could break out of the quoted init command."""
    if not isinstance(value, str):
        raise TypeError(f"{setting} must be a str, not {type(value).__name__}")
    if "'" in value or "\\" in value:
        raise ValueError(f"{setting} {value!r} must not contain quotes or backslashes")
    return value
