"""UI modules: the ``Entry`` module renders an entry the same way on every page that shows one."""

from __future__ import annotations

import collections
from typing import Any

import tornado.web

CACHE_SIZE = 512  # rendered entries kept per process


class Entry(tornado.web.UIModule):
    """One entry; its HTML is kept per content, so a busy home page renders each entry once.

    The cache key is everything the template reads (slug, title, body, author, date, whether
    the title links and whether the reader may edit), not a version number: an edit made on
    any frontend changes the key there and everywhere, so no frontend can show a stale entry
    and nothing has to be told to forget one.  Off when compiled templates are not cached
    (``debug``), so template edits show at once.
    """

    _rendered: collections.OrderedDict[tuple[Any, ...], str] = collections.OrderedDict()

    def embedded_css(self) -> str:
        return ".entry { margin-bottom: 2em; }"

    def render(self, entry: Any, permalink: bool = True) -> str:
        """``permalink``: the title links to the entry's own page (lists, not the entry page)."""
        if not self.handler.settings.get("compiled_template_cache", True):
            return self._render(entry, permalink)
        key = (
            entry["slug"],
            entry["title"],
            entry["html"],
            entry.get("author_name"),
            entry["published"],
            permalink,
            bool(self.current_user),
        )
        cache = Entry._rendered
        html = cache.get(key)
        if html is None:
            html = cache[key] = self._render(entry, permalink)
            if len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return html

    def _render(self, entry: Any, permalink: bool) -> str:
        return self.render_string("modules/entry.html", entry=entry, permalink=permalink).decode("utf-8")
