"""Find likely personal data about clients in a member's text before it is saved.

Social workers share practice experiments and reflections all day; now and then a client's
phone number, BSN or address slips in. This module points at such spans so the bot can ask
the member to rephrase or to confirm. It is pure (no I/O). The checks that a field library
does better come from one: python-stdnum for the BSN 11-check, IBAN mod-97 and postcodes
(in personal_words.py), libphonenumber (phonenumbers) for whether a phone-shaped candidate
exists. The candidate shapes, cue words and quiet rules are our own: the libraries alone
raise 16 false alarms in 300 ordinary practice sentences (dates pass the BSN check, office
hours parse as numbers).

Design
------
* The text is normalised character by character with a map back to the original offsets:
  format characters (bidi marks, zero-width spaces, soft hyphens) are dropped, every kind of
  space becomes " ", every dash becomes "-", digits of other scripts and full-width forms
  become ASCII, curly apostrophes become "'". The detectors see plain shapes; the findings
  still point into the original text.
* Each detector proposes candidate spans and checks them where a check exists: the 11-check
  for a BSN, ISO 13616 mod-97 and the registered length for an IBAN, calendar validity for a
  date, digit count and grouping for a phone number.
* Overlaps go to the more specific kind: IBAN, e-mail, phone, BSN, date of birth, address,
  age, name;
  within one kind the longer span wins. So the digits of an IBAN are not also a phone number,
  and a nine-digit run inside a phone number is not a BSN.
* Every pattern is linear: bounded repetition, no nested unbounded quantifiers that can split
  the same characters in several ways, and look-behinds so a match starts only at a boundary.

Precision and recall
--------------------
A guard that cries wolf gets clicked away, so ambiguous shapes count as ordinary work talk
(years, amounts, percentages, times, meeting dates, case counts) unless a checksum or a cue
tips the balance. The choices:

* BSN: nine digits, 3-3-3 with dots, spaces or dashes, or the official 4-2-3 ("1234.56.782"),
  passing the 11-check and not all zeros. Eight digits only after a cue such as "BSN" or
  "sofinummer" in the same sentence (padded with a leading 0 for the check): bare
  eight-digit numbers are mostly KvK numbers, which are public. Not an
  amount ("€ 123.456.782", "... euro"), not after "KvK", "RSIN", "ISBN", "ISSN" or "btw", not
  part of a longer run ("1.123.456.782", "06-123456782" reads as a number with a typo in it).
  A number failing the 11-check is not flagged, even after "BSN".
* Phone: Dutch numbers of ten digits (0, area code, subscriber), +31 / 0031 numbers,
  0800 / 0900 / 0906 / 0909 numbers with four to seven more digits, and other countries'
  numbers written with a "+". The grouping must look like a phone number: a two-digit first
  group is only "06", a first group is at most four digits, later groups have two or more.
  A leading dd-mm-yyyy date is never part of a number ("06-03-2026 10 deelnemers"), but
  "+31 6 1234 5678" is no date. "06/12345678", "+31(0)6...", "00" + country code are numbers;
  14 0xx (municipal lines) are public and never flagged.
  Organisations' general lines are still phone numbers; "0900-1700" reads as office hours.
* E-mail: local@domain.tld. Mentions ("@Sanne", "@everyone") have no local part; addresses
  without a top-level domain ("naam@organisatie") are not addresses. Organisation addresses
  ("info@...") are flagged like general phone lines; file names ("logo@2x.png") are not.
  Obfuscated forms ("jan [at] ...") are not recognised.
* IBAN: two letters, two check digits and groups of four (spaces optional, any case), the
  country's registered length and mod-97; Dutch IBANs must also have a four-letter bank code.
* Addresses, names and ages read words rather than digits: `bot/dialogs/personal_words.py`
  describes their rules (and why deduce, measured on the same sentences, is not used).
* Date of birth: a full date (day, month, year; numeric, ISO, or with a Dutch or English
  month name) right after a birth cue ("geboren", "geb.", "geboortedatum", "DOB", "d.o.b.",
  "date of birth", "born"), optionally with "op" or "in <Place> op" in between, or right
  before "geboren" ("op 3 maart 2011 (is hij) geboren"). A date alone is a meeting date; a
  birthday without a year, or a year alone, does not identify anyone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["Finding", "Kind", "find_personal_data", "redact"]

MASK = "•"


class Kind(StrEnum):
    BSN = "bsn"
    PHONE = "phone"
    EMAIL = "email"
    IBAN = "iban"
    POSTCODE_ADDRESS = "postcode_address"
    BIRTH_DATE = "birth_date"
    AGE = "age"
    NAME = "name"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int

    def masked(self, text: str) -> str:
        """The value as the member's warning shows it: enough to recognise, too little to
        copy (a number's first and last two characters, a name's first letter, an age's
        words without its digits)."""
        value = text[self.start : self.end]
        if self.kind is Kind.NAME or self.kind is Kind.AGE:
            return self.hidden(text)
        if len(value) <= 4:
            return MASK * len(value)
        return value[:2] + MASK * (len(value) - 4) + value[-2:]

    def hidden(self, text: str) -> str:
        """The value as a copy for outsiders shows it (same length): numbers disappear whole,
        a name keeps its first letter, an age its words ("••-jarige")."""
        value = text[self.start : self.end]
        if self.kind is Kind.NAME:
            return value[0] + MASK * (len(value) - 1)
        if self.kind is Kind.AGE:
            return "".join(MASK if char.isdigit() else char for char in value)
        return MASK * len(value)


def find_personal_data(text: str) -> list[Finding]:
    """Likely personal data in `text`, sorted by start and never overlapping.

    The field libraries (python-stdnum, phonenumbers: about 10 MB together) are not loaded at
    start-up: python-stdnum with the word rules at the first text checked, phonenumbers at
    the first phone-shaped candidate."""
    from bot.dialogs.personal_words import find_addresses, find_ages, find_names

    plain, origin = _normalise(text)
    names = list(find_names(plain))
    candidates = [
        *_find_ibans(plain),
        *_find_emails(plain),
        *_find_phones(plain),
        *_find_bsns(plain),
        *_find_birth_dates(plain),
        *((Kind.POSTCODE_ADDRESS, start, end) for start, end in find_addresses(plain)),
        *((Kind.AGE, start, end) for start, end in find_ages(plain, {end for _, end in names})),
        *((Kind.NAME, start, end) for start, end in names),
    ]
    return [
        Finding(kind, origin[start], origin[end - 1] + 1)
        for kind, start, end in _resolve(candidates)
    ]


def redact(text: str) -> str:
    """`text` as it may leave the community: every finding hidden in place (same length)."""
    parts: list[str] = []
    position = 0
    for finding in find_personal_data(text):
        parts += [text[position : finding.start], finding.hidden(text)]
        position = finding.end
    return "".join(parts) + text[position:]


# A candidate: kind, start and end in the normalised text.
_Candidate = tuple[Kind, int, int]

_PRIORITY = {
    Kind.IBAN: 0,
    Kind.EMAIL: 1,
    Kind.PHONE: 2,
    Kind.BSN: 3,
    Kind.BIRTH_DATE: 4,
    Kind.POSTCODE_ADDRESS: 5,
    Kind.AGE: 6,
    Kind.NAME: 7,
}


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the most specific, then longest, candidate wherever candidates overlap."""
    ranked = sorted(set(candidates), key=lambda c: (_PRIORITY[c[0]], c[1] - c[2], c[1]))
    chosen: list[_Candidate] = []
    for candidate in ranked:
        _, start, end = candidate
        if all(end <= other_start or start >= other_end for _, other_start, other_end in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c[1])


