"""Meetings planned in one line the way coordinators type them (issue 18): one question for what
is unclear, lengths, `publiek:` anywhere, and the meeting to change or cancel asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.core.clock import ManualClock
from tests.harness import Harness, Replies

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam


@pytest.fixture
async def atelier(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(WEDNESDAY))
    await harness.introduced()
    yield harness
    await harness.close()


def _event(replies: Replies):  # type: ignore[no-untyped-def]
    attachment = next(r.attachment for r in replies if r.attachment is not None)
    return next(c for c in Calendar.from_ical(attachment.content).walk("VEVENT"))


async def _agenda(atelier: Harness) -> str:
    return (await atelier.member("Anna").says("/agenda")).text


async def test_a_past_day_without_a_year_is_asked_about_once(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst 1 december 10:00 Terugblik")
    assert len(replies) == 1
    assert "al voorbij" in replies.text and "vraag 1 van 1" in replies.text
    assert "2027" not in replies.text and "geen bijeenkomsten" in await _agenda(atelier)
    done = await coco.says("3 december 10:00")
    assert "#1" in done.text and "Terugblik" in done.text
    assert "donderdag 3 december 2026 om 10:00" in done.text


async def test_an_hour_that_may_be_morning_or_evening_is_one_question_with_buttons(
    atelier: Harness,
) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst do 7 Ontbijtsessie")
    assert len(replies) == 1 and "vraag 1 van 1" in replies.text
    labels = [b.label for b in replies.buttons]
    assert labels == ["do 3 dec 07:00", "do 3 dec 19:00"]
    done = await coco.presses("do 3 dec 07:00")
    assert "Ontbijtsessie" in done.text
    assert _event(done).decoded("DTSTART") == datetime(2026, 12, 3, 7, 0, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("language", "typed", "answer", "shown"),
    [
        ("nl", "/bijeenkomst do 7 Ontbijtsessie", "19:00", "donderdag 3 december 2026 om 19:00"),
        ("en", "/meeting thu 7 Breakfast", "19:00", "Thursday 3 December 2026 at 19:00"),
        ("nl", "/bijeenkomst do 7 Ontbijtsessie", "om 7 uur", "donderdag 3 december 2026 om 07:00"),
        ("nl", "/bijeenkomst wo 3 dec 19:30 Leesclub", "3 december", "donderdag 3 december"),
        ("en", "/meeting wed 3 Dec 19:30 Book club", "3 December", "Thursday 3 December"),
    ],
)
async def test_a_typed_answer_to_two_readings_is_read_as_the_answer_to_that_question(
    atelier: Harness, language: str, typed: str, answer: str, shown: str
) -> None:
    """ "19:00" after "07:00 or 19:00 on Thursday?" is Thursday, not today (a Wednesday); a
    day after "Wednesday 2 or Thursday 3 December at 19:30?" keeps the time."""
    coco = atelier.member("Coco", coordinator=True)
    if language == "en":
        await coco.says("/taal en")
    asked = await coco.says(typed)
    assert len(asked.buttons) >= 2, "the question offers both readings"
    done = await coco.says(answer)
    assert "#1" in done.text and shown in done.text
    assert "2 december" not in done.text and "2 December" not in done.text


async def test_a_time_that_fits_both_days_asked_about_is_asked_again(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst wo 3 dec 19:30 Leesclub")
    again = await coco.says("20:00")
    assert "#1" not in again.text
    assert "woensdag 2 december 2026 om 20:00" in again.text
    assert "donderdag 3 december 2026 om 20:00" in again.text
    assert "geen bijeenkomsten" in await _agenda(atelier)


async def test_weekday_with_day_of_month_and_time_is_read_whole(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst donderdag de 10e om 19:00 Intervisie")
    assert "Intervisie" in replies.text
    assert "de 10e" not in replies.text
    assert _event(replies).decoded("DTSTART") == datetime(2026, 12, 10, 19, 0, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("morgen 19.30 Intervisie", (3, 19, 30), (3, 21, 30)),
        ("morgen 19:30-21:00 Intervisie", (3, 19, 30), (3, 21, 0)),
        ("morgen 19:30 tot 21 uur Intervisie", (3, 19, 30), (3, 21, 0)),
        ("morgen 19:30 anderhalf uur Intervisie", (3, 19, 30), (3, 21, 0)),
        ("vrijdag 22:00-01:00 Nachtsessie", (4, 22, 0), (5, 1, 0)),
    ],
)
async def test_meetings_last_as_long_as_said(
    atelier: Harness, typed: str, start: tuple[int, int, int], end: tuple[int, int, int]
) -> None:
    replies = await atelier.member("Coco", coordinator=True).says(f"/bijeenkomst {typed}")
    event = _event(replies)
    assert event.decoded("DTSTART") == datetime(2026, 12, *start, tzinfo=AMSTERDAM)
    assert event.decoded("DTEND") == datetime(2026, 12, *end, tzinfo=AMSTERDAM)
    assert ("Ik reken op 2 uur" in replies.text) == ("-" not in typed and "uur" not in typed)


async def test_public_anywhere_in_the_arguments(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst morgen 19:30 publiek: Open avond | Bibliotheek")
    assert "Open avond" in replies.text and "publiek:" not in replies.text
    assert "Bibliotheek" in replies.text
    agenda = await _agenda(atelier)
    assert "Open avond" in agenda and "publiek:" not in agenda


async def test_edit_or_cancel_without_a_number_asks_which_meeting(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst morgen 19:30 Intervisie")
    replies = await coco.says("/bijeenkomst wijzig")
    assert "Welke bijeenkomst" in replies.text and "vraag" not in replies.text
    form = await coco.presses("#1 Intervisie")
    assert "vraag 1 van 3" in form.text
    replies = await coco.says("/bijeenkomst annuleer")
    assert "Welke bijeenkomst" in replies.text
    cancelled = await coco.presses("#1 Intervisie")
    assert "Afgezegd: Intervisie" in cancelled.text
    assert "Intervisie" not in await _agenda(atelier)


async def test_members_cannot_use_the_edit_buttons(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst morgen 19:30 Intervisie")
    button = (await coco.says("/bijeenkomst annuleer")).button("#1 Intervisie")
    assert "coördinatoren" in (await atelier.member("Anna").press(button)).text
    assert "Intervisie" in await _agenda(atelier)


async def _coming(atelier: Harness, when: str) -> Replies:
    """Coco plans a meeting; Anna (who started a private chat) says she comes."""
    planned = await atelier.member("Coco", coordinator=True).says(f"/bijeenkomst {when} Atelier")
    anna = atelier.member("Anna")
    await anna.says_privately("/start")
    return await anna.press(planned.button("Ik kom"))


async def test_a_personal_reminder_minutes_before_is_not_sent(atelier: Harness) -> None:
    coming = await _coming(atelier, "vandaag 10:30")
    atelier.clock.set(datetime(2026, 12, 2, 10, 27, tzinfo=AMSTERDAM))
    replies = await atelier.member("Anna").press(
        coming.button("Stuur mij een persoonlijke herinnering"), private=True
    )
    assert "begint al over 3 minuten" in replies.text and "een uur" not in replies.text
    assert [r for target, r in await atelier.deliver() if "Over" in str(r.text)] == []


async def test_a_personal_reminder_within_the_hour_says_the_time_left(atelier: Harness) -> None:
    coming = await _coming(atelier, "vandaag 10:40")
    replies = await atelier.member("Anna").press(
        coming.button("Stuur mij een persoonlijke herinnering"), private=True
    )
    assert "begint over 40 minuten" in replies.text
    sent = [str(r.text) for _, r in await atelier.deliver()]
    assert any("Over 40 minuten begint" in text for text in sent), sent
    assert not any("Over een uur" in text for text in sent)


async def test_no_personal_reminder_once_the_meeting_started(atelier: Harness) -> None:
    coming = await _coming(atelier, "vandaag 10:30")
    atelier.clock.set(datetime(2026, 12, 2, 10, 31, tzinfo=AMSTERDAM))
    replies = await atelier.member("Anna").press(
        coming.button("Stuur mij een persoonlijke herinnering"), private=True
    )
    assert "al begonnen" in replies.text


async def test_free_reminders_are_listed_changed_and_withdrawn(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    planned = await coco.says("/herinner vrijdag 9:00 Vergeet de enquête niet")
    number = planned.text.split("#")[1].split()[0]
    await coco.says("/herinner morgen 12:00 Lunch")
    listing = (await coco.says("/herinner lijst")).text
    assert f"#{number}" in listing and "Vergeet de enquête niet" in listing and "Lunch" in listing
    assert listing.index("Lunch") < listing.index("enquête")  # soonest first
    changed = await coco.says(f"/herinner wijzig {number} maandag 9:00 Enquête sluit vandaag")
    assert "maandag 7 december 2026 om 09:00" in changed.text
    assert "Lunch" in (await coco.says("/herinner annuleer " + str(int(number) + 1))).text
    assert "Lunch" not in (await coco.says("/herinner lijst")).text
    atelier.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM))
    sent = [str(r.text) for _, r in await atelier.deliver()]
    assert "🔔 Enquête sluit vandaag" in sent and not any("Lunch" in t for t in sent)


async def test_an_unknown_free_reminder_number_gets_a_clear_answer(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    assert "niet (meer) klaar" in (await coco.says("/herinner annuleer 999")).text
    assert "Welke herinnering" in (await coco.says("/herinner annuleer")).text
    assert "geen herinneringen" in (await coco.says("/herinner lijst")).text


async def test_the_agenda_offers_all_three_answers_names_who_comes_and_says_there_is_more(
    atelier: Harness,
) -> None:
    coco = atelier.member("Coco", coordinator=True)
    first = await coco.says("/bijeenkomst morgen 19:30 Intervisie")
    for day in range(4, 11):
        await coco.says(f"/bijeenkomst {day} december 19:30 Atelier {day}")
    await atelier.member("Anna").press(first.button("Ik kom"))
    await atelier.member("Bob").press(first.button("Ik kom"))
    agenda = await atelier.member("Cas").says("/agenda")
    assert "Ik kom: Anna, Bob" in agenda.text
    assert "er staan er meer gepland" in agenda.text and "Atelier 10" not in agenda.text
    labels = [b.label for b in agenda.buttons]
    assert labels[:3] == ["#1 Ik kom", "#1 Misschien", "#1 Ik kan niet"]


async def test_a_meeting_on_a_public_holiday_or_planned_twice_gets_a_warning(
    atelier: Harness,
) -> None:
    coco = atelier.member("Coco", coordinator=True)
    assert (
        "feestdag (Tweede kerstdag)" in (await coco.says("/bijeenkomst 26 december 14:00 X")).text
    )
    once = await coco.says("/bijeenkomst morgen 19:30 Intervisie")
    assert "Let op" not in once.text
    assert (
        "al een bijeenkomst met deze titel"
        in (await coco.says("/bijeenkomst morgen 19:30 Intervisie")).text
    )


async def test_a_series_hitting_a_holiday_is_warned_about(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst elke vrijdag 10:00 Koffie")
    assert "feestdag (Eerste kerstdag)" in replies.text


async def test_who_comes_hears_personally_of_a_move_and_a_cancellation(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    planned = await coco.says("/bijeenkomst morgen 19:30 Intervisie")
    anna = atelier.member("Anna")
    await anna.says_privately("/start")
    await anna.press(planned.button("Ik kom"))
    await atelier.member("Bob").press(planned.button("Misschien"))
    await coco.says("/bijeenkomst wijzig 1")
    await coco.says("vrijdag 20:00")
    await coco.says("-")
    await coco.says("-")
    sent = await atelier.deliver()
    to_anna = [str(r.text) for target, r in sent if getattr(target, "user_id", "") == "anna"]
    assert any("is gewijzigd" in t and "vrijdag 4 december 2026 om 20:00" in t for t in to_anna)
    assert not any(getattr(target, "user_id", "") == "bob" for target, _ in sent)
    await coco.says("/bijeenkomst annuleer 1")
    sent = await atelier.deliver()
    assert any(
        "gaat niet door" in str(r.text)
        for target, r in sent
        if getattr(target, "user_id", "") == "anna"
    )


async def test_a_series_is_one_calendar_event_with_a_rule_and_exceptions(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    planned = await coco.says("/bijeenkomst elke 2e donderdag 19:30 Intervisie")
    event = _event(planned)
    assert event["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=2TH"
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 19, 30, tzinfo=AMSTERDAM)
    assert "EXDATE" not in event
    listing = await atelier.member("Anna").says("/agenda")
    second = listing.text.split("#")[2].split()[0]  # the January occurrence
    cancelled = _event(await coco.says(f"/bijeenkomst annuleer {second}"))
    assert cancelled["UID"] == event["UID"] and cancelled["SEQUENCE"] > event["SEQUENCE"]
    assert [d.dt for d in cancelled["EXDATE"].dts] == [
        datetime(2027, 1, 14, 19, 30, tzinfo=AMSTERDAM)
    ]


async def test_help_for_one_command_shows_it_with_examples(atelier: Harness) -> None:
    anna = atelier.member("Anna")
    shown = (await anna.says("/help bijeenkomst")).text
    assert "/bijeenkomst | /meeting" in shown and "Voor coördinatoren" in shown
    assert "wijzig 12" in shown and "annuleer 12 reeks" in shown and "publiek:" in shown
    assert "/herinner lijst" in (await anna.says("/help /remind")).text
    assert "ken ik niet" in (await anna.says("/help vliegen")).text
    assert "Wat je kunt doen" in (await anna.says("/help")).text


async def test_a_series_cancelled_from_one_occurrence_on_stays_ended(atelier: Harness) -> None:
    from bot.handlers.meetings.jobs import extend_all_series

    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst elke donderdag 19:30 Leesclub")
    cancelled = await coco.says("/bijeenkomst annuleer 3 reeks")
    event = _event(cancelled)
    assert "UNTIL=20261210T183000Z" in event["RRULE"].to_ical().decode()
    atelier.clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=AMSTERDAM))
    await extend_all_series(atelier.database, atelier.clock)
    agenda = await atelier.member("Anna").says("/agenda")
    assert "Leesclub" not in agenda.text
