"""Translations from gettext catalogs (Dutch first, English), read with Babel on load.

Message ids are symbolic keys (`help.intro`); the catalogs hold the texts. A text may use
`<b>`, `<i>` and `<code>` for emphasis; `{placeholders}` are filled after that markup is
parsed, so an inserted value is always literal text, never markup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter

from babel.messages.pofile import read_po

from bot.model.markup import Span, Style, Text, merge_spans

LANGUAGES = ("nl", "en")
DOMAIN = "leeratelier"
LOCALE_DIR = Path(__file__).parents[1] / "locale"

log = logging.getLogger(__name__)

Value = str | int | Text

_TAG = re.compile(r"<(/?)(b|i|code)>")
_STYLES = {"b": Style.BOLD, "i": Style.ITALIC, "code": Style.CODE}


def language_or_none(code: str | None) -> str | None:
    """`nl-BE` → `nl`; None for languages we have no catalog for."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def load_translations(locale_dir: Path = LOCALE_DIR) -> dict[str, dict[str, str]]:
    """Each language's texts by key: the translated messages that are not fuzzy, what a
    compiled .mo file holds (without compiling one at every start)."""
    translations: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        po_path = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        translations[language] = {
            message.id: message.string
            for message in catalog
            if isinstance(message.id, str)
            and isinstance(message.string, str)
            and message.id  # not the header
            and message.string
            and not message.fuzzy
        }
    return translations


@dataclass(frozen=True)
class Translator:
    """Texts in one language."""

    language: str
    _catalog: Mapping[str, str]
    _fallback: Mapping[str, str]

    def raw(self, key: str) -> str:
        for catalog in (self._catalog, self._fallback):
            message = catalog.get(key)
            if message is not None and message != key:
                return message
        log.warning("missing translation for %r", key)
        return key

    def text(self, key: str, /, **values: Value) -> Text:
        return render_template(self.raw(key), values)

    def plain(self, key: str, /, **values: Value) -> str:
        """For places without markup: button labels, form labels, file names."""
        return render_plain(self.raw(key), values)


class Catalogs:
    """The loaded catalogs; hands out a Translator per language."""

    def __init__(self, default_language: str = "nl", locale_dir: Path = LOCALE_DIR) -> None:
        self.default_language = default_language
        self._translations = load_translations(locale_dir)

    def translator(self, language: str | None) -> Translator:
        chosen = language_or_none(language) or self.default_language
        return Translator(chosen, self._translations[chosen], self._translations["en"])


Piece = tuple[str, str | None, str, Style]
"""A literal, the name of the value that follows it (or None), its format spec, its style."""


def render_template(template: str, values: Mapping[str, Value]) -> Text:
    return Text(merge_spans(_spans(template, values)))


def render_plain(template: str, values: Mapping[str, Value]) -> str:
    """The text alone: no spans are made (a web page renders dozens of these)."""
    parts: list[str] = []
    for literal, name, spec, _style in _pieces(template):
        parts.append(literal)
        if name is not None:
            value = values[name]
            parts.append(str(value) if isinstance(value, Text) else format(value, spec))
    return "".join(parts)


def _spans(template: str, values: Mapping[str, Value]) -> list[Span]:
    spans: list[Span] = []
    for literal, name, spec, style in _pieces(template):
        if literal:
            spans.append(Span(literal, style))
        if name is None:
            continue
        value = values[name]
        if isinstance(value, Text):
            spans.extend(value.spans)
        else:
            spans.append(Span(format(value, spec), style))
    return spans


@lru_cache(maxsize=8192)
def _pieces(template: str) -> tuple[Piece, ...]:
    """A message parsed once per process (its tags and placeholders), not at every use."""
    pieces: list[Piece] = []
    style = Style.PLAIN
    position = 0
    for match in _TAG.finditer(template):
        pieces += _chunk(template[position : match.start()], style)
        closing, tag = match.groups()
        style = Style.PLAIN if closing else _STYLES[tag]
        position = match.end()
    return tuple(pieces + _chunk(template[position:], style))


def _chunk(chunk: str, style: Style) -> list[Piece]:
    return [
        (literal, name, spec or "", style)
        for literal, name, spec, _conversion in Formatter().parse(chunk)
    ]
