"""A simple wrapper around MySQL (mysqlclient) with an embedded SQLite default.

    db = Connection("127.0.0.1:3306", "blog", user="blog", password="...")  # MySQL
    db = Connection("sqlite:///blog.db")                                   # no server at all
    for entry in db.query("SELECT * FROM entries WHERE author_id = %s", author_id):
        print(entry.title)

Both backends take ``%s`` placeholders and return ``Row`` objects (dicts whose keys are also
attributes). Queries block; from async code use ``AsyncConnection``, which runs them on a
thread pool with one session per thread.
"""

from ._async import AsyncConnection
from ._connection import Connection
from ._errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from ._row import Row

__all__ = [
    "AsyncConnection",
    "Connection",
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Row",
]
