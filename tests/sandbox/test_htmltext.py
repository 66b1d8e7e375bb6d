"""Telegram HTML parse mode: entities, Telegram's error messages, safe rendering."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.htmltext import EntityParseError, parse_html, render_html, strip_text, utf16_len


def test_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>tebal</b> <i>miring <u>garis</u></i>")
    assert text == "😀 tebal miring garis"
    assert entities == [
        {"offset": 3, "length": 5, "type": "bold"},
        {"offset": 9, "length": 12, "type": "italic"},
        {"offset": 16, "length": 5, "type": "underline"},
    ]


def test_links_spoilers_quotes_and_code_blocks() -> None:
    source = (
        '<a href="https://koperasi.id/?a=1&amp;b=2">situs</a> '
        '<span class="tg-spoiler">rahasia</span> <tg-spoiler>x</tg-spoiler> '
        "<blockquote expandable>kutipan</blockquote> "
        '<pre><code class="language-python">print(1)</code></pre> <code>kode</code>'
    )
    text, entities = parse_html(source)
    assert text == "situs rahasia x kutipan print(1) kode"
    kinds = [(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in entities]
    assert kinds == [
        ("text_link", "situs"),
        ("spoiler", "rahasia"),
        ("spoiler", "x"),
        ("expandable_blockquote", "kutipan"),
        ("pre", "print(1)"),
        ("code", "kode"),
    ]
    assert entities[0]["url"] == "https://koperasi.id/?a=1&b=2"
    assert entities[4]["language"] == "python"


def test_character_references_are_decoded_and_unknown_ones_stay_literal() -> None:
    text, entities = parse_html("a &lt; b &gt; c &amp; &quot;d&quot; &#65;&#x42; &nbsp; & e")
    assert text == 'a < b > c & "d" AB &nbsp; & e'
    assert entities == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("Rp <b>1.500.000", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é <b", "Unclosed start tag at byte offset 3"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ],
)
def test_invalid_html_is_reported_with_telegrams_wording(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == message


def test_surrounding_whitespace_is_trimmed_and_entities_follow() -> None:
    entities = [
        {"type": "bold", "offset": 2, "length": 7},
        {"type": "code", "offset": 0, "length": 1},
    ]
    text, entities = strip_text("\n Halo \n\t", entities)
    assert text == "Halo"
    assert entities == [{"type": "bold", "offset": 0, "length": 4}]


def test_rendering_keeps_only_whitelisted_tags() -> None:
    text, entities = parse_html(
        '<b>&lt;script&gt;alert(1)&lt;/script&gt;</b> <a href="javascript:alert(1)">x</a>'
    )
    rendered = render_html(text, entities)
    assert rendered == "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b> x"


def test_rendering_handles_overlapping_entities() -> None:
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 4},
    ]
    assert render_html("abcdef", entities) == "<b>ab<i>cd</i></b><i>ef</i>"


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    parsed, entities = parse_html(html.escape(text, quote=False))
    assert parsed == text
    assert entities == []


@given(st.text(), st.lists(st.tuples(st.integers(0, 30), st.integers(1, 30)), max_size=4))
def test_rendered_html_never_contains_raw_angle_brackets_from_text(
    text: str, spans: list[tuple[int, int]]
) -> None:
    size = utf16_len(text)
    entities = [
        {"type": "bold", "offset": start, "length": length}
        for start, length in spans
        if start + length <= size
    ]
    rendered = render_html(text, entities)
    stripped = rendered.replace("<b>", "").replace("</b>", "")
    assert "<" not in stripped
    assert html.unescape(stripped) == text.encode("utf-16-le", "surrogatepass").decode(
        "utf-16-le", "replace"
    )
