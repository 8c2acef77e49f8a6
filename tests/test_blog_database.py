"""The blog's database set-up: SQLite reads on the event loop, MySQL entirely on threads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BLOG = Path(__file__).resolve().parent.parent / "demos" / "blog"

PROBE = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import blog, tornado.options
tornado.options.parse_command_line(["blog", *sys.argv[2:]])
db = blog.async_database()

async def main():
    future = db.query("SELECT 1 AS one")
    print(db.inline_reads, future.done(), (await future)[0].one)

asyncio.run(main())
db.close()
"""


def probe(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(BLOG), *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_sqlite_reads_run_inline_unless_turned_off(tmp_path: Path) -> None:
    db = f"--sqlite={tmp_path / 'blog.db'}"
    assert probe(db) == "True True 1"  # answered without a trip through the thread pool
    assert probe(db, "--sqlite_inline_reads=false") == "False False 1"
