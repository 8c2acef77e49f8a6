"""Render the same page with tornado.template and with Jinja2 and compare renders per second.

The page is a base layout plus a child template that extends it, with a 20-item loop, and
autoescaping on in both engines.  Both outputs are checked to be the same page (after
whitespace normalization, and with Jinja2's ``&#34;`` spelled ``&quot;``) before timing.

    PYTHONPATH=packages/escape/src:packages/template/src python bench/template_bench.py
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import jinja2
from tornado.template import DictLoader

TORNADO_PAGES = {
    "base.html": """<!DOCTYPE html>
<html>
  <head>
    <title>{% block title %}Shop{% end %}</title>
    <link rel="stylesheet" href="{{ static_url }}/style.css">
  </head>
  <body>
    <div id="header">
      <a href="/">Home</a>
      {% if user %}<span class="user">Signed in as {{ user["name"] }}</span>{% else %}<a href="/login">Sign in</a>{% end %}
    </div>
    <div id="content">{% block content %}{% end %}</div>
    <div id="footer">{% block footer %}&copy; {{ year }} The Shop{% end %}</div>
  </body>
</html>
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ title }} - Shop{% end %}
{% block content %}
  <h1>{{ title }}</h1>
  <p class="intro">{{ intro }}</p>
  <table class="items">
    {% for item in items %}
    <tr class="{% if item["featured"] %}featured{% else %}plain{% end %}">
      <td><a href="/item/{{ item["id"] }}" title="{{ item["name"] }}">{{ item["name"] }}</a></td>
      <td class="price">{{ item["price"] }}</td>
      <td>{{ item["description"] }}</td>
    </tr>
    {% end %}
  </table>
{% end %}
""",
}

JINJA_PAGES = {
    "base.html": """<!DOCTYPE html>
<html>
  <head>
    <title>{% block title %}Shop{% endblock %}</title>
    <link rel="stylesheet" href="{{ static_url }}/style.css">
  </head>
  <body>
    <div id="header">
      <a href="/">Home</a>
      {% if user %}<span class="user">Signed in as {{ user["name"] }}</span>{% else %}<a href="/login">Sign in</a>{% endif %}
    </div>
    <div id="content">{% block content %}{% endblock %}</div>
    <div id="footer">{% block footer %}&copy; {{ year }} The Shop{% endblock %}</div>
  </body>
</html>
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ title }} - Shop{% endblock %}
{% block content %}
  <h1>{{ title }}</h1>
  <p class="intro">{{ intro }}</p>
  <table class="items">
    {% for item in items %}
    <tr class="{% if item["featured"] %}featured{% else %}plain{% endif %}">
      <td><a href="/item/{{ item["id"] }}" title="{{ item["name"] }}">{{ item["name"] }}</a></td>
      <td class="price">{{ item["price"] }}</td>
      <td>{{ item["description"] }}</td>
    </tr>
    {% endfor %}
  </table>
{% endblock %}
""",
}


def context() -> dict[str, Any]:
    items = [
        {
            "id": i,
            "name": f"Item {i}" if i % 5 else f"Item <{i}> & 'friends'",
            "price": f"{i * 3.25:.2f}",
            "description": "A plain description of a useful thing" if i % 3 else 'Say "hi" <b>now</b>',
            "featured": i % 4 == 0,
        }
        for i in range(20)
    ]
    return {
        "title": "Catalogue & <offers>",
        "intro": "Everything we sell, in one table.",
        "items": items,
        "user": {"name": "Bret <admin>"},
        "static_url": "/static",
        "year": 2010,
    }


def normalize(html: str) -> str:
    return re.sub(r"\s+", " ", html.replace("&#34;", "&quot;")).strip()


def _batch(fn: Callable[[], object]) -> int:
    """Number of calls that takes about 20 ms, so the clock is read rarely."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > 0.02:
            return n
        n *= 2


def rates(fns: list[Callable[[], object]], seconds: float, rounds: int = 7) -> list[float]:
    """Best calls/s of each function; rounds alternate between them so machine noise hits both."""
    batches = [_batch(fn) for fn in fns]
    best = [0.0] * len(fns)
    for _ in range(rounds):
        for k, (fn, n) in enumerate(zip(fns, batches, strict=True)):
            count, t0 = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - t0) < seconds / rounds:
                for _ in range(n):
                    fn()
                count += n
            best[k] = max(best[k], count / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="timing budget per engine")
    args = ap.parse_args(argv)

    ctx = context()
    ours = DictLoader(TORNADO_PAGES).load("page.html")
    env = jinja2.Environment(loader=jinja2.DictLoader(JINJA_PAGES), autoescape=True)
    theirs = env.get_template("page.html")

    a, b = ours.generate(**ctx).decode("utf-8"), theirs.render(**ctx)
    if normalize(a) != normalize(b):
        print("outputs differ:\n--- tornado.template\n" + a + "\n--- jinja2\n" + b, file=sys.stderr)
        return 1
    assert "&lt;offers&gt;" in a and "Bret &lt;admin&gt;" in a and a.count("<tr ") == 20

    ours_rate, jinja_rate = rates([lambda: ours.generate(**ctx), lambda: theirs.render(**ctx)], args.seconds)
    print(f"page: base + child (extends), 20-item loop, autoescape on; {len(a)} chars")
    print(f"tornado.template  {ours_rate:10,.0f} renders/s  (returns UTF-8 bytes)")
    print(f"jinja2 {jinja2.__version__:<9}  {jinja_rate:10,.0f} renders/s  (returns str)")
    print(f"ratio             {ours_rate / jinja_rate:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
