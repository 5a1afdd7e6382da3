"""Dates, times and recurrences as typed in chat (bot.text.dates, .recurrence), on fixed clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Catalogs
from bot.handlers.meetings.rendering import describe_recurrence
from bot.text.dates import Moment, Problem, Unclear, parse_moment
from bot.text.recurrence import Recurrence, parse_recurrence

AMS = ZoneInfo("Europe/Amsterdam")


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A local Amsterdam wall-clock time (fold=0)."""
    return datetime(y, m, d, h, mi, tzinfo=AMS)


# The fixed clocks, given in UTC as the bot's clock gives them.
TUESDAY = at(2026, 11, 24, 10).astimezone(UTC)  # Tuesday 24 November 2026, 10:00
SUNDAY_EVENING = at(2026, 11, 29, 20).astimezone(UTC)  # Sunday 29 November 2026, 20:00
YEAR_END = at(2026, 12, 30, 10).astimezone(UTC)  # Wednesday 30 December 2026, 10:00
BEFORE_SPRING = at(2027, 3, 27, 12).astimezone(UTC)  # Saturday; clocks go forward on Sunday
BEFORE_AUTUMN = at(2026, 10, 24, 12).astimezone(UTC)  # Saturday; clocks go back on Sunday


def moment(text: str, now: datetime = TUESDAY, *, need_time: bool = True) -> tuple[datetime, str]:
    result, rest = parse_moment(text, now, AMS, need_time=need_time)
    assert isinstance(result, Moment), f"{text!r} gave {result}"
    assert result.start.tzinfo is AMS
    return result.start, rest


def unclear(text: str, now: datetime = TUESDAY, *, need_time: bool = True) -> tuple[Unclear, str]:
    result, rest = parse_moment(text, now, AMS, need_time=need_time)
    assert isinstance(result, Unclear), f"{text!r} gave {result}"
    return result, rest


def wall(value: datetime) -> tuple[int, int, int, int, int]:
    return value.year, value.month, value.day, value.hour, value.minute


# --- Moments on Tuesday 24 November 2026, 10:00 ---------------------------------------------------

