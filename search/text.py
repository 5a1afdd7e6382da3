"""Query words for tool search: folding, tokenising and the stop and filler words a member's
question carries without naming what it looks for (stemming happens in search/analysis.py)."""

from __future__ import annotations

import re
import unicodedata


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

_APOSTROPHES = ("’", "‘", "`", "´")
_WORD = re.compile(r"[a-z0-9]+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


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


def _words(folded: str, *, keep_stop_words: bool = False) -> list[str]:
    words = _WORD.findall(folded.replace("'s", ""))
    return words if keep_stop_words else [word for word in words if is_content_word(word)]


def is_fragment(text: str) -> bool:
    """True when stop-word removal leaves one word of a longer phrase ('wat werkt' -> 'werkt').

    Such a remainder no longer means what the phrase meant, so it must not stand in for it.
    """
    words = [word for word in _words(fold(text), keep_stop_words=True) if word not in ARTICLES]
    return len(words) >= 2 and len(tokenize(text)) == 1
