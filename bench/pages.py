"""Checking that the ``page`` servers render the same page before any of them is measured.

Frameworks differ in how they spell escapes (``&quot;`` vs ``&#34;``) and in template
whitespace, so pages are compared after normalizing those two things, and each page must
also show the signed-in user, the escaped name and the 20 escaped items itself.
"""

from __future__ import annotations

import html
import re
import sys

from scenarios import PAGE_NAME, SERVERS

sys.path.insert(0, str(SERVERS))
from _page import ITEMS, USER  # noqa: E402

_SPELLINGS = {"&#34;": "&quot;", "&#x22;": "&quot;", "&#x27;": "&#39;", "&#039;": "&#39;"}


def normalize(body: bytes) -> str:
    """One spelling per escape, no whitespace between tags, single spaces elsewhere."""
    text = body.decode("utf-8")
    for spelling, canonical in _SPELLINGS.items():
        text = text.replace(spelling, canonical)
    text = re.sub(r">\s+<", "><", text)
    return re.sub(r"\s+", " ", text).strip()


def escape(value: object) -> str:
    return html.escape(str(value), quote=True).replace("&#x27;", "&#39;")


def check_page(body: bytes) -> str | None:
    """None when ``body`` is the expected page, else what is wrong with it."""
    text = normalize(body)
    wanted = [f"Signed in as {USER}", f"<h1>Hello, {escape(PAGE_NAME)}</h1>"]
    for item in ITEMS:
        wanted.append(
            f'<td><a href="/item/{item["id"]}" title="{escape(item["name"])}">{escape(item["name"])}</a></td>'
            f'<td class="price">{item["price"]}</td><td>{escape(item["description"])}</td>'
        )
    missing = [w for w in wanted if w not in text]
    if missing:
        return f"page lacks {missing[0]!r}"
    if text.count("<tr ") != len(ITEMS):
        return f"page has {text.count('<tr ')} rows, expected {len(ITEMS)}"
    return None
