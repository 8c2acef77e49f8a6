"""Templates without a ``template_path``: found next to the user's code, never in tornado/web/.

The applications here are real files written to a temporary directory and imported, as an
application's modules are, so each class has its own ``__file__``.
"""

import importlib
import logging
import sys
import textwrap
import types

import pytest
import tornado.web


@pytest.fixture
def write_modules(tmp_path):
    """``write_modules({"pkg/mod.py": source, "pkg/x.html": text})`` writes the files and
    returns a function importing a module from them; imported modules are removed after."""
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)

    def write(files):
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if (
                name.endswith(".py")
                and not (path.parent / "__init__.py").exists()
                and path.parent != tmp_path
            ):
                (path.parent / "__init__.py").write_text("")
            path.write_text(textwrap.dedent(text))
        importlib.invalidate_caches()
        return importlib.import_module

    yield write
    sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        del sys.modules[name]


OVERVIEW_UIMODULES = """
    import tornado.web

    class Entry(tornado.web.UIModule):
        def embedded_css(self):
            return ".entry { margin-bottom: 1em; }"

        def render(self, entry, show_comments=False):
            return self.render_string("module-entry.html", entry=entry, show_comments=show_comments)
"""

OVERVIEW_APP = """
    import tornado.web
    from blog import uimodules

    ENTRIES = [{"id": 1, "title": "First"}, {"id": 2, "title": "Second"}]

    class HomeHandler(tornado.web.RequestHandler):
        def get(self):
            self.render("home.html", entries=ENTRIES)

    class EntryHandler(tornado.web.RequestHandler):
        def get(self, entry_id):
            entry = next((e for e in ENTRIES if e["id"] == int(entry_id)), None)
            if not entry:
                raise tornado.web.HTTPError(404)
            self.render("entry.html", entry=entry)

    settings = {
        "ui_modules": uimodules,
    }
    application = tornado.web.Application([
        (r"/", HomeHandler),
        (r"/entry/([0-9]+)", EntryHandler),
    ], **settings)
"""


def test_overview_ui_module_example_without_template_path(serve, write_modules):
    load = write_modules(
        {
            "blog/uimodules.py": OVERVIEW_UIMODULES,
            "blog/app.py": OVERVIEW_APP,
            "blog/module-entry.html": (
                '<div class="entry">{{ entry["title"] }}{% if show_comments %} +comments{% end %}</div>'
            ),
            "blog/home.html": (
                "<html><head></head><body>"
                "{% for entry in entries %}{{ modules.Entry(entry) }}{% end %}</body></html>"
            ),
            "blog/entry.html": "<html><head></head><body>{{ modules.Entry(entry, show_comments=True) }}</body></html>",
        }
    )
    app = load("blog.app").application
    assert "template_path" not in app.settings
    s = serve(app)
    r = s.fetch("/")
    assert r.status == 200, r.text
    assert '<div class="entry">First</div><div class="entry">Second</div>' in r.text
    assert r.text.count(".entry { margin-bottom: 1em; }") == 1
    r = s.fetch("/entry/2")
    assert '<div class="entry">Second +comments</div>' in r.text


def test_handler_class_directory_wins_over_a_base_class_in_another_file(serve, write_modules):
    load = write_modules(
        {
            "lib/base.py": """
                import tornado.web

                class BaseHandler(tornado.web.RequestHandler):
                    def get(self):
                        self.render("page.html", where="the base class")
            """,
            "lib/page.html": "lib's page.html",
            "mysite/views.py": """
                from lib.base import BaseHandler

                class PageHandler(BaseHandler):
                    pass
            """,
            "mysite/page.html": "site's page.html, from {{ where }}",
        }
    )
    views = load("mysite.views")
    base = load("lib.base")
    s = serve(tornado.web.Application([(r"/site", views.PageHandler), (r"/lib", base.BaseHandler)]))
    assert s.fetch("/site").text == "site's page.html, from the base class"
    assert s.fetch("/lib").text == "lib's page.html"


def test_ui_module_templates_live_next_to_the_module(serve, write_modules):
    load = write_modules(
        {
            "widgets/ui.py": """
                import tornado.web

                class Badge(tornado.web.UIModule):
                    def render(self, name):
                        return self.render_string("badge.html", name=name)
            """,
            "widgets/badge.html": "<b>{{ name }}</b>",
            "pages/handlers.py": """
                import tornado.web

                class Page(tornado.web.RequestHandler):
                    def get(self):
                        self.render("page.html")
            """,
            "pages/page.html": "page: {{ modules.Badge('ann') }} {{ modules.Template('part.html', x=1) }}",
            "pages/part.html": "part {{ x }}",
        }
    )
    ui = load("widgets.ui")
    handlers = load("pages.handlers")
    s = serve(tornado.web.Application([(r"/", handlers.Page)], ui_modules=ui))
    assert s.fetch("/").text == "page: <b>ann</b> part 1"


def test_template_path_setting_still_applies_to_handlers_and_modules(serve, write_modules, tmp_path):
    load = write_modules(
        {
            "app2/code.py": """
                import tornado.web

                class M(tornado.web.UIModule):
                    def render(self):
                        return self.render_string("m.html")

                class H(tornado.web.RequestHandler):
                    def get(self):
                        self.render("h.html")
            """,
            "app2/h.html": "next to code",
            "app2/m.html": "module next to code",
            "tpl/h.html": "from template_path {{ modules.M() }}",
            "tpl/m.html": "module from template_path",
        }
    )
    code = load("app2.code")
    app = tornado.web.Application(
        [(r"/", code.H)], template_path=str(tmp_path / "tpl"), ui_modules={"M": code.M}
    )
    assert serve(app).fetch("/").text == "from template_path module from template_path"


def test_class_without_a_source_file_names_the_setting(serve, caplog):
    module = types.ModuleType("generated_handlers")  # no __file__, as for code built at run time
    sys.modules[module.__name__] = module
    try:
        exec(
            "import tornado.web\n"
            "class H(tornado.web.RequestHandler):\n"
            "    def get(self):\n"
            "        self.render('x.html')\n",
            module.__dict__,
        )
        s = serve(tornado.web.Application([(r"/", module.H)]))
        with caplog.at_level(logging.ERROR, logger="tornado.application"):
            assert s.fetch("/").status == 500
        assert "set the 'template_path' setting" in caplog.text
    finally:
        del sys.modules[module.__name__]