# --- normalisation -------------------------------------------------------------------------

_APOSTROPHES = frozenset("\u2018\u2019\u201b\u02bc\u2032\u00b4")


def _normalise_char(char: str) -> str:
    """One plain character for `char`, or "" for a character to drop."""
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category == "Cf":  # bidi marks, zero-width spaces and joiners, soft hyphen
        return ""
    if category == "Zs":
        return " "
    if category == "Pd" or char == "\u2212":
        return "-"
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if "\uff01" <= char <= "\uff5e":  # full-width ASCII
        return chr(ord(char) - 0xFEE0)
    if char in _APOSTROPHES:
        return "'"
    return char


def _normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset in `text`."""
    if text.isascii():
        return text, list(range(len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        plain = _normalise_char(char)
        if plain:
            chars.append(plain)
            origin.append(index)
    return "".join(chars), origin


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


# --- IBAN ----------------------------------------------------------------------------------

_IBAN = re.compile(
    r"(?<![A-Z0-9])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Z0-9])",
    re.IGNORECASE | re.ASCII,
)
_DUTCH_IBAN = re.compile(r"NL[0-9]{2}[A-Z]{4}[0-9]{10}")
# Lengths from the SWIFT IBAN registry.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def _find_ibans(plain: str) -> Iterator[_Candidate]:
    for match in _IBAN.finditer(plain):
        end = _iban_end(plain, match)
        if end is not None:
            yield Kind.IBAN, match.start(), end


def _iban_end(plain: str, match: re.Match[str]) -> int | None:
    """Where the IBAN in `match` ends: the country's length may leave a word behind."""
    length = _IBAN_LENGTHS.get(match.group()[:2].upper())
    if length is None:
        return None
    seen = 0
    for position in range(match.start(), match.end()):
        if plain[position] != " ":
            seen += 1
        if seen == length:
            end = position + 1
            if end < match.end() and plain[end] != " ":
                return None  # the length falls inside a group of four
            iban = plain[match.start() : end].replace(" ", "").upper()
            return end if _iban_is_valid(iban) else None
    return None


