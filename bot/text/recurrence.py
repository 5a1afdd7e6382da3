"""Recurrences the way people type them in chat ("elke 4e donderdag", "every 2 weeks").

`parse_recurrence` finds one phrase anywhere in the text ("elke 4e donderdag",
"iedere laatste vrijdag van de maand", "elke 2 weken", "wekelijks", "tweewekelijks",
"maandelijks op de 15e", "every 2 weeks", "every last friday", ...). `Recurrence` computes
the next occurrence at the same local wall-clock time and stores as a compact rule (see
`Recurrence.to_rule`) or an RFC 5545 RRULE value. Its wording lives in the catalogs
(bot/handlers/meetings/rendering.py describes it).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.text.vocabulary import (
    FLAGS,
    FULL_WD,
    FULL_WEEKDAYS,
    NUM,
    NUMBER_WORDS,
    ORDINAL_SUFFIX,
    alternation,
)

__all__ = ["Recurrence", "RecurrenceKind", "parse_recurrence"]

# --- Recurrence -------------------------------------------------------------------------------

RecurrenceKind = Literal["weekly", "monthly_nth_weekday", "monthly_day"]
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
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
            if self.day is None:
                raise RuntimeError("a monthly rule by date needs its day")
            return date(year, month, self.day) if self.day <= length else None
        if self.weekday is None or self.nth is None:
            raise RuntimeError("a monthly rule by weekday needs the weekday and its number")
        if self.nth == -1:
            last = date(year, month, length)
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        first = date(year, month, 1)
        day = 1 + (self.weekday - first.weekday()) % 7 + 7 * (self.nth - 1)
        return date(year, month, day) if day <= length else None

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
        if self.weekday is None:
            raise RuntimeError("a weekly rule needs its weekday")
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


# --- Recurrence phrases -----------------------------------------------------------------------

_EVERY = r"(?:elke|iedere|ieder|every|each)"
_ORDINAL_WORDS: dict[str, int] = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "laatste": -1,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
}  # fmt: skip
_NTH = rf"(?:(?P<num>[1-5]){ORDINAL_SUFFIX}?|(?P<word>{alternation(_ORDINAL_WORDS)}))"
_DAY_NAME = rf"(?P<wd>{FULL_WD})"
_OF_MONTH = (
    r"(?:\s+(?:van\s+de|van\s+elke|van\s+iedere|of\s+the|of\s+every|of\s+each)\s+(?:maand|month))"
)
_MONTHLY = (
    rf"(?:maandelijks|monthly|{_EVERY}\s+(?:maand|month)"
    rf"|{_EVERY}\s+(?P<months>\d+)\s+(?:maanden|months))"
)
_ON_THE = r"\s+(?:op\s+(?:de\s+)?|on\s+the\s+|on\s+)"
_ON_DAY = rf"(?:\s+(?:op|on)\s+{_DAY_NAME})"
_COUNT = rf"(?P<count>\d+|{NUM}|other)"
_MONTH_DAY_NUMBER = rf"(?P<day>[1-9]|[12]\d|3[01]){ORDINAL_SUFFIX}"

_DAY_PART_GLUED = (
    r"(?:(?P<nl_part>ochtend|morgen|middag|avond)|\s+(?P<en_part>morning|afternoon|evening|night))?"
)
_KEEP_DAY_PART = {
    "ochtend": "'s ochtends", "morgen": "'s morgens", "middag": "'s middags", "avond": "'s avonds",
    "morning": "in the morning", "afternoon": "in the afternoon", "evening": "in the evening",
    "night": "at night",
}  # fmt: skip
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
    ("weekly", rf"(?:{_EVERY}\s+(?P<count2>other|andere)|om\s+de(?:\s+andere)?(?P<other2>))"
     rf"\s+{_DAY_NAME}{_DAY_PART_GLUED}"),
    ("weekly", rf"{_EVERY}\s+{_DAY_NAME}{_DAY_PART_GLUED}"),
)  # fmt: skip
_RECURRENCE_PATTERNS = tuple(
    (kind, re.compile(rf"\b{source}(?!\w)", FLAGS)) for kind, source in _RECURRENCE_SOURCES
)


def parse_recurrence(text: str) -> tuple[Recurrence | None, str]:
    """Find a recurrence phrase anywhere in `text` (the earliest; the longest at that place).

    Returns it and the text with the phrase removed, or (None, text) when there is none."""
    best: tuple[int, int, Recurrence, str] | None = None
    for kind, pattern in _RECURRENCE_PATTERNS:
        for match in pattern.finditer(text):
            recurrence = _recurrence_from(kind, match.groupdict())
            if recurrence is None:
                continue
            if best is None or (match.start(), -match.end()) < (best[0], -best[1]):
                part = match.groupdict().get("nl_part") or match.groupdict().get("en_part")
                kept = _KEEP_DAY_PART[part.lower()] if part else ""
                best = (match.start(), match.end(), recurrence, kept)
            break
    if best is None:
        return None, text
    start, end, recurrence, kept = best
    left, right = text[:start].rstrip(), text[end:].lstrip()
    if kept:  # "iedere dinsdagavond 8 uur": the evening still decides the time
        right = f"{kept} {right}" if right else kept
    return recurrence, (f"{left} {right}" if left and right else left or right).strip(" ,;:")


def _recurrence_from(kind: RecurrenceKind, groups: Mapping[str, str | None]) -> Recurrence | None:
    """The recurrence a matched phrase stands for; None when its numbers make no sense."""
    name, months = groups.get("wd"), groups.get("months")
    weekday = FULL_WEEKDAYS[name.lower()] if name else None
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
    if groups.get("other") or groups.get("fortnight") or groups.get("count2"):
        return 2
    if groups.get("other2") is not None:
        return 2
    prefix = groups.get("prefix")
    if prefix:
        return NUMBER_WORDS[prefix.lower()]
    count = (groups.get("count") or "").lower()
    if not count:
        return 1
    if count == "other":
        return 2
    return int(count) if count.isdigit() else NUMBER_WORDS.get(count, 0)
