"""Whitespace modes: defaults by file name, settings, and the {% whitespace %} directive."""

from __future__ import annotations

import pytest
from tornado.template import DictLoader, Template, filter_whitespace

SRC = "<p>\n\n    a   b\t\tc  \n   </p>  {{ x }}  "


def gen(src: str, **kw: object) -> str:
    return Template(src, **kw).generate(x=1).decode()  # type: ignore[arg-type]


def test_modes() -> None:
    assert filter_whitespace("all", SRC) == SRC
    assert filter_whitespace("single", "a \n\n  b   c\t d") == "a\nb c d"
    assert filter_whitespace("oneline", "a \n\n  b   c\t d") == "a b c d"
    with pytest.raises(ValueError, match="whitespace mode"):
        filter_whitespace("none", "x")


def test_html_and_js_default_to_single_others_all() -> None:
    assert gen(SRC, name="a.html") == "<p>\na b c\n</p> 1 "
    assert gen(SRC, name="a.js") == "<p>\na b c\n</p> 1 "
    assert gen(SRC, name="a.txt") == SRC.replace("{{ x }}", "1")
    assert gen(SRC) == SRC.replace("{{ x }}", "1")


def test_explicit_whitespace_and_compress_whitespace() -> None:
    assert gen(SRC, name="a.html", whitespace="all") == SRC.replace("{{ x }}", "1")
    assert gen(SRC, whitespace="oneline") == "<p> a b c </p> 1 "
    assert gen(SRC, compress_whitespace=True) == "<p>\na b c\n</p> 1 "
    assert gen(SRC, name="a.html", compress_whitespace=False) == SRC.replace("{{ x }}", "1")
    with pytest.raises(ValueError, match="not both"):
        Template("x", whitespace="all", compress_whitespace=True)
    with pytest.raises(ValueError, match="whitespace"):
        Template("x", whitespace="tight")


def test_loader_whitespace_applies_to_its_templates() -> None:
    ld = DictLoader({"a.txt": "a   b", "b.html": "a   b"}, whitespace="oneline")
    assert ld.load("a.txt").generate() == b"a b"
    ld2 = DictLoader({"a.txt": "a   b", "b.html": "a   b"})
    assert ld2.load("a.txt").generate() == b"a   b"
    assert ld2.load("b.html").generate() == b"a b"


def test_directive_changes_mode_from_that_point() -> None:
    src = "a   b{% whitespace oneline %}c \n  d{% whitespace all %}e   f"
    assert gen(src) == "a   bc de   f"


def test_expression_output_is_never_squeezed() -> None:
    assert Template("{{ x }}", name="a.html").generate(x="a    b") == b"a    b"