def _iban_is_valid(iban: str) -> bool:
    if iban.startswith("NL") and not _DUTCH_IBAN.fullmatch(iban):
        return False
    from stdnum import iban as stdnum_iban

    return bool(stdnum_iban.is_valid(iban, check_country=False))


# --- e-mail --------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w%+\-][\w.%+\-]{0,63}"  # local part
    r"@[^\W_][\w\-]{0,62}(?:\.[^\W_][\w\-]{0,62})*"  # domain labels
    r"\.[^\W\d_]{2,24}(?![\w\-])"  # top-level domain
)


# "logo@2x.png" is a file name, not an address.
_FILE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "heic", "pdf", "doc", "docx", "xls", "xlsx",
     "ppt", "pptx", "txt", "csv"}
)  # fmt: skip


def _find_emails(plain: str) -> Iterator[_Candidate]:
    for match in _EMAIL.finditer(plain):
        if match.group().rpartition(".")[2].lower() not in _FILE_EXTENSIONS:
            yield Kind.EMAIL, match.start(), match.end()


# --- phone numbers -------------------------------------------------------------------------

# A run of digit groups joined by single separators; "(0)" and "(020)" may be glued on.
_RUN = re.compile(
    r"(?<![0-9A-Za-z+])(?<![0-9][.,])"
    r"\+?\(?[0-9]+\)?"
    r"(?:(?:[ ]?-[ ]?|[ ./]|(?<=\))|(?=\())\(?[0-9]+\)?)*"
)
_GROUP = re.compile(r"\(?([0-9]+)\)?")
_MAX_PHONE_GROUPS = 7
_SERVICE_PREFIXES = ("800", "900", "906", "909")
_ISBN_BEFORE = re.compile(r"\b(?:isbn|issn)(?:-1[03])?[: ]*$", re.IGNORECASE)


@dataclass(frozen=True)
class _Group:
    start: int  # includes "(" when the group is written "(...)"
    end: int
    digits: str
    separator: str  # what joins it to the previous group


