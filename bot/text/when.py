"""Dates, times and recurrences the way people type them in chat, Dutch first, English too.

`parse_moment(text, now, zone)` reads a moment from the START of `text` and returns it with the
rest of the text (the meeting title). Everything is interpreted in `zone`; `now` is any aware
datetime. Matching is case-insensitive; nothing else is guessed at.

Supported forms
- Dates: "3 december", "3 dec.", "3e december", "3 december 2026", "December 3", "Dec 3rd, 2026",
  "3-12", "3/12", "03-12-2026", "3/12/26", "3.12.2026", "2026-12-03" (numbers are day/month),
  "de 12e" / "the 12th" (that day of the month).
- Weekdays, full or abbreviated ("do", "don", "thu"): "donderdag", "donderdagavond",
  "aanstaande/komende/volgende/next/coming vrijdag", "vrijdag a.s.", "deze/this vrijdag",
  "volgende week dinsdag", "dinsdag volgende week", "next week tuesday", "deze week dinsdag".
  A weekday before a date ("do 3 dec") is checked against it.
- Relative days: vandaag, vanochtend, vanmorgen, vanmiddag, vanavond, morgen, morgenochtend,
  morgenvroeg, morgenmiddag, morgenavond, overmorgen, gisteren; today, this morning/afternoon/
  evening, tonight, tomorrow (morning/afternoon/evening/night), day after tomorrow, yesterday.
- Offsets: "in 2 uur", "over 30 minuten", "over een half uur", "over een kwartier",
  "in an hour" (an exact moment, seconds dropped); "over 2 dagen", "in 3 weeks" (a date).
- Times: "19:30", "19.30", "19.30 uur", "19u30", "19h30", "19u", "14h", "10 uur", "7pm",
  "7:30 pm", "12 am" (00:00), "12 pm" (12:00), "half acht", "kwart over 7", "tien voor half
  acht", "quarter past 7", "half past 7", "zeven uur". Optional "om", "at", "@", "vanaf",
  "from", "rond", "around" before the time, and a day part before or after a time:
  "'s ochtends/'s morgens/'s middags/'s avonds", "in de avond", "in the evening"; after a
  date also a bare "ochtend/middag/avond/morning/afternoon/evening/night".
- A time may come first: "19:30 morgen", "7pm tomorrow", "om 10 uur op 3 december".

Rules
- A date without a year is its next occurrence: this year if the date is today or later, else
  next year (29 February: the next leap year). A date with a year is taken as written.
- A bare weekday is today only when a time is given and that time today is still ahead;
  otherwise it is the first such weekday after today. "aanstaande/komende/next/coming X" is
  always the first X after today (never today); "volgende week X" / "X next week" is X in the
  next calendar week (weeks start on Monday); "deze week X" is X in the current week.
- A time without a date is today if still ahead, else tomorrow.
- A moment before `now` is Problem.PAST; it is never moved silently. A date-only result
  (need_time=False) is 00:00 local and is PAST only when its day is before today.
- Hours: digits with a cue are 24-hour clock times as written: "10 uur", "10u", "19:30", "7:30",
  "7.30" (07:30). An hour from 1 to 7 without any cue (no am/pm, no uur/u/h, no minutes
  written with digits, no day part) may be morning or evening and gives both readings: "do 7",
  "om 7"; so do spoken 12-hour forms: "half acht", "kwart over 7", "zeven uur". A day part
  decides: evening adds 12 to 1..11 (12 becomes 00:00 the next day), afternoon adds 12 to 1..7;
  "night" counts as evening. Readings that are PAST or IMPOSSIBLE are dropped: one left is the
  Moment ("vandaag 7" at 10:00 → 19:00), several are AMBIGUOUS with the candidates in order.
- A number alone at the start is the day of the month when a time follows ("12 om 19:30",
  next occurrence of the 12th); without one ("12") it is AMBIGUOUS between 12:00 and the 12th
  (a 00:00 candidate). A weekday that does not match its date ("wo 3 dec" when 3 December is a
  Thursday) is AMBIGUOUS between the two days.
- need_time=True and no time: NO_TIME (after IMPOSSIBLE/PAST checks on the date).
  "volgende week 14:00" (a week but no day): NO_DATE. Invalid dates or clock values
  ("31 februari", "25:00", "13pm"): IMPOSSIBLE. Nothing readable at the start: UNREADABLE.
- DST: wall-clock times stay wall-clock. A local time in the spring gap (02:30 on the last
  Sunday of March in Europe) is IMPOSSIBLE; a time that occurs twice in autumn takes the first
  (fold=0, summer time).
- The rest of the text starts after the last consumed token; leading whitespace, commas,
  colons, semicolons and a spaced dash are dropped. After a date and a time nothing more is
  read. After a leading time only an unmistakable date is (a relative day, a day with a month
  name, a numeric date, a full weekday name): "19:30 Mei-overleg" and "19:30 ma en pa" keep
  their titles.

Recurrences: `parse_recurrence` finds one phrase anywhere in the text ("elke 4e donderdag",
"iedere laatste vrijdag van de maand", "elke 2 weken", "wekelijks", "tweewekelijks",
"maandelijks op de 15e", "every 2 weeks", "every last friday", ...). `Recurrence` computes
the next occurrence at the same local wall-clock time, describes itself in Dutch or English,
and stores as a compact rule (see `Recurrence.to_rule`) or an RFC 5545 RRULE value.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "Moment",
    "Problem",
    "Recurrence",
    "Unclear",
    "parse_moment",
    "parse_recurrence",
]


class Problem(StrEnum):
    UNREADABLE = "unreadable"
    PAST = "past"
    AMBIGUOUS = "ambiguous"
    NO_TIME = "no_time"
    NO_DATE = "no_date"
    IMPOSSIBLE = "impossible"


@dataclass(frozen=True)
class Moment:
    start: datetime  # aware, in the zone given to parse_moment


@dataclass(frozen=True)
class Unclear:
    problem: Problem
    candidates: tuple[datetime, ...] = ()  # for AMBIGUOUS: the readings to offer as choices


# --- Vocabulary -------------------------------------------------------------------------------

_Part = Literal["morning", "afternoon", "evening"]  # a day part: "'s avonds", "vanmiddag"


def _name_table(rows: Iterable[str], start: int) -> dict[str, int]:
    """{"maandag": 0, "ma": 0, ...} from rows of space-separated names, numbered from `start`."""
    return {name: index for index, row in enumerate(rows, start) for name in row.split()}


_WEEKDAYS = _name_table(
    (
        "maandag maan ma monday mon",
        "dinsdag dins di tuesday tues tue",
        "woensdag woens woe wo wednesday wed",
        "donderdag don do thursday thurs thur thu",
        "vrijdag vrij vr friday fri",
        "zaterdag zat za saturday sat",
        "zondag zon zo sunday sun",
    ),
    start=0,
)
_FULL_WEEKDAYS: dict[str, int] = {
    name: index for name, index in _WEEKDAYS.items() if name.endswith(("dag", "day"))
}

_MONTHS = _name_table(
    (
        "januari january jan",
        "februari february febr feb",
        "maart march mrt mar maa",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "augustus august aug",
        "september sept sep",
        "oktober october okt oct",
        "november nov",
        "december dec",
    ),
    start=1,
)

_NUMBER_WORDS: dict[str, int] = {
    "een": 1, "één": 1, "eén": 1, "one": 1, "a": 1, "an": 1,
    "twee": 2, "two": 2, "drie": 3, "three": 3, "vier": 4, "four": 4,
    "vijf": 5, "five": 5, "zes": 6, "six": 6, "zeven": 7, "seven": 7,
    "acht": 8, "eight": 8, "negen": 9, "nine": 9, "tien": 10, "ten": 10,
    "elf": 11, "eleven": 11, "twaalf": 12, "twelve": 12,
    "vijftien": 15, "fifteen": 15, "twintig": 20, "twenty": 20,
    "dertig": 30, "thirty": 30, "veertig": 40, "forty": 40,
    "vijftig": 50, "fifty": 50,
}  # fmt: skip

_HOUR_WORDS = {word: n for word, n in _NUMBER_WORDS.items() if n <= 12 and len(word) > 2}

_PART_WORDS: dict[str, _Part] = {
    "ochtend": "morning", "ochtends": "morning", "morgen": "morning", "morgens": "morning",
    "vroeg": "morning", "morning": "morning",
    "middag": "afternoon", "middags": "afternoon", "afternoon": "afternoon",
    "avond": "evening", "avonds": "evening", "evening": "evening", "night": "evening",
}  # fmt: skip

# Relative day words: (days from today, implied day part).
_RELATIVE_DAYS: dict[str, tuple[int, _Part | None]] = {
    "vandaag": (0, None), "today": (0, None),
    "vanochtend": (0, "morning"), "vanmorgen": (0, "morning"), "this morning": (0, "morning"),
    "vanmiddag": (0, "afternoon"), "this afternoon": (0, "afternoon"),
    "vanavond": (0, "evening"), "this evening": (0, "evening"), "tonight": (0, "evening"),
    "morgen": (1, None), "tomorrow": (1, None),
    "overmorgen": (2, None), "day after tomorrow": (2, None),
    "the day after tomorrow": (2, None),
    "gisteren": (-1, None), "yesterday": (-1, None), "eergisteren": (-2, None),
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "donderdag" wins over "do"."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_FLAGS = re.IGNORECASE
_WD = _alternation(_WEEKDAYS)
_FULL_WD = _alternation(_FULL_WEEKDAYS)
_MON = _alternation(_MONTHS)
_NUM = _alternation(w for w in _NUMBER_WORDS if len(w) > 2)
_HOUR_WORD = _alternation(_HOUR_WORDS)
_ORDINAL_SUFFIX = r"(?:ste|de|st|nd|rd|th|e)"
_APOSTROPHE = r"['’‘`]"
_END = r"(?![\w-])"  # a word ends here and is not glued to a hyphenated title word
_YEAR = r"(?P<y>\d{4})(?![\d:.]\d|\s*(?:uur|u|h|am|pm)(?!\w))"

# --- Patterns for parse_moment (each starts by skipping whitespace) ---------------------------

_OFFSET = re.compile(
    rf"\s*(?:over|in|binnen|within)\s+"
    rf"(?P<amount>\d+|een\s+half|half\s+an|a\s+half|anderhalf|half|{_NUM}|a|an)\s*"
    r"(?P<unit>minuten|minuut|minutes|minute|mins|min|kwartier|uren|uur|hours|hour|hrs|hr|u|h"
    r"|dagen|dag|days|day|weken|week|weeks)(?!\w)",
    _FLAGS,
)
_ON = re.compile(r"\s*(?:op|on)\s+", _FLAGS)
_ISO_DATE = re.compile(r"\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:T|(?![\d\w]))", _FLAGS)
_NUMERIC_DATE = re.compile(
    r"\s*(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d\w])"
    r"|\s*(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})(?![\d\w/-]|\s*(?:uur|u|h)(?!\w))",
    _FLAGS,
)
_DAY_MONTH = re.compile(
    rf"\s*(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}?\s*(?:of\s+)?(?P<mon>{_MON})(?:\.|{_END})"
    rf"(?:,?\s+{_YEAR})?",
    _FLAGS,
)
_MONTH_DAY = re.compile(
    rf"\s*(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}?(?![\w:.]|\s*(?:uur|u|h|am|pm)"
    rf"(?!\w))(?:,?\s+{_YEAR})?",
    _FLAGS,
)
_MONTH_DAY_ONLY = re.compile(
    rf"\s*(?:(?:op\s+)?de|(?:on\s+)?the)?\s*(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}(?!\w)", _FLAGS
)
_RELATIVE = re.compile(
    rf"\s*(?P<word>{_alternation(_RELATIVE_DAYS)})"
    r"(?P<part>ochtend|middag|avond|vroeg)?(?!\w)",
    _FLAGS,
)
_WEEKDAY_PART = rf"(?P<wd>{_WD})(?:(?P<part>ochtend|morgen|middag|avond)|\.|{_END})"
_NEXT_WEEK_WEEKDAY = re.compile(
    rf"\s*(?P<which>volgende|next|deze|this)\s+week\s+(?:op\s+|on\s+)?{_WEEKDAY_PART}", _FLAGS
)
_WEEKDAY_NEXT_WEEK = re.compile(
    rf"\s*{_WEEKDAY_PART}\s*(?:van\s+|of\s+)?(?P<which>volgende|next|deze|this)\s+week(?!\w)",
    _FLAGS,
)
_MODIFIER_WEEKDAY = re.compile(
    rf"\s*(?P<mod>volgende|aanstaande|komende|a\.s\.|next|coming|this|deze)\s+{_WEEKDAY_PART}",
    _FLAGS,
)
_WEEKDAY = re.compile(rf"\s*{_WEEKDAY_PART}(?:\s*,?\s+(?P<mod>a\.s\.|aanstaande)(?!\w))?", _FLAGS)
_FULL_WEEKDAY = re.compile(
    rf"\s*(?P<wd>{_FULL_WD})(?:(?P<part>ochtend|morgen|middag|avond)|{_END})"
    r"(?:\s*,?\s+(?P<mod>a\.s\.|aanstaande)(?!\w))?",
    _FLAGS,
)
_WEEK_ONLY = re.compile(r"\s*(?:volgende|next|deze|this)\s+week(?!\w)", _FLAGS)
_DAY_PART_SOURCE = (
    rf"\s*(?:{_APOSTROPHE}s\s*(?P<s>ochtends|morgens|middags|avonds)"
    r"|in\s+de\s+(?P<de>ochtend|morgen|middag|avond)"
    r"|in\s+the\s+(?P<the>morning|afternoon|evening)|at\s+(?P<at>night))(?!\w)"
)
_DAY_PART = re.compile(_DAY_PART_SOURCE, _FLAGS)
_BARE_DAY_PART = re.compile(
    r"\s*(?P<bare>ochtend|middag|avond|morning|afternoon|evening|night)(?!\w)", _FLAGS
)
_CONNECTOR_WORDS = r"(?:(?:om|at|vanaf|from|rond|around)\s+|@\s*)"
_CONNECTOR = re.compile(rf"\s*{_CONNECTOR_WORDS}", _FLAGS)  # before a leading time
_DATE_TIME_JOIN = re.compile(rf"\s*,?\s*{_CONNECTOR_WORDS}?", _FLAGS)  # between date and time
_COMMA = re.compile(r"\s*,")
_TRAILING_CONNECTOR = re.compile(r"\s*,?\s*(?:(?:op|on)\s+)?", _FLAGS)
_SPOKEN_TIME = re.compile(
    rf"\s*(?:(?P<mins>kwart|quarter|half|\d{{1,2}}|{_NUM})\s+(?P<dir>over|voor|past|to)\s+"
    rf"(?P<half>half\s+)?|(?P<half2>half\s+))(?P<h>\d{{1,2}}|{_HOUR_WORD})"
    rf"(?:\s*(?:uur|o{_APOSTROPHE}?clock))?(?:\s*(?P<mer>am|pm|a\.m\.|p\.m\.))?(?!\w)",
    _FLAGS,
)
_MERIDIEM_TIME = re.compile(
    r"\s*(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<mer>am|pm|a\.m\.|p\.m\.)(?!\w)", _FLAGS
)
_CLOCK_TIME = re.compile(
    r"\s*(?P<h>\d{1,2})(?:[:.]|\s*[uh]\s*)(?P<m>\d{2})(?::\d{2})?(?!\d)"
    r"(?:\s*(?:uur|u|h)(?!\w))?",
    _FLAGS,
)
_HOUR_TIME = re.compile(rf"\s*(?P<h>\d{{1,2}})\s*(?:uur|u|h|o{_APOSTROPHE}?clock)(?!\w)", _FLAGS)
_WORD_HOUR_TIME = re.compile(
    rf"\s*(?P<h>{_HOUR_WORD})\s+(?:uur|o{_APOSTROPHE}?clock)(?!\w)", _FLAGS
)
_BARE_HOUR = re.compile(r"\s*(?P<h>\d{1,2})(?![\w:/-]|\.\d)", _FLAGS)
_HOUR_BEFORE_DAY_PART = re.compile(rf"\s*(?P<h>\d{{1,2}})(?={_DAY_PART_SOURCE})", _FLAGS)
_REST_LEAD = re.compile(r"(?:[\s,;:]+|[-–—](?=\s))+")


# --- Parsed pieces ----------------------------------------------------------------------------

_DateKind = Literal["fixed", "relative", "weekday", "monthday", "clock"]
_WeekdayMode = Literal["bare", "after_today", "next_week", "this_week"]


@dataclass(frozen=True)
class _DateSpec:
    """A date as typed; resolved against today (and the time, for bare weekdays and clocks)."""

    kind: _DateKind
    day: int = 0
    month: int = 0
    year: int | None = None
    offset: int = 0
    weekday: int = 0
    mode: _WeekdayMode = "bare"
    checked_weekday: int | None = None  # "do 3 dec": the weekday the date should fall on


_CLOCK_ONLY = _DateSpec("clock")


@dataclass(frozen=True)
class _TimeToken:
    hour: int
    minute: int
    meridiem: Literal["am", "pm"] | None = None
    explicit: bool = True  # a 24-hour reading is certain (uur/u/h, or minutes written as digits)


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    next_day: bool = False  # "vanavond 12 uur" is 00:00 the next day


@dataclass
class _Parsed:
    date: _DateSpec | None = None
    time: _TimeToken | None = None
    part: _Part | None = None
    exact: datetime | None = None
    problem: Problem | None = None
    day_alternative: _DateSpec | None = None  # "12" alone: also the 12th, as a date-only reading


class _Scanner:
    """A cursor over the text; `take` matches a pattern at the cursor and advances on success."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.match(self.text, self.pos)
        if match:
            self.pos = match.end()
        return match


