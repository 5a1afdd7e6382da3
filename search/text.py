"""Text analysis for tool search: folding, tokenising, stop words, stemming and decompounding.

Everything here is deterministic and free of I/O, so a document or query always yields the
same tokens and index keys.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import Stemmer


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS_NL: frozenset[str] = _word_set(
    """
    aan af al alle alleen als altijd ander andere anders ben bent bij binnen daar daarbij
    daardoor daarna daarom daarover daarvoor dan dat de deze die dit doe doen doet door dus
    echt een eens eigen eigenlijk elkaar en enige enkele er erin erop eruit even ga gaan gaat
    ge geen gehad geweest graag had hadden heb hebben hebt heeft hem hen het hier hij hoe
    hoeveel hoor hun iemand iets ik in is ja je jij jou jouw jullie kan komen komt krijg
    krijgen krijgt kun kunnen kunt laat laten maar me mee meer men met mij mijn misschien mag
    moet moeten mogelijk na naar net niet niets nog nou nu of ok oke om omdat onder ons onze
    ook op over per precies qua s te tegen toch toe tot u uit uw van veel vind vinden vindt voor
    vooral waar waarbij waardoor waarin waarmee waarom waarop wanneer wat we weer wel welk
    welke wie wij wil wilt willen word worden wordt zal ze zeg zei zelf zich zij zijn zo
    zoals zoek zoeken zoekt zonder zou zouden zullen zulk
    """
)

STOP_WORDS_EN: frozenset[str] = _word_set(
    """
    a about across after all also am among an and any anything are as at be because been
    being between but by can could did do does doing find for from get got had has have
    having he her here his how i if in into is it its just know let look looking me more
    most my need no not of on one or our out please should show so some something such than
    that the their them then there these they thing things this those to too us very via
    want was way we were what when where whether which while who whom why will with would
    you your
    """
)

# Vague words that members add to a question without naming what they look for.
FILLER_WORDS: frozenset[str] = _word_set(
    """
    belangrijk belangrijke beter best erg gewoon goed goede handig heel makkelijk snel soms
    vaak better easy good great important quick really
    """
)

ARTICLES: frozenset[str] = frozenset({"de", "het", "een", "the", "a", "an"})

STOP_WORDS: frozenset[str] = STOP_WORDS_NL | STOP_WORDS_EN | FILLER_WORDS

MIN_TOKEN_LENGTH = 2
MEMO_LIMIT = 500_000

_APOSTROPHES = ("’", "‘", "`", "´")
_WORD_GROUP = re.compile(r"[a-z0-9]+(?:'s)?(?:-[a-z0-9]+(?:'s)?)*")
_WORD = re.compile(r"[a-z0-9]+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")
_DOUBLE_VOWEL = re.compile(r"([aeou])\1")
_FINAL_E = re.compile(r"(?<=[^aeiouy])e$")
_LINKING_SUFFIXES = ("", "s")


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so that 'Cliënt' and 'client' become equal."""
    if text.isascii():
        return text.lower().replace("`", "'")
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING_MARKS.sub("", decomposed).casefold()


def is_content_word(word: str) -> bool:
    return len(word) >= MIN_TOKEN_LENGTH and word not in STOP_WORDS


def tokenize(text: str) -> list[str]:
    """Folded content words in reading order; hyphenated words are split into their parts."""
    return _words(fold(text))


def tokenize_with_compounds(text: str) -> tuple[list[str], list[str]]:
    """The content words, and hyphenated words written as one ('kosten-baten' -> 'kostenbaten')."""
    folded = fold(text)
    if "-" not in folded:
        return _words(folded), []
    groups = (group for group in _WORD_GROUP.findall(folded) if "-" in group)
    joined = ("".join(_words(group, keep_stop_words=True)) for group in groups)
    return _words(folded), [word for word in joined if is_content_word(word)]


def _words(folded: str, *, keep_stop_words: bool = False) -> list[str]:
    words = _WORD.findall(folded.replace("'s", ""))
    return words if keep_stop_words else [word for word in words if is_content_word(word)]


def is_fragment(text: str) -> bool:
    """True when stop-word removal leaves one word of a longer phrase ('wat werkt' -> 'werkt').

    Such a remainder no longer means what the phrase meant, so it must not stand in for it.
    """
    words = [word for word in _words(fold(text), keep_stop_words=True) if word not in ARTICLES]
    return len(words) >= 2 and len(tokenize(text)) == 1