def _find_phones(plain: str) -> Iterator[_Candidate]:
    for run in _RUN.finditer(plain):
        if _ISBN_BEFORE.search(plain, max(0, run.start() - 12), run.start()):
            continue
        yield from _phones_in_run(plain, run)


def _groups(run: re.Match[str]) -> list[_Group]:
    groups: list[_Group] = []
    previous_end = run.start()
    for match in _GROUP.finditer(run.string, run.start(), run.end()):
        raw = match.group()
        enclosed = raw.startswith("(") and raw.endswith(")")
        start = match.start() if enclosed or not raw.startswith("(") else match.start(1)
        end = match.end() if enclosed else match.end(1)
        separator = run.string[previous_end : match.start()]
        groups.append(_Group(start, end, match.group(1), separator))
        previous_end = match.end()
    return groups


def _phones_in_run(plain: str, run: re.Match[str]) -> Iterator[_Candidate]:
    """Take the longest phone-shaped windows of groups, left to right."""
    groups = _groups(run)
    plus = run.group().startswith("+")
    first = 0
    while first < len(groups):
        for last in range(min(len(groups), first + _MAX_PHONE_GROUPS), first, -1):
            window = groups[first:last]
            end = window[-1].end
            if end < len(plain) and _is_ascii_alnum(plain[end]):
                continue
            if _is_phone(window, plus and first == 0):
                start = run.start() if plus and first == 0 else window[0].start
                yield Kind.PHONE, start, end
                first = last
                break
        else:
            first += 1


def _is_phone(window: Sequence[_Group], plus: bool) -> bool:
    """Our own shape rules pick candidates; libphonenumber has the last word on whether the
    number exists (lengths and prefixes of every numbering plan)."""
    if not plus and _starts_with_date(window):
        return False
    if any(group.separator.strip() == "/" for group in window[2:]):
        return False  # "06/12345678" is a number, "1/2/2026" a date
    digits = [group.digits for group in window]
    if not plus and digits[0].startswith("00") and len(digits[0]) > 2:
        digits[0] = digits[0][2:]
        plus = True
    elif not plus and digits[0] == "00" and len(digits) > 1:
        digits = digits[1:]
        plus = True
    if plus:
        return _is_international(digits) and _exists_as_phone("+" + "".join(digits))
    return _is_national(digits) and _exists_as_phone("".join(digits))


def _exists_as_phone(number: str) -> bool:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, "NL")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def _is_national(groups: list[str]) -> bool:
    digits = "".join(groups)
    if len(digits) < 8 or digits[0] != "0" or digits[1] == "0":
        return False
    first = groups[0]
    if len(groups) > 1:
        if len(first) not in (2, 3, 4) or (len(first) == 2) != (first == "06"):
            return False
        if any(len(group) < 2 for group in groups[1:]):
            return False
    if digits[1:4] in _SERVICE_PREFIXES:
        return 8 <= len(digits) <= 11 and not _looks_like_office_hours(digits)
    return len(digits) == 10


def _looks_like_office_hours(digits: str) -> bool:
    """Whether the number reads as opening hours, like 0900-1700 or 0800-1200."""
    return len(digits) == 8 and int(digits[4:6]) <= 23 and digits[6:] == "00"


def _is_international(groups: list[str]) -> bool:
    head = groups[0]
    if not head.startswith("31"):
        return _is_foreign(groups)
    rest = ([head[2:]] if len(head) > 2 else []) + groups[1:]
    if rest and rest[0] == "0":  # +31 (0)20 ...
        rest = rest[1:]
    if rest and rest[0].startswith("0"):  # +31 06 ... is a common slip
        rest = [rest[0][1:], *rest[1:]] if len(rest[0]) > 1 else rest[1:]
    digits = "".join(rest)
    if not digits or digits[0] == "0":
        return False
    if len(rest) > 1 and (len(rest[0]) > 3 or any(len(group) < 2 for group in rest[1:])):
        return False
    if digits[:3] in _SERVICE_PREFIXES:
        return 7 <= len(digits) <= 10
    return len(digits) == 9


