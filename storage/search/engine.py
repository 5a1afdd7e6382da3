"""Tool search: an in-memory BM25F index over stemmed Dutch and English terms.

Design
------
* In memory, so identical on every database. The caller loads the tools from the database and
  builds a `ToolIndex`; ranking is then pure Python over dicts, without the SQL full-text
  features whose stemming, stop words and ranking differ between SQLite FTS5 and PostgreSQL
  tsvector. Tools are sorted by id before indexing and ties are broken by id, so the same
  tools give the same hits whatever database, driver or row order delivered them.
* BM25F over stems. Text is folded (cliënt ~ client), stop words (Dutch and English) are
  dropped and words become keys through the Snowball stemmers: Dutch for Dutch text, English as
  well for the often English names, aliases and tags. Term frequencies are weighted per field
  (name > aliases > tags > summary/when to use > steps) before BM25 saturation, with the BM25+
  lower bound so that every matched query word counts. Per key and tool the contribution is
  computed at build time; a search only adds numbers up.
* Compounds. Dutch compounds in the tools ('buurtonderzoek', 'kosten-batenanalyse') are split
  against the index vocabulary and their parts indexed at a lower weight; hyphenated words are
  also indexed written together. A query word missing from the index is split the same way.
* Typos. Only a query word with no hit at all (not even after stripping an inflection the
  stemmer missed, splitting it, or finding it in the synonym list) is matched fuzzily:
  Damerau-Levenshtein via rapidfuzz against index words of similar length, an edit budget that
  grows with the word, a lower weight per edit, and a cache per index.
* Synonyms. A curated field-wide list (synonyms.yaml) links abbreviations, spellings and
  English and Dutch terms. A query word or recognised phrase also matches the other members of
  its group at a lower weight; it scores the best of its alternatives, never their sum. Theme
  words that every tool is about ('impact', 'meten', 'methode') weigh less than the rest.
* Phrases. A recognised multi-word phrase ('sociaal domein', 'logic model') is one concept, and
  a tool matching only some of its words gets that share of the credit. Adjacent query words
  found together in a name, alias or tag, and a tool's whole name or alias in the query, add a
  bonus.
* Speed. Concepts are evaluated term-at-a-time in MaxScore order: once the concepts left cannot
  lift a new tool into the top `limit`, only the current candidates are scored further.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from storage.search.synonyms import SynonymTable, default_synonyms
from storage.search.text import (
    STOP_WORDS,
    Decompounder,
    Stemmers,
    fold,
    hyphen_compounds,
    is_fragment,
    tokenize,
)

K1 = 1.2
DELTA = 0.5
PART_WEIGHT = 0.5
BIGRAM_WEIGHT = 0.5
LABEL_WEIGHT = 0.5
THEME_WEIGHT = 0.5
INFLECTION_WEIGHT = 0.9
SPLIT_WEIGHT = 0.75
FUZZY_WEIGHT = 0.8
FUZZY_STEP = 0.1
FUZZY_MIN_LENGTH = 4
FUZZY_CANDIDATES = 3
CACHE_SIZE = 4096
MAX_LABEL_WORDS = 8
SUGGEST_CUTOFF = 60.0
SAFETY_MARGIN = 1e-3

_ENDINGS = ("s", "t", "d", "e", "en", "n", "je", "jes")
_VERB_ENDINGS = ("t", "d")
_PARENTHESES = re.compile(r"\(([^)]*)\)")


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
    """Map catalogue entries (as in tools_catalogue.yaml) to search documents."""
    return [_document_from_entry(entry) for entry in entries]


def _document_from_entry(entry: Mapping[str, object]) -> ToolDocument:
    tool_id = _text(entry.get("id"))
    if not tool_id:
        raise ValueError(f"catalogue entry without id: {entry.get('name')!r}")
    return ToolDocument(
        id=tool_id,
        name=_text(entry.get("name")),
        aliases=_texts(entry.get("aliases")),
        tags=_texts(entry.get("tags")),
        summary=_text(entry.get("summary_nl", entry.get("summary"))),
        when_to_use=_text(entry.get("when_to_use_nl", entry.get("when_to_use"))),
        steps=_texts(entry.get("steps_nl", entry.get("steps"))),
        level=_texts(entry.get("level")),
        summary_en=_text(entry.get("summary_en")),
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


# --------------------------------------------------------------------------------------------
# Index construction


@dataclass(frozen=True)
class _Field:
    """How one document field is analysed and weighted."""

    name: str
    weight: float
    b: float
    dutch: bool = True
    english: bool = False
    label: bool = False


_FIELDS: tuple[_Field, ...] = (
    _Field("name", weight=5.0, b=0.3, english=True, label=True),
    _Field("aliases", weight=4.0, b=0.5, english=True, label=True),
    _Field("tags", weight=2.5, b=0.4, english=True, label=True),
    _Field("summary", weight=1.0, b=0.75),
    _Field("when_to_use", weight=1.0, b=0.75),
    _Field("steps", weight=0.6, b=0.75),
    _Field("level", weight=0.3, b=0.0),
    _Field("summary_en", weight=1.0, b=0.75, dutch=False, english=True),
)


def _pieces(document: ToolDocument, field_name: str) -> tuple[str, ...]:
    """The separately written pieces of a field; phrases never cross a piece boundary."""
    if field_name == "name":
        main = _PARENTHESES.sub(" ", document.name)
        return (main, *_PARENTHESES.findall(document.name))
    value: str | tuple[str, ...] = getattr(document, field_name)
    return (value,) if isinstance(value, str) else value


@dataclass(frozen=True)
class _Piece:
    words: list[str]
    joined: list[str]


@dataclass
class _FieldStats:
    terms: dict[str, float]
    bigrams: dict[str, float]
    length: int


Postings = dict[str, dict[int, float]]


@dataclass
class _Builder:
    """Turns documents into precomputed per-key, per-tool scores."""

    documents: list[ToolDocument]
    stemmers: Stemmers
    surface: Counter[str] = field(default_factory=Counter)
    _parts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def build(self) -> Postings:
        tokenised = [self._tokenise(document) for document in self.documents]
        splitter = Decompounder(
            is_known=self.surface.__contains__,
            frequency=lambda word: self.surface.get(word, 0),
            allow_unknown_head=True,
        )
        stats = [self._analyse(fields, splitter) for fields in tokenised]
        postings = self._bm25f(stats, "terms")
        for key, docs in self._bm25f(stats, "bigrams").items():
            postings[key] = {doc: score * BIGRAM_WEIGHT for doc, score in docs.items()}
        self._add_labels(postings)
        return postings

    def _tokenise(self, document: ToolDocument) -> dict[str, list[_Piece]]:
        fields: dict[str, list[_Piece]] = {}
        for spec in _FIELDS:
            pieces = []
            for text in _pieces(document, spec.name):
                piece = _Piece(tokenize(text), hyphen_compounds(text))
                self.surface.update(piece.words)
                self.surface.update(piece.joined)
                pieces.append(piece)
            fields[spec.name] = pieces
        return fields

    def _analyse(
        self, fields: dict[str, list[_Piece]], splitter: Decompounder
    ) -> dict[str, _FieldStats]:
        return {spec.name: self._field_stats(spec, fields[spec.name], splitter) for spec in _FIELDS}

    def _field_stats(
        self, spec: _Field, pieces: list[_Piece], splitter: Decompounder
    ) -> _FieldStats:
        stats = _FieldStats(terms={}, bigrams={}, length=0)
        for piece in pieces:
            stats.length += len(piece.words)
            for word in piece.words:
                self._count(stats.terms, spec, word, 1.0)
                for part in self._split(word, splitter) if spec.dutch else ():
                    self._count(stats.terms, spec, part, PART_WEIGHT)
            for word in piece.joined:
                self._count(stats.terms, spec, word, 1.0)
            self._count_bigrams(stats.bigrams, piece.words)
        return stats

    def _split(self, word: str, splitter: Decompounder) -> tuple[str, ...]:
        parts = self._parts.get(word)
        if parts is None:
            parts = splitter.split(word)
            self._parts[word] = parts
        return parts

    def _count(self, counter: dict[str, float], spec: _Field, word: str, weight: float) -> None:
        for key in self.stemmers.keys(word, dutch=spec.dutch, english=spec.english):
            counter[key] = counter.get(key, 0.0) + weight

    def _count_bigrams(self, counter: dict[str, float], words: list[str]) -> None:
        keys = [self.stemmers.dutch(word) for word in words]
        for first, second in itertools.pairwise(keys):
            counter[_bigram_key(first, second)] = counter.get(_bigram_key(first, second), 0) + 1
        for word in words:
            parts = [self.stemmers.dutch(part) for part in self._parts.get(word, ())]
            for first, second in itertools.pairwise(parts):
                key = _bigram_key(first, second)
                counter[key] = counter.get(key, 0.0) + PART_WEIGHT

    def _bm25f(self, stats: list[dict[str, _FieldStats]], kind: str) -> Postings:
        averages = {spec.name: _average_length(stats, spec.name) for spec in _FIELDS}
        pseudo: list[dict[str, float]] = []
        for fields in stats:
            combined: dict[str, float] = {}
            for spec in _FIELDS:
                stat = fields[spec.name]
                norm = 1.0 - spec.b + spec.b * stat.length / averages[spec.name]
                counter: dict[str, float] = getattr(stat, kind)
                for key, frequency in counter.items():
                    combined[key] = combined.get(key, 0.0) + spec.weight * frequency / norm
            pseudo.append(combined)
        return _saturate(pseudo)

    def _add_labels(self, postings: Postings) -> None:
        """A tool's name and aliases as whole phrases, worth the summed rarity of their words."""
        size = len(self.documents)
        for index, document in enumerate(self.documents):
            for label in (*_pieces(document, "name"), *document.aliases):
                keys = [self.stemmers.dutch(word) for word in tokenize(label)]
                if not keys or len(keys) > MAX_LABEL_WORDS or is_fragment(label):
                    continue
                rarity = sum(_idf(size, len(postings.get(key, ()))) for key in keys)
                docs = postings.setdefault(_label_key(keys), {})
                docs[index] = max(docs.get(index, 0.0), LABEL_WEIGHT * rarity)