READINGS = [
    # Dates with a month, numeric dates, years.
    ("3 december 19:30", (2026, 12, 3, 19, 30)),
    ("3 dec 19.30", (2026, 12, 3, 19, 30)),
    ("3 december om 19:30", (2026, 12, 3, 19, 30)),
    ("3-12 19:30", (2026, 12, 3, 19, 30)),
    ("3/12 om 14u", (2026, 12, 3, 14, 0)),
    ("03-12-2026 14:00", (2026, 12, 3, 14, 0)),
    ("2026-12-03 14:00", (2026, 12, 3, 14, 0)),
    ("2026-12-03T14:00", (2026, 12, 3, 14, 0)),
    ("3.12.2026 14:00", (2026, 12, 3, 14, 0)),
    ("3/12/26 14:00", (2026, 12, 3, 14, 0)),
    ("3 december 2026 19:30", (2026, 12, 3, 19, 30)),
    ("3 december 2026, 19:30", (2026, 12, 3, 19, 30)),
    ("3e december 19:30", (2026, 12, 3, 19, 30)),
    ("3 dec. 19:30", (2026, 12, 3, 19, 30)),
    ("3 DECEMBER 19:30", (2026, 12, 3, 19, 30)),
    ("op 3 december om 19:30", (2026, 12, 3, 19, 30)),
    ("December 3 7pm", (2026, 12, 3, 19, 0)),
    ("Dec 3rd, 2026 at 7pm", (2026, 12, 3, 19, 0)),
    ("3 Dec at 7:30 pm", (2026, 12, 3, 19, 30)),
    ("3rd of December at 7:30 pm", (2026, 12, 3, 19, 30)),
    ("3/4 14:00", (2027, 4, 3, 14, 0)),  # day/month, never ambiguous; April 3 has passed
    ("1/12 9:00", (2026, 12, 1, 9, 0)),
    ("24 november 14:00", (2026, 11, 24, 14, 0)),  # today, still ahead
    ("20 mei 14:00", (2027, 5, 20, 14, 0)),  # no year, half a year ago: the next occurrence
    ("29 februari 14:00", (2028, 2, 29, 14, 0)),  # the next leap year
    ("2 mei 10:00", (2027, 5, 2, 10, 0)),
    # Weekdays: bare is today only when the time is still ahead.
    ("do 14:00", (2026, 11, 26, 14, 0)),
    ("donderdag 14:00", (2026, 11, 26, 14, 0)),
    ("don 14u", (2026, 11, 26, 14, 0)),
    ("do. 14.00 uur", (2026, 11, 26, 14, 0)),
    ("thu 2pm", (2026, 11, 26, 14, 0)),
    ("Thursday at 2pm", (2026, 11, 26, 14, 0)),
    ("on Thursday at 2pm", (2026, 11, 26, 14, 0)),
    ("dinsdag 14:00", (2026, 11, 24, 14, 0)),
    ("dinsdag 9:30", (2026, 12, 1, 9, 30)),
    ("di 10:00", (2026, 12, 1, 10, 0)),  # exactly now is not ahead
    ("do 7 uur", (2026, 11, 26, 7, 0)),  # "uur" is a cue: 24-hour clock
    ("do 7:00", (2026, 11, 26, 7, 0)),
    ("do 7pm", (2026, 11, 26, 19, 0)),
    ("do 8", (2026, 11, 26, 8, 0)),  # 8..23 are never ambiguous
    ("do 19", (2026, 11, 26, 19, 0)),
    ("donderdag, 3 december 19:30", (2026, 12, 3, 19, 30)),
    ("do 3 dec 19:30", (2026, 12, 3, 19, 30)),
    ("Thursday, December 3rd, 2026 at 7pm", (2026, 12, 3, 19, 0)),
    ("volgende week dinsdag 9:30", (2026, 12, 1, 9, 30)),
    ("dinsdag volgende week 9:30", (2026, 12, 1, 9, 30)),
    ("next tuesday 9:30", (2026, 12, 1, 9, 30)),
    ("volgende week donderdag 14:00", (2026, 12, 3, 14, 0)),
    ("donderdag volgende week 14:00", (2026, 12, 3, 14, 0)),
    ("next week thursday 2pm", (2026, 12, 3, 14, 0)),
    ("thursday next week 2pm", (2026, 12, 3, 14, 0)),
    ("next monday 14:00", (2026, 11, 30, 14, 0)),  # Monday is in next week already
    ("volgende donderdag 14:00", (2026, 11, 26, 14, 0)),
    ("aanstaande vrijdag 10 uur", (2026, 11, 27, 10, 0)),
    ("komende vrijdag 10u", (2026, 11, 27, 10, 0)),
    ("a.s. vrijdag 10u", (2026, 11, 27, 10, 0)),
    ("vrijdag a.s. 10u", (2026, 11, 27, 10, 0)),
    ("coming friday 8pm", (2026, 11, 27, 20, 0)),
    ("aanstaande dinsdag 14:00", (2026, 12, 1, 14, 0)),  # never today
    ("deze vrijdag 10:00", (2026, 11, 27, 10, 0)),
    ("this friday 10:00", (2026, 11, 27, 10, 0)),
    ("deze week vrijdag 10:00", (2026, 11, 27, 10, 0)),
    ("donderdagavond 8 uur", (2026, 11, 26, 20, 0)),
    ("do avond 8 uur", (2026, 11, 26, 20, 0)),
    ("zondagmiddag 3 uur", (2026, 11, 29, 15, 0)),
    ("dinsdagmorgen 9u", (2026, 12, 1, 9, 0)),
    ("thursday evening 8", (2026, 11, 26, 20, 0)),
    ("do 8 's avonds", (2026, 11, 26, 20, 0)),
    # Relative days.
    ("vandaag 15:00", (2026, 11, 24, 15, 0)),
    ("vanavond 20:00", (2026, 11, 24, 20, 0)),
    ("vanavond 8 uur", (2026, 11, 24, 20, 0)),
    ("vanavond om 8", (2026, 11, 24, 20, 0)),
    ("vanavond half acht", (2026, 11, 24, 19, 30)),
    ("vanavond 12 uur", (2026, 11, 25, 0, 0)),  # midnight
    ("vanmiddag 3 uur", (2026, 11, 24, 15, 0)),
    ("vanmiddag 12:30", (2026, 11, 24, 12, 30)),
    ("vandaag 7", (2026, 11, 24, 19, 0)),  # 07:00 has passed, 19:00 is the only reading left
    ("morgen 10 uur", (2026, 11, 25, 10, 0)),
    ("morgen om 10", (2026, 11, 25, 10, 0)),
    ("morgenochtend 9u", (2026, 11, 25, 9, 0)),
    ("morgen ochtend 9u", (2026, 11, 25, 9, 0)),
    ("morgenvroeg 8u", (2026, 11, 25, 8, 0)),
    ("morgenavond 19:30", (2026, 11, 25, 19, 30)),
    ("morgen avond 8 uur", (2026, 11, 25, 20, 0)),
    ("morgen 's avonds half acht", (2026, 11, 25, 19, 30)),
    ("overmorgen 10:00", (2026, 11, 26, 10, 0)),
    ("Morgen 10 uur", (2026, 11, 25, 10, 0)),
    ("tomorrow 10am", (2026, 11, 25, 10, 0)),
    ("tomorrow morning 9", (2026, 11, 25, 9, 0)),
    ("tomorrow evening 7", (2026, 11, 25, 19, 0)),
    ("tomorrow night 11", (2026, 11, 25, 23, 0)),
    ("day after tomorrow 10am", (2026, 11, 26, 10, 0)),
    ("today 3pm", (2026, 11, 24, 15, 0)),
    ("this afternoon 3", (2026, 11, 24, 15, 0)),
    ("tonight 8pm", (2026, 11, 24, 20, 0)),
    ("tonight 8", (2026, 11, 24, 20, 0)),
    # Offsets: exact moments, and whole days as dates.
    ("in 2 uur", (2026, 11, 24, 12, 0)),
    ("over 30 minuten", (2026, 11, 24, 10, 30)),
    ("over een half uur", (2026, 11, 24, 10, 30)),
    ("over anderhalf uur", (2026, 11, 24, 11, 30)),
    ("over een kwartier", (2026, 11, 24, 10, 15)),
    ("in an hour", (2026, 11, 24, 11, 0)),
    ("in 90 minutes", (2026, 11, 24, 11, 30)),
    ("over 2 dagen 14:00", (2026, 11, 26, 14, 0)),
    ("over 2 weken 14:00", (2026, 12, 8, 14, 0)),
    ("in 3 days at 7pm", (2026, 11, 27, 19, 0)),
    # Times alone: today if still ahead, else tomorrow.
    ("19:30", (2026, 11, 24, 19, 30)),
    ("19.30", (2026, 11, 24, 19, 30)),
    ("19u30", (2026, 11, 24, 19, 30)),
    ("19h30", (2026, 11, 24, 19, 30)),
    ("19.30 uur", (2026, 11, 24, 19, 30)),
    ("19u", (2026, 11, 24, 19, 0)),
    ("14h", (2026, 11, 24, 14, 0)),
    ("11 uur", (2026, 11, 24, 11, 0)),
    ("10 uur", (2026, 11, 25, 10, 0)),  # 10:00 today is not ahead any more
    ("9 uur", (2026, 11, 25, 9, 0)),
    ("10 uur 's ochtends", (2026, 11, 25, 10, 0)),
    ("10 uur 's avonds", (2026, 11, 24, 22, 0)),
    ("half acht 's avonds", (2026, 11, 24, 19, 30)),
    ("kwart over 7 's avonds", (2026, 11, 24, 19, 15)),
    ("kwart voor 8 's avonds", (2026, 11, 24, 19, 45)),
    ("tien voor half acht 's avonds", (2026, 11, 24, 19, 20)),
    ("half negen", (2026, 11, 25, 8, 30)),
    ("kwart voor elf", (2026, 11, 24, 10, 45)),
    ("half een", (2026, 11, 24, 12, 30)),
    ("elf uur", (2026, 11, 24, 11, 0)),
    ("7pm", (2026, 11, 24, 19, 0)),
    ("7:30 pm", (2026, 11, 24, 19, 30)),
    ("7.30pm", (2026, 11, 24, 19, 30)),
    ("7:30 p.m.", (2026, 11, 24, 19, 30)),
    ("12 am", (2026, 11, 25, 0, 0)),
    ("12 pm", (2026, 11, 24, 12, 0)),
    ("12:30am", (2026, 11, 25, 0, 30)),
    ("morgen 12am", (2026, 11, 25, 0, 0)),
    ("quarter to 8 pm", (2026, 11, 24, 19, 45)),
    ("half past seven pm", (2026, 11, 24, 19, 30)),
    ("om 19:30", (2026, 11, 24, 19, 30)),
    ("@19:30", (2026, 11, 24, 19, 30)),
    ("'s avonds 8 uur", (2026, 11, 24, 20, 0)),
    ("8 's avonds", (2026, 11, 24, 20, 0)),
    ("8 in the evening", (2026, 11, 24, 20, 0)),
    ("7.30", (2026, 11, 25, 7, 30)),  # written minutes: a 24-hour clock time
    # A time first, then the date.
    ("19:30 morgen", (2026, 11, 25, 19, 30)),
    ("7pm tomorrow", (2026, 11, 25, 19, 0)),
    ("10 uur op 3 december", (2026, 12, 3, 10, 0)),
    ("om 10 uur op donderdag", (2026, 11, 26, 10, 0)),
    ("14:00 3 dec", (2026, 12, 3, 14, 0)),
    # The day of the month.
    ("12 om 19:30", (2026, 12, 12, 19, 30)),
    ("12 19:30", (2026, 12, 12, 19, 30)),
    ("de 12e om 19:30", (2026, 12, 12, 19, 30)),
    ("the 12th at 7pm", (2026, 12, 12, 19, 0)),
    ("de 24e om 14:00", (2026, 11, 24, 14, 0)),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_reads_a_moment(text: str, expected: tuple[int, int, int, int, int]) -> None:
    start, rest = moment(text)
    assert wall(start) == expected
    assert rest == ""


TITLES = [
    (
        "3 december 19:30 Atelierbijeenkomst over verhalen | Wijkcentrum De Pijp",
        (2026, 12, 3, 19, 30),
        "Atelierbijeenkomst over verhalen | Wijkcentrum De Pijp",
    ),
    ("do 14:00 mei bijeenkomst", (2026, 11, 26, 14, 0), "mei bijeenkomst"),
    ("3 december 19:30 mei", (2026, 12, 3, 19, 30), "mei"),
    ("19:30 Mei-overleg", (2026, 11, 24, 19, 30), "Mei-overleg"),
    ("19:30 ma en pa", (2026, 11, 24, 19, 30), "ma en pa"),
    ("19:30 Jan en Piet", (2026, 11, 24, 19, 30), "Jan en Piet"),
    ("19:30 morgen Atelier", (2026, 11, 25, 19, 30), "Atelier"),
    ("3 december, 19:30 uur - Atelier", (2026, 12, 3, 19, 30), "Atelier"),
    ("do. 14.00 uur: Atelier", (2026, 11, 26, 14, 0), "Atelier"),
    ("morgen 10 uur, Atelier", (2026, 11, 25, 10, 0), "Atelier"),
    ("in 2 uur Atelier", (2026, 11, 24, 12, 0), "Atelier"),
    ("om 19:30 Atelier", (2026, 11, 24, 19, 30), "Atelier"),
    ("'s avonds om half acht Atelier", (2026, 11, 24, 19, 30), "Atelier"),
    ("thu 2pm Reading group", (2026, 11, 26, 14, 0), "Reading group"),
    ("do 14:00 Do-it-yourself", (2026, 11, 26, 14, 0), "Do-it-yourself"),
]


@pytest.mark.parametrize(("text", "expected", "title"), TITLES)
def test_returns_the_rest_as_title(
    text: str, expected: tuple[int, int, int, int, int], title: str
) -> None:
    start, rest = moment(text)
    assert wall(start) == expected
    assert rest == title


OTHER_NOWS = [
    # Sunday evening, 20:00.
    (SUNDAY_EVENING, "zo 21:00", (2026, 11, 29, 21, 0)),
    (SUNDAY_EVENING, "zondag 19:00", (2026, 12, 6, 19, 0)),
    (SUNDAY_EVENING, "aanstaande zondag 21:00", (2026, 12, 6, 21, 0)),
    (SUNDAY_EVENING, "morgen 10 uur", (2026, 11, 30, 10, 0)),
    (SUNDAY_EVENING, "volgende week dinsdag 9:30", (2026, 12, 1, 9, 30)),
    (SUNDAY_EVENING, "dinsdag 9:30", (2026, 12, 1, 9, 30)),
    (SUNDAY_EVENING, "maandag volgende week 10:00", (2026, 11, 30, 10, 0)),
    (SUNDAY_EVENING, "next monday 10:00", (2026, 11, 30, 10, 0)),
    (SUNDAY_EVENING, "19:30", (2026, 11, 30, 19, 30)),
    (SUNDAY_EVENING, "vanavond 9 uur", (2026, 11, 29, 21, 0)),
    (SUNDAY_EVENING, "do 7", (2026, 12, 3, 7, 0)),  # candidates checked separately
    # 30 December: the year rolls over.
    (YEAR_END, "2 januari 14:00", (2027, 1, 2, 14, 0)),
    (YEAR_END, "2-1 14:00", (2027, 1, 2, 14, 0)),
    (YEAR_END, "31 december 23:00", (2026, 12, 31, 23, 0)),
    (YEAR_END, "30 december 14:00", (2026, 12, 30, 14, 0)),
    (YEAR_END, "1 januari 2027 0:00", (2027, 1, 1, 0, 0)),
    (YEAR_END, "December 31 11:59 pm", (2026, 12, 31, 23, 59)),
    (YEAR_END, "in 3 days 14:00", (2027, 1, 2, 14, 0)),
    (YEAR_END, "over 2 dagen 10 uur", (2027, 1, 1, 10, 0)),
    (YEAR_END, "volgende week maandag 10:00", (2027, 1, 4, 10, 0)),
    (YEAR_END, "vr 10u", (2027, 1, 1, 10, 0)),
    (YEAR_END, "de 2e om 14:00", (2027, 1, 2, 14, 0)),
    (YEAR_END, "31 om 12:00", (2026, 12, 31, 12, 0)),
    (YEAR_END, "9:00", (2026, 12, 31, 9, 0)),
]


@pytest.mark.parametrize(("now", "text", "expected"), OTHER_NOWS)
def test_reads_relative_to_now(
    now: datetime, text: str, expected: tuple[int, int, int, int, int]
) -> None:
    result, _ = parse_moment(text, now, AMS)
    start = result.start if isinstance(result, Moment) else result.candidates[0]
    assert wall(start) == expected


# --- Problems -------------------------------------------------------------------------------------

PROBLEMS = [
    (TUESDAY, "3 december 2025 19:30", Problem.PAST, ""),
    (TUESDAY, "3 december 2025 19:30 Atelier", Problem.PAST, "Atelier"),
    (TUESDAY, "2025-12-03 14:00", Problem.PAST, ""),
    (TUESDAY, "3-12-2025 14:00", Problem.PAST, ""),
    (TUESDAY, "24 november 9:00", Problem.PAST, ""),  # today's date is never moved a year
    (TUESDAY, "20 november 14:00", Problem.PAST, ""),  # nor a recent day: asked, not moved
    (TUESDAY, "1 oktober 10:00 Terugblik", Problem.PAST, "Terugblik"),
    (TUESDAY, "vandaag 9:00", Problem.PAST, ""),
    (TUESDAY, "vanochtend 9 uur", Problem.PAST, ""),
    (TUESDAY, "gisteren 14:00", Problem.PAST, ""),
    (TUESDAY, "yesterday 2pm", Problem.PAST, ""),
    (TUESDAY, "deze week maandag 10:00", Problem.PAST, ""),
    (SUNDAY_EVENING, "deze week zaterdag 10:00", Problem.PAST, ""),
    (YEAR_END, "30 december 9:00", Problem.PAST, ""),
    (YEAR_END, "3 januari 2026 14:00", Problem.PAST, ""),
    (TUESDAY, "3 december", Problem.NO_TIME, ""),
    (TUESDAY, "3 december Atelier", Problem.NO_TIME, "Atelier"),
    (TUESDAY, "3 december om Atelier", Problem.NO_TIME, "om Atelier"),
    (TUESDAY, "donderdag", Problem.NO_TIME, ""),
    (TUESDAY, "donderdag Atelier", Problem.NO_TIME, "Atelier"),
    (TUESDAY, "morgen", Problem.NO_TIME, ""),
    (TUESDAY, "vanavond", Problem.NO_TIME, ""),
    (TUESDAY, "volgende week dinsdag", Problem.NO_TIME, ""),
    (TUESDAY, "over 2 dagen", Problem.NO_TIME, ""),
    (TUESDAY, "25", Problem.NO_TIME, ""),  # only a day of the month
    (TUESDAY, "volgende week 14:00", Problem.NO_DATE, ""),
    (TUESDAY, "next week at 2pm Atelier", Problem.NO_DATE, "Atelier"),
    (TUESDAY, "volgende week", Problem.NO_DATE, ""),
    (TUESDAY, "31 februari 19:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "31 februari", Problem.IMPOSSIBLE, ""),  # before NO_TIME
    (TUESDAY, "31 april 10:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "30-2 10:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "13/25 14:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "29 februari 2027 14:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "25:00", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "19:75", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "13pm", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "0am", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "3 december 25 uur", Problem.IMPOSSIBLE, ""),
    (BEFORE_SPRING, "morgen 2:30", Problem.IMPOSSIBLE, ""),
    (BEFORE_SPRING, "28 maart 2027 2:30", Problem.IMPOSSIBLE, ""),
    (BEFORE_SPRING, "morgen 2 uur", Problem.IMPOSSIBLE, ""),
    (TUESDAY, "", Problem.UNREADABLE, ""),
    (TUESDAY, "   ", Problem.UNREADABLE, ""),
    (TUESDAY, "Atelier", Problem.UNREADABLE, "Atelier"),
    (TUESDAY, "Atelier 3 december 19:30", Problem.UNREADABLE, "Atelier 3 december 19:30"),
    (TUESDAY, "mei", Problem.UNREADABLE, "mei"),
    (TUESDAY, "om Atelier", Problem.UNREADABLE, "om Atelier"),
    (TUESDAY, "14-16 uur", Problem.UNREADABLE, "14-16 uur"),
]


@pytest.mark.parametrize(("now", "text", "problem", "rest"), PROBLEMS)
def test_reports_problems(now: datetime, text: str, problem: Problem, rest: str) -> None:
    result, remainder = unclear(text, now)
    assert result.problem is problem
    assert result.candidates == ()
    assert remainder == rest


AMBIGUOUS = [
    ("next thursday 14:00", [(2026, 11, 26, 14, 0), (2026, 12, 3, 14, 0)]),  # said on Tuesday
    ("do 7", [(2026, 11, 26, 7, 0), (2026, 11, 26, 19, 0)]),
    ("3 december 7", [(2026, 12, 3, 7, 0), (2026, 12, 3, 19, 0)]),
    ("half acht", [(2026, 11, 24, 19, 30), (2026, 11, 25, 7, 30)]),
    ("kwart over 7", [(2026, 11, 24, 19, 15), (2026, 11, 25, 7, 15)]),
    ("om 7", [(2026, 11, 24, 19, 0), (2026, 11, 25, 7, 0)]),
    ("zeven uur", [(2026, 11, 24, 19, 0), (2026, 11, 25, 7, 0)]),
    ("morgen om half acht", [(2026, 11, 25, 7, 30), (2026, 11, 25, 19, 30)]),
    ("12", [(2026, 11, 24, 12, 0), (2026, 12, 12, 0, 0)]),  # noon, or the 12th
    ("7", [(2026, 11, 24, 19, 0), (2026, 11, 25, 7, 0), (2026, 12, 7, 0, 0)]),
    ("wo 3 dec 19:30", [(2026, 11, 25, 19, 30), (2026, 12, 3, 19, 30)]),
    ("vrijdag 3 december 14:00", [(2026, 11, 27, 14, 0), (2026, 12, 3, 14, 0)]),
]


@pytest.mark.parametrize(("text", "candidates"), AMBIGUOUS)
def test_offers_candidates_when_ambiguous(
    text: str, candidates: list[tuple[int, int, int, int, int]]
) -> None:
    result, _ = unclear(text)
    assert result.problem is Problem.AMBIGUOUS
    assert [wall(c) for c in result.candidates] == candidates
    assert all(c.tzinfo is AMS for c in result.candidates)


def test_ambiguous_keeps_the_title() -> None:
    result, rest = unclear("do 7 Atelier")
    assert result.problem is Problem.AMBIGUOUS
    assert rest == "Atelier"


def test_ambiguous_on_sunday_evening() -> None:
    result, _ = unclear("do 7", SUNDAY_EVENING)
    assert [wall(c) for c in result.candidates] == [(2026, 12, 3, 7, 0), (2026, 12, 3, 19, 0)]


DATE_ONLY = [
    ("3 december", (2026, 12, 3, 0, 0), ""),
    ("do", (2026, 11, 26, 0, 0), ""),
    ("dinsdag", (2026, 12, 1, 0, 0), ""),  # a bare weekday without a time is never today
    ("vandaag", (2026, 11, 24, 0, 0), ""),
    ("vanavond", (2026, 11, 24, 0, 0), ""),
    ("morgen Atelier", (2026, 11, 25, 0, 0), "Atelier"),
    ("25", (2026, 11, 25, 0, 0), ""),
    ("over 2 weken", (2026, 12, 8, 0, 0), ""),
    ("3 december 19:30", (2026, 12, 3, 19, 30), ""),
]


@pytest.mark.parametrize(("text", "expected", "title"), DATE_ONLY)
def test_reads_a_date_when_no_time_is_needed(
    text: str, expected: tuple[int, int, int, int, int], title: str
) -> None:
    start, rest = moment(text, need_time=False)
    assert wall(start) == expected
    assert rest == title


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gisteren", Problem.PAST),
        ("31 februari", Problem.IMPOSSIBLE),
        ("volgende week", Problem.NO_DATE),
        ("12", Problem.AMBIGUOUS),
        ("Atelier", Problem.UNREADABLE),
    ],
)
def test_date_only_problems(text: str, problem: Problem) -> None:
    result, _ = unclear(text, need_time=False)
    assert result.problem is problem


