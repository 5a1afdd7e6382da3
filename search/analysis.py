"""How text becomes index terms: tantivy's Dutch and English analyzers, and lemmas for the
Dutch verb forms the Snowball stemmer gets wrong (simplemma).

Documents and queries go through the same tantivy analyzers, so a query word always meets the
terms its document forms were indexed under. The Snowball stemmer misses Dutch participles
('gekost' becomes 'kos' while 'kosten' becomes 'kost'); simplemma's dictionary maps them to
their infinitive. That dictionary takes about half a second and 55 MB to load, so it is loaded
only when a query first holds a word shaped like a participle or a word the index lacks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import tantivy

MAX_TERM_LENGTH = 40
_PARTICIPLE = re.compile(
    r"^(?:aan|af|bij|door|in|mee|na|om|onder|op|over|samen|terug|toe|uit|voor|weg)?ge[a-z]{3,}[dtn]$"
)


class Language(StrEnum):
    DUTCH = "dutch"
    ENGLISH = "english"


def analyzer(language: Language) -> tantivy.TextAnalyzer:
    """Words split on anything but letters and digits, lower-cased, accents folded, stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TERM_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer(language.value))
        .build()
    )


@dataclass
class Analyzers:
    """The two analyzers, with a memo of the stems of query words."""

    dutch: tantivy.TextAnalyzer = field(default_factory=lambda: analyzer(Language.DUTCH))
    english: tantivy.TextAnalyzer = field(default_factory=lambda: analyzer(Language.ENGLISH))
    _memo: dict[tuple[Language, str], tuple[str, ...]] = field(default_factory=dict)

    def of(self, language: Language) -> tantivy.TextAnalyzer:
        return self.dutch if language is Language.DUTCH else self.english

    def terms(self, language: Language, text: str) -> tuple[str, ...]:
        key = (language, text)
        found = self._memo.get(key)
        if found is None:
            found = tuple(self.of(language).analyze(text))
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = found
        return found

    def stem(self, language: Language, word: str) -> str:
        """One word's term ('' when the analyzer drops it)."""
        terms = self.terms(language, word)
        return terms[0] if len(terms) == 1 else ""


def looks_like_participle(word: str) -> bool:
    return bool(_PARTICIPLE.match(word))


class Lemmatiser:
    """Dutch lemmas through simplemma, loaded on first use and shared by the process.

    Only a query word shaped like a participle needs it, so the dictionary (about 45 MB and
    0.4 s to read) is not loaded at start: most processes never need it, and loading it in a
    thread at start slowed every first answer and raised idle memory by that much."""

    _lock = threading.Lock()
    _lemmatise: Callable[[str], str] | None = None

    @classmethod
    def lemma(cls, word: str) -> str:
        """The word's infinitive or singular ('gekost' -> 'kosten', 'opgetreden' -> 'optreden')."""
        return cls._function()(word).replace("_", "")

    @classmethod
    def _function(cls) -> Callable[[str], str]:
        with cls._lock:
            if cls._lemmatise is None:
                import simplemma

                def lemmatise(word: str) -> str:
                    return str(simplemma.lemmatize(word, lang="nl"))

                cls._lemmatise = lemmatise
            return cls._lemmatise
