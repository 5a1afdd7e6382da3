"""What the search indexes and answers: a tool as a search document, and a hit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ToolDocument:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    when_to_use: str = ""
    steps: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    summary_en: str = ""


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float


def documents_from_catalogue(entries: Iterable[Mapping[str, object]]) -> list[ToolDocument]:
    """Map catalogue entries (as in tools_catalogue.yaml) to search documents.

    The optional English fields are kept searchable too: `name_en` as an alias, and
    `when_to_use_en` and `steps_en` along with `summary_en` in the English text.
    """
    return [document_from_entry(entry) for entry in entries]


def document_from_entry(entry: Mapping[str, object]) -> ToolDocument:
    tool_id = _text(entry.get("id"))
    if not tool_id:
        raise ValueError(f"catalogue entry without id: {entry.get('name')!r}")
    english = (
        _text(entry.get("summary_en")),
        _text(entry.get("when_to_use_en")),
        *_texts(entry.get("steps_en")),
    )
    return ToolDocument(
        id=tool_id,
        name=_text(entry.get("name")),
        aliases=_texts(entry.get("aliases")) + _texts(entry.get("name_en")),
        tags=_texts(entry.get("tags")),
        summary=_text(entry.get("summary_nl", entry.get("summary"))),
        when_to_use=_text(entry.get("when_to_use_nl", entry.get("when_to_use"))),
        steps=_texts(entry.get("steps_nl", entry.get("steps"))),
        level=_texts(entry.get("level")),
        summary_en=" ".join(text for text in english if text),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _texts(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, Iterable):
        return tuple(text for text in (_text(item) for item in value) if text)
    return (_text(value),)
