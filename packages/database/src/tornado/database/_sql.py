"""Translation of the ``%s`` placeholder style to SQLite's ``?``.

MySQLdb formats ``%s`` itself (after escaping every value) and treats ``%%`` as a literal
percent sign anywhere in the statement, because the whole statement goes through ``%``.
SQLite wants ``?``. To let one statement run on both backends we rewrite ``%s`` outside
quoted strings, identifiers and comments (scanned by SQLite's rules: quotes are escaped
by doubling, not by backslash), and ``%%`` to ``%`` everywhere, matching what
MySQLdb does. Values are never spliced into the SQL: they still travel as bound parameters.
"""

from __future__ import annotations

import functools


def _scan_quoted(sql: str, i: int, out: list[str]) -> int:
    """Copy the quoted run starting at ``sql[i]``; return the index just past its end."""
    quote = sql[i]
    out.append(quote)
    i += 1
    n = len(sql)
    while i < n:
        c = sql[i]
        if c == "%" and sql.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        out.append(c)
        i += 1
        if c == quote:
            if i < n and sql[i] == quote:  # doubled quote is an escaped quote
                out.append(quote)
                i += 1
                continue
            return i
    raise ValueError(f"unterminated {quote} quote in SQL: {sql!r}")


@functools.lru_cache(maxsize=512)
def to_qmark(sql: str) -> str:
    """Return ``sql`` with ``%s`` placeholders turned into ``?`` and ``%%`` into ``%``.

    Raises ValueError for any other ``%`` sequence outside quotes, since MySQL would reject it
    too and silently passing it on would make the statement mean different things per backend.
    """
    if "%" not in sql and "?" not in sql:
        return sql
    out: list[str] = []
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            i = _scan_quoted(sql, i, out)
        elif c == "[":  # SQLite's bracketed identifier
            end = sql.find("]", i)
            if end < 0:
                raise ValueError(f"unterminated [ identifier in SQL: {sql!r}")
            out.append(sql[i : end + 1])
            i = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated /* comment in SQL: {sql!r}")
            out.append(sql[i : end + 2])
            i = end + 2
        elif c == "%":
            nxt = sql[i + 1 : i + 2]
            if nxt == "s":
                out.append("?")
            elif nxt == "%":
                out.append("%")
            else:
                raise ValueError(
                    f"unsupported placeholder %{nxt} at offset {i} in SQL {sql!r}: use %s, or %% for a literal %"
                )
            i += 2
        elif c == "?":
            raise ValueError(f"'?' outside quotes at offset {i} in SQL {sql!r}: use %s placeholders")
        else:
            out.append(c)
            i += 1
    return "".join(out)