# --- Daylight saving time -------------------------------------------------------------------------

DST_READINGS = [
    (BEFORE_SPRING, "vandaag 14:00", (2027, 3, 27, 14, 0), 1),
    (BEFORE_SPRING, "morgen 14:00", (2027, 3, 28, 14, 0), 2),
    (BEFORE_SPRING, "zo 3:00", (2027, 3, 28, 3, 0), 2),
    (BEFORE_SPRING, "morgen 1:59", (2027, 3, 28, 1, 59), 1),
    (BEFORE_SPRING, "in 24 uur", (2027, 3, 28, 13, 0), 2),  # 24 real hours
    (BEFORE_SPRING, "zo 2", (2027, 3, 28, 14, 0), 2),  # 02:00 does not exist that night
    (BEFORE_AUTUMN, "morgen 2:30", (2026, 10, 25, 2, 30), 2),  # occurs twice: the first
    (BEFORE_AUTUMN, "morgen 1:30", (2026, 10, 25, 1, 30), 2),
    (BEFORE_AUTUMN, "morgen 3:00", (2026, 10, 25, 3, 0), 1),
    (BEFORE_AUTUMN, "morgen 14:00", (2026, 10, 25, 14, 0), 1),
    (BEFORE_AUTUMN, "in 24 uur", (2026, 10, 25, 11, 0), 1),
]


