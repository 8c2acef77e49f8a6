"""Templates through handlers: render, namespace, autoescape, ui_methods, UI modules, locale."""

import csv
import types

import pytest
import tornado.locale
import tornado.template
import tornado.web


def write_templates(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)


def test_overview_template_render(serve, tmp_path):
    path = write_templates(
        tmp_path,
        {
            "template.html": (
                "<html><head><title>{{ title }}</title></head><body><ul>"
                "{% for item in items %}<li>{{ escape(item) }}</li>{% end %}"
                "</ul></body></html>"
            )
        },
    )

    class MainHandler(tornado.web.RequestHandler):
        def get(self):
            items = ["Item 1", "Item 2", "Item 3"]
            self.render("template.html", title="My title", items=items)

    r = serve(tornado.web.Application([(r"/", MainHandler)], template_path=path)).fetch("/")
    assert r.text == (
        "<html><head><title>My title</title></head><body><ul>"
        "<li>Item 1</li><li>Item 2</li><li>Item 3</li></ul></body></html>"
    )
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"


def test_template_functions_passed_as_arguments(serve, tmp_path):
    path = write_templates(
        tmp_path, {"add.html": "{{ add(1, 2) }} {{ url_escape('a b') }} {{ json_encode([1]) }}"}
    )

    class MainHandler(tornado.web.RequestHandler):
        def get(self):
            self.render("add.html", add=self.add)

        def add(self, x, y):
            return x + y

    assert (
        serve(tornado.web.Application([(r"/", MainHandler)], template_path=path)).fetch("/").text
        == "3 a+b [1]"
    )


def test_inheritance_and_autoescape_of_user_data(serve, tmp_path):
    path = write_templates(
        tmp_path,
        {
            "base.html": "<html><head></head><body>{% block body %}{% end %}</body></html>",
            "page.html": '{% extends "base.html" %}{% block body %}{{ user_text }}{% end %}',
        },
    )

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("page.html", user_text="<script>alert(1)</script>")

    r = serve(tornado.web.Application([(r"/", H)], template_path=path)).fetch("/")
    assert r.text == "<html><head></head><body>&lt;script&gt;alert(1)&lt;/script&gt;</body></html>"


def test_autoescape_setting_none(serve, tmp_path):
    path = write_templates(tmp_path, {"raw.html": "{{ html }}"})

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("raw.html", html="<b>bold</b>")

    app = tornado.web.Application([(r"/", H)], template_path=path, autoescape=None)
    assert serve(app).fetch("/").text == "<b>bold</b>"


def test_template_loader_setting_and_render_string(serve):
    loader = tornado.template.DictLoader({"t.html": "[{{ x }}|{{ request.path }}|{{ handler.name }}]"})

    class H(tornado.web.RequestHandler):
        name = "handler-attr"

        def get(self):
            inner = self.render_string("t.html", x=1)
            self.write(b"rs:" + inner)

    r = serve(tornado.web.Application([(r"/p", H)], template_loader=loader)).fetch("/p")
    assert r.text == "rs:[1|/p|handler-attr]"


def test_get_template_path_override(serve, tmp_path):
    write_templates(tmp_path / "a", {"x.html": "from a"})
    write_templates(tmp_path / "b", {"x.html": "from b"})

    class H(tornado.web.RequestHandler):
        def get_template_path(self):
            return str(tmp_path / self.get_argument("dir"))

        def get(self):
            self.render("x.html")

    s = serve(tornado.web.Application([(r"/", H)], template_path=str(tmp_path / "a")))
    assert s.fetch("/?dir=a").text == "from a"
    assert s.fetch("/?dir=b").text == "from b"


def test_default_namespace_current_user_and_locale(serve):
    loader = tornado.template.DictLoader(
        {"n.html": "{{ current_user }} {{ locale.code }} {{ _('Home') }} {{ reverse_url('me') }}"}
    )

    class H(tornado.web.RequestHandler):
        def get_current_user(self):
            return "ann"

        def get(self):
            self.render("n.html")

    app = tornado.web.Application([tornado.web.url(r"/", H, name="me")], template_loader=loader)
    assert serve(app).fetch("/").text == "ann en_US Home /"


