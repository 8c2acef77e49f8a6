"""Tests for tornado.escape.linkify: which URLs become links and how they are rendered."""

from __future__ import annotations

import pytest
from tornado.escape import SafeHTML, linkify


def test_plain_text_is_escaped_and_safe() -> None:
    out = linkify('a < b & "c"')
    assert out == "a &lt; b &amp; &quot;c&quot;"
    assert type(out) is SafeHTML


def test_http_and_https_links() -> None:
    assert linkify("go to http://example.com now") == (
        'go to <a href="http://example.com">http://example.com</a> now'
    )
    assert linkify("https://example.com/a?b=1&c=2") == (
        '<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>'
    )


def test_www_gets_http_unless_protocol_required() -> None:
    assert linkify("www.example.com") == '<a href="http://www.example.com">www.example.com</a>'
    assert linkify("www.example.com", require_protocol=True) == "www.example.com"
    assert linkify("http://x.org", require_protocol=True) == '<a href="http://x.org">http://x.org</a>'


@pytest.mark.parametrize("punct", [".", ",", "!", "?", ";", ":", "'", "..."])
def test_trailing_punctuation_is_not_part_of_the_link(punct: str) -> None:
    assert linkify(f"see http://example.com/page{punct} next") == (
        f'see <a href="http://example.com/page">http://example.com/page</a>'
        f"{punct.replace(chr(39), '&#39;')} next"
    )


def test_parentheses_around_a_url() -> None:
    assert linkify("(see http://example.com/x)") == (
        '(see <a href="http://example.com/x">http://example.com/x</a>)'
    )


def test_balanced_parentheses_inside_a_url_are_kept() -> None:
    url = "http://en.wikipedia.org/wiki/Python_(programming_language)"
    assert linkify(f"({url}).") == f'(<a href="{url}">{url}</a>).'


def test_url_stops_at_quotes_and_angle_brackets() -> None:
    assert linkify('<http://a.com>"http://b.com"') == (
        '&lt;<a href="http://a.com">http://a.com</a>&gt;&quot;<a href="http://b.com">http://b.com</a>&quot;'
    )


def test_javascript_is_never_linked() -> None:
    for text in ["javascript:alert(1)", "javascript://%0Aalert(1)", "JavaScript://x"]:
        out = linkify(text, permitted_protocols=["http", "https"])
        assert "<a" not in out
        assert out == text
    out = linkify("javascript://%0Aalert(1)", require_protocol=True)
    assert "<a" not in out


def test_permitted_protocols() -> None:
    assert linkify("ftp://files.example.com/x") == "ftp://files.example.com/x"
    assert linkify("ftp://files.example.com/x", permitted_protocols=["ftp"]) == (
        '<a href="ftp://files.example.com/x">ftp://files.example.com/x</a>'
    )
    # With ftp alone permitted, http is not linked any more.
    assert linkify("http://a.com", permitted_protocols=["ftp"]) == "http://a.com"
    # Scheme comparison ignores case.
    assert linkify("HTTP://A.COM") == '<a href="HTTP://A.COM">HTTP://A.COM</a>'


def test_permitted_protocols_must_be_a_list() -> None:
    with pytest.raises(TypeError, match="permitted_protocols"):
        linkify("x", permitted_protocols="http")  # type: ignore[arg-type]


def test_extra_params_string() -> None:
    assert linkify("http://a.com", extra_params=' rel="nofollow" ') == (
        '<a href="http://a.com" rel="nofollow">http://a.com</a>'
    )


def test_extra_params_callable_gets_the_href() -> None:
    seen: list[str] = []

    def params(url: str) -> str:
        seen.append(url)
        return 'class="internal"' if url.startswith("http://mine.com") else 'rel="nofollow"'

    out = linkify("http://mine.com/a and www.other.com", extra_params=params)
    assert out == (
        '<a href="http://mine.com/a" class="internal">http://mine.com/a</a> and '
        '<a href="http://www.other.com" rel="nofollow">www.other.com</a>'
    )
    assert seen == ["http://mine.com/a", "http://www.other.com"]


def test_extra_params_wrong_type() -> None:
    with pytest.raises(TypeError, match="extra_params"):
        linkify("x", extra_params=5)  # type: ignore[arg-type]


def test_shorten_long_urls() -> None:
    url = "http://www.example.com/some/very/long/path/to/a/resource?with=query&and=more"
    out = linkify(url, shorten=True)
    href = url.replace("&", "&amp;")
    assert out.startswith(f'<a href="{href}" title="{href}">')
    text = out[out.index(">") + 1 : out.rindex("</a>")]
    assert text.endswith("...")
    assert not text.startswith("http")
    assert len(text) <= 33
    assert "www.example.com" in text


def test_shorten_leaves_short_urls_alone() -> None:
    assert linkify("http://a.com/x", shorten=True) == '<a href="http://a.com/x">http://a.com/x</a>'


def test_shorten_without_slash_cuts_at_limit() -> None:
    url = "http://" + "a" * 60 + ".com"
    out = linkify(url, shorten=True)
    text = out[out.index(">") + 1 : out.rindex("</a>")]
    assert text == "a" * 30 + "..."


def test_scheme_only_is_not_a_link() -> None:
    assert linkify("http:// and http://.") == "http:// and http://."


def test_several_links_and_bytes_input() -> None:
    out = linkify(b"a http://x.com b https://y.com/\xc3\xa9 c")
    assert out == (
        'a <a href="http://x.com">http://x.com</a> b '
        '<a href="https://y.com/\u00e9">https://y.com/\u00e9</a> c'
    )


def test_linkify_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="linkify"):
        linkify(None)  # type: ignore[arg-type]


def test_link_text_with_html_is_escaped() -> None:
    out = linkify("http://a.com/<script>")
    assert "<script>" not in out
    assert out == '<a href="http://a.com/">http://a.com/</a>&lt;script&gt;'


def test_single_quote_in_url_does_not_break_out() -> None:
    out = linkify("http://a.com/x'onmouseover='alert(1)")
    assert "'" not in out
    assert 'href="http://a.com/x&#39;onmouseover=&#39;alert(1)"' in out
