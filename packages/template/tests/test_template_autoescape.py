"""Autoescape defaults, per loader/template/file settings, and SafeHTML passthrough."""

from __future__ import annotations

from typing import Any

import pytest
from tornado.escape import SafeHTML, xhtml_escape
from tornado.template import DictLoader, Loader, Template

EVIL = "<script>alert('x') & \"y\"</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"


def test_autoescape_is_on_by_default(render) -> None:
    assert render("{{ v }}", v=EVIL) == ESCAPED


def test_fast_path_matches_xhtml_escape(render) -> None:
    text = "".join(map(chr, range(1, 300))) + "\U0001f600&amp;"
    assert render("{{ v }}", v=text) == xhtml_escape(text)


def test_safehtml_passes_through(render) -> None:
    assert render("{{ v }}", v=SafeHTML("<b>ok</b>")) == "<b>ok</b>"


def test_helpers_returning_safehtml_are_verbatim(render) -> None:
    def xsrf_form_html() -> SafeHTML:
        return SafeHTML('<input type="hidden" name="_xsrf" value="t"/>')

    assert render("{{ xsrf_form_html() }}", xsrf_form_html=xsrf_form_html) == (
        '<input type="hidden" name="_xsrf" value="t"/>'
    )


def test_explicit_escape_is_not_double_escaped(render) -> None:
    assert render("{{ escape(v) }}", v="<&>") == "&lt;&amp;&gt;"


def test_template_autoescape_none_disables(render) -> None:
    assert render("{{ v }}", v=EVIL, _template={"autoescape": None}) == EVIL


def test_template_custom_autoescape_function() -> None:
    t = Template("{{ v }}|{{ n }}|{{ s }}", autoescape="shout")
    calls: list[Any] = []

    def shout(x: Any) -> str:
        calls.append(x)
        return x.upper()

    assert t.generate(v="a<", n=1, s=SafeHTML("safe"), shout=shout) == b"A<|1|safe"
    assert calls == ["a<", "1"]  # non-strings are converted with str() first; SafeHTML skipped


def test_autoescape_directive_sets_the_file_mode(render) -> None:
    assert render("{% autoescape None %}{{ v }}", v="<b>") == "<b>"
    assert (
        render("{% autoescape xhtml_escape %}{{ v }}", v="<b>", _template={"autoescape": None}) == "&lt;b&gt;"
    )


def test_autoescape_directive_named_function(render) -> None:
    assert render("{% autoescape mine %}{{ v }}", v="x", mine=lambda s: f"[{s}]") == "[x]"


def test_loader_autoescape_setting(tmp_path) -> None:
    (tmp_path / "a.html").write_text("{{ v }}")
    assert Loader(str(tmp_path), autoescape=None).load("a.html").generate(v="<") == b"<"
    assert Loader(str(tmp_path)).load("a.html").generate(v="<") == b"&lt;"


def test_template_argument_overrides_loader() -> None:
    ld = DictLoader({}, autoescape=None)
    assert Template("{{ v }}", loader=ld, autoescape="xhtml_escape").generate(v="<") == b"&lt;"
    assert Template("{{ v }}", loader=ld).generate(v="<") == b"<"


def test_autoescape_is_per_file_across_inheritance() -> None:
    ld = DictLoader(
        {
            "base.html": "{{ v }}{% block b %}{% end %}",
            "child.html": "{% extends 'base.html' %}{% autoescape None %}{% block b %}|{{ v }}{% end %}",
        }
    )
    assert ld.load("child.html").generate(v="<") == b"&lt;|<"


def test_loader_namespace_reaches_templates() -> None:
    ld = DictLoader({"a.html": "{{ greet('w') }}"}, namespace={"greet": lambda n: f"hi {n}"})
    assert ld.load("a.html").generate() == b"hi w"


@pytest.mark.parametrize("bad", ["not a name", "x-y"])
def test_bad_autoescape_setting_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="autoescape"):
        Template("x", autoescape=bad)
    with pytest.raises(ValueError, match="autoescape"):
        DictLoader({}, autoescape=bad)


def test_autoescape_setting_type_checked() -> None:
    with pytest.raises(TypeError, match="autoescape"):
        Template("x", autoescape=1)  # type: ignore[arg-type]


def test_non_callable_autoescape_fails_clearly() -> None:
    with pytest.raises(TypeError, match="callable"):
        Template("{{ 1 }}", autoescape="thing").generate(thing=3)