@pytest.mark.parametrize(("now", "text", "expected", "offset_hours"), DST_READINGS)
def test_wall_clock_times_across_dst(
    now: datetime, text: str, expected: tuple[int, int, int, int, int], offset_hours: int
) -> None:
    start, _ = moment(text, now)
    assert wall(start) == expected
    assert start.utcoffset() == timedelta(hours=offset_hours)


def test_autumn_fold_takes_summer_time() -> None:
    start, _ = moment("morgen 2:30", BEFORE_AUTUMN)
    assert start.fold == 0
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_other_zones_and_local_nows() -> None:
    new_york = ZoneInfo("America/New_York")
    result, _ = parse_moment("3 december 19:30", TUESDAY, new_york)
    assert isinstance(result, Moment)
    assert result.start.utcoffset() == timedelta(hours=-5)
    assert wall(result.start) == (2026, 12, 3, 19, 30)
    local_now = TUESDAY.astimezone(AMS)
    assert parse_moment("19:30", local_now, AMS) == parse_moment("19:30", TUESDAY, AMS)


def test_offsets_drop_seconds() -> None:
    start, _ = moment("over 30 minuten", TUESDAY + timedelta(seconds=42, microseconds=7))
    assert (start.second, start.microsecond) == (0, 0)
    assert wall(start) == (2026, 11, 24, 10, 30)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_moment("19:30", datetime(2026, 11, 24, 10, 0), AMS)


