"""One frontend of demos/blog for bench/blog_bench.py, on whichever Tornado the venv has.

The handlers, templates, UI modules and queries are the demo's own; only the process set-up is
here (no signal handling or drain, which the benchmark does not exercise), so that the same
application runs on our packages and on Tornado 6 (plus our tornado.database, installed into
its ``tornado`` package).

    python blog_frontend.py --port=8000 --sqlite=/path/blog.db
"""

from __future__ import annotations

import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "demos", "blog"))

import blog  # noqa: E402  (defines the demo's options)
import tornado  # noqa: E402
import tornado.database  # noqa: E402
import tornado.httpserver  # noqa: E402
import tornado.options  # noqa: E402
from tornado.options import options  # noqa: E402


async def main() -> None:
    db = blog.async_database()
    server = tornado.httpserver.HTTPServer(blog.make_application(db), xheaders=True)
    server.listen(options.port, "127.0.0.1")
    print(f"blog frontend on {options.port}: tornado {getattr(tornado, 'version', '(ours)')}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    tornado.options.parse_command_line()
    asyncio.run(main())
