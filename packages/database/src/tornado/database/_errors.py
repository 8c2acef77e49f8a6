"""One exception hierarchy for both backends.

Applications catch ``tornado.database.IntegrityError`` whichever driver runs underneath, so
the driver's own classes are translated here, keeping the server's message and error code.
"""

from __future__ import annotations


class Error(Exception):
    """Base class of every error this package raises.

    ``code`` is the server's error number (MySQL errno, SQLite extended result code) when
    known, and ``sql`` the statement that failed (never the parameter values).
    """

    def __init__(self, message: str, code: int | None = None, sql: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.sql = sql

    def __str__(self) -> str:
        return self.message if self.code is None else f"({self.code}) {self.message}"


class InterfaceError(Error):
    """The driver was misused or the connection object is unusable."""


class DatabaseError(Error):
    """The database reported an error."""


class DataError(DatabaseError):
    """A value was out of range, of the wrong type or too long."""


class OperationalError(DatabaseError):
    """The server could not run the statement: lost connection, lock timeout, bad login, ..."""


class IntegrityError(DatabaseError):
    """A constraint (unique key, foreign key, NOT NULL) was violated."""


class InternalError(DatabaseError):
    """The database hit an internal inconsistency."""


class ProgrammingError(DatabaseError):
    """The SQL or its use was wrong: syntax error, missing table, wrong parameter count."""


class NotSupportedError(DatabaseError):
    """The backend does not support the requested feature."""


_BY_NAME: dict[str, type[Error]] = {
    cls.__name__: cls
    for cls in (
        InterfaceError,
        DatabaseError,
        DataError,
        OperationalError,
        IntegrityError,
        InternalError,
        ProgrammingError,
        NotSupportedError,
    )
}


def translate(exc: BaseException, sql: str | None) -> Error:
    """Map a DB-API driver exception to the matching class of this module.

    Both drivers follow PEP 249 naming, so the most specific class name found in the
    driver exception's MRO picks ours.
    """
    cls: type[Error] = Error
    for base in type(exc).__mro__:
        if base.__name__ in _BY_NAME:
            cls = _BY_NAME[base.__name__]
            break
    code: int | None = None
    message = str(exc)
    args = exc.args
    if len(args) >= 2 and isinstance(args[0], int):
        # MySQLdb: (errno, message)
        code, message = args[0], str(args[1])
    else:
        # sqlite3 (3.11+) carries the extended result code as an attribute.
        sqlite_code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(sqlite_code, int):
            code = sqlite_code
    return cls(message, code=code, sql=sql)
