"""Rendering the markup model per platform, and splitting replies over a length limit."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.model.markup import Span, Style, Text

Measure = Callable[[Text], int]


def render_plain(text: Text) -> str:
    parts = []
    for span in text.spans:
        if span.style is Style.LINK and span.url and span.url != span.text:
            parts.append(f"{span.text} ({span.url})")
        else:
            parts.append(span.text)
    return "".join(parts)


_HTML_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def render_html(text: Text) -> str:
    """Telegram's HTML parse mode, every span's text escaped."""
    return "".join(_html_span(span) for span in text.spans)


def _html_span(span: Span) -> str:
    body = html.escape(span.text, quote=False)
    if span.style is Style.LINK:
        return f'<a href="{html.escape(span.url, quote=True)}">{body}</a>'
    tag = _HTML_TAGS.get(span.style)
    return f"<{tag}>{body}</{tag}>" if tag else body


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~|>#\[\]()\-+.!:<@])")
_MARKDOWN_WRAP = {Style.BOLD: "**", Style.ITALIC: "*"}


def escape_markdown(value: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def render_markdown(text: Text) -> str:
    """Discord Markdown, every span's text escaped."""
    return "".join(_markdown_span(span) for span in text.spans)


_MOMENT = re.compile(r"(?P<form>[Ft]):(?P<unix>-?\d{1,12})")


def _markdown_span(span: Span) -> str:
    if span.style is Style.MOMENT and (moment := _MOMENT.fullmatch(span.url)):
        unix = moment["unix"]
        if moment["form"] == "t":
            return f"<t:{unix}:t>"
        return f"<t:{unix}:F> (<t:{unix}:R>)"
    if span.style is Style.CODE:
        return "`" + span.text.replace("`", "ˋ") + "`"
    body = escape_markdown(span.text)
    if span.style is Style.LINK:
        return f"[{body}](<{span.url.replace('>', '%3E')}>)"
    wrap = _MARKDOWN_WRAP.get(span.style, "")
    return f"{wrap}{body}{wrap}"


def split_text(text: Text, limit: int, measure: Measure) -> list[Text]:
    """Pieces that each measure at most `limit`, cut at paragraphs, then lines, then words."""
    if measure(text) <= limit:
        return [text] if text else []
    pieces: list[Text] = []
    for paragraph in text.paragraphs():
        pieces.extend(_fit(paragraph, limit, measure, level=0))
    return _pack(pieces, limit, measure, "\n\n")


def _fit(text: Text, limit: int, measure: Measure, level: int) -> list[Text]:
    if measure(text) <= limit:
        return [text]
    if level == 0:
        lines = text.lines()
        if len(lines) > 1:
            parts = [p for line in lines for p in _fit(line, limit, measure, 1)]
            return _pack(parts, limit, measure, "\n")
    return _cut_words(text, limit, measure)


def _pack(parts: list[Text], limit: int, measure: Measure, separator: str) -> list[Text]:
    packed: list[Text] = []
    for part in parts:
        candidate = packed[-1] + separator + part if packed else part
        if packed and measure(candidate) <= limit:
            packed[-1] = candidate
        else:
            packed.append(part)
    return packed


def _cut_words(text: Text, limit: int, measure: Measure) -> list[Text]:
    """Fill each piece word by word; a single over-long word is cut by characters."""
    pieces: list[Text] = []
    current = Text()
    for span in text.spans:
        for token in re.findall(r"\S+\s*|\s+", span.text):
            chunk = Text((Span(token, span.style, span.url),))
            if measure(current + chunk) <= limit:
                current = current + chunk
                continue
            if current:
                pieces.append(current)
            current = Text()
            while measure(chunk) > limit:
                head, chunk = _cut_chars(chunk, limit, measure)
                pieces.append(head)
            current = chunk
    if current:
        pieces.append(current)
    return pieces


def _cut_chars(chunk: Text, limit: int, measure: Measure) -> tuple[Text, Text]:
    span = chunk.spans[0]
    low, high = 1, len(span.text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(Text((Span(span.text[:middle], span.style, span.url),))) <= limit:
            low = middle
        else:
            high = middle - 1
    head = Span(span.text[:low], span.style, span.url)
    tail = Span(span.text[low:], span.style, span.url)
    return Text((head,)), Text((tail,))
