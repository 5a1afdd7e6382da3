"""The field-wide synonym list used to expand search queries (data in synonyms.yaml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SYNONYMS_PATH = Path(__file__).with_name("synonyms.yaml")

SYNONYM_WEIGHT = 0.6
RELATED_WEIGHT = 0.35


@dataclass(frozen=True)
class SynonymGroup:
    """Phrases that stand for one notion; a match on one of them also finds the others."""

    phrases: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class SynonymTable:
    """Synonym groups, plus the theme words that every tool in the catalogue is about.

    Theme words ('impact', 'meten', 'methode') say little about which tool a member wants, so a
    query weighs them less than the words that do.
    """

    groups: tuple[SynonymGroup, ...] = ()
    theme: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SynonymTable:
        synonyms = _groups(data.get("synonyms"), SYNONYM_WEIGHT)
        related = _groups(data.get("related"), RELATED_WEIGHT)
        related_groups = tuple(_close_over(group, synonyms) for group in related)
        theme = frozenset(str(word).strip() for word in _list(data.get("theme")))
        return cls(groups=synonyms + related_groups, theme=theme)


def load_synonyms(path: Path = SYNONYMS_PATH) -> SynonymTable:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping with 'synonyms' and 'related' lists")
    return SynonymTable.from_mapping(data)


@cache
def default_synonyms() -> SynonymTable:
    """The bundled list, read once; the table is immutable."""
    return load_synonyms()


def _close_over(related: SynonymGroup, synonyms: tuple[SynonymGroup, ...]) -> SynonymGroup:
    """Add the synonyms of each member, so 'logic model' is related wherever 'logisch model' is."""
    phrases = dict.fromkeys(related.phrases)
    for phrase in related.phrases:
        for group in synonyms:
            if phrase in group.phrases:
                phrases.update(dict.fromkeys(group.phrases))
    return SynonymGroup(phrases=tuple(phrases), weight=related.weight)


def _list(raw: object) -> list[object]:
    if raw is None:
        return []
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise ValueError("a synonym section must be a list")
    return list(raw)


def _groups(raw: object, weight: float) -> tuple[SynonymGroup, ...]:
    groups = []
    for entry in _list(raw):
        phrases = tuple(str(phrase).strip() for phrase in _list(entry) if str(phrase).strip())
        if len(phrases) >= 2:
            groups.append(SynonymGroup(phrases=phrases, weight=weight))
    return tuple(groups)
