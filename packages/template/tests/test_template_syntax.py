"""Each construct of the template language, rendered through Template."""

from __future__ import annotations

import datetime

import pytest
from tornado.escape import json_encode, url_escape
from tornado.template import Template


def test_expression_and_generate_returns_utf8_bytes() -> None:
    out = Template("<html>{{ myvalue }}</html>").generate(myvalue="h\u00e9llo")
    assert isinstance(out, bytes)
    assert out == "<html>h\u00e9llo</html>".encode()


def test_expression_is_any_python(render) -> None:
    assert render("{{ len(items) * 2 }}|{{ items[0] }}|{{ 'x'.upper() }}", items=[1, 2]) == "4|1|X"


def test_non_string_values_use_str(render) -> None:
    assert render("{{ a }} {{ b }} {{ c }} {{ d }}", a=3, b=None, c=1.5, d=[1]) == "3 None 1.5 [1]"


def test_bytes_values_are_decoded_utf8(render) -> None:
    assert render("{{ b }}", b="\u00e9<".encode()) == "\u00e9&lt;"
    assert render("{% raw b %}", b="\u00e9<".encode()) == "\u00e9<"


def test_if_elif_else(render) -> None:
    src = "{% if x > 2 %}big{% elif x > 0 %}small{% else %}none{% end %}"
    assert [render(src, x=v) for v in (5, 1, 0)] == ["big", "small", "none"]


def test_for_loop_with_else(render) -> None:
    src = "{% for i in items %}<{{ i }}>{% else %}empty{% end %}"
    assert render(src, items=[1, 2]) == "<1><2>empty"
    assert render(src, items=[]) == "empty"


def test_while_loop(render) -> None:
    assert render("{% set n = 3 %}{% while n %}{{ n }}{% set n -= 1 %}{% end %}") == "321"


def test_break_and_continue(render) -> None:
    src = (
        "{% for i in range(10) %}{% if i == 1 %}{% continue %}{% end %}"
        "{% if i == 4 %}{% break %}{% end %}{{ i }}{% end %}"
    )
    assert render(src) == "023"


def test_try_except_else_finally(render) -> None:
    src = (
        "{% try %}{{ 1 // x }}{% except ZeroDivisionError as e %}div0{% else %}-ok{% finally %}-fin{% end %}"
    )
    assert render(src, x=1) == "1-ok-fin"
    assert render(src, x=0) == "div0-fin"


def test_with_statement(render) -> None:
    import contextlib

    assert render("{% with cm() as v %}{{ v }}{% end %}", cm=lambda: contextlib.nullcontext(7)) == "7"


def test_set(render) -> None:
    assert render("{% set x = 'a' * 3 %}{{ x }}") == "aaa"


def test_import_and_from_import(render) -> None:
    assert render("{% import math %}{{ math.floor(2.5) }}") == "2"
    assert render("{% from os import path %}{{ path.join('a', 'b') }}") == "a/b"


def test_comments_are_dropped(render) -> None:
    assert render("a{# a {{ comment }} #}b{% comment ignored text %}c") == "abc"


def test_literal_openers(render) -> None:
    assert render("{{! x }} {%! if %} {#! c #}") == "{{ x }} {% if %} {# c #}"


def test_triple_curly_uses_innermost_pair(render) -> None:
    assert render("{{{ x }}}", x=1) == "{1}"


def test_single_brace_is_text(render) -> None:
    assert render("a { b } {x", x=1) == "a { b } {x"


def test_raw_is_not_escaped(render) -> None:
    assert render("{% raw v %}|{{ v }}", v="<b>") == "<b>|&lt;b&gt;"


def test_module_is_raw_modules_attribute(render) -> None:
    class Modules:
        @staticmethod
        def Entry(x: str) -> str:
            return f"<div>{x}</div>"

    assert render("{% module Entry('e') %}", modules=Modules()) == "<div>e</div>"


def test_apply_filters_the_block_output(render) -> None:
    src = "{% apply upper %}a{{ x }}b{% end %}!"
    assert render(src, upper=str.upper, x="<c>") == "A&LT;C&GT;B!"


def test_apply_keeps_sets_and_nests(render) -> None:
    src = "{% apply f %}{% set y = 2 %}{% apply g %}in{% end %}{% end %}{{ y }}"
    assert render(src, f=lambda s: f"[{s}]", g=lambda s: f"({s})") == "[(in)]2"


def test_apply_result_bytes_is_decoded(render) -> None:
    assert render("{% apply f %}x{% end %}", f=lambda s: s.encode() * 2) == "xx"


def test_break_inside_apply_inside_loop_restores_output(render) -> None:
    src = (
        "{% for i in range(3) %}{% apply f %}{{ i }}{% if i == 1 %}{% break %}{% end %}{% end %}{% end %}|end"
    )
    assert render(src, f=lambda s: f"<{s}>") == "<0>|end"


def test_default_namespace_functions(render) -> None:
    out = render(
        "{{ url_escape('a b&') }}|{% raw json_encode(v) %}|{{ squeeze('a   b ') }}"
        "|{{ datetime.date(2010, 9, 1).isoformat() }}|{{ xhtml_escape('<') }}|{{ escape('<') }}",
        v={"k": "</script>"},
    )
    assert out == f"{url_escape('a b&')}|{json_encode({'k': '</script>'})}|a b|2010-09-01|&lt;|&lt;"
    assert isinstance(datetime.date.today(), datetime.date)


def test_linkify_output_is_not_escaped_again(render) -> None:
    out = render("{{ linkify(t) }}", t="see http://example.com/ <now>")
    assert '<a href="http://example.com/">' in out
    assert "&lt;now&gt;" in out


def test_extra_functions_as_keyword_arguments(render) -> None:
    assert render("{{ add(1, 2) }}", add=lambda x, y: x + y) == "3"


def test_keyword_arguments_override_namespace(render) -> None:
    assert render("{{ squeeze('x') }}", squeeze=lambda s: "over") == "over"


def test_multiline_expression(render) -> None:
    assert render("{{ add(1,\n 2) }}", add=lambda x, y: x + y) == "3"


def test_empty_blocks_compile(render) -> None:
    assert render("{% if x %}{% else %}{% end %}{% for i in [] %}{# c #}{% end %}.", x=True) == "."


def test_template_is_reusable_and_code_is_python_source() -> None:
    t = Template("{{ x }}")
    assert t.generate(x=1) == b"1"
    assert t.generate(x=2) == b"2"
    assert "def _tt_execute" in t.code
    compile(t.code, "check", "exec")


def test_compiled_is_the_code_object_that_defines_the_render_function() -> None:
    t = Template("{{ x * 2 }}", name="double.txt")
    assert t.compiled.co_filename.endswith("double.txt>")
    namespace = dict(t.namespace, x=21)
    exec(t.compiled, namespace)
    assert namespace["_tt_execute"]() == b"42"


def test_generate_does_not_leak_names_between_renders() -> None:
    t = Template("{% try %}{{ leaked }}{% except NameError %}none{% end %}")
    assert Template("{{ leaked }}").generate(leaked=1) == b"1"
    assert t.generate() == b"none"


@pytest.mark.parametrize("bad", [1, None, ["x"]])
def test_template_string_type_checked(bad: object) -> None:
    with pytest.raises(TypeError, match="template_string"):
        Template(bad)  # type: ignore[arg-type]