@dataclass
class Stemmers:
    """Dutch and English Snowball stemmers with a memo; index keys come from here.

    PyStemmer objects are not thread-safe, so stemming a new word happens under a lock. The
    memo is emptied when it grows past `MEMO_LIMIT` words, so endless new query words cannot
    grow it without bound.
    """

    _dutch: Stemmer.Stemmer = field(default_factory=lambda: Stemmer.Stemmer("dutch"))
    _english: Stemmer.Stemmer = field(default_factory=lambda: Stemmer.Stemmer("english"))
    _memo: dict[tuple[str, str], str] = field(default_factory=dict)
    _keys: dict[tuple[str, bool, bool], tuple[str, ...]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def dutch(self, word: str) -> str:
        """Dutch key: the stem with spelling alternations evened out (factoor ~ factor)."""
        return self._stem("nl", word)

    def english(self, word: str) -> str:
        return self._stem("en", word)

    def keys(self, word: str, *, dutch: bool = True, english: bool = False) -> tuple[str, ...]:
        """The word's distinct keys in the chosen languages."""
        cached = self._keys.get((word, dutch, english))
        if cached is None:
            found = (self.dutch(word) if dutch else None, self.english(word) if english else None)
            cached = tuple(dict.fromkeys(key for key in found if key is not None))
            self._keys[(word, dutch, english)] = cached
        return cached

    def _stem(self, language: str, word: str) -> str:
        cached = self._memo.get((language, word))
        if cached is not None:
            return cached
        with self._lock:
            if word.isdigit():
                key = word
            elif language == "nl":
                key = _even_out_dutch_spelling(self._dutch.stemWord(word))
            else:
                key = self._english.stemWord(word)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
            self._keys.clear()
        self._memo[(language, word)] = key
        return key


def _even_out_dutch_spelling(stem: str) -> str:
    """Collapse doubled vowels and a final -e, which Dutch spelling adds or drops by syllable."""
    if len(stem) <= 3:
        return stem
    return _FINAL_E.sub("", _DOUBLE_VOWEL.sub(r"\1", stem))


@dataclass(frozen=True)
class Decompounder:
    """Splits Dutch compounds ('buurtonderzoek') into known words ('buurt', 'onderzoek').

    `is_known` tells whether a string is a word of the vocabulary. A split needs a known tail;
    the head may end in the linking 's' and, when `allow_unknown_head` is set, may be a word the
    vocabulary lacks as long as it is not too short. Among valid splits the one whose parts are
    most frequent wins (Koehn and Knight's geometric mean); parts are split again recursively.
    """

    is_known: Callable[[str], bool]
    frequency: Callable[[str], int]
    min_head: int = 3
    min_tail: int = 4
    allow_unknown_head: bool = False

    def split(self, word: str, depth: int = 2) -> tuple[str, ...]:
        best = self._best_split(word)
        if best is None:
            return ()
        head, tail = best
        if depth <= 1:
            return best
        return self._expand(head, depth) + self._expand(tail, depth)

    def _expand(self, part: str, depth: int) -> tuple[str, ...]:
        return self.split(part, depth - 1) or (part,)

    def _best_split(self, word: str) -> tuple[str, str] | None:
        best: tuple[str, str] | None = None
        best_score = -1.0
        for cut in range(self.min_head, len(word) - self.min_tail + 1):
            for split in self._splits_at(word, cut):
                score = self._score(split)
                if score > best_score:
                    best, best_score = split, score
        return best

    def _splits_at(self, word: str, cut: int) -> Iterable[tuple[str, str]]:
        tail = word[cut:]
        if not self._usable(tail):
            return
        for linking in _LINKING_SUFFIXES:
            head = word[:cut]
            if linking and not head.endswith(linking):
                continue
            head = head[: len(head) - len(linking)]
            if self._usable(head) or self._acceptable_unknown_head(head, tail):
                yield head, tail

    def _usable(self, part: str) -> bool:
        return len(part) >= self.min_head and part not in STOP_WORDS and self.is_known(part)

    def _acceptable_unknown_head(self, head: str, tail: str) -> bool:
        return (
            self.allow_unknown_head
            and len(head) >= 4
            and len(tail) >= 5
            and head not in STOP_WORDS
            and not head.isdigit()
        )

    def _score(self, split: tuple[str, str]) -> float:
        head, tail = split
        return math.sqrt((self.frequency(head) + 1) * (self.frequency(tail) + 1))
