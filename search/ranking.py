"""The ranking rules of tool search, in one place: how a member's words become a tantivy query.

Every number that decides which tool comes first is declared at the top of this module.

* Fields. A tool is indexed in name, aliases, tags, text (summary and when to use) and steps,
  with Dutch stems, and its name, aliases, tags and English text also with English stems.
  A field's boost says how much a match there counts: name > aliases > tags > text > steps.
  Per field tantivy scores BM25.
* A query word is a concept: the best of its field matches (a disjunction-max, with a little
  credit for further fields), or else of its looser forms. A member's own word counts fully; a
  lemma (a participle the stemmer got wrong) nearly so; two parts of a compound the index only
  holds apart, a synonym from synonyms.yaml, and a fuzzy match (a typo in a word of six or more
  letters, one edit per six letters of its stem) count less; a related notion less still.
  An expansion stands for one notion, so a phrase of several words counts as much as one
  word would (its score is divided by its length). A word the synonym list knows is spelled
  right, so it is never read as a typo.
* A Dutch verb form also finds its other present-tense form ('werken' and 'werkt', 'maakt'
  and 'maken') where the index keeps it apart (the English-analysed names, aliases and tags),
  at the lemma's weight and scaled by that form's own rarity: the stemmer merges both with the
  noun 'werk' that half the catalogue holds, but 'werkt' in a name is rare.
* A run of query words that is a phrase of the synonym list also brings in the other phrases of
  its group (weighed by the run's length), and adjacent query words found next to each other
  in a tool add a phrase bonus.
* Theme words that nearly every tool is about ('impact', 'meten', 'methode') count half. A
  theme phrase ('sociaal domein') counts as the phrase, as one word as rare as its rarer word,
  never as its words apart: 'sociaal' in 'Sociaal Werk' says nothing about 'sociaal domein'.
* A good match: a tool must match at least one word that is not a theme word (when the query
  has one; if none of those words matches any tool, nothing does), and a hit scoring less than
  a tenth of the best hit is not shown. So a query that shares no meaning with any tool gets
  no answer rather than a random one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import tantivy

from search.analysis import Analyzers, Language, Lemmatiser, looks_like_participle
from search.synonyms import SynonymLookup
from search.text import tokenize


@dataclass(frozen=True)
class Field:
    name: str
    language: Language
    boost: float
    phrases: bool
    """Whether positions are indexed, for phrase matching."""
    typos: bool
    """Whether a word the index lacks is looked for here with an edit or two."""


FIELDS: tuple[Field, ...] = (
    Field("name_nl", Language.DUTCH, 5.0, phrases=True, typos=True),
    Field("name_en", Language.ENGLISH, 5.0, phrases=True, typos=False),
    Field("aliases_nl", Language.DUTCH, 4.0, phrases=True, typos=True),
    Field("aliases_en", Language.ENGLISH, 4.0, phrases=True, typos=False),
    Field("tags_nl", Language.DUTCH, 2.5, phrases=True, typos=True),
    Field("tags_en", Language.ENGLISH, 2.5, phrases=True, typos=False),
    Field("text_nl", Language.DUTCH, 1.0, phrases=False, typos=True),
    Field("text_en", Language.ENGLISH, 1.0, phrases=False, typos=False),
    Field("steps_nl", Language.DUTCH, 0.6, phrases=False, typos=False),
)

# How much a looser form of a word is trusted, relative to the member's own word (1.0).
LEMMA_WEIGHT = 0.9
SPLIT_WEIGHT = 0.7
SYNONYM_WEIGHT = 0.6
RELATED_WEIGHT = 0.35
FUZZY_WEIGHT = 0.5
THEME_WEIGHT = 0.5
PHRASE_WEIGHT = 0.4
# Disjunction-max: credit for the fields (or forms) beyond the best one.
FIELD_TIE = 0.2
FORM_TIE = 0.05
# Typos: words shorter than this are taken as written; one edit per this many letters, max 2.
FUZZY_MIN_LENGTH = 6
FUZZY_LETTERS_PER_EDIT = 6
MAX_EDITS = 2
PHRASE_SLOP = 1
# Compounds: shortest part when splitting a word the index lacks, and shortest known part
# when only its head or its tail is known ('bijstandsgerechtigden').
MIN_PART = 4
MIN_KNOWN_PART = 5
ONE_PART_WEIGHT = 0.4
# Rarity: a word's forms are scaled by its idf over the whole catalogue (a verb's other form by
# its own idf), relative to a word found in one tool, but never below this share.
MIN_RARITY = 0.35
# Good matches: a hit below this share of the best score is left out.
RELATIVE_FLOOR = 0.1
MAX_QUERY_WORDS = 32
_VOWELS = frozenset("aeiou")

DocFreq = Callable[[str, str], int]
Query = tantivy.Query


@dataclass(frozen=True)
class Plan:
    """A query ready to run: its tantivy query, or None when no word can match anything."""

    query: Query | None


class Planner:
    """Turns a member's text into a tantivy query over one index."""

    def __init__(
        self,
        schema: tantivy.Schema,
        doc_freq: DocFreq,
        doc_count: Callable[[], int],
        analyzers: Analyzers,
        synonyms: SynonymLookup,
    ) -> None:
        self._doc_count = doc_count
        self._schema = schema
        self._doc_freq = doc_freq
        self._analyzers = analyzers
        self._synonyms = synonyms

    def plan(self, text: str) -> Plan:
        words = tokenize(text)[:MAX_QUERY_WORDS]
        strong: list[Query] = []
        weak: list[Query] = []
        phrases = self._theme_phrases(words)
        theme = self._theme_words(words, phrases)
        bound = {word for phrase in phrases for word in phrase}
        for phrase in phrases:
            found = self._phrase_anywhere(phrase)
            if found is not None:
                rarity = max(self._rarity(word) for word in phrase)
                weak.append(_boost(found, THEME_WEIGHT * rarity))
        for word in dict.fromkeys(words):
            if word in bound:
                continue
            concept = self._word(word)
            if concept is None:
                continue
            if word in theme:
                weak.append(_boost(concept, THEME_WEIGHT))
            else:
                strong.append(concept)
        for run, expansion in self._phrases(words):
            if set(run) <= theme:
                weak.append(_boost(expansion, THEME_WEIGHT))
            else:
                strong.append(expansion)
        weak += self._adjacent([word for word in words if word not in theme])
        if not strong and (not weak or any(word not in theme for word in words)):
            return Plan(None)
        if not strong or not weak:
            clauses = [(tantivy.Occur.Should, query) for query in strong or weak]
            return Plan(Query.boolean_query(clauses))
        required = (tantivy.Occur.Must, _any(strong))
        optional = [(tantivy.Occur.Should, query) for query in weak]
        return Plan(Query.boolean_query([required, *optional]))

    def _theme_phrases(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """Adjacent query words that form a theme phrase ('sociaal domein')."""
        return [pair for pair in itertools.pairwise(words) if self._synonyms.is_theme(pair)]

    def _theme_words(self, words: Sequence[str], phrases: Sequence[tuple[str, str]]) -> set[str]:
        """Words that are theme words, alone or as part of a theme phrase."""
        found = {word for word in words if self._synonyms.is_theme((word,))}
        return found.union(*phrases)

    # -- one word ------------------------------------------------------------------------

    def _word(self, word: str) -> Query | None:
        forms: list[Query] = []
        exact = self._terms(word)
        if exact is not None:
            forms.append(exact)
        if exact is None or looks_like_participle(word):
            lemma = Lemmatiser.lemma(word)
            if lemma != word and (found := self._terms(lemma)) is not None:
                forms.append(_boost(found, LEMMA_WEIGHT))
        verb = self._verb_form(word)
        if not forms and verb is None:
            forms += self._split(word)
        for expansion in self._synonyms.expansions((word,)):
            found = self._phrase_anywhere(expansion.words)
            if found is not None:
                weight = RELATED_WEIGHT if expansion.related else SYNONYM_WEIGHT
                forms.append(_boost(found, weight / len(expansion.words)))
        if exact is None and not self._synonyms.knows((word,)):
            forms += self._fuzzy(word)
        rarity = self._rarity(word)
        forms = [_boost(form, rarity) for form in forms]
        if verb is not None:
            forms.append(verb)
        if not forms:
            return None
        return forms[0] if len(forms) == 1 else Query.disjunction_max_query(forms, FORM_TIE)

    def _rarity(self, word: str) -> float:
        """Words many tools share ('werk', 'team') say less about which tool is meant."""
        return self._rarity_of(self._frequency(word))

    def _rarity_of(self, frequency: int) -> float:
        size = self._doc_count()
        if size <= 1 or frequency == 0:
            return 1.0
        rarest = _idf(size, 1)
        return max(MIN_RARITY, min(1.0, _idf(size, frequency) / rarest))

    def _verb_form(self, word: str) -> Query | None:
        """The verb's other present-tense form ('werken' and 'werkt'), weighed by its own rarity.

        The Dutch stemmer merges 'werkt' and 'werken' with the noun 'werk', which half the
        catalogue holds, so the word's rarity says little about the verb. The other form is
        looked for in every field where it is a term of its own (the English-analysed names,
        aliases and tags keep Dutch inflections apart; the Dutch fields do for 'volgt'), and
        counts as rare as it is in those fields: 'werken' finds 'Wat werkt' in a name."""
        queries, frequency = [], 0
        for other in _other_verb_forms(word, self._analyzers.stem(Language.DUTCH, word)):
            for spec in FIELDS:
                term = self._analyzers.stem(spec.language, other)
                if not term or term == self._analyzers.stem(spec.language, word):
                    continue
                found = self._doc_freq(spec.name, term)
                if found:
                    frequency = max(frequency, found)
                    query = Query.term_query(self._schema, spec.name, term, index_option="freq")
                    queries.append(_boost(query, spec.boost))
        if not queries:
            return None
        concept = Query.disjunction_max_query(queries, FIELD_TIE)
        return _boost(concept, LEMMA_WEIGHT * self._rarity_of(frequency))

    def _terms(self, word: str) -> Query | None:
        """The word in every field that holds its stem, the best field counting most."""
        queries = []
        for spec in FIELDS:
            term = self._analyzers.stem(spec.language, word)
            if term and self._doc_freq(spec.name, term):
                query = Query.term_query(self._schema, spec.name, term, index_option="freq")
                queries.append(_boost(query, spec.boost))
        if not queries:
            return None
        return Query.disjunction_max_query(queries, FIELD_TIE)

    def _split(self, word: str) -> list[Query]:
        """A compound the index lacks, as two words it holds ('kostenbatenanalyse')."""
        best: tuple[int, Query, Query] | None = None
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if head.endswith("s") and self._frequency(head) == 0:
                head = head[:-1]
            frequency = min(self._frequency(head), self._frequency(tail))
            if frequency and (best is None or frequency > best[0]):
                first, second = self._terms(head), self._terms(tail)
                if first is not None and second is not None:
                    best = (frequency, first, second)
        if best is None:
            return self._one_part(word)
        both = Query.boolean_query([(tantivy.Occur.Must, best[1]), (tantivy.Occur.Must, best[2])])
        return [_boost(both, SPLIT_WEIGHT / 2)]

    def _one_part(self, word: str) -> list[Query]:
        """A compound of which only the head or the tail is known ('bijstandsgerechtigden')."""
        for size in range(len(word) - MIN_PART, MIN_KNOWN_PART - 1, -1):
            for part in (word[:size], word[-size:]):
                found = self._terms(part) if self._frequency(part) else None
                if found is not None:
                    return [_boost(found, ONE_PART_WEIGHT)]
        return []

    def _frequency(self, word: str) -> int:
        if len(word) < MIN_PART:
            return 0
        term = self._analyzers.stem(Language.DUTCH, word)
        return (
            max(
                (self._doc_freq(f.name, term) for f in FIELDS if f.language is Language.DUTCH),
                default=0,
            )
            if term
            else 0
        )

    def _fuzzy(self, word: str) -> list[Query]:
        """Terms an edit or two away from the word's stem: one edit per six letters of the
        stem, so short words are never read as typos of other short words."""
        if word.isdigit():
            return []
        queries = []
        for spec in FIELDS:
            term = self._analyzers.stem(spec.language, word)
            edits = min(MAX_EDITS, len(term) // FUZZY_LETTERS_PER_EDIT)
            if spec.typos and len(term) >= FUZZY_MIN_LENGTH and edits:
                fuzzy = Query.fuzzy_term_query(self._schema, spec.name, term, edits, True, False)
                queries.append(_boost(fuzzy, spec.boost * FUZZY_WEIGHT))
        return [Query.disjunction_max_query(queries, FIELD_TIE)] if queries else []

    # -- runs of words -------------------------------------------------------------------

    def _phrases(self, words: Sequence[str]) -> list[tuple[tuple[str, ...], Query]]:
        """Runs of query words that are phrases of the synonym list bring their group along."""
        found: list[tuple[tuple[str, ...], Query]] = []
        longest = self._synonyms.longest
        for start in range(len(words)):
            for end in range(min(len(words), start + longest), start + 1, -1):
                run = tuple(words[start:end])
                if not self._synonyms.knows(run):
                    continue
                forms = []
                for expansion in self._synonyms.expansions(run):
                    query = self._phrase_anywhere(expansion.words)
                    if query is not None:
                        weight = RELATED_WEIGHT if expansion.related else SYNONYM_WEIGHT
                        forms.append(_boost(query, weight * len(run) / len(expansion.words)))
                if forms:
                    found.append((run, Query.disjunction_max_query(forms, FORM_TIE)))
                break
        return found

    def _adjacent(self, words: Sequence[str]) -> list[Query]:
        """Two query words found side by side in a tool: a bonus on top of each word."""
        found = []
        for first, second in itertools.pairwise(words):
            query = self._phrase_anywhere((first, second))
            if query is not None:
                found.append(_boost(query, PHRASE_WEIGHT))
        return found

    def _phrase_anywhere(self, words: Sequence[str]) -> Query | None:
        """The words as a phrase (one word: as a term) in every field that holds them all."""
        if len(words) == 1:
            return self._terms(words[0])
        queries = []
        for spec in FIELDS:
            if not spec.phrases:
                continue
            terms: list[str | tuple[int, str]] = [
                self._analyzers.stem(spec.language, word) for word in words
            ]
            if all(terms) and all(self._doc_freq(spec.name, str(term)) for term in terms):
                phrase = Query.phrase_query(self._schema, spec.name, terms, PHRASE_SLOP)
                queries.append(_boost(phrase, spec.boost))
        if not queries:
            return None
        return Query.disjunction_max_query(queries, FIELD_TIE)


def good_matches(scored: Sequence[tuple[float, str]]) -> list[tuple[float, str]]:
    """Best first, ties by id; hits far below the best left out."""
    ranked = sorted(
        ((round(score, 4), tool_id) for score, tool_id in scored if score > 0),
        key=lambda item: (-item[0], item[1]),
    )
    if not ranked:
        return []
    floor = ranked[0][0] * RELATIVE_FLOOR
    return [item for item in ranked if item[0] >= floor]


def _other_verb_forms(word: str, stem: str) -> list[str]:
    """The other present-tense form a Dutch verb form may have: the third person of an
    infinitive ('werken' -> 'werkt', 'maken' -> 'maakt'), the infinitives a third person may
    come from ('werkt' -> 'werken', 'maakt' -> 'maken', 'telt' -> 'tellen'). Guesses that are no
    word find nothing in the index. A stem ending in t ('kosten', 'effect') is left alone:
    there the form is as often a noun."""
    if word.endswith("en") and len(stem) >= MIN_PART and not stem.endswith("t"):
        return [stem + "t"]
    base = word[:-1]
    if not word.endswith("t") or len(word) < MIN_PART or base.endswith("t"):
        return []
    forms = [base + "en"]
    if len(base) >= 3 and base[-2] == base[-3] and base[-2] in _VOWELS:
        forms.append(base[:-2] + base[-1] + "en")
    elif base[-1] not in _VOWELS and base[-2] in _VOWELS and base[-3] not in _VOWELS:
        forms.append(base + base[-1] + "en")
    return forms


def _idf(size: int, frequency: int) -> float:
    return math.log(1.0 + (size - frequency + 0.5) / (frequency + 0.5))


def _boost(query: Query, weight: float) -> Query:
    return query if weight == 1.0 else Query.boost_query(query, weight)


def _any(queries: Sequence[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(tantivy.Occur.Should, query) for query in queries])
