"""The client-data detectors that read words: street addresses, names and ages.

`bot/dialogs/personal_data.py` runs these on its normalised text beside the number checks and
decides overlaps; each finder here returns (start, end) spans in that text.

Addresses
---------
A capitalised word ending in a Dutch street suffix followed by a house number ("Dorpsstraat
12", "Kerkweg 7b", "Markt 3" for a few suffixes that are streets on their own); a street that
starts with its suffix ("Laan van Meerdervoort 123a"); a lower-case street after a living cue
("woont op de dapperstraat 5"). A house number may carry an addition or a floor ("12-3",
"7-II", "5 2hg", "500 hs") and a postcode after it. Also a postcode followed by a house
number ("1234 AB 12", "postcode 1234AB huisnummer 7"), or a bare postcode, a weaker signal
that still narrows to about twenty addresses. Postcode letters must be upper case unless
they are not a word ("2024 en" is a year, "1234 ab" a postcode) or a cue comes before; not
SA, SD or SS; "AB-vleugel" is a compound. Nouns that merely end like a street ("Aflevering
3", "Werkveld 2") and years after a street word ("Arbeidsmarkt 2024") are not addresses,
nor a number that counts something ("in het Vondelpark 3 rondes"). A street of several words
is reported from its last word ("Van Goghstraat 12" as "Goghstraat 12"); the city is not
included.

Names
-----
A capitalised surname (with particles: "van der Meer", "De Vries") after a title ("mevrouw",
"mw.", "dhr.", "de heer", "mr.", "dr."), after initials ("J. de Vries", "A.B. Yilmaz"), or a
first name right after a family word ("zijn moeder Fatima"). A bare first name is not
flagged. Function words, weekdays and months after a title are not names ("mevrouw de
voorzitter"), nor a street named after someone ("het Mr. Visserplein").

A titled name can also be a fixed proper name: a brand ("Dr. Oetker pizza's"), a character
("Vader Abraham", "Tante Sidonia") or a public figure quoted for their work ("de methode van
Prof. Baarda"). Rules that tell them apart without a list of famous names:

* Dutch writes a title or family word in lower case inside a sentence ("volgens dr. Mulder",
  "zijn moeder Fatima"); written with a capital inside a Dutch sentence it is part of a
  proper name ("de dag van Moeder Aarde", "volgens Dr. House"). English capitalises titles
  anyway, so the rule stays off where the text around reads as English.
* A professional title (dr., prof., drs., ir., ing., mr.) or a family word next to a word
  for a work or a talk (methode, theorie, boek, liedje, tv, podcast, lezing, congres, read,
  ...) names an author, a speaker or a character. Civil titles (mevrouw, dhr., mw.) are how
  social workers write about clients and stay flagged in such sentences.
* A name that is defined as a work ("Tante Sidonia is een kinderboek"), that comes from a
  book, film, series or paper ("Meneer de Uil uit de Fabeltjeskrant"), or that is followed by
  a plural in -'s ("Dr. Oetker pizza's") is a character, a title or a brand.
* An article before a professional or English title makes the name a modifier ("the Mr. Men
  stickers", "a Dr. Bronner soap"): people are not written that way.
* After a family word, a capitalised word followed by a pronoun in a question is a quoted
  question ("mijn cliënt Gaat het goed?"), not a first name.

deduce 3.0.6 (Dutch clinical de-identification) was measured on the first version of the
practice sentences (`bench/personal_data.py --deduce`, loaded machine): names 20/20 in both
halves like these rules, but 14 and 46 false alarms in 340 ordinary sentences per half (every
date, "Bijeenkomst 3" as an address, KvK numbers), BSN 1/5, phone 1/7 per half, and a median
of 17 ms for 500 characters against the 2 ms budget; so it is not a dependency.

Ages
----
An age is flagged only where it belongs to one person: after a singular person word or a
found name ("een man van 45", "mevrouw Jansen (82)", "de man, 61, sliep", "oma is 79
jaar"), attributive before a person word or a verb ("een 16-jarige jongen", "de 82-jarige
woont", "a 45-year-old father"), or after a cue ("leeftijd: 64"). Group ages and durations
are work talk: "jongeren van 12 tot 18 jaar", "het 25-jarig jubileum", "de 4-jarige
opleiding", "het pand is 80 jaar oud", "hij is 10 minuten te laat", "een moeder van 3
kinderen" (a number that counts something is not an age).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from stdnum.nl import postcode as stdnum_postcode

__all__ = ["Span", "find_addresses", "find_ages", "find_names"]

# (start, end) in the normalised text.
Span = tuple[int, int]

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_CAPITALISED = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"

# --- what follows a number -------------------------------------------------------------------

# Words after a number that make it a count, a unit or a range rather than an age or a
# house number.
_COUNTING_WORDS = frozenset(
    {
        "keer", "maal", "uur", "kwartier", "minuut", "week", "maand", "dag", "nacht", "jaar",
        "kilo", "kg", "gram", "euro", "eur", "procent", "cm", "meter", "km", "punt", "stuks",
        "x", "tot", "a", "à", "of", "van", "op", "per", "hoog", "hg", "times", "hours",
        "minutes", "days", "weeks", "months", "to", "out", "percent", "plus",
    }
)  # fmt: skip
# Words ending in -en or -s that are no plural noun.
_NOT_PLURALS = frozenset(
    {
        "en", "is", "was", "als", "dus", "toen", "want", "tegen", "zijn", "waren", "hebben",
        "kunnen", "willen", "moeten", "wordt", "this", "has", "his", "yes", "years",
        "ons", "eens", "sinds", "een", "geen", "heen", "alleen", "samen", "even", "open",
        "boven", "beneden", "binnen", "buiten", "tussen", "ben", "ken", "thus", "plus",
    }
)  # fmt: skip
_NEXT_WORD = re.compile(r"[ ]*(?:(-|[^\W\d_][\w']*)|([.,:][0-9]|%))?")


def _counts_something(plain: str, end: int) -> bool:
    """Whether the number ending at `end` counts something ("3 rondes", "10 minuten", "3
    kinderen", "12 tot 18", "7,5"), which makes it no age and no house number."""
    match = _NEXT_WORD.match(plain, end)
    if match is None or match.group(2):
        return bool(match and match.group(2))
    word = (match.group(1) or "").lower()
    if not word:
        return False
    if word == "-" or word in _COUNTING_WORDS:
        return True
    is_plural = word.endswith(("en", "'s")) or (word.endswith("s") and len(word) > 3)
    return is_plural and word not in _NOT_PLURALS


# --- addresses -----------------------------------------------------------------------------

_STREET_SUFFIXES = (
    "straat", "straatje", "weg", "laan", "laantje", "plein", "pleintje", "singel", "gracht",
    "kade", "dijk", "pad", "steeg", "steegje", "hof", "hofje", "park", "dreef", "erf", "veld",
    "ring", "baan", "burg", "markt", "wal", "plantsoen", "boulevard", "allee", "werf", "haven",
    "brink", "promenade",
)  # fmt: skip
# Suffixes that are also a street's whole name ("Markt 12", "Brink 3").
_STREETS_ON_THEIR_OWN = (
    "Markt", "Plein", "Singel", "Gracht", "Kade", "Dijk", "Brink", "Boulevard", "Plantsoen",
    "Dreef", "Haven", "Werf",
)  # fmt: skip
# Streets that start with their kind: "Laan van Meerdervoort", "Weg naar Laren".
_STREETS_FIRST = ("Laan", "Weg", "Plein", "Kade", "Dijk", "Singel", "Straat", "Hof", "Pad")
_STREET_FIRST_LINKS = r"(?:van|der|de|den|het|naar|op|ter|ten|te|voor|achter|bij|over|'t)"
# Words that end like a street but are work talk.
_NOT_STREETS = frozenset(
    {
        "werkveld", "speelveld", "spanningsveld", "krachtenveld", "aandachtsveld",
        "beleidsveld", "leerpad", "zorgpad", "behandelpad", "ontwikkelpad", "groeipad",
        "loopbaan", "leerweg", "omweg", "gerechtshof", "arbeidsmarkt", "woningmarkt",
        "zorgmarkt", "banenmarkt", "informatiemarkt", "onderweg", "halfweg", "verf", "bederf",
        "spring", "string",
    }
)  # fmt: skip
_VOWELS = frozenset("aeiouy")
_SUFFIX_ALTERNATIVES = "|".join(sorted(_STREET_SUFFIXES, key=len, reverse=True))
_STREET = (
    rf"(?<![\w'\-])(?P<street>[{_UPPER}][{_UPPER}{_LOWER}'\-]*?(?:{_SUFFIX_ALTERNATIVES})"
    rf"|(?:{'|'.join(_STREETS_ON_THEIR_OWN)})"
    rf"|(?:{'|'.join(_STREETS_FIRST)})(?:[ ]{_STREET_FIRST_LINKS}){{1,2}}"
    rf"(?:[ ]{_CAPITALISED}){{1,3}})"
)
# After a living cue a street may be written in lower case: "woont op de dapperstraat 5".
_LOWER_STREET = (
    r"\b(?:woont|woonde|wonen|wonend|verhuisd|verhuist|verhuizen|logeert|verblijft|adres)"
    r"(?:[ ](?:op|aan|in|naar)|:)[ ](?:de[ ])?"
    rf"(?P<street>[{_LOWER}]{{2,30}}?(?:{_SUFFIX_ALTERNATIVES}))"
)
_HOUSE_NUMBER = (
    r"(?P<number>[1-9][0-9]{0,3})"
    r"(?P<addition>-[0-9]{1,3}(?![0-9])|-?(?:I{1,3}|IV)(?!\w)|[ ]?[1-9][ ]?(?:hg|hoog)(?!\w)"
    r"|[ -]?(?:hs|bg|huis)(?!\w)|-?[A-Za-z](?!\w)|[ ](?:I{1,3}|IV|[A-Z])(?!\w))?"
    r"(?![0-9]|[.,:][0-9]|[ ]?%)"
)
_POSTCODE = r"[1-9][0-9]{3}[ ]?(?:[A-Z]{2}|[a-z]{2})(?![A-Za-z0-9\-])"
_POSTCODE_AFTER = rf"(?:(?:,[ ]?|[ ]|,?\n)(?P<postcode>{_POSTCODE}))?"
_STREET_ADDRESS = re.compile(rf"{_STREET}[ ]{_HOUSE_NUMBER}{_POSTCODE_AFTER}")
_LOWER_STREET_ADDRESS = re.compile(
    rf"{_LOWER_STREET}[ ]{_HOUSE_NUMBER}{_POSTCODE_AFTER}", re.IGNORECASE
)
_POSTCODE_ADDRESS = re.compile(
    rf"(?<![0-9A-Za-z])(?<![0-9][.,:/\-])(?P<postcode>{_POSTCODE})"
    r"(?:(?:,[ ]?|[ ])(?:(?:en[ ]+)?(?i:huisnummer|huisnr|nummer|nr|no)\.?[ ]?:?[ ]?)?"
    rf"{_HOUSE_NUMBER})?"
)
# Upper-case pairs that follow a number as an abbreviation far more often than as a postcode.
_ABBREVIATIONS = frozenset(
    {
        "AI", "AM", "PM", "BV", "NV", "EU", "NL", "VS", "US", "UK", "MB", "GB", "KB", "TB",
        "PB", "PK", "KW", "MW", "GW", "HZ", "CC", "KM", "KG", "MG", "ML", "CM", "MM", "OK",
        "TV", "PC", "VO", "PO", "WO", "HO", "CE", "AD", "BC", "ID", "IT", "HR", "QR", "DM",
        "OM", "GI", "BJ", "JB", "VT", "SO", "SW",
    }
)  # fmt: skip
_POSTCODE_CUE = re.compile(r"\b(?:postcode|pc|adres|woont|wonend)\b[^0-9\n]{0,12}$", re.IGNORECASE)
# Two-letter words and abbreviations that follow a number in ordinary text.
_LOWER_CASE_WORDS = frozenset(
    {
        "en", "in", "op", "om", "te", "de", "al", "na", "nu", "zo", "ja", "ik", "je", "we",
        "ze", "er", "of", "is", "ga", "da", "ok", "km", "kg", "mg", "ml", "cm", "mm", "mb",
        "gb", "kb", "uu", "pm", "am", "at", "an", "as", "be", "by", "do", "go", "he", "if",
        "it", "me", "my", "no", "on", "or", "so", "to", "up", "us", "jr", "st", "nd", "rd",
        "th", "ct", "ha", "hl", "dl", "cl", "uw", "ie", "eu", "bv", "nv", "vs", "wk", "mn",
        "hr", "pp", "mi", "ma", "di", "wo", "vr", "za", "hg", "hs", "bg",
    }
)  # fmt: skip


def find_addresses(plain: str) -> Iterator[Span]:
    for pattern in (_STREET_ADDRESS, _LOWER_STREET_ADDRESS):
        for match in pattern.finditer(plain):
            postcode = match.group("postcode")
            if _is_street_address(plain, match) and (
                postcode is None or _is_postcode(postcode, plain, match)
            ):
                yield match.start("street"), match.end()
    for match in _POSTCODE_ADDRESS.finditer(plain):
        code = match.group("postcode")
        if not _is_postcode(code, plain, match):
            continue
        if match.group("number") or code[-2:].upper() not in _ABBREVIATIONS:
            yield match.start(), match.end()


def _is_postcode(code: str, plain: str, match: re.Match[str]) -> bool:
    """python-stdnum's postcode check (no SA, SD, SS); lower-case letters only where they
    are not a word ("2024 en", "500 km") unless a cue ("postcode", "woont") comes before."""
    if not stdnum_postcode.is_valid(code):
        return False
    letters = code[-2:]
    if letters.isupper():
        return True
    cued = _POSTCODE_CUE.search(plain, max(0, match.start() - 20), match.start()) is not None
    return cued or letters not in _LOWER_CASE_WORDS


def _is_street_address(plain: str, match: re.Match[str]) -> bool:
    word = match.group("street").lower()
    if word in _NOT_STREETS or word.endswith("kring"):
        return False
    if word.endswith("ring") and len(word) > 4 and word[-5] in _VOWELS:
        return False  # "Aflevering 3", "Monitoring 2"
    number = match.group("number")
    looks_like_year = len(number) == 4 and 1900 <= int(number) <= 2099
    if match.group("addition") or match.group("postcode"):
        return True
    return not looks_like_year and not _counts_something(plain, match.end("number"))


# --- names ---------------------------------------------------------------------------------

_CIVIL_TITLES = (
    r"mevrouw|mevr\.?|mw\.?|mvr\.?|meneer|mijnheer|mnr\.?|dhr\.?|de[ ]heer|heer|juffrouw"
    r"|mejuffrouw|mej\.?|mrs\.?|ms\.?"
)
_PROFESSIONAL_TITLES = r"mr\.?|dr\.?|ir\.?|ing\.?|drs\.?|prof\.?"
_FAMILY = (
    r"moeder|vader|mama|papa|zoon|zoontje|dochter|dochtertje|oma|opa|broer|broertje|zus"
    r"|zusje|zussen|tante|oom|neef|nicht|stiefvader|stiefmoeder|pleegmoeder|pleegvader"
    r"|pleegzoon|pleegdochter|cliënt|client|cliënte|buurvrouw|buurman|jongen|meisje|kleinzoon"
    r"|kleindochter|partner|vriend|vriendin|man|vrouw|echtgenoot|echtgenote|baby|mother"
    r"|father|son|daughter|grandmother|grandfather|brother|sister|aunt|uncle"
)
_PARTICLES = (
    r"(?:(?:van|de|der|den|het|ter|ten|te|in[ ]'t|op[ ]de|van[ ]der|van[ ]den|van[ ]de"
    r"|van[ ]'t|el|al|ben|bin|da|di|du|le|la|von|zu|mc)[ ])"
)
_PARTICLES_ANY_CASE = rf"(?i:{_PARTICLES}){{0,3}}"
_INITIALS = rf"(?:[{_UPPER}]\.[ ]?){{1,4}}"
_SURNAME = rf"(?P<surname>{_PARTICLES_ANY_CASE}{_CAPITALISED}(?:[ ]{_CAPITALISED})?)"
_TITLED_NAME = re.compile(
    rf"(?<![\w.])(?P<title>(?i:(?P<civil>{_CIVIL_TITLES})|{_PROFESSIONAL_TITLES}))"
    rf"[ ](?P<name>(?:{_INITIALS})?{_SURNAME})(?![\w])",
)
_INITIALS_NAME = re.compile(
    rf"(?<![\w.])(?P<name>{_INITIALS}{_PARTICLES_ANY_CASE}{_CAPITALISED})(?![\w])",
)
_FAMILY_NAME = re.compile(
    rf"(?<![\w])(?P<title>(?i:{_FAMILY}))[ ](?P<name>{_CAPITALISED}(?:[ ]{_PARTICLES_ANY_CASE}"
    rf"{_CAPITALISED})?)(?![\w])",
)
# Capitalised words that follow a title or family word without being a name.
_NOT_NAMES = frozenset(
    {
        "De", "Het", "Een", "En", "Of", "Die", "Dat", "Deze", "Dit", "Hij", "Zij", "Ze", "Ik",
        "Wij", "We", "Jij", "Je", "U", "Maar", "Want", "Dus", "Toen", "Als", "Wel", "Niet",
        "Ook", "Nog", "Er", "Hier", "Daar", "Zo", "Nu", "The", "And", "But", "He", "She",
        "They", "It", "This", "That", "Then", "Maandag", "Dinsdag", "Woensdag",
        "Donderdag", "Vrijdag", "Zaterdag", "Zondag", "Januari", "Februari", "Maart", "April",
        "Mei", "Juni", "Juli", "Augustus", "September", "Oktober", "November", "December",
        "Bijvoorbeeld", "Wijkteam", "Jeugdzorg", "Veilig", "Thuis", "Gemeente", "Haar", "Zijn",
        "Hun", "Mijn", "Onze", "Ons", "Jouw", "Uw", "Wat", "Wie", "Waar", "Hoe", "Waarom",
        "Wanneer", "Gisteren", "Vandaag", "Morgen", "Daarna", "Eerst", "Later", "Volgens",
        "Met", "Op", "In", "Bij", "Na", "Voor", "Door", "Over", "Om", "Tot", "Van", "Uit",
        "His", "Her", "Their", "My", "Our", "What", "Who", "Where", "When", "Why", "How",
    }
)  # fmt: skip
# Abbreviations written like initials: "N.B. Morgen", "P.S. Denk".
_NOT_INITIALS = frozenset({"N.B.", "P.S.", "A.U.B.", "I.P.V.", "T.A.V.", "E.D.", "O.A.", "Z.S.M."})
# Street suffixes that are no common end of a surname.
_STREETS_NAMED_AFTER_PEOPLE = (
    "straat", "plein", "laan", "gracht", "singel", "kade", "steeg", "plantsoen", "boulevard",
    "park", "weg",
)  # fmt: skip
_PARTICLE_WORDS = frozenset(
    {"van", "de", "der", "den", "het", "ter", "ten", "te", "el", "al", "ben", "bin", "da", "di",
     "du", "le", "la", "von", "zu", "mc", "in", "op", "'t"}
)  # fmt: skip

# Words for a work, a talk or a medium (also as the end of a compound: "kinderboek",
# "presentietheorie"), and verbs of reading, watching and singing.
_WORK = (
    r"[\w\-]*(?:methode|method|theorie|theory|model|boek|boeken|book|books|lied|liedje|song"
    r"|film|serie|series|programma|tv-show|podcast|documentaire|artikel|article|lezing|congres"
    r"|webinar|college|workshop|training|cursus|tv|televisie|youtube|netflix|strip"
    r"|verhaal|verhalen|story|personage|character|merk|brand|krant|tijdschrift|magazine"
    r"|musical|cartoon|dvd)"
)
# Media a character comes from ("Meneer de Uil uit de Fabeltjeskrant", "Juffrouw Muis uit het
# voorleesboek"); not training or a programme, which have real participants and staff.
_MEDIUM = (
    r"[\w\-]*(?:boek|boeken|book|film|serie|series|strip|strips|verhaal|verhalen|story|krant"
    r"|tijdschrift|magazine|musical|cartoon|podcast|tv-show|show|lied|liedje|song|sprookje)"
)
_WORK_CUE = re.compile(
    rf"\b(?:{_WORK}|lazen|lezen|las|gelezen|voorlezen|read|keken|kijken|watched|zongen"
    r"|zingen|sang)\b",
    re.IGNORECASE,
)
_DEFINED_AS_WORK = re.compile(
    rf"[ ,]*(?:is|was|wordt|zijn|waren)[ ]+(?:(?:een|het|de|the|a|an|mijn|ons|onze)[ ]+)?"
    rf"(?:[\w\-]+[ ]+)?{_WORK}\b",
    re.IGNORECASE,
)
_BRAND_PLURAL = re.compile(r"[ ][a-z]+'s\b")
_FROM_MEDIUM = re.compile(
    rf"[ ,]*(?:uit|from)[ ]+(?:(?:de|het|een|the|a|an)[ ]+)?(?:[\w\-]+[ ]+)?{_MEDIUM}\b",
    re.IGNORECASE,
)
# An article before a titled name makes the name a modifier: "the Mr. Men stickers", "a Dr.
# Bronner soap". People are not written with an article before their title.
_ARTICLE_BEFORE = re.compile(r"(?:^|[ (])(?:the|a|an|het|een)[ ]$", re.IGNORECASE)
_QUESTION_AFTER = re.compile(r"[ ](?:het|hij|ze|zij|je|jij|u|we|wij|ik)\b[^.!\n]{0,40}\?")
_ENGLISH = re.compile(
    r"\b(?:the|and|she|he|her|his|with|did|said|they|from|about|this|what|our|has|had"
    r"|is not|was|at|to|a|an|for|on|who|lives|lived|were|been)\b"
)
_DUTCH = re.compile(r"\b(?:de|het|een|en|niet|zijn|bij|voor|naar|ook|maar|dat|wat|was)\b")
_CONTEXT = 60
_SENTENCE_END = re.compile(
    r"(?:[!?\n]|(?<![ (.][A-Za-z])(?<!\b(?:dr|mr|ir|ms|mw|nr|st))(?<!\b(?:drs|ing|mrs|dhr|mej"
    r"|mvr|mnr|geb))(?<!\bprof)(?<!\bmevr)\.)(?=[ \n]|$)",
    re.IGNORECASE,
)


def find_names(plain: str) -> Iterator[Span]:
    """Names with a title ("mevrouw Jansen", "dhr. De Vries"), with initials ("J. de Vries",
    "A.B. Yilmaz") or right after a family word ("zijn moeder Fatima"), unless the name is a
    proper name of something else (see the module docstring)."""
    for pattern in (_TITLED_NAME, _FAMILY_NAME):
        for match in pattern.finditer(plain):
            start, end = match.span("name")
            if _could_be_name(plain[start:end]) and _is_a_person(plain, match):
                yield start, end
    for match in _INITIALS_NAME.finditer(plain):
        name = match.group("name")
        initials = name[: name.rfind(".") + 1].replace(" ", "").upper()
        surname = name[name.rfind(".") + 1 :].strip()
        if initials in _NOT_INITIALS or not _could_be_name(surname):
            continue
        if _is_a_person(plain, match):
            yield match.start("name"), match.end("name")


def _could_be_name(name: str) -> bool:
    """Not a function word, weekday or month: "mevrouw De" or "moeder Maandag" are no names,
    "dhr. De Vries" is (its "De" is a particle); not a street named after someone ("het Mr.
    Visserplein"; "Van Dijk" and "Westerveld" are common surnames, so only clear suffixes)."""
    words = [w for w in name.replace(".", ". ").split() if not w.endswith(".")]
    proper = [w for w in words if w.casefold() not in _PARTICLE_WORDS]
    if not proper or any(w in _NOT_NAMES for w in proper):
        return False
    last = proper[-1].lower()
    return not any(last.endswith(s) and last != s for s in _STREETS_NAMED_AFTER_PEOPLE)


def _is_a_person(plain: str, match: re.Match[str]) -> bool:
    """Whether a titled name, initials or a name after a family word is a person the member
    writes about rather than a brand, a character or an author (see the module docstring)."""
    end = match.end("name")
    if any(rule.match(plain, end) for rule in (_DEFINED_AS_WORK, _BRAND_PLURAL, _FROM_MEDIUM)):
        return False
    groups = match.groupdict()
    title = groups.get("title")
    if title is None:
        return True
    start = match.start("title")
    if not groups.get("civil") and _ARTICLE_BEFORE.search(plain, max(0, start - 6), start):
        return False
    sentence = _sentence_around(plain, start, end)
    capital_inside = (
        title[0].isupper()
        and not title.startswith("Mr")  # Dutch writes "mr.": a capital is English
        and not _starts_sentence(plain, start)
        and not _reads_as_english(sentence)
    )
    if groups.get("civil"):  # how clients are written about: both signs are needed
        return not (capital_inside and _WORK_CUE.search(sentence))
    if _WORK_CUE.search(sentence):
        return False
    if match.re is _FAMILY_NAME and _QUESTION_AFTER.match(plain, end):
        return False
    return not capital_inside


def _sentence_around(plain: str, start: int, end: int) -> str:
    """The sentence (at most `_CONTEXT` characters either way) around `start`..`end`; a dot
    after a title or an initial ("dr.", "J.") ends no sentence."""
    first = max(0, start - _CONTEXT)
    for match in _SENTENCE_END.finditer(plain, first, start):
        first = match.end()
    last_match = _SENTENCE_END.search(plain, end, end + _CONTEXT)
    last = last_match.start() + 1 if last_match else min(len(plain), end + _CONTEXT)
    return plain[first:last]


def _starts_sentence(plain: str, position: int) -> bool:
    before = plain[max(0, position - 12) : position].rstrip(" \"'([*•-")
    if not before or before[-1] in "!?:;\n":
        return True
    return before[-1] == "." and _SENTENCE_END.search(before, len(before) - 1) is not None


def _reads_as_english(text: str) -> bool:
    lower = text.lower()
    return len(_ENGLISH.findall(lower)) > len(_DUTCH.findall(lower))


# --- ages ----------------------------------------------------------------------------------

_PERSON_HEADS = (
    r"moeder|vader|ouder|zoon|zoontje|dochter|dochtertje|vrouw|man|jongen|jongetje|meisje"
    r"|werker|bewoner|bewoonster|deelnemer|chauffeur|mantelzorger|vrijwilliger|medewerker"
    r"|broer|broertje|zus|zusje|weduwe|weduwnaar|kleinzoon|kleindochter|cliënt|cliënte"
    r"|client|patiënt|patient|leerling|scholier|student|studente|vluchteling|huurder"
    r"|jongere|tiener|puber|peuter|kleuter|baby|kind|oma|opa|tante|oom|neef|nicht|partner"
    r"|vriend|vriendin|echtgenoot|echtgenote|dame|heer|meneer|mevrouw|persoon|woman|boy"
    r"|girl|child|kid|son|daughter|mother|father|teenager|grandmother|grandfather|brother"
    r"|sister|aunt|uncle|widow|person|father|mum|mom|dad"
)
# A singular person word, also as the end of a compound ("pleegmoeder", "vrachtwagenchauffeur").
_PERSON = rf"(?:\b[{_LOWER}\-]*(?:{_PERSON_HEADS})|\b(?:hij|zij|ze|ik|he|she))"
_PERSON_WORD = re.compile(rf"{_PERSON}$", re.IGNORECASE)
_AGE_NUMBER = r"(?<![0-9.,:/\-])(?P<age>[0-9]{1,3})(?![0-9]|[.,:][0-9])"
_YEARS = r"(?:[ ](?:jaar|jr\.?|years?)(?:[ ](?:oud|old))?)?"
_BE = (
    r"(?:is|was|werd|wordt|ben|am|turned|turns)[ ]+(?:(?:pas|net|al|bijna|ruim|nu|inmiddels"
    r"|ongeveer|onlangs|gisteren|only|just|almost|now|vorige[ ]maand|vorige[ ]week"
    r"|afgelopen[ ](?:maand|week|jaar))[ ]+){0,2}"
)
_AGE_AFTER_PERSON = re.compile(
    rf"(?<![\w\-])(?P<who>[\w\-]+)(?P<link>[ ]+van[ ]+|[ ]+{_BE}|[ ]?\([ ]?|,[ ]?){_AGE_NUMBER}"
    rf"{_YEARS}(?P<close>[ ]?\))?",
    re.IGNORECASE,
)
_AGE_ATTRIBUTIVE = re.compile(
    rf"{_AGE_NUMBER}(?P<age_word>[ -]jarige?|-year-old)\b(?P<next>[ ]+[\w\-]+)?", re.IGNORECASE
)
_AGE_AFTER_CUE = re.compile(
    rf"\b(?:leeftijd|lft\.?|age|aged)[ ]?:?[ ]?(?:van[ ])?{_AGE_NUMBER}{_YEARS}", re.IGNORECASE
)
# What may follow a substantive "de 82-jarige": a verb (these, or one in the past tense) or a
# preposition, not a noun.
_AFTER_SUBSTANTIVE_AGE = frozenset(
    {
        "is", "was", "woont", "woonde", "heeft", "had", "kwam", "komt", "wil", "wilde", "kan",
        "kon", "zit", "zat", "gaat", "ging", "werd", "wordt", "liep", "vertelde", "belde",
        "zegt", "zei", "uit", "met", "die", "en", "in", "op", "bij", "zelf", "said", "lives",
        "has", "who", "from", "with", "and",
    }
)  # fmt: skip
_OLDEST = 110


def find_ages(plain: str, name_ends: Collection[int]) -> Iterator[Span]:
    """Ages of one person: after a person word or a found name (`name_ends` are where names
    end), attributive ("een 16-jarige jongen"), or after a cue ("leeftijd: 64")."""
    for match in _AGE_AFTER_PERSON.finditer(plain):
        if not (_is_age(match) and _belongs_to_a_person(match, name_ends)):
            continue
        if "(" in match.group("link"):
            if match.group("close"):
                yield match.start("age"), match.start("close")
        elif not _counts_something(plain, match.end()):
            yield match.start("age"), match.end()
    for match in _AGE_ATTRIBUTIVE.finditer(plain):
        if _is_age(match) and _before_a_person(match):
            yield match.start("age"), match.end("age_word")
    for match in _AGE_AFTER_CUE.finditer(plain):
        if _is_age(match) and not _counts_something(plain, match.end()):
            yield match.start("age"), match.end()


def _is_age(match: re.Match[str]) -> bool:
    return int(match.group("age")) <= _OLDEST


def _belongs_to_a_person(match: re.Match[str], name_ends: Collection[int]) -> bool:
    if match.end("who") in name_ends:
        return True
    return _PERSON_WORD.search(match.group("who")) is not None


def _before_a_person(match: re.Match[str]) -> bool:
    following = (match.group("next") or "").strip()
    if not following:
        return True
    if _PERSON_WORD.search(following):
        return True
    word = following.lower()
    is_past_tense = word.endswith(("de", "te", "den", "ten")) and not word.endswith("ode")
    return is_past_tense or word in _AFTER_SUBSTANTIVE_AGE