# --- Recurrence: finding phrases ------------------------------------------------------------------

PHRASES = [
    ("elke 4e donderdag 19:30 Atelier", "M4TH", "19:30 Atelier"),
    ("elke vierde donderdag van de maand", "M4TH", ""),
    ("Atelier, iedere laatste vrijdag van de maand", "M-1FR", "Atelier"),
    ("elke laatste vrijdag", "M-1FR", ""),
    ("elke eerste maandag van de maand om 20:00", "M1MO", "om 20:00"),
    ("de 2e dinsdag van elke maand", "M2TU", ""),
    ("elke vijfde zondag", "M5SU", ""),
    ("maandelijks op de 3e woensdag", "M3WE", ""),
    ("elke 2 maanden op de 3e woensdag", "M3WE/2", ""),
    ("elke 2 weken", "W2", ""),
    ("Atelier elke twee weken op dinsdag", "W2TU", "Atelier"),
    ("wekelijks", "W1", ""),
    ("Wekelijks op donderdag: Atelier", "W1TH", "Atelier"),
    ("tweewekelijks", "W2", ""),
    ("drie-wekelijks", "W3", ""),
    ("om de week", "W2", ""),
    ("om de 3 weken", "W3", ""),
    ("elke week", "W1", ""),
    ("iedere week op woensdag", "W1WE", ""),
    ("elke donderdag 14:00", "W1TH", "14:00"),
    ("maandelijks op de 15e", "D15", ""),
    ("elke maand op de 1e", "D1", ""),
    ("elke 15e van de maand", "D15", ""),
    ("op de 15e van elke maand", "D15", ""),
    ("every 2 weeks", "W2", ""),
    ("every other week on Monday", "W2MO", ""),
    ("Reading group, every last friday", "M-1FR", "Reading group"),
    ("every first Monday of the month", "M1MO", ""),
    ("the last friday of every month", "M-1FR", ""),
    ("monthly on the 2nd tuesday", "M2TU", ""),
    ("monthly on the 15th", "D15", ""),
    ("every month on the 1st", "D1", ""),
    ("weekly", "W1", ""),
    ("fortnightly", "W2", ""),
    ("every Thursday at 2pm", "W1TH", "at 2pm"),
]


