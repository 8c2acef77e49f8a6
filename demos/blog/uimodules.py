"""UI modules: the ``Entry`` module renders an entry the same way on every page that shows one."""

from __future__ import annotations

from typing import Any

import tornado.web


class Entry(tornado.web.UIModule):
    def embedded_css(self) -> str:
        return ".entry { margin-bottom: 2em; }"

    def render(self, entry: Any, permalink: bool = True) -> str:  # type: ignore[override]
        """``permalink``: the title links to the entry's own page (lists, not the entry page)."""
        return self.render_string("modules/entry.html", entry=entry, permalink=permalink).decode("utf-8")