# --- Public API -------------------------------------------------------------------------------


def parse_moment(
    text: str, now: datetime, zone: ZoneInfo, *, need_time: bool = True
) -> tuple[Moment | Unclear, str]:
    """Read a date and time from the START of `text`; returns the result and the rest of the text
    (e.g. the meeting title). See the module docstring for the forms and rules."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    scanner = _Scanner(text)
    parsed = _parse(scanner, now, zone)
    if parsed is None:
        return Unclear(Problem.UNREADABLE), text.strip()
    return _resolve(parsed, now, zone, need_time), _rest(text, scanner.pos)


def _rest(text: str, pos: int) -> str:
    rest = text[pos:]
    lead = _REST_LEAD.match(rest)
    if lead:
        rest = rest[lead.end() :]
    return rest.strip()


# --- Parsing ----------------------------------------------------------------------------------


def _parse(scanner: _Scanner, now: datetime, zone: ZoneInfo) -> _Parsed | None:
    offset = _parse_offset(scanner)
    if isinstance(offset, timedelta):
        exact = (now.astimezone(UTC) + offset).replace(second=0, microsecond=0)
        return _Parsed(exact=exact.astimezone(zone))
    parsed = _Parsed(date=offset)
    if parsed.date is None:
        parsed.date, parsed.part = _parse_date(scanner)
    if parsed.date is None and scanner.take(_WEEK_ONLY):
        parsed.problem = Problem.NO_DATE
    if parsed.date is not None or parsed.problem is not None:
        parsed.part = _parse_day_part(scanner, bare=True) or parsed.part
        parsed.time = _parse_time_after_date(scanner)
    else:
        before_time = scanner.pos
        parsed.part = _parse_day_part(scanner, bare=False)  # "'s avonds 8 uur"
        parsed.time = _parse_leading_time(scanner)
        if parsed.time is None:
            scanner.pos = before_time
            return _parse_bare_number(scanner)
    if parsed.time is not None:
        parsed.part = _parse_day_part(scanner, bare=False) or parsed.part
    if parsed.date is None and parsed.problem is None:
        parsed.date, date_part = _parse_trailing_date(scanner)
        parsed.part = parsed.part or date_part
    return parsed


def _parse_offset(scanner: _Scanner) -> timedelta | _DateSpec | None:
    """ "in 2 uur" → an exact offset; "over 2 weken" → a relative date; None if neither."""
    start = scanner.pos
    match = scanner.take(_OFFSET)
    if not match:
        return None
    amount = _amount(match["amount"])
    unit = match["unit"].lower()
    if unit.startswith(("d", "w")):
        if amount is None or amount != int(amount):
            scanner.pos = start
            return None
        days = int(amount) * (7 if unit.startswith("w") else 1)
        return _DateSpec("relative", offset=days)
    minutes_per_unit = 1 if unit.startswith("m") else 15 if unit == "kwartier" else 60
    if amount is None or amount * minutes_per_unit != int(amount * minutes_per_unit):
        scanner.pos = start
        return None
    return timedelta(minutes=int(amount * minutes_per_unit))


def _amount(word: str) -> float | None:
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word) or None
    if word in ("half", "een half", "half an", "a half"):
        return 0.5
    if word == "anderhalf":
        return 1.5
    return _NUMBER_WORDS.get(word)


def _parse_date(scanner: _Scanner) -> tuple[_DateSpec | None, _Part | None]:
    """A date at the cursor, with an optional leading "op"/"on"; restores the cursor if none."""
    start = scanner.pos
    scanner.take(_ON)
    found = _parse_date_core(scanner)
    if found[0] is None:
        scanner.pos = start
    return found


def _parse_date_core(
    scanner: _Scanner, *, trailing: bool = False
) -> tuple[_DateSpec | None, _Part | None]:
    """At the start every form is a date; after a leading time (`trailing`) only forms that
    cannot be a title word: no month-first dates, no day alone, no bare abbreviated weekday."""
    fixed = _parse_fixed_date(scanner, trailing=trailing)
    if fixed is not None:
        return fixed, None
    if match := scanner.take(_RELATIVE):
        offset, part = _RELATIVE_DAYS[" ".join(match["word"].lower().split())]
        if match["part"]:
            part = _PART_WORDS[match["part"].lower()]
        return _DateSpec("relative", offset=offset), part
    return _parse_weekday(scanner, trailing=trailing)


def _parse_fixed_date(scanner: _Scanner, *, trailing: bool = False) -> _DateSpec | None:
    if match := scanner.take(_ISO_DATE):
        return _DateSpec("fixed", int(match["d"]), int(match["m"]), int(match["y"]))
    if match := scanner.take(_NUMERIC_DATE):
        if match["d"]:
            return _DateSpec("fixed", int(match["d"]), int(match["m"]), _year(match["y"]))
        return _DateSpec("fixed", int(match["d2"]), int(match["m2"]))
    match = scanner.take(_DAY_MONTH) or (None if trailing else scanner.take(_MONTH_DAY))
    if match:
        year = int(match["y"]) if match["y"] else None
        return _DateSpec("fixed", int(match["d"]), _MONTHS[match["mon"].lower()], year)
    if not trailing and (match := scanner.take(_MONTH_DAY_ONLY)):
        return _DateSpec("monthday", int(match["d"]))
    return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _parse_weekday(
    scanner: _Scanner, *, trailing: bool = False
) -> tuple[_DateSpec | None, _Part | None]:
    mode: _WeekdayMode
    if match := scanner.take(_NEXT_WEEK_WEEKDAY) or scanner.take(_WEEKDAY_NEXT_WEEK):
        this = match["which"].lower() in ("deze", "this")
        mode = "this_week" if this else "next_week"
    elif match := scanner.take(_MODIFIER_WEEKDAY):
        mode = "bare" if match["mod"].lower() in ("this", "deze") else "after_today"
    elif match := scanner.take(_FULL_WEEKDAY if trailing else _WEEKDAY):
        mode = "after_today" if match["mod"] else "bare"
    else:
        return None, None
    weekday = _WEEKDAYS[match["wd"].lower()]
    part = _PART_WORDS[match["part"].lower()] if match["part"] else None
    if mode == "bare" and not match["part"]:
        # "do 3 dec": the date decides, the weekday is checked against it.
        start = scanner.pos
        scanner.take(_COMMA)
        fixed = _parse_fixed_date(scanner)
        if fixed is not None and fixed.kind == "fixed":
            return _with_check(fixed, weekday), None
        scanner.pos = start
    return _DateSpec("weekday", weekday=weekday, mode=mode), part


def _with_check(spec: _DateSpec, weekday: int) -> _DateSpec:
    return _DateSpec("fixed", spec.day, spec.month, spec.year, checked_weekday=weekday)


def _parse_day_part(scanner: _Scanner, *, bare: bool) -> _Part | None:
    match = scanner.take(_DAY_PART) or (scanner.take(_BARE_DAY_PART) if bare else None)
    if not match:
        return None
    word = next(value for value in match.groupdict().values() if value)
    return _PART_WORDS[word.lower()]


def _parse_time_after_date(scanner: _Scanner) -> _TimeToken | None:
    start = scanner.pos
    scanner.take(_DATE_TIME_JOIN)
    token = _parse_time(scanner, bare=True)
    if token is None:
        scanner.pos = start
    return token


def _parse_leading_time(scanner: _Scanner) -> _TimeToken | None:
    start = scanner.pos
    connector = scanner.take(_CONNECTOR)
    token = _parse_time(scanner, bare=connector is not None)
    if token is None:
        scanner.pos = start
    return token


def _parse_time(scanner: _Scanner, *, bare: bool) -> _TimeToken | None:
    if match := scanner.take(_SPOKEN_TIME):
        return _spoken_time(match)
    if match := scanner.take(_MERIDIEM_TIME):
        return _TimeToken(int(match["h"]), int(match["m"] or 0), _meridiem(match["mer"]))
    if match := scanner.take(_CLOCK_TIME):
        return _TimeToken(int(match["h"]), int(match["m"]))
    if match := scanner.take(_HOUR_TIME):
        return _TimeToken(int(match["h"]), 0)
    if match := scanner.take(_WORD_HOUR_TIME):
        return _TimeToken(_HOUR_WORDS[match["h"].lower()], 0, explicit=False)
    if match := scanner.take(_HOUR_BEFORE_DAY_PART):
        return _TimeToken(int(match["h"]), 0, explicit=False)
    if bare and (match := scanner.take(_BARE_HOUR)):
        return _TimeToken(int(match["h"]), 0, explicit=False)
    return None


def _spoken_time(match: re.Match[str]) -> _TimeToken:
    """ "half acht" → 7:30, "kwart over 7" → 7:15, "tien voor half acht" → 7:20 (12-hour)."""
    hour_text = match["h"].lower()
    hour = int(hour_text) if hour_text.isdigit() else _HOUR_WORDS[hour_text]
    if not 1 <= hour <= 12:
        return _TimeToken(hour, 0)  # left for the range check: IMPOSSIBLE
    total = hour * 60 - (30 if match["half"] or match["half2"] else 0)
    if match["dir"]:
        mins_text = match["mins"].lower()
        mins = {"kwart": 15, "quarter": 15, "half": 30}.get(mins_text)
        if mins is None:
            mins = int(mins_text) if mins_text.isdigit() else _NUMBER_WORDS[mins_text]
        total += mins if match["dir"].lower() in ("over", "past") else -mins
    hour, minute = divmod(total % 720, 60)
    return _TimeToken(hour or 12, minute, _meridiem(match["mer"]), explicit=False)


def _meridiem(text: str | None) -> Literal["am", "pm"] | None:
    if not text:
        return None
    return "am" if text.lower().startswith("a") else "pm"


def _parse_trailing_date(scanner: _Scanner) -> tuple[_DateSpec | None, _Part | None]:
    """A date after a leading time: "19:30 morgen", "7pm tomorrow", "10 uur op 3 december"."""
    start = scanner.pos
    scanner.take(_TRAILING_CONNECTOR)
    spec, part = _parse_date_core(scanner, trailing=True)
    if spec is None:
        scanner.pos = start
        return None, None
    return spec, part


def _parse_bare_number(scanner: _Scanner) -> _Parsed | None:
    """A number alone at the start: the day of the month when a time follows ("12 om 19:30"),
    otherwise both the hour and the day ("12")."""
    match = scanner.take(_BARE_HOUR)
    if not match:
        return None
    number = int(match["h"])
    day = _DateSpec("monthday", number) if 1 <= number <= 31 else None
    after_number = scanner.pos
    scanner.take(_CONNECTOR)
    token = _parse_time(scanner, bare=False)
    if token is not None and day is not None:
        part = _parse_day_part(scanner, bare=False)
        return _Parsed(date=day, time=token, part=part)
    scanner.pos = after_number
    if number > 23:
        return _Parsed(date=day) if day else None
    return _Parsed(time=_TimeToken(number, 0, explicit=False), day_alternative=day)


# --- Resolving --------------------------------------------------------------------------------

_Reading = tuple[_DateSpec, _Clock | None]


def _resolve(parsed: _Parsed, now: datetime, zone: ZoneInfo, need_time: bool) -> Moment | Unclear:
    if parsed.problem is not None:
        return Unclear(parsed.problem)
    if parsed.exact is not None:
        return Moment(parsed.exact)
    clocks = _clocks(parsed.time, parsed.part) if parsed.time is not None else [None]
    if isinstance(clocks, Problem):
        return Unclear(clocks)
    spec = parsed.date or _CLOCK_ONLY
    today = now.astimezone(zone).date()
    readings: list[_Reading] = [(spec, clock) for clock in clocks]
    forced = False
    if parsed.day_alternative is not None:
        readings.append((parsed.day_alternative, None))
        forced = True
    checked = _weekday_mismatch(spec, today)
    if checked is not None:
        readings += [(checked, clock) for clock in clocks]
        forced = True
    if need_time and all(clock is None for _, clock in readings):
        problem = _first_problem(_resolve_reading(r, now, zone) for r in readings)
        return Unclear(problem or Problem.NO_TIME)
    return _choose([_resolve_reading(r, now, zone) for r in readings], forced)


def _choose(results: list[datetime | Problem], forced: bool) -> Moment | Unclear:
    found = sorted({r for r in results if isinstance(r, datetime)}, key=lambda d: d.astimezone(UTC))
    if not found:
        return Unclear(_first_problem(results) or Problem.UNREADABLE)
    if len(found) == 1 and not forced:
        return Moment(found[0])
    return Unclear(Problem.AMBIGUOUS, tuple(found))


def _first_problem(results: Iterable[datetime | Problem]) -> Problem | None:
    problems = {r for r in results if isinstance(r, Problem)}
    for problem in (Problem.IMPOSSIBLE, Problem.PAST):
        if problem in problems:
            return problem
    return None


def _clocks(token: _TimeToken, part: _Part | None) -> list[_Clock | None] | Problem:
    """The wall-clock readings of a time token, given the day part (if any)."""
    hour, minute = token.hour, token.minute
    if minute > 59:
        return Problem.IMPOSSIBLE
    if token.meridiem is not None:
        if not 1 <= hour <= 12:
            return Problem.IMPOSSIBLE
        return [_Clock(hour % 12 + (12 if token.meridiem == "pm" else 0), minute)]
    if hour > 23:
        return Problem.IMPOSSIBLE
    if part == "evening" and 1 <= hour <= 12:
        return [_Clock(0, minute, next_day=True) if hour == 12 else _Clock(hour + 12, minute)]
    if part == "afternoon" and 1 <= hour <= 7:
        return [_Clock(hour + 12, minute)]
    if part is None and not token.explicit and 1 <= hour <= 7:
        return [_Clock(hour, minute), _Clock(hour + 12, minute)]
    return [_Clock(hour, minute)]


def _weekday_mismatch(spec: _DateSpec, today: date) -> _DateSpec | None:
    """For "wo 3 dec" when 3 December is not a Wednesday: the weekday reading."""
    if spec.checked_weekday is None:
        return None
    days = _candidate_days(spec, today, timed=True)
    if isinstance(days, Problem) or days[-1].weekday() == spec.checked_weekday:
        return None
    return _DateSpec("weekday", weekday=spec.checked_weekday)


def _resolve_reading(reading: _Reading, now: datetime, zone: ZoneInfo) -> datetime | Problem:
    spec, clock = reading
    today = now.astimezone(zone).date()
    days = _candidate_days(spec, today, timed=clock is not None)
    if isinstance(days, Problem):
        return days
    if clock is None:
        day = days[-1]
        return Problem.PAST if day < today else datetime.combine(day, time(), tzinfo=zone)
    for day in days:
        start = _localize(day, clock, zone)
        if start is None:
            return Problem.IMPOSSIBLE
        if start.astimezone(UTC) > now.astimezone(UTC) or day == days[-1]:
            return Problem.PAST if start.astimezone(UTC) < now.astimezone(UTC) else start
    raise AssertionError("no candidate days")


def _localize(day: date, clock: _Clock, zone: ZoneInfo) -> datetime | None:
    """The aware local datetime, fold=0 for repeated times; None inside a DST gap."""
    if clock.next_day:
        day += timedelta(days=1)
    naive = datetime.combine(day, time(clock.hour, clock.minute))
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def _candidate_days(spec: _DateSpec, today: date, *, timed: bool) -> list[date] | Problem:
    """Days in order of preference: the first whose moment is still ahead wins, else the last."""
    if spec.kind == "fixed":
        found = _fixed_day(spec, today)
        return found if isinstance(found, Problem) else [found]
    if spec.kind == "monthday":
        found = _next_monthday(spec.day, today)
        return found if isinstance(found, Problem) else [found]
    if spec.kind == "relative":
        return [today + timedelta(days=spec.offset)]
    if spec.kind == "clock":
        return [today, today + timedelta(days=1)]
    return _weekday_days(spec, today, timed=timed)


def _fixed_day(spec: _DateSpec, today: date) -> date | Problem:
    if not 1 <= spec.month <= 12 or not 1 <= spec.day <= calendar.monthrange(2000, spec.month)[1]:
        return Problem.IMPOSSIBLE
    if spec.year is not None:
        try:
            return date(spec.year, spec.month, spec.day)
        except ValueError:
            return Problem.IMPOSSIBLE
    for year in range(today.year, today.year + 9):
        if spec.day <= calendar.monthrange(year, spec.month)[1]:
            candidate = date(year, spec.month, spec.day)
            if candidate >= today:
                return candidate
    return Problem.IMPOSSIBLE


def _next_monthday(day: int, today: date) -> date | Problem:
    if not 1 <= day <= 31:
        return Problem.IMPOSSIBLE
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Problem.IMPOSSIBLE


def _weekday_days(spec: _DateSpec, today: date, *, timed: bool) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    if spec.mode == "next_week":
        return [monday + timedelta(days=7 + spec.weekday)]
    if spec.mode == "this_week":
        return [monday + timedelta(days=spec.weekday)]
    after = today + timedelta(days=(spec.weekday - today.weekday() - 1) % 7 + 1)
    if spec.mode == "bare" and timed and today.weekday() == spec.weekday:
        return [today, after]
    return [after]


# --- Recurrence -------------------------------------------------------------------------------

RecurrenceKind = Literal["weekly", "monthly_nth_weekday", "monthly_day"]
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NL_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MAX_SEARCH = 400  # series steps to try before deciding a monthly rule never occurs

_RULE_WEEKLY = re.compile(rf"W(?P<n>[1-9]\d*)(?P<wd>{'|'.join(_CODES)})?")
_RULE_NTH = re.compile(rf"M(?P<nth>-1|[1-5])(?P<wd>{'|'.join(_CODES)})(?:/(?P<n>[1-9]\d*))?")
_RULE_DAY = re.compile(r"D(?P<day>[1-9]|[12]\d|3[01])(?:/(?P<n>[1-9]\d*))?")


@dataclass(frozen=True)
class Recurrence:
    """A repeating schedule; the time of day comes from the previous occurrence.

    weekly: every `interval` weeks, on `weekday` when given (0 = Monday).
    monthly_nth_weekday: the `nth` `weekday` of every `interval` months; nth -1 is the last one.
      A month without that weekday (a 5th) is skipped: the series continues in the next month
      of the series that has one (as an RFC 5545 RRULE would).
    monthly_day: day `day` of every `interval` months; months without that day are skipped.
    `next_after` from a moment that is not itself an occurrence gives the first occurrence after
    it: the next matching weekday (weekly), or the month of that moment if the day is still to
    come, else the next month of the series counted from it (monthly).
    """

    kind: RecurrenceKind
    interval: int = 1
    weekday: int | None = None
    nth: int | None = None  # 1..5, or -1 for the last
    day: int | None = None  # monthly_day: the day of the month, 1..31

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.kind == "monthly_nth_weekday" and (
            self.weekday is None or self.nth not in (1, 2, 3, 4, 5, -1)
        ):
            raise ValueError("monthly_nth_weekday needs a weekday and nth 1..5 or -1")
        if self.kind == "monthly_day" and (self.day is None or not 1 <= self.day <= 31):
            raise ValueError("monthly_day needs a day 1..31")

    def next_after(self, previous: datetime, zone: ZoneInfo) -> datetime:
        """The next occurrence strictly after `previous`, at its local wall-clock time in `zone`.

        A wall-clock time that does not exist that day (the spring DST gap) moves forward by the
        gap (02:30 → 03:30); a time that occurs twice takes the first (fold=0)."""
        local = previous.astimezone(zone)
        day = self._next_day(local.date())
        naive = datetime.combine(day, local.time().replace(tzinfo=None, fold=0))
        return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)

    def first_on_or_after(self, start: datetime, zone: ZoneInfo) -> datetime:
        """`start` itself when its local day is on the rule, else the first occurrence after it
        at the same wall-clock time: aligns "elke 4e donderdag 19:30" (parsed as today 19:30)."""
        local = start.astimezone(zone)
        return local if self._is_on(local.date()) else self.next_after(start, zone)

    def _is_on(self, day: date) -> bool:
        if self.kind == "weekly":
            return self.weekday is None or day.weekday() == self.weekday
        return self._day_in_month(day.year, day.month) == day

    def _next_day(self, previous: date) -> date:
        if self.kind == "weekly":
            if self.weekday is None or previous.weekday() == self.weekday:
                return previous + timedelta(weeks=self.interval)
            return previous + timedelta(days=(self.weekday - previous.weekday()) % 7)
        year, month = previous.year, previous.month
        for step in range(_MAX_SEARCH):
            total = month - 1 + step * self.interval
            candidate = self._day_in_month(year + total // 12, total % 12 + 1)
            if candidate is not None and candidate > previous:
                return candidate
        raise ValueError(f"no occurrence of {self.to_rule()} after {previous}")

    def _day_in_month(self, year: int, month: int) -> date | None:
        length = calendar.monthrange(year, month)[1]
        if self.kind == "monthly_day":
            assert self.day is not None
            return date(year, month, self.day) if self.day <= length else None
        assert self.weekday is not None and self.nth is not None
        if self.nth == -1:
            last = date(year, month, length)
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        first = date(year, month, 1)
        day = 1 + (self.weekday - first.weekday()) % 7 + 7 * (self.nth - 1)
        return date(year, month, day) if day <= length else None

    def describe(self, language: str) -> str:
        """A short description: "elke 4e donderdag van de maand", "every 2 weeks", ..."""
        dutch = language.replace("_", "-").split("-")[0].lower() == "nl"
        return self._describe_nl() if dutch else self._describe_en()

    def _describe_nl(self) -> str:
        n = self.interval
        if self.kind == "weekly":
            day = _NL_DAYS[self.weekday] if self.weekday is not None else None
            if n == 1:
                return f"elke {day}" if day else "elke week"
            return f"elke {n} weken" + (f" op {day}" if day else "")
        if self.kind == "monthly_day":
            return (
                f"elke maand op de {self.day}e" if n == 1 else f"elke {n} maanden op de {self.day}e"
            )
        assert self.weekday is not None
        which = "laatste" if self.nth == -1 else f"{self.nth}e"
        day = _NL_DAYS[self.weekday]
        return (
            f"elke {which} {day} van de maand"
            if n == 1
            else f"elke {n} maanden op de {which} {day}"
        )

    def _describe_en(self) -> str:
        n = self.interval
        if self.kind == "weekly":
            day = _EN_DAYS[self.weekday] if self.weekday is not None else None
            if n == 1:
                return f"every {day}" if day else "every week"
            return f"every {n} weeks" + (f" on {day}" if day else "")
        if self.kind == "monthly_day":
            assert self.day is not None
            which = _en_ordinal(self.day)
            return f"every month on the {which}" if n == 1 else f"every {n} months on the {which}"
        assert self.weekday is not None and self.nth is not None
        which = _en_ordinal(self.nth)
        day = _EN_DAYS[self.weekday]
        if n == 1:
            return f"every {which} {day} of the month"
        return f"every {n} months on the {which} {day}"

    def to_rule(self) -> str:
        """A compact storable string.

        weekly: "W<interval>[<day>]" ("W1", "W2", "W1TH"); monthly_nth_weekday:
        "M<nth><day>[/<interval>]" ("M4TH", "M-1FR", "M2TU/3"); monthly_day:
        "D<day>[/<interval>]" ("D15", "D1/2"). Days are RFC 5545 codes MO..SU."""
        if self.kind == "weekly":
            code = _CODES[self.weekday] if self.weekday is not None else ""
            return f"W{self.interval}{code}"
        every = f"/{self.interval}" if self.interval > 1 else ""
        if self.kind == "monthly_day":
            return f"D{self.day}{every}"
        assert self.weekday is not None
        return f"M{self.nth}{_CODES[self.weekday]}{every}"

    @classmethod
    def from_rule(cls, rule: str) -> Recurrence:
        """The inverse of `to_rule`; ValueError for anything else."""
        text = rule.strip().upper()
        if match := _RULE_WEEKLY.fullmatch(text):
            weekday = _CODES.index(match["wd"]) if match["wd"] else None
            return cls("weekly", int(match["n"]), weekday=weekday)
        if match := _RULE_NTH.fullmatch(text):
            weekday = _CODES.index(match["wd"])
            return cls("monthly_nth_weekday", int(match["n"] or 1), weekday, int(match["nth"]))
        if match := _RULE_DAY.fullmatch(text):
            return cls("monthly_day", int(match["n"] or 1), day=int(match["day"]))
        raise ValueError(f"not a recurrence rule: {rule!r}")

    def rrule(self) -> str:
        """The RFC 5545 RRULE value, e.g. "FREQ=MONTHLY;BYDAY=4TH"."""
        parts = ["FREQ=WEEKLY" if self.kind == "weekly" else "FREQ=MONTHLY"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.kind == "monthly_day":
            parts.append(f"BYMONTHDAY={self.day}")
        elif self.weekday is not None:
            parts.append(f"BYDAY={self.nth or ''}{_CODES[self.weekday]}")
        return ";".join(parts)


def _en_ordinal(n: int) -> str:
    if n == -1:
        return "last"
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- Recurrence phrases -----------------------------------------------------------------------

_EVERY = r"(?:elke|iedere|ieder|every|each)"
_ORDINAL_WORDS: dict[str, int] = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "laatste": -1,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
}  # fmt: skip
_NTH = rf"(?:(?P<num>[1-5]){_ORDINAL_SUFFIX}?|(?P<word>{_alternation(_ORDINAL_WORDS)}))"
_DAY_NAME = rf"(?P<wd>{_FULL_WD})"
_OF_MONTH = (
    r"(?:\s+(?:van\s+de|van\s+elke|van\s+iedere|of\s+the|of\s+every|of\s+each)\s+(?:maand|month))"
)
_MONTHLY = (
    rf"(?:maandelijks|monthly|{_EVERY}\s+(?:maand|month)"
    rf"|{_EVERY}\s+(?P<months>\d+)\s+(?:maanden|months))"
)
_ON_THE = r"\s+(?:op\s+(?:de\s+)?|on\s+the\s+|on\s+)"
_ON_DAY = rf"(?:\s+(?:op|on)\s+{_DAY_NAME})"
_COUNT = rf"(?P<count>\d+|{_NUM}|other)"
_MONTH_DAY_NUMBER = rf"(?P<day>[1-9]|[12]\d|3[01]){_ORDINAL_SUFFIX}"

_RECURRENCE_SOURCES: tuple[tuple[RecurrenceKind, str], ...] = (
    ("monthly_nth_weekday", rf"{_EVERY}\s+{_NTH}\s+{_DAY_NAME}{_OF_MONTH}?"),
    ("monthly_nth_weekday", rf"{_MONTHLY}{_ON_THE}{_NTH}\s+{_DAY_NAME}"),
    ("monthly_nth_weekday", rf"(?:(?:op\s+)?de\s+|(?:on\s+)?the\s+)?{_NTH}\s+{_DAY_NAME}"
     rf"\s+(?:van|of)\s+(?:elke|iedere|every|each)\s+(?:maand|month)"),
    ("monthly_day", rf"{_MONTHLY}{_ON_THE}{_MONTH_DAY_NUMBER}"),
    ("monthly_day", rf"{_EVERY}\s+{_MONTH_DAY_NUMBER}{_OF_MONTH}"),
    ("monthly_day", rf"(?:(?:op\s+)?de\s+|(?:on\s+)?the\s+)?{_MONTH_DAY_NUMBER}"
     rf"\s+(?:van|of)\s+(?:elke|iedere|every|each)\s+(?:maand|month)"),
    ("weekly", rf"{_EVERY}\s+{_COUNT}\s+(?:weken|weeks|week){_ON_DAY}?"),
    ("weekly", rf"om\s+de\s+(?:{_COUNT}\s+weken|(?P<other>week)){_ON_DAY}?"),
    ("weekly", rf"(?P<prefix>twee|drie|vier)?-?wekelijks{_ON_DAY}?"),
    ("weekly", rf"(?:weekly|(?P<fortnight>fortnightly|{_EVERY}\s+fortnight)){_ON_DAY}?"),
    ("weekly", rf"{_EVERY}\s+week{_ON_DAY}?"),
    ("weekly", rf"{_EVERY}\s+{_DAY_NAME}"),
)  # fmt: skip
_RECURRENCE_PATTERNS = tuple(
    (kind, re.compile(rf"\b{source}(?!\w)", _FLAGS)) for kind, source in _RECURRENCE_SOURCES
)


def parse_recurrence(text: str) -> tuple[Recurrence | None, str]:
    """Find a recurrence phrase anywhere in `text` (the earliest; the longest at that place).

    Returns it and the text with the phrase removed, or (None, text) when there is none."""
    best: tuple[int, int, Recurrence] | None = None
    for kind, pattern in _RECURRENCE_PATTERNS:
        for match in pattern.finditer(text):
            recurrence = _recurrence_from(kind, match.groupdict())
            if recurrence is None:
                continue
            if best is None or (match.start(), -match.end()) < (best[0], -best[1]):
                best = (match.start(), match.end(), recurrence)
            break
    if best is None:
        return None, text
    start, end, recurrence = best
    left, right = text[:start].rstrip(), text[end:].lstrip()
    return recurrence, (f"{left} {right}" if left and right else left or right).strip(" ,;:")


def _recurrence_from(kind: RecurrenceKind, groups: Mapping[str, str | None]) -> Recurrence | None:
    """The recurrence a matched phrase stands for; None when its numbers make no sense."""
    name, months = groups.get("wd"), groups.get("months")
    weekday = _FULL_WEEKDAYS[name.lower()] if name else None
    interval = int(months) if months else 1
    try:
        if kind == "monthly_nth_weekday":
            num, word = groups.get("num"), groups.get("word")
            nth = int(num) if num else _ORDINAL_WORDS[(word or "").lower()]
            return Recurrence(kind, interval, weekday=weekday, nth=nth)
        if kind == "monthly_day":
            return Recurrence(kind, interval, day=int(groups.get("day") or 0))
        return Recurrence(kind, _weeks(groups), weekday=weekday)
    except ValueError:
        return None


def _weeks(groups: Mapping[str, str | None]) -> int:
    if groups.get("other") or groups.get("fortnight"):
        return 2
    prefix = groups.get("prefix")
    if prefix:
        return _NUMBER_WORDS[prefix.lower()]
    count = (groups.get("count") or "").lower()
    if not count:
        return 1
    if count == "other":
        return 2
    return int(count) if count.isdigit() else _NUMBER_WORDS.get(count, 0)