@pytest.mark.parametrize(("text", "rule", "rest"), PHRASES)
def test_finds_recurrence_phrases(text: str, rule: str, rest: str) -> None:
    recurrence, remainder = parse_recurrence(text)
    assert recurrence is not None
    assert recurrence.to_rule() == rule
    assert remainder == rest


@pytest.mark.parametrize(
    "text",
    ["", "Atelier over verhalen", "elke 0 weken", "elke 32e van de maand", "maandelijks"],
)
def test_no_recurrence_leaves_the_text(text: str) -> None:
    assert parse_recurrence(text) == (None, text)


def test_recurrence_then_moment() -> None:
    recurrence, rest = parse_recurrence("elke 4e donderdag 19:30 Atelier")
    assert recurrence == Recurrence("monthly_nth_weekday", weekday=3, nth=4)
    start, title = moment(rest)
    assert (wall(start), title) == ((2026, 11, 24, 19, 30), "Atelier")


# --- Recurrence: rules, descriptions, RRULE -------------------------------------------------------

_CATALOGS = Catalogs()
RULES = [
    # rule, Recurrence, Dutch, English, RRULE
    ("W1", Recurrence("weekly"), "elke week", "every week", "FREQ=WEEKLY"),
    (
        "W2",
        Recurrence("weekly", 2),
        "elke 2 weken",
        "every 2 weeks",
        "FREQ=WEEKLY;INTERVAL=2",
    ),
    (
        "W1TH",
        Recurrence("weekly", weekday=3),
        "elke donderdag",
        "every Thursday",
        "FREQ=WEEKLY;BYDAY=TH",
    ),
    (
        "W2TU",
        Recurrence("weekly", 2, weekday=1),
        "elke 2 weken op dinsdag",
        "every 2 weeks on Tuesday",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    ),
    (
        "M4TH",
        Recurrence("monthly_nth_weekday", weekday=3, nth=4),
        "elke 4e donderdag van de maand",
        "every 4th Thursday of the month",
        "FREQ=MONTHLY;BYDAY=4TH",
    ),
    (
        "M-1FR",
        Recurrence("monthly_nth_weekday", weekday=4, nth=-1),
        "elke laatste vrijdag van de maand",
        "every last Friday of the month",
        "FREQ=MONTHLY;BYDAY=-1FR",
    ),
    (
        "M1MO",
        Recurrence("monthly_nth_weekday", weekday=0, nth=1),
        "elke 1e maandag van de maand",
        "every 1st Monday of the month",
        "FREQ=MONTHLY;BYDAY=1MO",
    ),
    (
        "M3WE/2",
        Recurrence("monthly_nth_weekday", 2, weekday=2, nth=3),
        "elke 2 maanden op de 3e woensdag",
        "every 2 months on the 3rd Wednesday",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=3WE",
    ),
    (
        "D15",
        Recurrence("monthly_day", day=15),
        "elke maand op de 15e",
        "every month on the 15th",
        "FREQ=MONTHLY;BYMONTHDAY=15",
    ),
    (
        "D22/3",
        Recurrence("monthly_day", 3, day=22),
        "elke 3 maanden op de 22e",
        "every 3 months on the 22nd",
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=22",
    ),
]