def _average_length(stats: list[dict[str, _FieldStats]], name: str) -> float:
    total = sum(fields[name].length for fields in stats)
    return max(total / max(len(stats), 1), 1.0)


def _saturate(pseudo: list[dict[str, float]]) -> Postings:
    """BM25+ per key and tool from the field-weighted term frequencies."""
    frequency = Counter(key for combined in pseudo for key in combined)
    idf = {key: _idf(len(pseudo), count) for key, count in frequency.items()}
    postings: Postings = {}
    for index, combined in enumerate(pseudo):
        for key, tf in combined.items():
            score = idf[key] * (tf * (K1 + 1.0) / (K1 + tf) + DELTA)
            postings.setdefault(key, {})[index] = score
    return postings


def _idf(size: int, frequency: int) -> float:
    return math.log(1.0 + (size - frequency + 0.5) / (frequency + 0.5))


def _bigram_key(first: str, second: str) -> str:
    return f"{first} {second}"


def _label_key(keys: Sequence[str]) -> str:
    return "=" + " ".join(keys)


# --------------------------------------------------------------------------------------------
# Query plan: a query becomes concepts; a concept scores the best of its alternatives.


@dataclass(frozen=True)
class _Alternative:
    """One way to match a concept, through one or more words; per word its best key counts.

    Several words score their mean, or with `summed` their sum times the share of words found,
    so that a tool matching half of a typed phrase gets half of the credit.
    """

    words: tuple[tuple[str, ...], ...]
    weight: float
    summed: bool = False

    def scaled(self, factor: float) -> _Alternative:
        return _Alternative(self.words, self.weight * factor, self.summed)