def test_ui_methods_module_and_dict(serve):
    methods = types.ModuleType("uimethods")

    def shout(handler, text):
        return text.upper() + "!" + handler.request.path

    vars(methods).update(shout=shout, _private=lambda handler: "hidden")
    loader = tornado.template.DictLoader(
        {"m.html": "{{ shout('hi') }} {{ twice(2) }}", "p.html": "{{ _private() }}"}
    )

    class H(tornado.web.RequestHandler):
        def get(self, name):
            self.render(name)

    app = tornado.web.Application(
        [(r"/(\w\.html)", H)],
        template_loader=loader,
        debug=True,
        ui_methods=[methods, {"twice": lambda handler, n: n * 2}],
    )
    s = serve(app)
    assert s.fetch("/m.html").text == "HI!/m.html 4"
    assert s.fetch("/p.html").status == 500


def test_xsrf_form_html_in_template_not_double_escaped(serve):
    loader = tornado.template.DictLoader(
        {"login.html": '<form action="/login" method="post">{{ xsrf_form_html() }}</form>'}
    )

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("login.html")

    r = serve(tornado.web.Application([(r"/", H)], template_loader=loader, xsrf_cookies=True)).fetch("/")
    token = r.cookie_value("_xsrf")
    assert (
        r.text
        == f'<form action="/login" method="post"><input type="hidden" name="_xsrf" value="{token}"/></form>'
    )


class Entry(tornado.web.UIModule):
    def render(self, entry, show_comments=False):
        return self.render_string("module-entry.html", entry=entry, show_comments=show_comments)

    def embedded_css(self):
        return ".entry { margin-bottom: 1em; }"

    def embedded_javascript(self):
        return "var entries = true;"

    def css_files(self):
        return ["entry.css", "/abs/other.css"]

    def javascript_files(self):
        return "entry.js"

    def html_head(self):
        return '<meta name="entry">'

    def html_body(self):
        return "<!-- entry footer -->"


def module_app(tmp_path, **settings):
    static = tmp_path / "static"
    static.mkdir(exist_ok=True)
    (static / "entry.css").write_text(".e{}")
    (static / "entry.js").write_text("1;")
    path = write_templates(
        tmp_path / "tpl",
        {
            "module-entry.html": '<div class="entry">{{ entry["title"] }}'
            "{% if show_comments %} (comments){% end %}</div>",
            "home.html": "<html><head><title>t</title></head><body>"
            "{% for entry in entries %}{{ modules.Entry(entry) }}{% end %}</body></html>",
            "entry.html": "<html><head></head><body>{{ modules.Entry(entry, show_comments=True) }}</body></html>",
            "tm.html": "<html><head></head><body>{{ modules.Template('part.html', n=3) }}</body></html>",
            "part.html": '{{ set_resources(embedded_css=".p{}") }}part {{ n }}',
        },
    )
    uimodules = types.ModuleType("uimodules")
    vars(uimodules)["Entry"] = Entry

    class HomeHandler(tornado.web.RequestHandler):
        def get(self):
            entries = [{"title": "First <1>"}, {"title": "Second"}]
            self.render("home.html", entries=entries)

    class EntryHandler(tornado.web.RequestHandler):
        def get(self, entry_id):
            if entry_id != "1":
                raise tornado.web.HTTPError(404)
            self.render("entry.html", entry={"title": "One"})

    class TmHandler(tornado.web.RequestHandler):
        def get(self):
            self.render("tm.html")

    return tornado.web.Application(
        [(r"/", HomeHandler), (r"/entry/([0-9]+)", EntryHandler), (r"/tm", TmHandler)],
        template_path=path,
        static_path=str(static),
        ui_modules=uimodules,
        **settings,
    )


def test_ui_modules_render_and_include_resources_once(serve, tmp_path):
    s = serve(module_app(tmp_path))
    html = s.fetch("/").text
    assert html.count('<div class="entry">') == 2
    assert '<div class="entry">First &lt;1&gt;</div>' in html  # module output kept, user data escaped
    head, body = html.split("</head>")
    assert head.count(".entry { margin-bottom: 1em; }") == 1
    assert head.count('<link href="/static/entry.css?v=') == 1
    assert '<link href="/abs/other.css"' in head
    assert head.count('<meta name="entry">') == 1
    assert body.count("var entries = true;") == 1
    assert body.count('<script src="/static/entry.js?v=') == 1
    assert body.index("var entries") < body.index("</body>")
    assert body.count("<!-- entry footer -->") == 1
    assert html.index('<div class="entry">') > html.index("</head>")
    assert s.fetch("/entry/1").text.count("(comments)") == 1
    assert s.fetch("/entry/2").status == 404


