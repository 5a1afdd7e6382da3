"""The date phrases of bench/date_phrases.py (tuning half) read right; the bench prints both
halves' scores."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.date_phrases import NOW, TUNING
from bench.dates import wrong
from bot.text.dates import Moment, Problem, Unclear, parse_answer, parse_length
from bot.text.recurrence import Recurrence, parse_recurrence


def test_the_tuning_phrases_read_right() -> None:
    assert wrong(TUNING) == []


@pytest.mark.parametrize(
    ("text", "recurrence", "rest"),
    [
        ("iedere dinsdagavond 8 uur Intervisie", Recurrence("weekly", weekday=1),
         "'s avonds 8 uur Intervisie"),
        ("every other Tuesday 19:30 Reading", Recurrence("weekly", 2, weekday=1), "19:30 Reading"),
        ("every Tuesday evening at 8 Reading", Recurrence("weekly", weekday=1),
         "in the evening at 8 Reading"),
        ("om de andere donderdag 19:30 X", Recurrence("weekly", 2, weekday=3), "19:30 X"),
    ],
)  # fmt: skip
def test_recurrences_with_day_parts_and_every_other(
    text: str, recurrence: Recurrence, rest: str
) -> None:
    assert parse_recurrence(text) == (recurrence, rest)


@pytest.mark.parametrize(
    ("text", "length", "rest"),
    [
        ("-21:00 Intervisie", timedelta(hours=1, minutes=30), "Intervisie"),
        ("tot 21 uur", timedelta(hours=1, minutes=30), ""),
        ("until 9.30 pm X", timedelta(hours=2), "X"),
        ("tot 9", timedelta(hours=1, minutes=30), ""),
        ("- 22:00", timedelta(hours=2, minutes=30), ""),
        ("2 uur Intervisie", timedelta(hours=2), "Intervisie"),
        ("90 min", timedelta(minutes=90), ""),
        ("anderhalf uur", timedelta(minutes=90), ""),
        ("for 2 hours Reading", timedelta(hours=2), "Reading"),
        ("Intervisie", None, "Intervisie"),
        ("2 weken", None, "2 weken"),
        ("30 uur", Problem.IMPOSSIBLE, "30 uur"),
        ("-25:00", Problem.IMPOSSIBLE, "-25:00"),
    ],
)
def test_end_times_and_durations(text: str, length: object, rest: str) -> None:
    start = NOW.replace(hour=19, minute=30)
    assert parse_length(text, start) == (length, rest)


AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=AMSTERDAM)
MORNING_OR_EVENING = (
    datetime(2026, 12, 3, 7, 0, tzinfo=AMSTERDAM),
    datetime(2026, 12, 3, 19, 0, tzinfo=AMSTERDAM),
)
TWO_DAYS = (
    datetime(2026, 12, 2, 19, 30, tzinfo=AMSTERDAM),
    datetime(2026, 12, 3, 19, 30, tzinfo=AMSTERDAM),
)


@pytest.mark.parametrize(
    ("typed", "readings", "read"),
    [
        ("19:00", MORNING_OR_EVENING, datetime(2026, 12, 3, 19, 0, tzinfo=AMSTERDAM)),
        ("7pm", MORNING_OR_EVENING, datetime(2026, 12, 3, 19, 0, tzinfo=AMSTERDAM)),
        ("om 19.30", MORNING_OR_EVENING, datetime(2026, 12, 3, 19, 30, tzinfo=AMSTERDAM)),
        ("3 december", TWO_DAYS, datetime(2026, 12, 3, 19, 30, tzinfo=AMSTERDAM)),
        ("Dec 3rd", TWO_DAYS, datetime(2026, 12, 3, 19, 30, tzinfo=AMSTERDAM)),
        ("vrijdag 20:00", MORNING_OR_EVENING, datetime(2026, 12, 4, 20, 0, tzinfo=AMSTERDAM)),
        ("19:00", (), datetime(2026, 12, 2, 19, 0, tzinfo=AMSTERDAM)),
    ],
)
def test_an_answer_is_read_against_the_readings_it_answers(
    typed: str, readings: tuple[datetime, ...], read: datetime
) -> None:
    result, rest = parse_answer(typed, WEDNESDAY, AMSTERDAM, readings)
    assert (result, rest) == (Moment(read), "")


def test_an_answer_that_fits_each_day_asked_about_is_asked_again() -> None:
    result, _rest = parse_answer("20:00", WEDNESDAY, AMSTERDAM, TWO_DAYS)
    assert isinstance(result, Unclear) and result.problem is Problem.AMBIGUOUS
    assert [c.day for c in result.candidates] == [2, 3]


def test_an_answer_in_the_past_on_the_day_asked_about_is_past() -> None:
    today = (datetime(2026, 12, 2, 7, 0, tzinfo=AMSTERDAM), WEDNESDAY.replace(hour=19))
    result, _rest = parse_answer("08:00", WEDNESDAY, AMSTERDAM, today)
    assert result == Unclear(Problem.PAST)
