"""``Connection``: the blocking query API shared by the MySQL and SQLite backends."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable, Sequence
from typing import Any

from ._backends import Backend, MySQLBackend, SQLiteBackend, is_sqlite_target, sqlite_path
from ._errors import Error, ProgrammingError
from ._row import Row, make_rows

log = logging.getLogger("tornado.general")

# Indirection so tests can move the clock instead of sleeping past max_idle_time.
_now = time.monotonic

DEFAULT_SQL_MODE = "TRADITIONAL"


class Connection:
    """A lightweight wrapper around one database session.

    ``host`` picks the backend: ``":memory:"``, ``"sqlite:///relative.db"``,
    ``"sqlite:////absolute.db"`` or a path ending in ``.db``/``.sqlite``/``.sqlite3`` opens an
    embedded SQLite database (``database``, ``user`` and ``password`` are then ignored, so a
    MySQL configuration can be switched over by changing the host alone); anything else is a
    MySQL server as ``"host"``, ``"host:port"`` or a unix socket path.

    Statements use ``%s`` placeholders on both backends; values are always passed to the
    driver as parameters, never formatted into the SQL. The session is in autocommit mode.
    A MySQL session idle for longer than ``max_idle_time`` seconds, or one found dead (server
    restart, ``KILL``, "MySQL server has gone away"), is replaced on the next call: the call
    that discovers the loss raises ``OperationalError``, since resending it might repeat a write.
    """

    def __init__(
        self,
        host: str,
        database: str | None = None,
        user: str | None = None,
        password: str | None = None,
        max_idle_time: float = 7 * 3600,
        connect_timeout: float = 10,
        time_zone: str = "+0:00",
        charset: str = "utf8mb4",
        sql_mode: str = DEFAULT_SQL_MODE,
    ) -> None:
        if not isinstance(host, str):
            raise TypeError(f"host must be a str, not {type(host).__name__}")
        for setting, value in (("max_idle_time", max_idle_time), ("connect_timeout", connect_timeout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{setting} must be a number of seconds, not {type(value).__name__}")
            if value < 0 or (setting == "connect_timeout" and value == 0):
                raise ValueError(f"{setting} must be positive, got {value!r}")
        self.host = host
        self.database = database
        self.max_idle_time = float(max_idle_time)
        self._backend: Backend
        if is_sqlite_target(host):
            self._backend = SQLiteBackend(sqlite_path(host), timeout=float(connect_timeout))
        else:
            self._backend = MySQLBackend(
                host, database, user, password, connect_timeout, time_zone, charset, sql_mode
            )
        self._db: Any = None
        self._last_use_time = _now()
        try:
            self.reconnect()
        except Error:
            log.error("Cannot connect to %s database on %s", self._backend.name, host, exc_info=True)

    @classmethod
    def sqlite(cls, path: str = ":memory:", connect_timeout: float = 10) -> Connection:
        """Open an embedded SQLite database at ``path`` (any file name), or in memory."""
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        if not is_sqlite_target(path):
            path = "sqlite:///" + path
        return cls(path, connect_timeout=connect_timeout)

    @property
    def backend(self) -> str:
        """``"mysql"`` or ``"sqlite"``, for applications that keep a schema per backend."""
        return self._backend.name

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def close(self) -> None:
        """Close the session; the next call opens a new one."""
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            try:
                db.close()
            except Exception:
                pass

    def reconnect(self) -> None:
        """Close the current session, if any, and open a new one."""
        self.close()
        try:
            self._db = self._backend.connect()
        except self._backend.driver_errors as e:
            raise self._backend.translate(e, None) from e
        self._last_use_time = _now()

    def query(self, query: str, *parameters: Any) -> list[Row]:
        """Return every row the query produces."""
        cursor = self._cursor()
        try:
            self._execute(cursor, query, parameters)
            return make_rows(cursor.description, cursor.fetchall())
        except self._backend.driver_errors as e:
            raise self._failed(e, query) from e
        finally:
            self._close_cursor(cursor)

    def get(self, query: str, *parameters: Any) -> Row | None:
        """Return the single row the query produces, or None; more than one is an error."""
        rows = self.query(query, *parameters)
        if not rows:
            return None
        if len(rows) > 1:
            raise ProgrammingError(f"get() query returned {len(rows)} rows, expected at most one", sql=query)
        return rows[0]

    def iter(self, query: str, *parameters: Any) -> Generator[Row, None, None]:
        """Yield rows one at a time, for results too large to hold in memory.

        On MySQL this uses an unbuffered cursor: exhaust or close the iterator before issuing
        another statement on the same connection.
        """
        cursor = self._cursor(unbuffered=True)
        try:
            self._execute(cursor, query, parameters)
            names = [d[0] for d in cursor.description or ()]
            while True:
                batch = cursor.fetchmany(500)
                if not batch:
                    break
                for values in batch:
                    yield Row(zip(names, values, strict=True))
        except self._backend.driver_errors as e:
            raise self._failed(e, query) from e
        finally:
            self._close_cursor(cursor)

    def execute(self, query: str, *parameters: Any) -> int | None:
        """Run a statement and return the last inserted row id."""
        return self.execute_lastrowid(query, *parameters)

    def execute_lastrowid(self, query: str, *parameters: Any) -> int | None:
        """Run a statement and return the last inserted row id."""
        return self._run(query, parameters, many=False, result="lastrowid")

    def execute_rowcount(self, query: str, *parameters: Any) -> int:
        """Run a statement and return the number of rows it affected."""
        count = self._run(query, parameters, many=False, result="rowcount")
        return int(count or 0)

    def executemany(self, query: str, parameters: Iterable[Sequence[Any]]) -> int | None:
        """Run a statement once per parameter tuple; return the driver's last row id.

        The row id differs per backend after a multi-row insert (MySQL reports the first new
        row, SQLite the last), so rely on ``executemany_rowcount`` for portable code.
        """
        return self._run(query, parameters, many=True, result="lastrowid")

    def executemany_rowcount(self, query: str, parameters: Iterable[Sequence[Any]]) -> int:
        """Run a statement once per parameter tuple; return the total rows affected."""
        count = self._run(query, parameters, many=True, result="rowcount")
        return int(count or 0)

    def _run(self, query: str, parameters: Any, many: bool, result: str) -> Any:
        cursor = self._cursor()
        try:
            if many:
                if not self._executemany(cursor, query, parameters):
                    return 0 if result == "rowcount" else None
            else:
                self._execute(cursor, query, parameters)
            return getattr(cursor, result)
        except self._backend.driver_errors as e:
            raise self._failed(e, query) from e
        finally:
            self._close_cursor(cursor)

    def _close_cursor(self, cursor: Any) -> None:
        # Closing drains pending results, which fails on a session that was just lost.
        try:
            cursor.close()
        except self._backend.driver_errors:
            pass

    def _cursor(self, unbuffered: bool = False) -> Any:
        self._ensure_connected()
        try:
            if unbuffered:
                return self._backend.unbuffered_cursor(self._db)
            return self._db.cursor()
        except self._backend.driver_errors as e:
            raise self._failed(e, None) from e

    def _ensure_connected(self) -> None:
        # MySQL drops sessions idle longer than wait_timeout (8 hours by default), so a
        # long-lived application reconnects before that rather than failing one request.
        idle = _now() - self._last_use_time
        if self._db is None or (self._backend.reconnectable and idle > self.max_idle_time):
            self.reconnect()
        self._last_use_time = _now()

    def _execute(self, cursor: Any, query: str, parameters: Sequence[Any]) -> None:
        sql, args = self._prepare(query, parameters)
        self._call(cursor.execute, query, sql, args)

    def _executemany(self, cursor: Any, query: str, parameters: Iterable[Sequence[Any]]) -> bool:
        """Run the statement for each parameter tuple; False when there were none."""
        if isinstance(parameters, (str, bytes)):
            raise TypeError("executemany parameters must be an iterable of sequences, not a string")
        rows = []
        sql = query
        for params in parameters:
            if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
                raise TypeError(
                    f"executemany parameters must be sequences of values, got {type(params).__name__}"
                )
            sql, args = self._prepare(query, params)
            rows.append(args)
        if not rows:
            return False
        self._call(cursor.executemany, query, sql, rows)
        return True

    def _prepare(self, query: str, parameters: Sequence[Any]) -> tuple[str, Any]:
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        try:
            return self._backend.prepare(query, parameters)
        except ValueError as e:
            log.error("Error in SQL: %s", query)
            raise ProgrammingError(str(e), sql=query) from e

    def _call(self, method: Any, query: str, sql: str, args: Any) -> None:
        try:
            method(sql, args)
        except (TypeError, ValueError) as e:
            # MySQLdb reports a placeholder/parameter count mismatch from its %-formatting.
            log.error("Error in SQL: %s", query)
            raise ProgrammingError(f"parameters do not match the placeholders: {e}", sql=query) from e

    def _failed(self, exc: BaseException, query: str | None) -> Error:
        """Log the failing SQL (never its values), drop a dead session, translate the error."""
        error = self._backend.translate(exc, query)
        if self._backend.is_disconnect(exc):
            log.error("Lost connection to %s on %s: %s", self._backend.name, self.host, error)
            self.close()
        if query is not None:
            log.error("Error running SQL: %s (%s)", query, error)
        return error
