"""UI modules: the ``Entry`` module renders an entry the same way on every page that shows one."""

from __future__ import annotations

import collections
from typing import Any

import tornado.web

CACHE_SIZE = 512  # rendered entries kept per process


class Entry(tornado.web.UIModule):
    """One entry; its HTML is kept with the content it was rendered from, so a busy home page
    renders each entry once.

    A cached copy is used only while everything the template reads (title, body, author,
    date) is equal to what it was rendered from, compared on each use, not a version number:
    an edit made on any frontend changes the content there and everywhere, so no frontend can
    show a stale entry and nothing has to be told to forget one.  Copies are kept per slug,
    title link and reader kind (the Edit link), so comparing costs a string comparison instead
    of hashing the body.  Off when compiled templates are not cached (``debug``), so template
    edits show at once.
    """

    _rendered: collections.OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], str]] = (
        collections.OrderedDict()
    )

    def embedded_css(self) -> str:
        return ".entry { margin-bottom: 2em; }"

    def render(self, entry: Any, permalink: bool = True) -> str:
        """``permalink``: the title links to the entry's own page (lists, not the entry page)."""
        if not self.handler.settings.get("compiled_template_cache", True):
            return self._render(entry, permalink)
        slot = (entry["slug"], permalink, bool(self.current_user))
        content = (entry["title"], entry["html"], entry.get("author_name"), entry["published"])
        cache = Entry._rendered
        kept = cache.get(slot)
        if kept is not None and kept[0] == content:
            cache.move_to_end(slot)
            return kept[1]
        html = self._render(entry, permalink)
        cache[slot] = (content, html)
        cache.move_to_end(slot)
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
        return html

    def _render(self, entry: Any, permalink: bool) -> str:
        return self.render_string("modules/entry.html", entry=entry, permalink=permalink).decode("utf-8")