def _is_foreign(groups: list[str]) -> bool:
    digits = "".join(groups)
    if not 8 <= len(digits) <= 15 or len(groups[0]) > 4:
        return False
    return all(len(group) >= 2 or group == "0" for group in groups[2:])


def _starts_with_date(window: Sequence[_Group]) -> bool:
    """dd-mm-yyyy (or with dots or spaces) at the start of the window."""
    if len(window) < 3:
        return False
    day, month, year = window[0], window[1], window[2]
    separators = {month.separator.strip(), year.separator.strip()}
    return (
        len(separators) == 1
        and separators <= {"-", ".", "/", ""}
        and len(day.digits) <= 2
        and len(month.digits) <= 2
        and len(year.digits) == 4
        and 1 <= int(day.digits) <= 31
        and 1 <= int(month.digits) <= 12
    )


# --- BSN -----------------------------------------------------------------------------------

_BSN = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9]{9}|[0-9]{3}([. \-])[0-9]{3}\1[0-9]{3}|[0-9]{4}([. \-])[0-9]{2}\2[0-9]{3})"
    r"(?![0-9A-Za-z])"
)
_BSN_AFTER_CUE = re.compile(
    r"\b(?:bsn|burgerservicenummer|sofi[- ]?nummer)(?:s)?\b[^0-9\n.!?]{0,60}?([0-9]{8})"
    r"(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"(?:€|\beur|\beuro|\$|£)[ ]?$", re.IGNORECASE)
_MONEY_AFTER = re.compile(r"[ ]?(?:euro\b|eur\b|€|,-|,[0-9]{2}(?![0-9]))", re.IGNORECASE)
_OTHER_NUMBER_BEFORE = re.compile(
    r"(?:\b(?:kvk|rsin|isbn|issn|btw)|k\.v\.k\.)[^0-9\n]{0,20}$", re.IGNORECASE
)


def _find_bsns(plain: str) -> Iterator[_Candidate]:
    for match in _BSN.finditer(plain):
        separator = match.group(1) or match.group(2) or ""
        joiners = ".,-" + separator
        digits = match.group().replace(separator, "") if separator else match.group()
        if _passes_eleven_check(digits) and _bsn_context_ok(plain, match, joiners):
            yield Kind.BSN, match.start(), match.end()
    for match in _BSN_AFTER_CUE.finditer(plain):
        start, end = match.span(1)
        if _passes_eleven_check(match.group(1)) and not _joined_to_digits(plain, start, end, ".,-"):
            yield Kind.BSN, start, end


def _passes_eleven_check(digits: str) -> bool:
    """python-stdnum's BSN check, only ever on our own candidate shapes (it strips separators
    itself, so on arbitrary digit groups it would pass one date in eleven)."""
    digits = digits.zfill(9)
    if len(digits) != 9 or not digits.isdigit():
        return False
    from stdnum.nl import bsn

    return bool(bsn.is_valid(digits))


def _bsn_context_ok(plain: str, match: re.Match[str], joiners: str) -> bool:
    start, end = match.span()
    if _joined_to_digits(plain, start, end, joiners):
        return False
    before = plain[max(0, start - 30) : start]
    if _MONEY_BEFORE.search(before) or _MONEY_AFTER.match(plain, end):
        return False
    return not _OTHER_NUMBER_BEFORE.search(before)


def _joined_to_digits(plain: str, start: int, end: int, joiners: str) -> bool:
    """Whether the digits continue a longer number, as in "1.123.456.782"."""
    before = start >= 2 and plain[start - 1] in joiners and plain[start - 2].isdigit()
    after = end + 1 < len(plain) and plain[end] in joiners and plain[end + 1].isdigit()
    return before or after


# --- dates of birth ------------------------------------------------------------------------

_MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "febr": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "augustus": 8, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![^\W\d_])"
_DMY_NUMERIC = r"([0-9]{1,2})([-/.])([0-9]{1,2})([-/.])([0-9]{4}|[0-9]{2})"
_YMD_NUMERIC = r"([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})"
_DMY_TEXT = (
    rf"([0-9]{{1,2}})(?:e|ste|de|st|nd|rd|th)?\.?[ ]?{_MONTH}\.?,?[ ]('[0-9]{{2}}|[0-9]{{4}})"
)
_MDY_TEXT = rf"{_MONTH}\.?[ ]([0-9]{{1,2}})(?:st|nd|rd|th)?,?[ ]([0-9]{{4}})"
_DATE = rf"(?<![0-9])(?:{_YMD_NUMERIC}|{_DMY_NUMERIC}|{_DMY_TEXT}|{_MDY_TEXT})(?![0-9])"

