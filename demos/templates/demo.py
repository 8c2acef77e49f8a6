"""Render a page with tornado.template: a Loader, extends/blocks, a loop and autoescaping.

When tornado.locale is installed the page also carries a translated greeting and a
localized date.  Run from this folder: ``python demo.py``.
"""

from __future__ import annotations

import datetime
import os
import sys

from tornado.template import Loader

HERE = os.path.dirname(os.path.abspath(__file__))


def localized_parts() -> dict[str, str]:
    """Greeting and date in Spanish, or nothing when tornado.locale is not installed."""
    try:
        import tornado.locale
    except ImportError:
        return {"greeting": "", "published": "", "locale_code": ""}
    tornado.locale.load_translations(os.path.join(HERE, "translations"))
    locale = tornado.locale.get("es")
    when = datetime.datetime(2010, 9, 10, 18, 30)
    return {
        "greeting": locale.translate("Welcome to the shop"),
        "published": locale.format_date(when, relative=False, full_format=True),
        "locale_code": locale.code,
    }


def main() -> int:
    loader = Loader(os.path.join(HERE, "templates"))
    page = loader.load("page.html").generate(
        title="Tools & <Toys>",
        comment="<script>alert('owned')</script>",
        items=[{"name": "Hammer", "stock": 3}, {"name": "Kite", "stock": 0}, {"name": "Yo-yo", "stock": 12}],
        **localized_parts(),
    )
    sys.stdout.write(page.decode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