@pytest.mark.parametrize(("rule", "recurrence", "dutch", "english", "rrule"), RULES)
def test_rules_descriptions_and_rrules(
    rule: str, recurrence: Recurrence, dutch: str, english: str, rrule: str
) -> None:
    assert recurrence.to_rule() == rule
    assert Recurrence.from_rule(rule) == recurrence
    assert Recurrence.from_rule(rule.lower()) == recurrence
    assert describe_recurrence(_CATALOGS.translator("nl"), recurrence) == dutch
    assert describe_recurrence(_CATALOGS.translator("nl-BE"), recurrence) == dutch
    assert describe_recurrence(_CATALOGS.translator("en"), recurrence) == english
    assert recurrence.rrule() == rrule


@pytest.mark.parametrize(
    "rule", ["", "X", "W", "W0", "W2/2", "M6TH", "M0TH", "M4XX", "M4", "D0", "D32", "D15/0"]
)
def test_from_rule_rejects_nonsense(rule: str) -> None:
    with pytest.raises(ValueError, match="rule"):
        Recurrence.from_rule(rule)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Recurrence("weekly", 0),
        lambda: Recurrence("weekly", weekday=7),
        lambda: Recurrence("monthly_nth_weekday", weekday=3),
        lambda: Recurrence("monthly_nth_weekday", weekday=3, nth=6),
        lambda: Recurrence("monthly_day"),
        lambda: Recurrence("monthly_day", day=32),
    ],
)
def test_invalid_recurrences_are_refused(build: object) -> None:
    assert callable(build)
    with pytest.raises(ValueError):
        build()


# --- Recurrence: next occurrences -----------------------------------------------------------------

