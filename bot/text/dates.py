"""Dates, times and durations the way people type them in chat, Dutch first, English too.

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
  next year (29 February: the next leap year), except that a day of the last half year
  (RECENT_PAST: "1 december" typed on 2 December) is PAST, to be asked about, never moved a
  year on. A date with a year is taken as written. A weekday before a date ("do 3 dec",
  "donderdag de 10e") is checked against it.
- A bare weekday is today only when a time is given and that time today is still ahead;
  otherwise it is the first such weekday after today. "aanstaande/komende/volgende/coming X"
  is always the first X after today (never today); English "next X" is too, except that when
  X is still to come this week ("next Friday" on a Wednesday) it is AMBIGUOUS between this
  week's and next week's X; "volgende week X" / "X next week" is X in the
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
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from bot.text.vocabulary import (
    APOSTROPHE,
    END,
    FLAGS,
    FULL_WD,
    HOUR_WORD,
    HOUR_WORDS,
    MON,
    MONTHS,
    NUM,
    NUMBER_WORDS,
    ORDINAL_SUFFIX,
    PART_WORDS,
    RELATIVE_DAYS,
    WD,
    WEEKDAYS,
    YEAR,
    Part,
    alternation,
)

__all__ = [
    "RECENT_PAST",
    "Moment",
    "Problem",
    "Unclear",
    "parse_answer",
    "parse_length",
    "parse_moment",
]


RECENT_PAST = timedelta(days=183)  # a day without a year this long ago is asked about, not moved


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


# --- Patterns for parse_moment (each starts by skipping whitespace) ---------------------------

_OFFSET = re.compile(
    rf"\s*(?:over|in|binnen|within)\s+"
    rf"(?P<amount>\d+|een\s+half|half\s+an|a\s+half|anderhalf|half|{NUM}|a|an)\s*"
    r"(?P<unit>minuten|minuut|minutes|minute|mins|min|kwartier|uren|uur|hours|hour|hrs|hr|u|h"
    r"|dagen|dag|days|day|weken|week|weeks)(?!\w)",
    FLAGS,
)
_ON = re.compile(r"\s*(?:op|on)\s+", FLAGS)
_ISO_DATE = re.compile(r"\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:T|(?![\d\w]))", FLAGS)
_NUMERIC_DATE = re.compile(
    r"\s*(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d\w])"
    r"|\s*(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})(?![\d\w/-]|\s*(?:uur|u|h)(?!\w))",
    FLAGS,
)
_DAY_MONTH = re.compile(
    rf"\s*(?P<d>\d{{1,2}}){ORDINAL_SUFFIX}?\s*(?:of\s+)?(?P<mon>{MON})(?:\.|{END})"
    rf"(?:,?\s+{YEAR})?",
    FLAGS,
)
_MONTH_DAY = re.compile(
    rf"\s*(?P<mon>{MON})\.?\s+(?P<d>\d{{1,2}}){ORDINAL_SUFFIX}?(?![\w:.]|\s*(?:uur|u|h|am|pm)"
    rf"(?!\w))(?:,?\s+{YEAR})?",
    FLAGS,
)
_MONTH_DAY_ONLY = re.compile(
    rf"\s*(?:(?:op\s+)?de|(?:on\s+)?the)?\s*(?P<d>\d{{1,2}}){ORDINAL_SUFFIX}(?!\w)", FLAGS
)
_RELATIVE = re.compile(
    rf"\s*(?P<word>{alternation(RELATIVE_DAYS)})"
    r"(?P<part>ochtend|middag|avond|vroeg)?(?!\w)",
    FLAGS,
)
_WEEKDAY_PART = rf"(?P<wd>{WD})(?:(?P<part>ochtend|morgen|middag|avond)|\.|{END})"
_NEXT_WEEK_WEEKDAY = re.compile(
    rf"\s*(?P<which>volgende|next|deze|this)\s+week\s+(?:op\s+|on\s+)?{_WEEKDAY_PART}", FLAGS
)
_WEEKDAY_NEXT_WEEK = re.compile(
    rf"\s*{_WEEKDAY_PART}\s*(?:van\s+|of\s+)?(?P<which>volgende|next|deze|this)\s+week(?!\w)",
    FLAGS,
)
_MODIFIER_WEEKDAY = re.compile(
    rf"\s*(?P<mod>volgende|aanstaande|komende|a\.s\.|next|coming|this|deze)\s+{_WEEKDAY_PART}",
    FLAGS,
)
_WEEKDAY = re.compile(rf"\s*{_WEEKDAY_PART}(?:\s*,?\s+(?P<mod>a\.s\.|aanstaande)(?!\w))?", FLAGS)
_FULL_WEEKDAY = re.compile(
    rf"\s*(?P<wd>{FULL_WD})(?:(?P<part>ochtend|morgen|middag|avond)|{END})"
    r"(?:\s*,?\s+(?P<mod>a\.s\.|aanstaande)(?!\w))?",
    FLAGS,
)
_WEEK_ONLY = re.compile(r"\s*(?:volgende|next|deze|this)\s+week(?!\w)", FLAGS)
_DAY_PART_SOURCE = (
    rf"\s*(?:{APOSTROPHE}s\s*(?P<s>ochtends|morgens|middags|avonds)"
    r"|in\s+de\s+(?P<de>ochtend|morgen|middag|avond)"
    r"|in\s+the\s+(?P<the>morning|afternoon|evening)|at\s+(?P<at>night))(?!\w)"
)
_DAY_PART = re.compile(_DAY_PART_SOURCE, FLAGS)
_BARE_DAY_PART = re.compile(
    r"\s*(?P<bare>ochtend|middag|avond|morning|afternoon|evening|night)(?!\w)", FLAGS
)
_CONNECTOR_WORDS = r"(?:(?:om|at|vanaf|from|rond|around)\s+|@\s*)"
_CONNECTOR = re.compile(rf"\s*{_CONNECTOR_WORDS}", FLAGS)  # before a leading time
_DATE_TIME_JOIN = re.compile(rf"\s*,?\s*{_CONNECTOR_WORDS}?", FLAGS)  # between date and time
_COMMA = re.compile(r"\s*,")
_TRAILING_CONNECTOR = re.compile(r"\s*,?\s*(?:(?:op|on)\s+)?", FLAGS)
_SPOKEN_TIME = re.compile(
    rf"\s*(?:(?P<mins>kwart|quarter|half|\d{{1,2}}|{NUM})\s+(?P<dir>over|voor|past|to)\s+"
    rf"(?P<half>half\s+)?|(?P<half2>half\s+))(?P<h>\d{{1,2}}|{HOUR_WORD})"
    rf"(?:\s*(?:uur|o{APOSTROPHE}?clock))?(?:\s*(?P<mer>am|pm|a\.m\.|p\.m\.))?(?!\w)",
    FLAGS,
)
_MERIDIEM_TIME = re.compile(
    r"\s*(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<mer>am|pm|a\.m\.|p\.m\.)(?!\w)", FLAGS
)
_CLOCK_TIME = re.compile(
    r"\s*(?P<h>\d{1,2})(?:[:.]|\s*[uh]\s*)(?P<m>\d{2})(?::\d{2})?(?!\d)"
    r"(?:\s*(?:uur|u|h)(?!\w))?",
    FLAGS,
)
_HOUR_TIME = re.compile(rf"\s*(?P<h>\d{{1,2}})\s*(?:uur|u|h|o{APOSTROPHE}?clock)(?!\w)", FLAGS)
_WORD_HOUR_TIME = re.compile(rf"\s*(?P<h>{HOUR_WORD})\s+(?:uur|o{APOSTROPHE}?clock)(?!\w)", FLAGS)
_BARE_HOUR = re.compile(r"\s*(?P<h>\d{1,2})(?![\w:/-]|\.\d)", FLAGS)
_HOUR_BEFORE_DAY_PART = re.compile(rf"\s*(?P<h>\d{{1,2}})(?={_DAY_PART_SOURCE})", FLAGS)
_REST_LEAD = re.compile(r"(?:[\s,;:]+|[-–—](?=\s))+")


# --- Parsed pieces ----------------------------------------------------------------------------

_DateKind = Literal["fixed", "relative", "weekday", "monthday", "clock"]
_WeekdayMode = Literal["bare", "after_today", "next", "next_week", "this_week"]


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
    part: Part | None = None
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


def parse_answer(
    text: str, now: datetime, zone: ZoneInfo, readings: Sequence[datetime]
) -> tuple[Moment | Unclear, str]:
    """`parse_moment` for the answer to a question that offered `readings` ("07:00 or 19:00?",
    two days as buttons): what the answer leaves out comes from them. A time alone ("19:00")
    is on the readings' day (on each, when they name several: asked again); a date alone
    ("3 december") is at the readings' time when they share one. A full answer is read as
    typed."""
    scanner = _Scanner(text)
    parsed = _parse(scanner, now, zone)
    if parsed is None or not readings or parsed.problem is not None or parsed.exact is not None:
        return parse_moment(text, now, zone)
    rest = _rest(text, scanner.pos)
    local = [reading.astimezone(zone) for reading in readings]
    if parsed.date is None and parsed.time is not None and parsed.day_alternative is None:
        days = sorted({reading.date() for reading in local})
        on_each = [
            _resolve(
                replace(parsed, date=_DateSpec("fixed", d.day, d.month, d.year)), now, zone, True
            )
            for d in days
        ]
        return _together(on_each), rest
    clocks = {(reading.hour, reading.minute) for reading in local}
    if parsed.date is not None and parsed.time is None and len(clocks) == 1:
        [(hour, minute)] = clocks
        parsed.time = _TimeToken(hour, minute)
    return _resolve(parsed, now, zone, True), rest


def _together(results: Sequence[Moment | Unclear]) -> Moment | Unclear:
    """One reading per day asked about: one moment in all is the answer, several a question."""
    found = [r.start for r in results if isinstance(r, Moment)]
    found += [c for r in results if isinstance(r, Unclear) for c in r.candidates]
    if len(found) == 1:
        return Moment(found[0])
    if found:
        return Unclear(Problem.AMBIGUOUS, tuple(sorted(found, key=lambda d: d.astimezone(UTC))))
    return next(r for r in results if isinstance(r, Unclear))


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
        if parsed.date is not None and date_part is None:
            date_part = _parse_day_part(scanner, bare=True)  # "half past 7 tomorrow evening"
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
    return NUMBER_WORDS.get(word)


def _parse_date(scanner: _Scanner) -> tuple[_DateSpec | None, Part | None]:
    """A date at the cursor, with an optional leading "op"/"on"; restores the cursor if none."""
    start = scanner.pos
    scanner.take(_ON)
    found = _parse_date_core(scanner)
    if found[0] is None:
        scanner.pos = start
    return found


def _parse_date_core(
    scanner: _Scanner, *, trailing: bool = False
) -> tuple[_DateSpec | None, Part | None]:
    """At the start every form is a date; after a leading time (`trailing`) only forms that
    cannot be a title word: no month-first dates, no day alone, no bare abbreviated weekday."""
    fixed = _parse_fixed_date(scanner, trailing=trailing)
    if fixed is not None:
        return fixed, None
    if match := scanner.take(_RELATIVE):
        offset, part = RELATIVE_DAYS[" ".join(match["word"].lower().split())]
        if match["part"]:
            part = PART_WORDS[match["part"].lower()]
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
        return _DateSpec("fixed", int(match["d"]), MONTHS[match["mon"].lower()], year)
    if not trailing and (match := scanner.take(_MONTH_DAY_ONLY)):
        return _DateSpec("monthday", int(match["d"]))
    return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _parse_weekday(
    scanner: _Scanner, *, trailing: bool = False
) -> tuple[_DateSpec | None, Part | None]:
    mode: _WeekdayMode
    if match := scanner.take(_NEXT_WEEK_WEEKDAY) or scanner.take(_WEEKDAY_NEXT_WEEK):
        this = match["which"].lower() in ("deze", "this")
        mode = "this_week" if this else "next_week"
    elif match := scanner.take(_MODIFIER_WEEKDAY):
        modifier = match["mod"].lower()
        mode = (
            "bare"
            if modifier in ("this", "deze")
            else "next"
            if modifier == "next"
            else "after_today"
        )
    elif match := scanner.take(_FULL_WEEKDAY if trailing else _WEEKDAY):
        mode = "after_today" if match["mod"] else "bare"
    else:
        return None, None
    weekday = WEEKDAYS[match["wd"].lower()]
    part = PART_WORDS[match["part"].lower()] if match["part"] else None
    if mode == "bare" and not match["part"]:
        # "do 3 dec": the date decides, the weekday is checked against it.
        start = scanner.pos
        scanner.take(_COMMA)
        fixed = _parse_fixed_date(scanner)
        if fixed is not None:
            return replace(fixed, checked_weekday=weekday), None
        scanner.pos = start
    return _DateSpec("weekday", weekday=weekday, mode=mode), part


def _parse_day_part(scanner: _Scanner, *, bare: bool) -> Part | None:
    match = scanner.take(_DAY_PART) or (scanner.take(_BARE_DAY_PART) if bare else None)
    if not match:
        return None
    word = next(value for value in match.groupdict().values() if value)
    return PART_WORDS[word.lower()]


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
        return _TimeToken(HOUR_WORDS[match["h"].lower()], 0, explicit=False)
    if match := scanner.take(_HOUR_BEFORE_DAY_PART):
        return _TimeToken(int(match["h"]), 0, explicit=False)
    if bare and (match := scanner.take(_BARE_HOUR)):
        return _TimeToken(int(match["h"]), 0, explicit=False)
    return None


def _spoken_time(match: re.Match[str]) -> _TimeToken:
    """ "half acht" → 7:30, "kwart over 7" → 7:15, "tien voor half acht" → 7:20 (12-hour)."""
    hour_text = match["h"].lower()
    hour = int(hour_text) if hour_text.isdigit() else HOUR_WORDS[hour_text]
    if not 1 <= hour <= 12:
        return _TimeToken(hour, 0)  # left for the range check: IMPOSSIBLE
    total = hour * 60 - (30 if match["half"] or match["half2"] else 0)
    if match["dir"]:
        mins_text = match["mins"].lower()
        mins = {"kwart": 15, "quarter": 15, "half": 30}.get(mins_text)
        if mins is None:
            mins = int(mins_text) if mins_text.isdigit() else NUMBER_WORDS[mins_text]
        total += mins if match["dir"].lower() in ("over", "past") else -mins
    hour, minute = divmod(total % 720, 60)
    return _TimeToken(hour or 12, minute, _meridiem(match["mer"]), explicit=False)


def _meridiem(text: str | None) -> Literal["am", "pm"] | None:
    if not text:
        return None
    return "am" if text.lower().startswith("a") else "pm"


def _parse_trailing_date(scanner: _Scanner) -> tuple[_DateSpec | None, Part | None]:
    """A date after a leading time: "19:30 morgen", "7pm tomorrow", "10 uur op 3 december"."""
    start = scanner.pos
    connector = scanner.take(_TRAILING_CONNECTOR)
    # After "op"/"on" a month-first date is unmistakable: "at 2pm on December 10".
    said_on = connector is not None and connector.group().strip(" ,").lower() in ("op", "on")
    spec, part = _parse_date_core(scanner, trailing=not said_on)
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
    checked = _weekday_mismatch(spec, today) or _next_week_too(spec, today)
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


def _clocks(token: _TimeToken, part: Part | None) -> list[_Clock | None] | Problem:
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


def _next_week_too(spec: _DateSpec, today: date) -> _DateSpec | None:
    """ "next Friday" said on a Wednesday: this week's Friday, or next week's? Both are asked."""
    if spec.kind != "weekday" or spec.mode != "next" or spec.weekday <= today.weekday():
        return None
    return _DateSpec("weekday", weekday=spec.weekday, mode="next_week")


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
    if spec.day <= calendar.monthrange(today.year, spec.month)[1]:
        this_year = date(today.year, spec.month, spec.day)
        if today - RECENT_PAST <= this_year < today:
            return Problem.PAST  # "1 december" on 2 December: a slip, not next year's
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


# --- Length: an end time or a duration after the start ------------------------------------------

_END_TIME = re.compile(
    r"\s*(?:(?:[-–—]|tot|until|till|to)\s*(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?"
    r"|(?P<h2>\d{1,2})[:.](?P<m2>\d{2}))"
    r"(?:\s*(?:uur|u|h)(?!\w)|\s*(?P<mer>am|pm|a\.m\.|p\.m\.))?(?!\w)",
    FLAGS,
)
_DURATION = re.compile(
    r"\s*(?:duur\s*:?\s*|duration\s*:?\s*|for\s+|voor\s+)?"
    r"(?P<n>\d{1,2}(?:[.,]\d{1,2})?|anderhalf|een|één|an|one|half\s+an|a|twee|two|drie|three)\s*"
    r"(?P<unit>uur|u|h|hours?|hrs?|minuten|minuut|min|minutes?)(?!\w)",
    FLAGS,
)
_LENGTH_WORDS = {
    "anderhalf": 1.5, "een": 1, "één": 1, "an": 1, "a": 1, "one": 1, "twee": 2, "two": 2,
    "drie": 3, "three": 3, "half an": 0.5,
}  # fmt: skip
LONGEST = timedelta(hours=24)


def parse_length(text: str, start: datetime) -> tuple[timedelta | Problem | None, str]:
    """An end time ("-21:00", "tot 21 uur", "until 9.30") or a duration ("2 uur", "90 min",
    "anderhalf uur", "for 2 hours") at the START of `text`, the rest after a moment that
    `parse_moment` read. An end at or before the start is the next day ("22:00-01:00"). None when
    there is neither; Problem.IMPOSSIBLE for a clock value or length that cannot be."""
    scanner = _Scanner(text)
    if match := scanner.take(_END_TIME):
        hour, minute = int(match["h"] or match["h2"]), int(match["m"] or match["m2"] or 0)
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            return Problem.IMPOSSIBLE, text.strip()
        meridiem = _meridiem(match["mer"])
        if meridiem is not None:
            if not 1 <= hour <= 12:
                return Problem.IMPOSSIBLE, text.strip()
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        length = _until(start, hour, minute)
        if meridiem is None and 1 <= hour <= 12 and length > timedelta(hours=12):
            length = _until(start, hour + 12, minute)  # "19:00 tot 9": until 21:00
        return length, _rest(text, scanner.pos)
    if match := scanner.take(_DURATION):
        word = " ".join(match["n"].lower().split())
        amount = _LENGTH_WORDS.get(word) or float(word.replace(",", "."))
        minutes = amount * (60 if match["unit"].lower().startswith(("u", "h")) else 1)
        if not 0 < minutes <= LONGEST.total_seconds() // 60:
            return Problem.IMPOSSIBLE, text.strip()
        return timedelta(minutes=round(minutes)), _rest(text, scanner.pos)
    return None, text.strip()


def _until(start: datetime, hour: int, minute: int) -> timedelta:
    """Wall-clock time from `start` to the next `hour`:`minute` (24 is midnight)."""
    local = start.replace(tzinfo=None)
    end = datetime.combine(local.date(), time(hour % 24, minute))
    if end <= local:
        end += timedelta(days=1)
    return end - local
