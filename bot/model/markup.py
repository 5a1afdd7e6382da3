"""A tiny markup model for replies: spans of plain, bold, italic, code or linked text.

Handlers never build platform markup; adapters render spans and escape every span's text,
so user-supplied strings can never turn into markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"
    MOMENT = "moment"
    """A point in time: `url` holds "<format>:<unix seconds>" (F full, t time); platforms that
    show each member their own zone (Discord timestamps) render it so, others show the text."""


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    url: str = ""


@dataclass(frozen=True)
class Text:
    spans: tuple[Span, ...] = ()

    @classmethod
    def plain(cls, text: str) -> Text:
        return cls((Span(text),)) if text else cls()

    @classmethod
    def bold(cls, text: str) -> Text:
        return cls((Span(text, Style.BOLD),))

    @classmethod
    def italic(cls, text: str) -> Text:
        return cls((Span(text, Style.ITALIC),))

    @classmethod
    def code(cls, text: str) -> Text:
        return cls((Span(text, Style.CODE),))

    @classmethod
    def link(cls, label: str, url: str) -> Text:
        return cls((Span(label, Style.LINK, url),))

    @classmethod
    def moment(cls, label: str, when: datetime, form: str = "F") -> Text:
        """`label` (the time in the community's zone) marked as the moment `when`."""
        return cls((Span(label, Style.MOMENT, f"{form}:{int(when.timestamp())}"),))

    @classmethod
    def join(cls, parts: Iterable[Text], separator: str = "\n") -> Text:
        """The parts with `separator` between them, merged once (adding them one by one
        merged the growing text again at every part)."""
        spans: list[Span] = []
        for index, part in enumerate(parts):
            if index:
                spans.append(Span(separator))
            spans.extend(part.spans)
        return cls(merge_spans(tuple(spans)))

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, str):
            other = Text.plain(other)
        return Text(merge_spans(self.spans + other.spans))

    def __str__(self) -> str:
        return "".join(span.text for span in self.spans)

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    def paragraphs(self) -> list[Text]:
        """Split at blank lines (paragraph boundaries), keeping each span's style."""
        paragraphs: list[Text] = [Text()]
        for span in self.spans:
            pieces = span.text.split("\n\n")
            for index, piece in enumerate(pieces):
                if index > 0:
                    paragraphs.append(Text())
                if piece:
                    paragraphs[-1] = paragraphs[-1] + Text((Span(piece, span.style, span.url),))
        return [p for p in paragraphs if p]

    def lines(self) -> list[Text]:
        lines: list[Text] = [Text()]
        for span in self.spans:
            for index, piece in enumerate(span.text.split("\n")):
                if index > 0:
                    lines.append(Text())
                if piece:
                    lines[-1] = lines[-1] + Text((Span(piece, span.style, span.url),))
        return lines


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Adjacent spans of the same style as one; empty spans dropped."""
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last and last.style == span.style and last.url == span.url:
            merged[-1] = Span(last.text + span.text, span.style, span.url)
        else:
            merged.append(span)
    return tuple(merged)
