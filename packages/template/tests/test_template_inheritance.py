"""extends/block across several levels, include, relative names."""

from __future__ import annotations

import pytest
from tornado.template import DictLoader, ParseError, Template

BASE = (
    "<html><title>{% block title %}Default title{% end %}</title>"
    "<body>{% block body %}base body{% end %}</body>{% block footer %}(c){% end %}</html>"
)
MIDDLE = (
    '{% extends "base.html" %}text outside blocks is dropped'
    "{% block body %}<main>{% block main %}middle main{% end %}</main>{% end %}"
)
LEAF = (
    "{% extends 'middle.html' %}"
    "{% block title %}Leaf {{ name }}{% end %}"
    "{% block main %}{% for i in items %}<p>{{ i }}</p>{% end %}{% end %}"
)


def loader(**extra: str) -> DictLoader:
    return DictLoader({"base.html": BASE, "middle.html": MIDDLE, "leaf.html": LEAF, **extra})


def out(ld: DictLoader, template: str, **kw: object) -> str:
    return ld.load(template).generate(**kw).decode()


def test_three_level_inheritance() -> None:
    ld = loader()
    assert out(ld, "leaf.html", name="<x>", items=[1, 2]) == (
        "<html><title>Leaf &lt;x&gt;</title><body><main><p>1</p><p>2</p></main></body>(c)</html>"
    )


def test_parent_defaults_when_not_overridden() -> None:
    ld = loader()
    assert out(ld, "middle.html") == (
        "<html><title>Default title</title><body><main>middle main</main></body>(c)</html>"
    )
    assert out(ld, "base.html") == "<html><title>Default title</title><body>base body</body>(c)</html>"


def test_grandchild_overrides_block_defined_in_parent_block() -> None:
    ld = loader(
        **{"g.html": "{% extends 'leaf.html' %}{% block main %}G{% end %}{% block footer %}F{% end %}"}
    )
    assert out(ld, "g.html", name="n") == "<html><title>Leaf n</title><body><main>G</main></body>F</html>"


def test_blocks_see_variables_set_in_the_parent() -> None:
    ld = DictLoader(
        {
            "p.html": "{% set who = 'parent' %}{% for i in range(2) %}{% block row %}{% end %}{% end %}",
            "c.html": "{% extends 'p.html' %}{% block row %}[{{ who }}{{ i }}]{% end %}",
        }
    )
    assert out(ld, "c.html") == "[parent0][parent1]"


def test_include_sees_the_including_namespace() -> None:
    ld = DictLoader(
        {
            "page.html": "{% set local = 'L' %}<ul>{% for item in items %}{% include 'item.html' %}{% end %}</ul>",
            "item.html": "<li>{{ item }}{{ local }}{{ extra }}</li>",
        }
    )
    assert out(ld, "page.html", items=["a", "<"], extra="!") == "<ul><li>aL!</li><li>&lt;L!</li></ul>"


def test_include_inside_a_block_of_a_child() -> None:
    ld = loader(
        **{
            "c.html": "{% extends 'base.html' %}{% block body %}{% include 'part.html' %}{% end %}",
            "part.html": "part {{ v }}",
        }
    )
    assert out(ld, "c.html", v=1) == "<html><title>Default title</title><body>part 1</body>(c)</html>"


def test_names_are_relative_to_the_including_template() -> None:
    ld = DictLoader(
        {
            "admin/page.html": "{% extends '../base.html' %}{% block b %}{% include 'side.html' %}{% end %}",
            "admin/side.html": "admin side",
            "base.html": "<{% block b %}{% end %}>",
        }
    )
    assert out(ld, "admin/page.html") == "<admin side>"


def test_extends_without_loader_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="needs a template loader") as info:
        Template("\n{% extends 'base.html' %}")
    assert (info.value.filename, info.value.lineno) == ("<string>", 2)


def test_include_of_missing_template_names_the_includer() -> None:
    ld = DictLoader({"a.html": "x\n{% include 'nope.html' %}"})
    with pytest.raises(ParseError, match="nope.html") as info:
        ld.load("a.html")
    assert "a.html:2" in str(info.value)


def test_extends_cycle_is_reported() -> None:
    ld = DictLoader({"a.html": "{% extends 'b.html' %}", "b.html": "{% extends 'a.html' %}"})
    with pytest.raises(ParseError, match="itself"):
        ld.load("a.html")


def test_include_cycle_is_reported() -> None:
    ld = DictLoader({"a.html": "{% include 'b.html' %}", "b.html": "{% include 'a.html' %}"})
    with pytest.raises(ParseError, match="itself"):
        ld.load("a.html")
    ld2 = DictLoader({"self.html": "x{% include 'self.html' %}"})
    with pytest.raises(ParseError, match="itself"):
        ld2.load("self.html")


def test_same_template_may_be_included_twice() -> None:
    ld = DictLoader({"a.html": "{% include 'b.html' %}{% include 'b.html' %}", "b.html": "b"})
    assert out(ld, "a.html") == "bb"


def test_duplicate_block_in_one_file_is_an_error() -> None:
    with pytest.raises(ParseError, match="defined twice"):
        Template("{% block a %}{% end %}{% block a %}{% end %}")
