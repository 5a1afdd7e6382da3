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
* Speed. Scores per key and tool are precomputed, and postings are also kept sorted by score.
  A search scores a few probed tools for a threshold, uses MaxScore bounds to pick from the
  sorted postings only the tools that can still reach it, and scores those concept by concept,
  dropping each as soon as it cannot make the top. The result is exact, not approximate.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import operator
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from search.synonyms import SynonymIndex, SynonymTable, default_synonyms
from search.text import (
    STOP_WORDS,
    Decompounder,
    Stemmers,
    fold,
    is_fragment,
    tokenize,
    tokenize_with_compounds,
)

# BM25 term-frequency saturation, and the BM25+ floor (times idf) that any match earns.
K1 = 1.2
DELTA = 0.5
# Index side: a compound's parts count half; phrase bonuses are scaled down to stay bonuses.
PART_WEIGHT = 0.5
BIGRAM_WEIGHT = 0.5
LABEL_WEIGHT = 0.5
# Query side, relative to an exact word (1.0): how much a looser match is trusted. Synonym
# weights live in synonyms.py.
THEME_WEIGHT = 0.5
INFLECTION_WEIGHT = 0.9
SPLIT_WEIGHT = 0.75
FUZZY_WEIGHT = 0.8
FUZZY_STEP = 0.1
FUZZY_MIN_LENGTH = 4
FUZZY_CANDIDATES = 3
# Limits: resolved query words kept per index, words read from a query, words in a label.
CACHE_SIZE = 4096
MAX_QUERY_WORDS = 32
MAX_LABEL_WORDS = 8
SUGGEST_CUTOFF = 60.0
# Ranking: slack for float rounding in the pruning tests, and how the first probe is chosen.
SAFETY_MARGIN = 1e-3
PROBE_DEPTH = 256
PROBE_COUNT = 64

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
    """Map catalogue entries (as in tools_catalogue.yaml) to search documents.

    The optional English fields are kept searchable too: `name_en` as an alias, and
    `when_to_use_en` and `steps_en` along with `summary_en` in the English text.
    """
    return [_document_from_entry(entry) for entry in entries]


def _document_from_entry(entry: Mapping[str, object]) -> ToolDocument:
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


def _pieces(document: ToolDocument, spec: _Field) -> tuple[str, ...]:
    """The separately written pieces of a field; phrases never cross a piece boundary. A name
    is its main part and its parenthesised parts ('Logisch model (programmalogica)')."""
    if spec.name == "name":
        main = _PARENTHESES.sub(" ", document.name)
        return (main, *_PARENTHESES.findall(document.name))
    value: str | tuple[str, ...] = getattr(document, spec.name)
    return (value,) if isinstance(value, str) else value


@dataclass(frozen=True)
class _Piece:
    """A piece of a field as content words, plus its hyphenated words written as one."""

    words: list[str]
    joined: list[str]


Document = dict[str, list[_Piece]]
Postings = dict[str, dict[int, float]]