@dataclass(frozen=True)
class _Concept:
    alternatives: tuple[_Alternative, ...]

    def scaled(self, factor: float) -> _Concept:
        return _Concept(tuple(alternative.scaled(factor) for alternative in self.alternatives))


@dataclass(frozen=True)
class _Word:
    """A query word after resolution.

    `canonical` is the word it is taken to be (a typo's correction, an inflection's stem) and
    `trust` how sure that is; phrases and synonyms are looked up with the canonical word and
    its `variants`. `alternatives` are the ways the word itself matches the index.
    """

    text: str
    canonical: str
    trust: float
    alternatives: tuple[_Alternative, ...]
    variants: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key the word matches directly (not through a split into parts)."""
        found = (keys for alt in self.alternatives if len(alt.words) == 1 for keys in alt.words)
        return tuple(dict.fromkeys(itertools.chain.from_iterable(found)))


@dataclass(frozen=True)
class _Phrase:
    """A synonym-list phrase: its words, its lookup keys and the index keys it can match."""

    text: tuple[str, ...]
    dutch_keys: tuple[str, ...]
    english_keys: tuple[str, ...]
    words: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Group:
    weight: float
    phrases: tuple[_Phrase, ...]


class _Synonyms:
    """The synonym table resolved against one index."""

    def __init__(self, table: SynonymTable, stemmers: Stemmers, postings: Postings) -> None:
        self._stemmers = stemmers
        self._postings = postings
        self._by_keys: dict[tuple[str, ...], list[_Group]] = {}
        words: set[str] = set()
        for group in table.groups:
            for phrase in self._add(group.weight, group.phrases):
                words.update(phrase.text)
        self.words = frozenset(words)
        self.longest = max((len(keys) for keys in self._by_keys), default=0)
        self.theme = frozenset(
            tuple(stemmers.dutch(word) for word in tokenize(phrase)) for phrase in table.theme
        )

    def knows(self, span: Sequence[tuple[str, str]]) -> bool:
        return any(keys in self._by_keys for keys in _lookup_keys(span))

    def alternatives(
        self, span: Sequence[tuple[str, str]], trust: float
    ) -> tuple[_Alternative, ...]:
        """The other phrases of every group the span belongs to, weighted by the group."""
        lookups = _lookup_keys(span)
        best: dict[tuple[tuple[str, ...], ...], float] = {}
        for keys in lookups:
            for group in self._by_keys.get(keys, ()):
                for phrase in group.phrases:
                    typed = phrase.dutch_keys in lookups or phrase.english_keys in lookups
                    if phrase.words and not typed:
                        best[phrase.words] = max(best.get(phrase.words, 0.0), group.weight)
        return tuple(_Alternative(words, weight * trust) for words, weight in best.items())

    def _add(self, weight: float, texts: tuple[str, ...]) -> tuple[_Phrase, ...]:
        phrases = tuple(self._phrase(text) for text in texts if not is_fragment(text))
        group = _Group(weight, tuple(phrase for phrase in phrases if phrase.dutch_keys))
        for phrase in group.phrases:
            for keys in dict.fromkeys((phrase.dutch_keys, phrase.english_keys)):
                self._by_keys.setdefault(keys, []).append(group)
        return group.phrases

    def _phrase(self, text: str) -> _Phrase:
        words = tuple(tokenize(text))
        dutch = tuple(self._stemmers.dutch(word) for word in words)
        english = tuple(self._stemmers.english(word) for word in words)
        hits = tuple(
            tuple(key for key in self._stemmers.keys(word, english=True) if key in self._postings)
            for word in words
        )
        return _Phrase(words, dutch, english, hits if any(hits) else ())


def _lookup_keys(span: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], ...]:
    """The span as Dutch keys and as English keys."""
    dutch, english = tuple(keys[0] for keys in span), tuple(keys[1] for keys in span)
    return (dutch,) if dutch == english else (dutch, english)


class _Planner:
    """Turns a query into concepts: words, recognised phrases, bigrams and labels."""

    def __init__(
        self, postings: Postings, surface: Counter[str], stemmers: Stemmers, table: SynonymTable
    ) -> None:
        self._postings = postings
        self._surface = surface
        self._stemmers = stemmers
        self._synonyms = _Synonyms(table, stemmers, postings)
        self._vocabulary = self._fuzzy_vocabulary()
        self._splitter = Decompounder(
            is_known=self._known_part, frequency=lambda word: self._surface.get(word, 0)
        )
        self._cache: dict[str, _Word] = {}
        self._lock = threading.Lock()

    def plan(self, query: str) -> list[_Concept]:
        words = [self._resolve(text) for text in tokenize(query)]
        segments = self._segments(words)
        in_segments = {word.text for start, end in segments for word in words[start:end]}
        loose = {word.text: word for word in words if word.text not in in_segments}
        concepts = [self._word_concept(word) for word in loose.values()]
        concepts += [self._segment_concept(words[start:end]) for start, end in segments]
        concepts += self._bigrams(words)
        concepts += self._labels(words)
        return [concept for concept in concepts if concept.alternatives]

    # -- words ---------------------------------------------------------------------------

    def _resolve(self, text: str) -> _Word:
        cached = self._cache.get(text)
        if cached is None:
            cached = self._resolve_uncached(text)
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[text] = cached
        return cached

    def _resolve_uncached(self, text: str) -> _Word:
        keys = self._hit_keys(text)
        if keys:
            return self._known(text, keys)
        inflected = self._inflections(text, (), _ENDINGS)
        if inflected:
            stem, alternative = inflected[0]
            return _Word(text, stem, INFLECTION_WEIGHT, (alternative,))
        return self._compound(text) or self._typo(text)

    def _known(self, text: str, keys: tuple[str, ...]) -> _Word:
        """An indexed word, plus the stem of a verb form the stemmer kept whole."""
        inflected = self._inflections(text, keys, _VERB_ENDINGS)
        alternatives = (_Alternative((keys,), 1.0), *(alt for _, alt in inflected))
        variants = tuple(text[: -len(end)] for end in _VERB_ENDINGS if text.endswith(end))
        return _Word(text, text, 1.0, alternatives, variants)

    def _hit_keys(self, text: str) -> tuple[str, ...]:
        keys = self._stemmers.keys(text, dutch=True, english=True)
        return tuple(key for key in keys if key in self._postings)

    def _inflections(
        self, text: str, exact: tuple[str, ...], endings: tuple[str, ...]
    ) -> list[tuple[str, _Alternative]]:
        """Stems left after stripping an ending the stemmer missed ('onderbouwd' -> 'onderbouw')."""
        found = []
        for ending in endings:
            stem = text[: -len(ending)]
            if not text.endswith(ending) or len(stem) < FUZZY_MIN_LENGTH:
                continue
            keys = tuple(key for key in self._hit_keys(stem) if key not in exact)
            if keys:
                found.append((stem, _Alternative((keys,), INFLECTION_WEIGHT)))
        return found

    def _compound(self, text: str) -> _Word | None:
        parts = self._splitter.split(text)
        words = tuple(self._hit_keys(part) for part in parts)
        if not parts or not all(words):
            return None
        return _Word(text, text, 1.0, (_Alternative(words, SPLIT_WEIGHT),))

    def _known_part(self, part: str) -> bool:
        return part in self._surface or bool(self._hit_keys(part))

    def _typo(self, text: str) -> _Word:
        """A word without hits: a synonym-list word stays as is, others take the closest words."""
        if text in self._synonyms.words:
            return _Word(text, text, 1.0, ())
        candidates = self._fuzzy_candidates(text)
        if not candidates:
            return _Word(text, text, 1.0, ())
        alternatives = tuple(
            _Alternative((keys,), _fuzzy_weight(distance))
            for candidate, distance in candidates
            if (keys := self._hit_keys(candidate))
        )
        best, distance = candidates[0]
        return _Word(text, best, _fuzzy_weight(distance), alternatives)

    def _fuzzy_candidates(self, text: str) -> list[tuple[str, int]]:
        """The closest vocabulary words within the edit budget, most frequent first."""
        if len(text) < FUZZY_MIN_LENGTH or text.isdigit():
            return []
        budget = _edit_budget(text)
        found: list[tuple[int, int, str]] = []
        for length in range(len(text) - budget, len(text) + budget + 1):
            bucket = self._vocabulary.get(length, [])
            for candidate, distance, _ in process.extract(
                text, bucket, scorer=OSA.distance, score_cutoff=budget, limit=None
            ):
                found.append((int(distance), -self._surface.get(candidate, 0), candidate))
        found.sort()
        closest = [(word, distance) for distance, _, word in found if distance == found[0][0]]
        return closest[:FUZZY_CANDIDATES]

    def _fuzzy_vocabulary(self) -> dict[int, list[str]]:
        words = {word for word in self._surface if len(word) >= FUZZY_MIN_LENGTH}
        words.update(word for word in self._synonyms.words if len(word) >= FUZZY_MIN_LENGTH)
        buckets: dict[int, list[str]] = {}
        for word in sorted(words):
            buckets.setdefault(len(word), []).append(word)
        return buckets

    def _word_concept(self, word: _Word) -> _Concept:
        synonyms: dict[tuple[tuple[str, ...], ...], _Alternative] = {}
        for form in (word.canonical, *word.variants):
            for alternative in self._synonyms.alternatives([self._both_keys(form)], word.trust):
                known = synonyms.get(alternative.words)
                if known is None or alternative.weight > known.weight:
                    synonyms[alternative.words] = alternative
        concept = _Concept(word.alternatives + tuple(synonyms.values()))
        return self._theme_scaled(concept, [word])

    # -- phrases -------------------------------------------------------------------------

    def _segments(self, words: list[_Word]) -> list[tuple[int, int]]:
        """Known multi-word phrases in the query, longest first from left to right."""
        segments, start = [], 0
        longest = max(self._synonyms.longest, MAX_LABEL_WORDS)
        while start < len(words):
            end = next(
                (
                    end
                    for end in range(min(start + longest, len(words)), start + 1, -1)
                    if self._is_phrase(words[start:end])
                ),
                None,
            )
            if end is None:
                start += 1
                continue
            segments.append((start, end))
            start = end
        return segments

    def _is_phrase(self, words: list[_Word]) -> bool:
        span = [self._both_keys(word.canonical) for word in words]
        label = _label_key([keys[0] for keys in span])
        return self._synonyms.knows(span) or label in self._postings

    def _segment_concept(self, words: list[_Word]) -> _Concept:
        trust = min(word.trust for word in words)
        unique = list({word.text: word for word in words}.values())
        typed = _Alternative(tuple(word.keys for word in unique), trust, summed=True)
        span = [self._both_keys(word.canonical) for word in words]
        concept = _Concept((typed, *self._synonyms.alternatives(span, trust)))
        return self._theme_scaled(concept, words)

    def _bigrams(self, words: list[_Word]) -> list[_Concept]:
        concepts = []
        for first, second in itertools.pairwise(words):
            key = _bigram_key(self._dutch(first), self._dutch(second))
            if key in self._postings:
                alternative = _Alternative(((key,),), min(first.trust, second.trust))
                concepts.append(self._theme_scaled(_Concept((alternative,)), [first, second]))
        return concepts

    def _labels(self, words: list[_Word]) -> list[_Concept]:
        """One concept for the tool names and aliases found in the query; the best one counts."""
        keys = [self._dutch(word) for word in words]
        alternatives = []
        for start in range(len(words)):
            for end in range(start + 1, min(start + MAX_LABEL_WORDS, len(words)) + 1):
                key = _label_key(keys[start:end])
                if key in self._postings:
                    trust = min(word.trust for word in words[start:end])
                    factor = self._theme_factor(words[start:end])
                    alternatives.append(_Alternative(((key,),), trust * factor))
        return [_Concept(tuple(alternatives))] if alternatives else []

    def _theme_scaled(self, concept: _Concept, words: Sequence[_Word]) -> _Concept:
        factor = self._theme_factor(words)
        return concept if factor == 1.0 else concept.scaled(factor)

    def _theme_factor(self, words: Sequence[_Word]) -> float:
        keys = tuple(self._dutch(word) for word in words)
        theme = self._synonyms.theme
        if keys in theme or all((key,) in theme for key in keys):
            return THEME_WEIGHT
        return 1.0

    def _dutch(self, word: _Word) -> str:
        return self._stemmers.dutch(word.canonical)

    def _both_keys(self, text: str) -> tuple[str, str]:
        return self._stemmers.dutch(text), self._stemmers.english(text)


def _fuzzy_weight(distance: int) -> float:
    return FUZZY_WEIGHT - FUZZY_STEP * (distance - 1)


def _edit_budget(text: str) -> int:
    if len(text) <= 5:
        return 1
    return 2 if len(text) <= 10 else 3


# --------------------------------------------------------------------------------------------
# Ranking


class _Ranker:
    """Adds concept scores per tool, MaxScore style, and keeps the best `limit`."""

    def __init__(self, postings: Postings) -> None:
        self._postings = postings
        self._best = {key: max(docs.values()) for key, docs in postings.items()}

    def top(self, concepts: list[_Concept], limit: int) -> dict[int, float]:
        bounds = [self._concept_bound(concept) for concept in concepts]
        order = sorted(range(len(concepts)), key=lambda position: -bounds[position])
        remaining = sum(bounds)
        scores: dict[int, float] = {}
        for position in order:
            concept, bound = concepts[position], bounds[position]
            remaining -= bound
            if _newcomers_can_rank(scores, bound + remaining, limit):
                for doc, score in self._concept_scores(concept).items():
                    scores[doc] = scores.get(doc, 0.0) + score
            else:
                for doc in scores:
                    scores[doc] += self._concept_score(concept, doc)
                scores = _prune(scores, _threshold(scores, limit) - remaining)
        return scores

    def _concept_bound(self, concept: _Concept) -> float:
        return max(self._alternative_bound(alternative) for alternative in concept.alternatives)

    def _alternative_bound(self, alternative: _Alternative) -> float:
        total = sum(
            max((self._best.get(key, 0.0) for key in keys), default=0.0)
            for keys in alternative.words
        )
        return alternative.weight * (total if alternative.summed else total / len(alternative.words))

    def _concept_scores(self, concept: _Concept) -> Mapping[int, float]:
        if len(concept.alternatives) == 1:
            return self._alternative_scores(concept.alternatives[0])
        best: dict[int, float] = {}
        for alternative in concept.alternatives:
            for doc, score in self._alternative_scores(alternative).items():
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _alternative_scores(self, alternative: _Alternative) -> Mapping[int, float]:
        count = len(alternative.words)
        if count == 1:
            docs = self._word_scores(alternative.words[0])
            factor = alternative.weight
            return docs if factor == 1.0 else {doc: s * factor for doc, s in docs.items()}
        totals: dict[int, float] = {}
        found: Counter[int] = Counter()
        for keys in alternative.words:
            for doc, score in self._word_scores(keys).items():
                totals[doc] = totals.get(doc, 0.0) + score
                found[doc] += 1
        return {
            doc: _combine(alternative, total, found[doc]) for doc, total in totals.items()
        }

    def _word_scores(self, keys: tuple[str, ...]) -> Mapping[int, float]:
        if len(keys) == 1:
            return self._postings[keys[0]]
        best: dict[int, float] = {}
        for key in keys:
            for doc, score in self._postings[key].items():
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _concept_score(self, concept: _Concept, doc: int) -> float:
        best = 0.0
        for alternative in concept.alternatives:
            total, found = 0.0, 0
            for keys in alternative.words:
                score = max((self._postings[key].get(doc, 0.0) for key in keys), default=0.0)
                total += score
                found += score > 0.0
            best = max(best, _combine(alternative, total, found) if found else 0.0)
        return best


def _combine(alternative: _Alternative, total: float, found: int) -> float:
    count = len(alternative.words)
    share = found / count if alternative.summed else 1.0 / count
    return alternative.weight * total * share


def _newcomers_can_rank(scores: dict[int, float], reachable: float, limit: int) -> bool:
    """Whether a tool not scored yet could still enter the top `limit`."""
    if len(scores) < limit or reachable >= max(scores.values()):
        return True
    return reachable >= _threshold(scores, limit) - SAFETY_MARGIN


def _threshold(scores: dict[int, float], limit: int) -> float:
    if len(scores) < limit:
        return 0.0
    return heapq.nlargest(limit, scores.values())[-1]


def _prune(scores: dict[int, float], floor: float) -> dict[int, float]:
    return {doc: score for doc, score in scores.items() if score >= floor - SAFETY_MARGIN}


# --------------------------------------------------------------------------------------------
# The index


class ToolIndex:
    """Searchable, immutable view of a tool catalogue. Build it with `ToolIndex.build`."""

    def __init__(
        self,
        documents: list[ToolDocument],
        postings: Postings,
        surface: Counter[str],
        stemmers: Stemmers,
        synonyms: SynonymTable,
    ) -> None:
        self._documents = documents
        self._ranker = _Ranker(postings)
        self._planner = _Planner(postings, surface, stemmers, synonyms)
        self._labels, self._label_owners = _suggest_labels(documents)

    @classmethod
    def build(
        cls, documents: Iterable[ToolDocument], synonyms: SynonymTable | None = None
    ) -> ToolIndex:
        ordered = sorted(documents, key=lambda document: document.id)
        ids = [document.id for document in ordered]
        if len(set(ids)) != len(ids):
            raise ValueError("tool ids must be unique")
        stemmers = Stemmers()
        builder = _Builder(ordered, stemmers)
        postings = builder.build()
        return cls(ordered, postings, builder.surface, stemmers, synonyms or default_synonyms())

    def __len__(self) -> int:
        return len(self._documents)

    def search(self, query: str, limit: int = 3) -> list[SearchHit]:
        """The best `limit` tools for a free-text query, best first, ties broken by id."""
        if limit <= 0:
            return []
        concepts = self._planner.plan(query)
        if not concepts:
            return []
        return self._hits(self._ranker.top(concepts, limit), limit)

    def suggest(self, query: str, limit: int = 3) -> list[SearchHit]:
        """Tools whose name, alias or tag looks most like the query; for 'did you mean'."""
        text = " ".join(word for word in fold(query).split() if word not in STOP_WORDS)
        if limit <= 0 or not text:
            return []
        matches = process.extract(
            text, self._labels, scorer=fuzz.WRatio, score_cutoff=SUGGEST_CUTOFF, limit=None
        )
        best: dict[int, float] = {}
        for _label, similarity, position in matches:
            for doc in self._label_owners[position]:
                best[doc] = max(best.get(doc, 0.0), similarity / 100.0)
        return self._hits(best, limit)

    def _hits(self, scores: Mapping[int, float], limit: int) -> list[SearchHit]:
        rounded = ((round(score, 4), doc) for doc, score in scores.items())
        ranked = sorted((item for item in rounded if item[0] > 0), key=lambda x: (-x[0], x[1]))
        return [SearchHit(self._documents[doc].id, score) for score, doc in ranked[:limit]]


def _suggest_labels(documents: list[ToolDocument]) -> tuple[list[str], list[tuple[int, ...]]]:
    owners: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        for label in (document.name, *document.aliases, *document.tags):
            owners.setdefault(fold(label), []).append(index)
    labels = sorted(owners)
    return labels, [tuple(owners[label]) for label in labels]
