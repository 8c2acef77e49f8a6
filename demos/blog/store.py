"""The blog's data: opening the database, applying schema.sql, entries, authors, sign-in limits.

Every query goes through ``tornado.database``'s ``AsyncConnection``, so handlers await them
and the IOLoop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from typing import Any

from tornado.database import AsyncConnection, Connection, IntegrityError, Row

try:
    import markdown
    import nh3
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError(f"the blog demo needs Python-Markdown and nh3: pip install markdown nh3 ({e})") from e

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.sql")
MAX_TITLE = 512
MAX_SLUG = 80


def connect_args(
    sqlite: str, mysql_host: str, mysql_database: str, mysql_user: str, mysql_password: str
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``Connection`` arguments: MySQL/MariaDB when ``mysql_host`` is set, else the SQLite file."""
    if mysql_host:
        if not mysql_database:
            raise ValueError("mysql_database must be set when mysql_host is")
        return (mysql_host, mysql_database), {"user": mysql_user, "password": mysql_password}
    if not sqlite:
        raise ValueError("sqlite must name a database file when mysql_host is not set")
    return ("sqlite:///" + os.path.abspath(sqlite),), {}


def statements(sql: str) -> list[str]:
    """The statements of a schema file: ``--`` comments dropped, split at ``;``."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def apply_schema(db: Connection) -> None:
    """Create whatever tables and indexes are missing (safe on every start)."""
    with open(SCHEMA, encoding="utf-8") as f:
        for statement in statements(f.read()):
            db.execute(statement)


def utcnow() -> datetime.datetime:
    """Now in UTC, to the second (what a DATETIME column keeps on both backends)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def render_markdown(text: str) -> str:
    """Markdown to HTML that cannot carry script: nh3 keeps only harmless tags and attributes."""
    html = markdown.markdown(text, extensions=["fenced_code", "tables"], output_format="html")
    return nh3.clean(html)


def slugify(title: str) -> str:
    """A URL-safe lowercase ASCII name for an entry."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:MAX_SLUG].strip("-")
    return slug or "entry"


class Store:
    """The blog's queries over one ``AsyncConnection``."""

    def __init__(self, db: AsyncConnection) -> None:
        self.db = db

    # ------------------------------------------------------------------ entries

    async def latest(self, limit: int) -> list[Row]:
        """The newest entries, with what lists and the feed show (not their Markdown source)."""
        return await self.db.query(
            "SELECT slug, title, html, published, updated, authors.name AS author_name FROM entries"
            " LEFT JOIN authors ON authors.email = entries.author_email"
            " ORDER BY published DESC LIMIT %s",
            limit,
        )

    async def archive(self) -> list[Row]:
        return await self.db.query(
            "SELECT slug, title, published FROM entries ORDER BY published DESC LIMIT 1000"
        )

    async def entry(self, slug: str) -> Row | None:
        return await self.db.get(
            "SELECT entries.*, authors.name AS author_name FROM entries"
            " LEFT JOIN authors ON authors.email = entries.author_email WHERE slug = %s",
            slug,
        )

    async def create_entry(self, author_email: str, title: str, text: str) -> str:
        """Insert a new entry under a free slug derived from its title; returns the slug."""
        base = slugify(title)
        html = render_markdown(text)
        now = utcnow()
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base}-{n}"
            if await self.entry(slug) is not None:
                continue
            try:
                await self.db.execute(
                    "INSERT INTO entries (slug, author_email, title, markdown, html, published, updated)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    slug,
                    author_email,
                    title,
                    text,
                    html,
                    now,
                    now,
                )
                return slug
            except IntegrityError:
                continue  # another frontend took this slug between our check and insert
        raise RuntimeError(f"no free slug for {title!r}")

    async def update_entry(self, slug: str, title: str, text: str) -> bool:
        n = await self.db.execute_rowcount(
            "UPDATE entries SET title = %s, markdown = %s, html = %s, updated = %s WHERE slug = %s",
            title,
            text,
            render_markdown(text),
            utcnow(),
            slug,
        )
        return bool(n)

    # ------------------------------------------------------------------ authors

    async def author(self, email: str) -> Row | None:
        return await self.db.get("SELECT * FROM authors WHERE email = %s", email.strip().lower())

    # ---------------------------------------------------- failed sign-in counting

    async def failures(self, subject: str, window: float) -> int:
        """Failed sign-ins for ``subject`` in the current window (0 once the window has passed)."""
        row = await self.db.get(
            "SELECT failures, window_start FROM login_failures WHERE subject = %s", subject
        )
        if row is None or (utcnow() - row.window_start).total_seconds() > window:
            return 0
        return int(row.failures)

    async def record_failure(self, subject: str, window: float) -> None:
        now = utcnow()
        since = now - datetime.timedelta(seconds=window)
        # A window that has passed starts again at 1; otherwise count up.
        restarted = await self.db.execute_rowcount(
            "UPDATE login_failures SET failures = 1, window_start = %s"
            " WHERE subject = %s AND window_start < %s",
            now,
            subject,
            since,
        )
        if restarted:
            return
        counted = await self.db.execute_rowcount(
            "UPDATE login_failures SET failures = failures + 1 WHERE subject = %s", subject
        )
        if counted:
            return
        try:
            await self.db.execute(
                "INSERT INTO login_failures (subject, failures, window_start) VALUES (%s, 1, %s)",
                subject,
                now,
            )
        except IntegrityError:  # another frontend inserted it first
            await self.db.execute(
                "UPDATE login_failures SET failures = failures + 1 WHERE subject = %s", subject
            )

    async def clear_failures(self, subject: str) -> None:
        await self.db.execute("DELETE FROM login_failures WHERE subject = %s", subject)


def create_author(db: Connection, email: str, name: str, password_hash: str) -> None:
    """Add an author (blocking: used by the command line, not by handlers)."""
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email) or len(email) > 100:
        raise ValueError(f"create_author: {email!r} is not an e-mail address")
    if not name.strip() or len(name) > 100:
        raise ValueError("author_name must be 1 to 100 characters")
    db.execute(
        "INSERT INTO authors (email, name, password_hash, created) VALUES (%s, %s, %s, %s)",
        email,
        name.strip(),
        password_hash,
        utcnow(),
    )
