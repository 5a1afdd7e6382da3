"""Rendering the markup model per platform, and splitting at paragraph boundaries."""

from __future__ import annotations

import html

from bot.adapters.rendering import (
    escape_markdown,
    render_html,
    render_markdown,
    render_plain,
    split_text,
)
from bot.model.markup import Text


def _length(text: Text) -> int:
    return len(render_plain(text))


def test_html_escapes_every_span() -> None:
    text = Text.bold("a<b>") + " & " + Text.link("x", 'http://e.org/?a="1"&b=2')
    assert (
        render_html(text)
        == '<b>a&lt;b&gt;</b> &amp; <a href="http://e.org/?a=&quot;1&quot;&amp;b=2">x</a>'
    )


def test_markdown_escapes_specials_and_mentions() -> None:
    rendered = render_markdown(Text.plain("*hi* _x_ @everyone [a](b) `c`") + Text.bold("B"))
    assert rendered.startswith(r"\*hi\* \_x\_ \@everyone \[a\]\(b\) \`c\`")
    assert rendered.endswith("**B**")
    assert escape_markdown("1.5-2") == r"1\.5\-2"


def test_short_text_is_one_piece() -> None:
    assert split_text(Text.plain("kort"), 100, _length) == [Text.plain("kort")]


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"p{i} " + "x" * 30 for i in range(10)]
    pieces = split_text(Text.plain("\n\n".join(paragraphs)), 80, _length)
    assert all(_length(p) <= 80 for p in pieces)
    assert str(pieces[0]) == paragraphs[0] + "\n\n" + paragraphs[1]
    assert "\n\n".join(str(p) for p in pieces) == "\n\n".join(paragraphs)


def test_split_falls_back_to_lines_words_and_characters() -> None:
    text = Text.plain("regel een\nregel twee\n" + "woord " * 40 + "\n" + "z" * 250)
    pieces = split_text(text, 60, _length)
    assert all(0 < _length(p) <= 60 for p in pieces)
    joined = "".join(str(p) for p in pieces).replace("\n", "").replace(" ", "")
    assert joined == str(text).replace("\n", "").replace(" ", "")


def test_split_keeps_styles_and_measures_rendered_length() -> None:
    text = Text.join([Text.bold("kop <&>") + " " + Text.plain("y" * 50) for _ in range(6)], "\n\n")
    pieces = split_text(text, 150, lambda t: len(render_html(t)))
    assert all(len(render_html(p)) <= 150 for p in pieces)
    assert all(render_html(p).startswith("<b>kop &lt;&amp;&gt;</b>") for p in pieces)
    assert html.unescape(render_html(pieces[0])).count("kop <&>") >= 1