SEQUENCES = [
    # rule, first local moment, the following local dates
    ("W1", at(2026, 11, 24, 19, 30), [(2026, 12, 1), (2026, 12, 8), (2026, 12, 15)]),
    ("W2", at(2026, 12, 23, 19, 30), [(2027, 1, 6), (2027, 1, 20), (2027, 2, 3)]),
    ("W2TH", at(2026, 11, 24, 19, 0), [(2026, 11, 26), (2026, 12, 10), (2026, 12, 24)]),
    (
        "M4TH",
        at(2026, 11, 26, 19, 30),
        [(2026, 12, 24), (2027, 1, 28), (2027, 2, 25), (2027, 3, 25), (2027, 4, 22)],
    ),
    ("M4TH", at(2026, 11, 24, 10, 0), [(2026, 11, 26), (2026, 12, 24)]),  # from any moment
    (
        "M-1FR",
        at(2026, 11, 27, 19, 30),
        [(2026, 12, 25), (2027, 1, 29), (2027, 2, 26), (2027, 3, 26)],
    ),
    (
        "M5TH",  # months without a 5th Thursday are skipped
        at(2026, 10, 29, 19, 30),
        [(2026, 12, 31), (2027, 4, 29), (2027, 7, 29), (2027, 9, 30), (2027, 12, 30)],
    ),
    ("M1MO", at(2026, 12, 7, 20, 0), [(2027, 1, 4), (2027, 2, 1), (2027, 3, 1)]),
    ("M2TU/3", at(2026, 11, 10, 20, 0), [(2027, 2, 9), (2027, 5, 11), (2027, 8, 10)]),
    ("D15", at(2026, 11, 15, 20, 0), [(2026, 12, 15), (2027, 1, 15), (2027, 2, 15)]),
    ("D31", at(2027, 1, 31, 10, 0), [(2027, 3, 31), (2027, 5, 31), (2027, 7, 31), (2027, 8, 31)]),
    ("D15/2", at(2026, 11, 15, 20, 0), [(2027, 1, 15), (2027, 3, 15), (2027, 5, 15)]),
]


@pytest.mark.parametrize(("rule", "first", "following"), SEQUENCES)
def test_next_occurrences(
    rule: str, first: datetime, following: list[tuple[int, int, int]]
) -> None:
    recurrence = Recurrence.from_rule(rule)
    previous, found = first, []
    for _ in following:
        previous = recurrence.next_after(previous, AMS)
        assert (previous.hour, previous.minute) == (first.hour, first.minute)
        found.append((previous.year, previous.month, previous.day))
    assert found == following


def test_weekly_series_keeps_wall_clock_across_both_dst_changes() -> None:
    weekly = Recurrence("weekly")
    moment_ = at(2026, 10, 11, 14, 0)
    seen: list[tuple[int, int, int, int]] = []
    while moment_ < at(2027, 4, 12):
        moment_ = weekly.next_after(moment_, AMS)
        assert (moment_.hour, moment_.minute) == (14, 0)
        offset = moment_.utcoffset()
        assert offset is not None
        seen.append((moment_.month, moment_.day, moment_.hour, int(offset.total_seconds()) // 3600))
    assert seen[:3] == [(10, 18, 14, 2), (10, 25, 14, 1), (11, 1, 14, 1)]
    assert (3, 21, 14, 1) in seen and (3, 28, 14, 2) in seen
    assert len(seen) == 27


def test_next_after_uses_the_local_wall_clock_of_previous() -> None:
    previous = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)  # 19:30 in Amsterdam
    following = Recurrence("weekly").next_after(previous, AMS)
    assert following.tzinfo is AMS
    assert wall(following) == (2026, 12, 3, 19, 30)


def test_next_after_moves_a_time_in_the_spring_gap_forward() -> None:
    following = Recurrence("weekly").next_after(at(2027, 3, 21, 2, 30), AMS)
    assert wall(following) == (2027, 3, 28, 3, 30)
    assert following.utcoffset() == timedelta(hours=2)


def test_next_after_takes_the_first_of_a_repeated_time() -> None:
    following = Recurrence("weekly").next_after(at(2026, 10, 18, 2, 30), AMS)
    assert wall(following) == (2026, 10, 25, 2, 30)
    assert following.utcoffset() == timedelta(hours=2)


FIRST_OCCURRENCES = [
    ("M4TH", at(2026, 11, 24, 19, 30), (2026, 11, 26, 19, 30)),
    ("M4TH", at(2026, 11, 26, 19, 30), (2026, 11, 26, 19, 30)),
    ("W1TH", at(2026, 11, 24, 19, 30), (2026, 11, 26, 19, 30)),
    ("W2", at(2026, 11, 24, 19, 30), (2026, 11, 24, 19, 30)),
    ("M-1FR", at(2026, 11, 28, 10, 0), (2026, 12, 25, 10, 0)),
    ("D15", at(2026, 11, 24, 19, 30), (2026, 12, 15, 19, 30)),
]


@pytest.mark.parametrize(("rule", "start", "expected"), FIRST_OCCURRENCES)
def test_first_on_or_after_aligns_a_parsed_start(
    rule: str, start: datetime, expected: tuple[int, int, int, int, int]
) -> None:
    assert wall(Recurrence.from_rule(rule).first_on_or_after(start, AMS)) == expected