_BIRTH_CUE = (
    r"(?:\bgeboortedatum\b|\bgeboortedag\b|\bgeb\.?[ ]?datum\b|\bgeboren\b|\bgeb\b\.?"
    r"|\bd\.o\.b\b\.?|\bdob\b|\bdate[ ]of[ ]birth\b|\bbirth[ ]?date\b|\bborn\b)"
)
_PLACE = r"(?-i:[A-ZÀ-Þ])[^\W\d_]*(?:[ \-](?-i:[A-ZÀ-Þ])[^\W\d_]*)?"
_DATE_AFTER_CUE = re.compile(
    rf"{_BIRTH_CUE}\s*(?:[:\-]\s*)?"
    rf"(?:(?:in|te)[ ]+{_PLACE},?[ ]+)?(?:(?:op|on|de|den|the)[ ]+)?\(?"
    rf"(?P<date>{_DATE})",
    re.IGNORECASE,
)
_DATE_BEFORE_CUE = re.compile(
    rf"(?P<date>{_DATE})[ ]+(?:(?:is|werd|was|ben|zijn)[ ]+(?:(?:hij|zij|ze|het|ik|je|jij)[ ]+)?)?"
    r"(?:geboren|born)\b",
    re.IGNORECASE,
)
_DMY_NUMERIC_RE = re.compile(_DMY_NUMERIC)
_YMD_NUMERIC_RE = re.compile(_YMD_NUMERIC)
_DMY_TEXT_RE = re.compile(_DMY_TEXT, re.IGNORECASE)
_MDY_TEXT_RE = re.compile(_MDY_TEXT, re.IGNORECASE)


def _find_birth_dates(plain: str) -> Iterator[_Candidate]:
    for pattern in (_DATE_AFTER_CUE, _DATE_BEFORE_CUE):
        for match in pattern.finditer(plain):
            if _is_real_date(match.group("date")):
                yield Kind.BIRTH_DATE, match.start("date"), match.end("date")


def _is_real_date(text: str) -> bool:
    if match := _DMY_NUMERIC_RE.fullmatch(text):
        day, first, month, second, year = match.groups()
        return first == second and _exists(year, int(month), day)
    if match := _YMD_NUMERIC_RE.fullmatch(text):
        year, first, month, second, day = match.groups()
        return first == second and _exists(year, int(month), day)
    if match := _DMY_TEXT_RE.fullmatch(text):
        day, month, year = match.groups()
        return _exists(year, _MONTHS[month.lower()], day)
    if match := _MDY_TEXT_RE.fullmatch(text):
        month, day, year = match.groups()
        return _exists(year, _MONTHS[month.lower()], day)
    return False


def _exists(year_text: str, month: int, day_text: str) -> bool:
    digits = year_text.lstrip("'")
    year = int(digits)
    if len(digits) == 2:
        year += 2000  # only to check the day against the month; the century does not matter
    elif not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, int(day_text))
    except ValueError:
        return False
    return True