def test_ui_modules_as_dict_and_template_module(serve, tmp_path):
    s = serve(module_app(tmp_path))
    html = s.fetch("/tm").text
    assert "part 3" in html and '<style type="text/css">\n.p{}\n</style>' in html
    app = tornado.web.Application(ui_modules={"Entry": Entry})
    assert app.ui_modules["Entry"] is Entry
    with pytest.raises(TypeError, match="ui_modules"):
        tornado.web.Application(ui_modules={"Entry": object})


def test_static_url_in_template(serve, tmp_path):
    static = tmp_path / "static"
    (static / "images").mkdir(parents=True)
    (static / "images" / "logo.png").write_bytes(b"\x89PNGdata")
    loader = tornado.template.DictLoader({"s.html": '<img src="{{ static_url("images/logo.png") }}"/>'})

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("s.html")

    r = serve(tornado.web.Application([(r"/", H)], template_loader=loader, static_path=str(static))).fetch(
        "/"
    )
    import hashlib

    v = hashlib.sha1(b"\x89PNGdata").hexdigest()[:5]
    assert r.text == f'<img src="/static/images/logo.png?v={v}"/>'


def test_locale_from_accept_language_and_override(serve, tmp_path):
    tdir = tmp_path / "translations"
    tdir.mkdir()
    with open(tdir / "es_GT.csv", "w", newline="") as f:
        csv.writer(f).writerow(["Sign in", "Ingresar"])
    with open(tdir / "fr_FR.csv", "w", newline="") as f:
        csv.writer(f).writerow(["Sign in", "Se connecter"])
    tornado.locale.load_translations(str(tdir))
    try:
        loader = tornado.template.DictLoader({"l.html": "{{ locale.code }}:{{ _('Sign in') }}"})

        class H(tornado.web.RequestHandler):
            def get_user_locale(self):
                code = self.get_argument("lang", None)
                return tornado.locale.get(code) if code else None

            def get(self):
                self.render("l.html")

        s = serve(tornado.web.Application([(r"/", H)], template_loader=loader))
        assert s.fetch("/", headers={"Accept-Language": "es-GT"}).text == "es_GT:Ingresar"
        assert (
            s.fetch("/", headers={"Accept-Language": "de;q=0.9, fr-FR;q=0.8, es-GT;q=0.1"}).text
            == "fr_FR:Se connecter"
        )
        assert s.fetch("/", headers={"Accept-Language": "de"}).text == "en_US:Sign in"
        assert s.fetch("/").text == "en_US:Sign in"
        assert s.fetch("/?lang=fr_FR", headers={"Accept-Language": "es-GT"}).text == "fr_FR:Se connecter"

        class Prefs(H):
            def get_user_locale(self):
                return self.get_argument("code", None)  # a bare code, as a stored preference

        s2 = serve(tornado.web.Application([(r"/", Prefs)], template_loader=loader))
        assert s2.fetch("/?code=es_GT").text == "es_GT:Ingresar"
        assert s2.fetch("/", headers={"Accept-Language": "fr-FR"}).text == "fr_FR:Se connecter"
    finally:
        tornado.locale.load_translations(str(tmp_path))  # no CSV files: back to no translations


def test_explicit_escape_under_autoescape_is_not_doubled(serve):
    loader = tornado.template.DictLoader({"e.html": "{{ escape(x) }}|{{ x }}"})

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("e.html", x="a<b&c")

    r = serve(tornado.web.Application([(r"/", H)], template_loader=loader)).fetch("/")
    assert r.text == "a&lt;b&amp;c|a&lt;b&amp;c"


def test_module_statement_syntax(serve, tmp_path):
    loader = tornado.template.DictLoader(
        {
            "m.html": "<html><head></head><body>{% module Entry({'title': 'T&T'}) %}</body></html>",
            "module-entry.html": "<div>{{ entry['title'] }}</div>",
        }
    )

    class H(tornado.web.RequestHandler):
        def get(self):
            self.render("m.html")

    static = tmp_path / "s"
    static.mkdir()
    (static / "entry.css").write_text("")
    (static / "entry.js").write_text("")
    app = tornado.web.Application(
        [(r"/", H)], template_loader=loader, ui_modules={"Entry": Entry}, static_path=str(static)
    )
    html = serve(app).fetch("/").text
    assert "<div>T&amp;T</div>" in html and ".entry { margin-bottom: 1em; }" in html
