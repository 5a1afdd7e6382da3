"""The field-wide synonym list used to expand search queries (data in synonyms.yaml).

`SynonymTable` is the list as written; `SynonymIndex` is the list resolved against one search
index: phrases as stemmed keys, and the keys of the index each phrase can match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from search.text import Stemmers, is_fragment, tokenize

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


# --------------------------------------------------------------------------------------------
# The table resolved against one search index

Keys = tuple[str, ...]
Expansion = tuple[tuple[Keys, ...], float]


@dataclass(frozen=True)
class Phrase:
    """A phrase of the list as its words, its Dutch and English keys, and per word the keys
    the index holds (empty when the index holds none of the phrase's words)."""

    words: tuple[str, ...]
    dutch_keys: Keys
    english_keys: Keys
    indexed: tuple[Keys, ...]


@dataclass(frozen=True)
class _Group:
    weight: float
    phrases: tuple[Phrase, ...]


class SynonymIndex:
    """Finds the groups a query phrase belongs to and what else they let it match.

    A phrase is looked up by its Dutch keys or by its English keys, so inflected forms find
    their group too. Phrases that stop-word removal would cut down to a fragment are left out.
    """

    def __init__(
        self, table: SynonymTable, stemmers: Stemmers, indexed: Callable[[str], Keys]
    ) -> None:
        self._stemmers = stemmers
        self._indexed = indexed
        self._groups: dict[Keys, list[_Group]] = {}
        words: set[str] = set()
        for entry in table.groups:
            group = self._group(entry)
            for phrase in group.phrases:
                words.update(phrase.words)
                for keys in dict.fromkeys((phrase.dutch_keys, phrase.english_keys)):
                    self._groups.setdefault(keys, []).append(group)
        self.words = frozenset(words)
        self.longest = max((len(keys) for keys in self._groups), default=0)
        self.theme = frozenset(
            tuple(stemmers.dutch(word) for word in tokenize(phrase)) for phrase in table.theme
        )

    def knows(self, span: Sequence[tuple[str, str]]) -> bool:
        """Whether the span, as (Dutch key, English key) per word, is a phrase of the list."""
        return any(keys in self._groups for keys in _lookups(span))

    def expansions(self, span: Sequence[tuple[str, str]]) -> list[Expansion]:
        """The other phrases of the span's groups, as indexed keys with the group's weight."""
        lookups = _lookups(span)
        best: dict[tuple[Keys, ...], float] = {}
        for keys in lookups:
            for group in self._groups.get(keys, ()):
                for phrase in group.phrases:
                    typed = phrase.dutch_keys in lookups or phrase.english_keys in lookups
                    if phrase.indexed and not typed:
                        best[phrase.indexed] = max(best.get(phrase.indexed, 0.0), group.weight)
        return list(best.items())

    def is_theme(self, dutch_keys: Keys) -> bool:
        return dutch_keys in self.theme or all((key,) in self.theme for key in dutch_keys)

    def _group(self, entry: SynonymGroup) -> _Group:
        phrases = (self._phrase(text) for text in entry.phrases if not is_fragment(text))
        return _Group(entry.weight, tuple(phrase for phrase in phrases if phrase.words))

    def _phrase(self, text: str) -> Phrase:
        words = tuple(tokenize(text))
        indexed = tuple(self._indexed(word) for word in words)
        return Phrase(
            words=words,
            dutch_keys=tuple(self._stemmers.dutch(word) for word in words),
            english_keys=tuple(self._stemmers.english(word) for word in words),
            indexed=indexed if any(indexed) else (),
        )


def _lookups(span: Sequence[tuple[str, str]]) -> tuple[Keys, ...]:
    """The span as Dutch keys and as English keys."""
    dutch, english = tuple(keys[0] for keys in span), tuple(keys[1] for keys in span)
    return (dutch,) if dutch == english else (dutch, english)
