"""The field-wide synonym list used to expand search queries (data in synonyms.yaml).

`SynonymTable` is the list as a curator wrote it; `SynonymLookup` finds, for a run of query
words, the groups it belongs to, whatever the inflection (phrases are compared by their Dutch
and by their English stems). How much an expansion weighs is a ranking rule (ranking.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from search.analysis import Analyzers, Language
from search.text import is_fragment, tokenize

SYNONYMS_PATH = Path(__file__).with_name("synonyms.yaml")


@dataclass(frozen=True)
class SynonymGroup:
    """Phrases that stand for one notion; a match on one of them also finds the others."""

    phrases: tuple[str, ...]
    related: bool = False


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
        synonyms = _groups(data.get("synonyms"), related=False)
        related = _groups(data.get("related"), related=True)
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
    return SynonymGroup(phrases=tuple(phrases), related=related.related)


def _list(raw: object) -> list[object]:
    if raw is None:
        return []
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise ValueError("a synonym section must be a list")
    return list(raw)


def _groups(raw: object, *, related: bool) -> tuple[SynonymGroup, ...]:
    groups = []
    for entry in _list(raw):
        phrases = tuple(str(phrase).strip() for phrase in _list(entry) if str(phrase).strip())
        if len(phrases) >= 2:
            groups.append(SynonymGroup(phrases=phrases, related=related))
    return tuple(groups)


# --------------------------------------------------------------------------------------------
# Looking phrases up

Words = tuple[str, ...]


@dataclass(frozen=True)
class Expansion:
    """Another phrase of a group the query phrase belongs to, as folded content words."""

    words: Words
    related: bool


class SynonymLookup:
    """The table keyed by stems, so 'kosten-batenanalyses' finds 'kosten-batenanalyse'.

    Phrases that stop-word removal would cut down to a fragment ('wat werkt') are left out.
    """

    def __init__(self, table: SynonymTable, analyzers: Analyzers) -> None:
        self._analyzers = analyzers
        self._keys: dict[Words, tuple[Words, ...]] = {}
        self._groups: dict[Words, list[tuple[SynonymGroup, tuple[Words, ...]]]] = {}
        for group in table.groups:
            phrases = tuple(
                words
                for words in (
                    tuple(tokenize(text)) for text in group.phrases if not is_fragment(text)
                )
                if words
            )
            for words in phrases:
                for keys in self.keys(words):
                    self._groups.setdefault(keys, []).append((group, phrases))
        self.longest = max((len(keys) for keys in self._groups), default=0)
        self.theme = frozenset(
            keys for text in table.theme for keys in self.keys(tuple(tokenize(text)))
        )

    def keys(self, words: Sequence[str]) -> tuple[Words, ...]:
        """The phrase as Dutch stems and as English stems."""
        phrase = tuple(words)
        found = self._keys.get(phrase)
        if found is None:
            dutch = tuple(self._analyzers.stem(Language.DUTCH, word) for word in phrase)
            english = tuple(self._analyzers.stem(Language.ENGLISH, word) for word in phrase)
            found = (dutch,) if dutch == english else (dutch, english)
            if len(self._keys) > 50_000:
                self._keys.clear()
            self._keys[phrase] = found
        return found

    def knows(self, words: Sequence[str]) -> bool:
        return any(keys in self._groups for keys in self.keys(words))

    def is_theme(self, words: Sequence[str]) -> bool:
        return any(keys in self.theme for keys in self.keys(words))

    def expansions(self, words: Sequence[str]) -> list[Expansion]:
        """The other phrases of the groups `words` belongs to, one per set of stems (so
        'vragenlijst' and 'vragenlijsten' are looked for once); a synonym beats a relation."""
        own = set(self.keys(words))
        found: dict[tuple[Words, ...], tuple[Words, bool]] = {}
        for keys in own:
            for group, phrases in self._groups.get(keys, ()):
                for phrase in phrases:
                    stems = self.keys(phrase)
                    if own & set(stems):
                        continue
                    first, related = found.get(stems, (phrase, True))
                    found[stems] = (first, related and group.related)
        return [Expansion(phrase, related) for phrase, related in found.values()]
