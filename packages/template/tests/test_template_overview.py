"""The template examples of the Tornado overview, through a Loader as web's render() uses it."""

from __future__ import annotations

import re
import subprocess
import sys

from tornado.template import Loader

TEMPLATE_HTML = """<html>
   <head>
      <title>{{ title }}</title>
   </head>
   <body>
     <ul>
       {% for item in items %}
         <li>{{ escape(item) }}</li>
       {% end %}
     </ul>
   </body>
 </html>
"""


def test_overview_template_html(tmp_path) -> None:
    (tmp_path / "template.html").write_text(TEMPLATE_HTML)
    items = ["Item 1", "Item 2", "Item 3"]
    out = Loader(tmp_path).load("template.html").generate(title="My title", items=items).decode()
    assert "<title>My title</title>" in out
    assert re.findall(r"<li>(.*?)</li>", out) == items
    assert re.sub(r"\s+", "", out) == (
        "<html><head><title>Mytitle</title></head><body><ul>"
        "<li>Item1</li><li>Item2</li><li>Item3</li></ul></body></html>"
    )


def test_overview_add_function_example(tmp_path) -> None:
    class MainHandler:
        def add(self, x: int, y: int) -> int:
            return x + y

    (tmp_path / "template.html").write_text("{{ add(1, 2) }} and {{ add('a', 'b') }}")
    out = Loader(tmp_path).load("template.html").generate(add=MainHandler().add)
    assert out == b"3 and ab"


def test_overview_control_statement_examples(tmp_path) -> None:
    (tmp_path / "t.html").write_text("{% if len(items) > 2 %}many, first {{ items[0] }}{% end %}")
    assert Loader(tmp_path).load("t.html").generate(items=[7, 8, 9]) == b"many, first 7"


def test_importing_template_does_not_pull_in_the_server() -> None:
    code = (
        "import sys, tornado.template; "
        "bad = sorted(m for m in sys.modules if m in ('tornado.web', 'tornado.httpserver', "
        "'tornado.ioloop', 'tornado.iostream', 'tornado.locale', 'asyncio')); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
    assert (
        "tornado.escape"
        in subprocess.run(
            [sys.executable, "-c", "import sys, tornado.template; print(sorted(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