@dataclass
class _Builder:
    """Turns documents into precomputed BM25F scores per key and tool.

    Keys are word keys (stems), bigram keys ('first second', adjacent words in a name, alias
    or tag) and label keys ('=' and a name's or alias's keys, for the whole-label bonus).
    """

    documents: list[ToolDocument]
    stemmers: Stemmers
    surface: Counter[str] = field(default_factory=Counter)
    _parts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def build(self) -> Postings:
        tokenised = [self._tokenise(document) for document in self.documents]
        averages = {spec.name: _average_length(tokenised, spec.name) for spec in _FIELDS}
        splitter = Decompounder(
            is_known=self.surface.__contains__,
            frequency=lambda word: self.surface.get(word, 0),
            allow_unknown_head=True,
        )
        frequencies = [self._frequencies(fields, averages, splitter) for fields in tokenised]
        postings = _saturate([terms for terms, _ in frequencies])
        bigrams = [bigrams for _, bigrams in frequencies]
        for key, tools in _saturate(bigrams).items():
            postings[key] = {tool: score * BIGRAM_WEIGHT for tool, score in tools.items()}
        self._add_labels(postings)
        return postings

    def _tokenise(self, document: ToolDocument) -> Document:
        fields: Document = {}
        for spec in _FIELDS:
            pieces = [_Piece(*tokenize_with_compounds(text)) for text in _pieces(document, spec)]
            for piece in pieces:
                self.surface.update(piece.words)
                self.surface.update(piece.joined)
            fields[spec.name] = pieces
        return fields

    def _frequencies(
        self, fields: Document, averages: dict[str, float], splitter: Decompounder
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Field-weighted, length-normalised term and bigram frequencies of one tool (BM25F)."""
        terms: dict[str, float] = {}
        bigrams: dict[str, float] = {}
        for spec in _FIELDS:
            pieces = fields[spec.name]
            length = sum(len(piece.words) for piece in pieces)
            weight = spec.weight / (1.0 - spec.b + spec.b * length / averages[spec.name])
            for piece in pieces:
                self._count_words(terms, spec, piece, weight, splitter)
                if spec.label:
                    self._count_bigrams(bigrams, piece.words, weight)
        return terms, bigrams

    def _count_words(
        self,
        counter: dict[str, float],
        spec: _Field,
        piece: _Piece,
        weight: float,
        splitter: Decompounder,
    ) -> None:
        for word in piece.words:
            self._count(counter, spec, word, weight)
            for part in self._split(word, splitter) if spec.dutch else ():
                self._count(counter, spec, part, weight * PART_WEIGHT)
        for word in piece.joined:
            self._count(counter, spec, word, weight)

    def _split(self, word: str, splitter: Decompounder) -> tuple[str, ...]:
        parts = self._parts.get(word)
        if parts is None:
            parts = splitter.split(word)
            self._parts[word] = parts
        return parts

    def _count(self, counter: dict[str, float], spec: _Field, word: str, weight: float) -> None:
        for key in self.stemmers.keys(word, dutch=spec.dutch, english=spec.english):
            counter[key] = counter.get(key, 0.0) + weight

    def _count_bigrams(self, counter: dict[str, float], words: list[str], weight: float) -> None:
        """Adjacent words, and adjacent parts of a compound at the weight of parts."""
        sequences = [([self.stemmers.dutch(word) for word in words], weight)]
        for word in words:
            parts = [self.stemmers.dutch(part) for part in self._parts.get(word, ())]
            sequences.append((parts, weight * PART_WEIGHT))
        for keys, sequence_weight in sequences:
            for first, second in itertools.pairwise(keys):
                key = _bigram_key(first, second)
                counter[key] = counter.get(key, 0.0) + sequence_weight

    def _add_labels(self, postings: Postings) -> None:
        """A tool's name and aliases as whole phrases, worth the summed rarity of their words."""
        size = len(self.documents)
        for index, document in enumerate(self.documents):
            for label in (*_pieces(document, _FIELDS[0]), *document.aliases):
                keys = [self.stemmers.dutch(word) for word in tokenize(label)]
                if not keys or len(keys) > MAX_LABEL_WORDS or is_fragment(label):
                    continue
                rarity = sum(_idf(size, len(postings.get(key, ()))) for key in keys)
                tools = postings.setdefault(_label_key(keys), {})
                tools[index] = max(tools.get(index, 0.0), LABEL_WEIGHT * rarity)


def _average_length(tokenised: list[Document], name: str) -> float:
    total = sum(len(piece.words) for fields in tokenised for piece in fields[name])
    return max(total / max(len(tokenised), 1), 1.0)


def _saturate(pseudo: Sequence[dict[str, float]]) -> Postings:
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


class _Planner:
    """Turns a query into concepts: words, recognised phrases, bigrams and labels."""

    def __init__(
        self, postings: Postings, surface: Counter[str], stemmers: Stemmers, table: SynonymTable
    ) -> None:
        self._postings = postings
        self._surface = surface
        self._stemmers = stemmers
        self._synonyms = SynonymIndex(table, stemmers, self._hit_keys)
        self._vocabulary = self._fuzzy_vocabulary()
        self._splitter = Decompounder(
            is_known=self._known_part, frequency=lambda word: self._surface.get(word, 0)
        )
        self._cache: dict[str, _Word] = {}
        self._lock = threading.Lock()

    def plan(self, query: str) -> list[_Concept]:
        words = [self._resolve(text) for text in tokenize(query)[:MAX_QUERY_WORDS]]
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
        """The word's own matches, and its synonyms (also those of a stripped verb ending)."""
        synonyms: dict[tuple[tuple[str, ...], ...], float] = {}
        for form in (word.canonical, *word.variants):
            for words, weight in self._synonyms.expansions([self._both_keys(form)]):
                synonyms[words] = max(synonyms.get(words, 0.0), weight * word.trust)
        expansions = tuple(_Alternative(words, weight) for words, weight in synonyms.items())
        return self._theme_scaled(_Concept(word.alternatives + expansions), [word])

    # -- phrases -------------------------------------------------------------------------

    def _segments(self, words: list[_Word]) -> list[tuple[int, int]]:
        """Known multi-word phrases in the query, longest first from left to right."""
        segments, start = [], 0
        while start < len(words):
            end = self._phrase_end(words, start)
            if end is None:
                start += 1
            else:
                segments.append((start, end))
                start = end
        return segments

    def _phrase_end(self, words: list[_Word], start: int) -> int | None:
        longest = max(self._synonyms.longest, MAX_LABEL_WORDS)
        for end in range(min(start + longest, len(words)), start + 1, -1):
            if self._is_phrase(words[start:end]):
                return end
        return None

    def _is_phrase(self, words: list[_Word]) -> bool:
        span = [self._both_keys(word.canonical) for word in words]
        label = _label_key([keys[0] for keys in span])
        return self._synonyms.knows(span) or label in self._postings

    def _segment_concept(self, words: list[_Word]) -> _Concept:
        """A recognised phrase: its words as typed (partial matches get a share of the credit)
        or another phrase of its synonym groups."""
        trust = min(word.trust for word in words)
        unique = list({word.text: word for word in words}.values())
        typed = _Alternative(tuple(word.keys for word in unique), trust, summed=True)
        span = [self._both_keys(word.canonical) for word in words]
        expansions = (
            _Alternative(phrase, weight * trust)
            for phrase, weight in self._synonyms.expansions(span)
        )
        return self._theme_scaled(_Concept((typed, *expansions)), words)

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
        return THEME_WEIGHT if self._synonyms.is_theme(keys) else 1.0

    def _dutch(self, word: _Word) -> str:
        return self._stemmers.dutch(word.canonical)

    def _both_keys(self, text: str) -> tuple[str, str]:
        return self._stemmers.dutch(text), self._stemmers.english(text)


def _fuzzy_weight(distance: int) -> float:
    return FUZZY_WEIGHT - FUZZY_STEP * (distance - 1)


def _edit_budget(text: str) -> int:
    """One edit for short words, two from eight letters, three from twelve."""
    if len(text) < 8:
        return 1
    return 2 if len(text) < 12 else 3


# --------------------------------------------------------------------------------------------
# Ranking
#
# Exact top-k without scoring every tool that shares a word with the query (MaxScore over
# score-sorted postings). Tools probed from the postings are scored first; the `limit`-th best
# of them is a threshold the final top reaches at least. Any split of that threshold over the
# concepts, with the concepts left out counted at their bounds, tells which tools can still
# make it: those reaching their concept's share on at least one concept of the split. The
# split chosen is the one whose shares select the fewest postings; those tools are then scored
# concept by concept and dropped as soon as the concepts left cannot lift them far enough.


@dataclass(frozen=True)
class _KeyPostings:
    """One key's postings: by tool for lookups, and tools sorted by descending score."""

    by_tool: dict[int, float]
    tools: list[int]
    scores: list[float]

    @classmethod
    def of(cls, by_tool: dict[int, float]) -> _KeyPostings:
        ranked = sorted(by_tool.items(), key=lambda item: (-item[1], item[0]))
        return cls(by_tool, [tool for tool, _ in ranked], [score for _, score in ranked])

    @property
    def best(self) -> float:
        return self.scores[0] if self.scores else 0.0

    def count_at_least(self, cutoff: float) -> int:
        if cutoff <= 0.0:
            return len(self.scores)
        return bisect.bisect_right(self.scores, -cutoff, key=operator.neg)


_NO_POSTINGS = _KeyPostings({}, [], [])


@dataclass(frozen=True)
class _CompiledAlternative:
    """An alternative resolved to postings, with the best score it can give."""

    words: tuple[tuple[_KeyPostings, ...], ...]
    weight: float
    summed: bool

    @property
    def bound(self) -> float:
        return self.weight * sum(_best(word) for word in self.words) * self.share(len(self.words))

    def scores(self, tools: Set[int]) -> dict[int, float]:
        """Scores of those `tools` that match at least one word."""
        weight = self.weight
        if len(self.words) == 1:
            best = _word_scores(self.words[0], tools)
            return best if weight == 1.0 else {tool: weight * s for tool, s in best.items()}
        totals: dict[int, float] = {}
        found: dict[int, int] = {}
        for word in self.words:
            for tool, score in _word_scores(word, tools).items():
                totals[tool] = totals.get(tool, 0.0) + score
                found[tool] = found.get(tool, 0) + 1
        shares = [weight * self.share(count) for count in range(len(self.words) + 1)]
        return {tool: total * shares[found[tool]] for tool, total in totals.items()}

    def share(self, found: int) -> float:
        """Summed words count by the square of the share found; otherwise their mean counts."""
        if self.summed:
            return (found / len(self.words)) ** 2
        return 1.0 / len(self.words) if found else 0.0

    def cutoffs(self) -> Iterable[tuple[_KeyPostings, float, float]]:
        """Per key: (key, a, b) such that a tool scoring `t` or more on this alternative scores
        at least a * t - b on one of its keys.

        With several words a tool may score on all of them, or on one only. On all: one word
        beyond the longest reaches t / (weight * full share) minus what the others can add. On
        one: that word alone reaches t / (weight * share of one word); for the longest word,
        whose postings cost most to read, this is the only case left to cover.
        """
        count = len(self.words)
        if count == 1:
            yield from ((key, 1.0 / self.weight, 0.0) for key in self.words[0])
            return
        sizes = [sum(len(key.tools) for key in word) for word in self.words]
        longest = sizes.index(max(sizes))
        bests = [_best(word) for word in self.words]
        alone = 1.0 / (self.weight * self.share(1))
        together = 1.0 / (self.weight * self.share(count))
        for position, word in enumerate(self.words):
            if position == longest:
                yield from ((key, alone, 0.0) for key in word)
            else:
                rest = sum(bests) - bests[position]
                yield from ((key, together, rest) for key in word)


def _word_scores(word: tuple[_KeyPostings, ...], tools: Set[int]) -> dict[int, float]:
    """Per tool among `tools`, the best score of the word's keys."""
    if not word:
        return {}
    first = word[0].by_tool
    best = {tool: first[tool] for tool in first.keys() & tools}
    for key in word[1:]:
        by_tool = key.by_tool
        for tool in by_tool.keys() & tools:
            if by_tool[tool] > best.get(tool, 0.0):
                best[tool] = by_tool[tool]
    return best


def _best(word: tuple[_KeyPostings, ...]) -> float:
    return max((key.best for key in word), default=0.0)


@dataclass(frozen=True)
class _Stream:
    """A key's postings as a source of candidates for one concept."""

    bound: float
    key: _KeyPostings
    slope: float
    offset: float

    def count(self, share: float) -> int:
        if self.bound < share:
            return 0
        return self.key.count_at_least(self.slope * share - self.offset)

    def tools(self, share: float) -> list[int]:
        return self.key.tools[: self.count(share)]


@dataclass(frozen=True)
class _CompiledConcept:
    alternatives: tuple[_CompiledAlternative, ...]
    bound: float

    def scores(self, tools: Set[int]) -> dict[int, float]:
        """Scores of those `tools` that match the concept at all."""
        if len(self.alternatives) == 1:
            return self.alternatives[0].scores(tools)
        best: dict[int, float] = {}
        for alternative in self.alternatives:
            for tool, score in alternative.scores(tools).items():
                if score > best.get(tool, 0.0):
                    best[tool] = score
        return best

    @property
    def cost(self) -> int:
        return sum(len(word) for alternative in self.alternatives for word in alternative.words)

    @property
    def streams(self) -> list[_Stream]:
        return [
            _Stream(alternative.bound, key, slope, offset)
            for alternative in self.alternatives
            for key, slope, offset in alternative.cutoffs()
        ]


class _Ranker:
    """Finds the tools with the highest sum of concept scores."""

    def __init__(self, postings: Postings) -> None:
        self._postings = {key: _KeyPostings.of(docs) for key, docs in postings.items()}

    def top(self, concepts: list[_Concept], limit: int) -> dict[int, float]:
        compiled = [self._compile(concept) for concept in concepts]
        ranked = sorted((c for c in compiled if c.bound > 0.0), key=lambda c: -c.bound)
        scored = _accumulate(ranked, _probes(ranked), 0.0, limit)
        threshold = _threshold(scored, limit)
        selection = _selection(ranked, threshold - SAFETY_MARGIN)
        candidates = set(itertools.chain.from_iterable(selection)) | scored.keys()
        return _accumulate(ranked, candidates, threshold, limit)

    def everything(self, concepts: list[_Concept], size: int) -> dict[int, float]:
        """Reference scoring of every tool, without any shortcut; for checking `top`."""
        scores: dict[int, float] = {}
        for concept in concepts:
            for tool, score in self._compile(concept).scores(set(range(size))).items():
                scores[tool] = scores.get(tool, 0.0) + score
        return scores

    def _compile(self, concept: _Concept) -> _CompiledConcept:
        alternatives = sorted(
            (self._compile_alternative(alternative) for alternative in concept.alternatives),
            key=lambda alternative: -alternative.bound,
        )
        bound = alternatives[0].bound if alternatives else 0.0
        return _CompiledConcept(tuple(alternatives), bound)

    def _compile_alternative(self, alternative: _Alternative) -> _CompiledAlternative:
        words = tuple(
            tuple(self._postings.get(key, _NO_POSTINGS) for key in keys)
            for keys in alternative.words
        )
        return _CompiledAlternative(words, alternative.weight, alternative.summed)


def _selection(concepts: list[_CompiledConcept], threshold: float) -> list[list[int]]:
    """The postings prefixes holding every tool that can reach `threshold`, through the
    cheapest valid split (see `_splits`)."""
    streams = [concept.streams for concept in concepts]
    if threshold <= 0.0:
        return [stream.key.tools for group in streams for stream in group]
    best_cost, best_shares = math.inf, [0.0] * len(concepts)
    for shares in _splits(concepts, threshold):
        pairs = zip(shares, streams, strict=True)
        cost = sum(stream.count(share) for share, group in pairs for stream in group)
        if cost < best_cost:
            best_cost, best_shares = cost, shares
    pairs = zip(best_shares, streams, strict=True)
    return [stream.tools(share) for share, group in pairs for stream in group]


def _probes(concepts: list[_CompiledConcept]) -> set[int]:
    """Tools to score first for a threshold: the top of every key's postings, and the tools
    found most often near the top of the postings of the query's keys."""
    heads = [
        key.tools[:PROBE_DEPTH]
        for concept in concepts
        for alternative in concept.alternatives
        for word in alternative.words
        for key in word
    ]
    counts = Counter(itertools.chain.from_iterable(heads))
    return {tool for tool, _ in counts.most_common(PROBE_COUNT)} | {
        tool for head in heads for tool in head[:2]
    }


def _splits(concepts: list[_CompiledConcept], threshold: float) -> Iterable[list[float]]:
    """Valid splits: the `count` concepts with the highest bounds share what the others'
    bounds leave of the threshold, in proportion to their bounds; the others need not be read.
    """
    bounds = [concept.bound for concept in concepts]
    for count in range(1, len(bounds) + 1):
        left = threshold - sum(bounds[count:])
        if left > 0.0:
            ratio = left / sum(bounds[:count])
            yield [bound * ratio for bound in bounds[:count]] + [math.inf] * (len(bounds) - count)


def _accumulate(
    concepts: list[_CompiledConcept], candidates: set[int], threshold: float, limit: int
) -> dict[int, float]:
    """Score the candidates concept by concept, cheapest concepts first, dropping those that
    the concepts left can no longer lift to the threshold."""
    scores = dict.fromkeys(candidates, 0.0)
    remaining = sum(concept.bound for concept in concepts)
    for concept in sorted(concepts, key=lambda concept: (concept.cost, -concept.bound)):
        remaining -= concept.bound
        for tool, score in concept.scores(scores.keys()).items():
            scores[tool] += score
        if scores and max(scores.values()) > threshold:
            threshold = max(threshold, _threshold(scores, limit))
        floor = threshold - remaining - SAFETY_MARGIN
        if floor > 0.0:
            scores = {tool: score for tool, score in scores.items() if score >= floor}
    return scores


def _threshold(scores: dict[int, float], limit: int) -> float:
    if len(scores) < limit:
        return 0.0
    return heapq.nlargest(limit, scores.values())[-1]


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

    def search_exhaustively(self, query: str, limit: int = 3) -> list[SearchHit]:
        """`search` without the MaxScore shortcuts: scores every tool. Slow; it exists to
        check that `search` returns exactly this."""
        concepts = self._planner.plan(query) if limit > 0 else []
        return self._hits(self._ranker.everything(concepts, len(self)), limit)

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
