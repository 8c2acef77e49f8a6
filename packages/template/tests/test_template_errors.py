"""Syntax errors name file and line; render errors carry the template file and line."""

from __future__ import annotations

import traceback

import pytest
from tornado.template import DictLoader, ParseError, Template


@pytest.mark.parametrize(
    ("source", "message", "line"),
    [
        ("a\n{{ }}", "Empty expression", 2),
        ("a\n\n{% %}", "Empty block tag", 3),
        ("a\n{{ x ", "Missing end marker '}}'", 2),
        ("{% if x \n", "Missing end marker '%}'", 1),
        ("a\n{# never closed", "Missing end marker '#}'", 2),
        ("x\n{% if a %}\n{% for b in c %}{% end %}", "Missing {% end %} block for if", 2),
        ("{% end %}", "Extra {% end %} block", 1),
        ("\n{% bogus %}", "unknown operator: 'bogus'", 2),
        ("{% else %}", "else outside", 1),
        ("{% for x in y %}{% elif z %}{% end %}", "elif outside if", 1),
        ("{% if x %}{% except %}{% end %}", "except outside try", 1),
        ("\n{% break %}", "break outside for/while loop", 2),
        ("{% continue %}", "continue outside", 1),
        ("{% set %}", "set missing statement", 1),
        ("{% extends %}", "extends missing", 1),
        ("{% include %}", "include missing", 1),
        ("{% block %}{% end %}", "block missing name", 1),
        ("{% apply %}{% end %}", "apply missing function", 1),
        ("{% raw %}", "raw missing expression", 1),
        ("{% whitespace fancy %}", "invalid whitespace mode 'fancy'", 1),
        ("{% autoescape %}", "autoescape missing", 1),
        ("{% if x %}{% end extra %}", "unexpected text after end", 1),
        ("{% extends 'a' %}{% extends 'b' %}", "only one", 1),
        ("{% if x %}{% extends 'a' %}{% end %}", "top level", 1),
    ],
)
def test_parse_errors_name_file_and_line(source: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as info:
        Template(source, name="page.html")
    err = info.value
    assert message in str(err)
    assert (err.filename, err.lineno) == ("page.html", line)
    assert str(err).endswith(f"at page.html:{line}")


def test_invalid_python_is_a_parse_error_at_the_template_line() -> None:
    with pytest.raises(ParseError, match="invalid Python") as info:
        Template("ok\nok\n{{ 1 + }}", name="py.html")
    assert (info.value.filename, info.value.lineno) == ("py.html", 3)
    assert isinstance(info.value.__cause__, SyntaxError)


def test_invalid_python_in_parent_names_the_parent() -> None:
    ld = DictLoader(
        {
            "base.html": "{% block a %}{% end %}\n\n{% if %}{% end %}",
            "child.html": "{% extends 'base.html' %}",
        }
    )
    with pytest.raises(ParseError) as info:
        ld.load("child.html")
    assert (info.value.filename, info.value.lineno) == ("base.html", 3)


def notes(exc: BaseException) -> list[str]:
    """The exception's PEP 678 notes (``__notes__``, which Python 3.10's stubs do not declare)."""
    return list(getattr(exc, "__notes__", []))


def test_render_error_notes_template_and_line() -> None:
    t = Template("line1\n{% for x in xs %}\n{{ 10 // x }}\n{% end %}", name="div.html")
    with pytest.raises(ZeroDivisionError) as info:
        t.generate(xs=[1, 0])
    assert "while rendering template div.html:3" in notes(info.value)


def test_render_error_in_block_names_the_child_file() -> None:
    ld = DictLoader(
        {
            "base.html": "<html>\n{% block body %}{% end %}\n</html>",
            "child.html": "{% extends 'base.html' %}\n{% block body %}\n\n{{ missing_name }}{% end %}",
        }
    )
    with pytest.raises(NameError) as info:
        ld.load("child.html").generate()
    (note,) = notes(info.value)
    assert note.startswith("while rendering template child.html:4")
    assert "base.html:2" in note


def test_render_error_in_include_names_included_file_and_includer() -> None:
    ld = DictLoader(
        {
            "page.html": "a\nb\n{% include 'part.html' %}",
            "part.html": "\n{{ obj.nope }}",
        }
    )
    with pytest.raises(AttributeError) as info:
        ld.load("page.html").generate(obj=object())
    assert notes(info.value) == ["while rendering template part.html:2, included from page.html:3"]


def test_traceback_shows_generated_line_with_template_location() -> None:
    t = Template("\n\n{{ explode() }}", name="tb.html")

    def explode() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError) as info:
        t.generate(explode=explode)
    text = "".join(traceback.format_exception(info.value))
    assert 'File "<template tb.html>"' in text
    assert "# tb.html:3" in text
    assert "while rendering template tb.html:3" in text


def test_errors_in_the_render_function_itself_are_unchanged() -> None:
    t = Template("{{ x }}")
    with pytest.raises(NameError) as info:
        t.generate()
    assert "'x'" in str(info.value)


def test_generated_source_is_registered_for_tracebacks_and_released() -> None:
    import gc
    import linecache

    t = Template("{{ 1 }}", name="lc.html")
    assert "_tt_execute" in "".join(linecache.getlines("<template lc.html>"))
    del t
    gc.collect()
    assert "<template lc.html>" not in linecache.cache
