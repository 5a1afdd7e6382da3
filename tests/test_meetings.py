"""Meetings, reminders and the durable scheduler, travelling in time on the harness clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.handlers.meetings.jobs import extend_all_series
from bot.model.messages import ChatTarget, MemberTarget
from storage.db import Database
from storage.models import Meeting, Reflection, ScheduledSend, SendState
from tests.harness import Harness

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
async def atelier(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(NOW))
    yield harness
    await harness.close()


async def _states(harness: Harness) -> list[tuple[str, SendState]]:
    async with harness.database.session() as session:
        rows = await session.scalars(select(ScheduledSend).order_by(ScheduledSend.due_at))
        return [(row.kind, row.state) for row in rows]


async def test_a_coordinator_plans_a_meeting_with_dutch_words(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says(
        "/bijeenkomst 3 december 19:30 Verhalen die werken | Wijkcentrum De Pijp"
    )
    assert "#1" in replies.text and "Verhalen die werken" in replies.text
    assert "donderdag 3 december 2026 om 19:30" in replies.text
    assert "Wijkcentrum De Pijp" in replies.text
    attachment = replies[0].attachment
    assert attachment is not None and attachment.filename.endswith(".ics")
    event = next(c for c in Calendar.from_ical(attachment.content).walk("VEVENT"))
    assert event.decoded("DTSTART") == local(2026, 12, 3, 19, 30)
    assert [b.label for b in replies.buttons] == ["Ik kom", "Misschien", "Ik kan niet"]


async def test_members_cannot_plan_meetings(atelier: Harness) -> None:
    anna = atelier.member("Anna")
    assert "alleen voor coördinatoren" in (await anna.says("/bijeenkomst morgen 10 uur X")).text


async def test_reminders_go_out_at_the_offsets_with_buttons_and_a_calendar_file(
    atelier: Harness,
) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier | Utrecht")
    assert await atelier.deliver() == []
    for moment in (
        local(2026, 11, 26, 19, 30),
        local(2026, 12, 2, 19, 30),
        local(2026, 12, 3, 17, 30),
    ):
        atelier.clock.set(moment - timedelta(seconds=1))
        assert await atelier.deliver() == []
        atelier.clock.set(moment)
        [(target, reply)] = await atelier.deliver()
        assert target == ChatTarget("test", "group-1")
        assert "Herinnering" in str(reply.text) and "later dan gepland" not in str(reply.text)
        assert reply.attachment is not None
        assert reply.buttons[0][0].label == "Ik kom"
    assert [state for _, state in await _states(atelier)] == [SendState.SENT] * 3


async def test_rsvp_buttons_change_the_answer_and_agenda_counts(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    anna = atelier.member("Anna")
    created = await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    noted = await anna.press(created.button("Ik kom"))
    assert noted[0].private and "Ik kom" in noted.text
    await anna.press(created.button("Ik kan niet"))
    agenda = (await anna.says("/agenda")).text
    assert "✓ 0 komen" in agenda and "✗ 1 niet" in agenda


async def test_editing_moves_the_reminders(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    await coco.says("/bijeenkomst wijzig 1")
    await coco.says("10 december 19:30")
    await coco.says("-")
    done = await coco.says("-")
    assert "gewijzigd" in done.text and "10 december" in done.text
    atelier.clock.set(local(2026, 12, 2, 19, 30))  # the old 1-day reminder: withdrawn
    assert await atelier.deliver() == []
    for moment in (local(2026, 12, 3, 19, 30), local(2026, 12, 9, 19, 30)):
        atelier.clock.set(moment)
        [(_, reply)] = await atelier.deliver()
        assert "donderdag 10 december 2026 om 19:30" in str(reply.text)


async def test_cancelling_withdraws_reminders_and_tells_the_group(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    told = await coco.says_privately("/bijeenkomst annuleer 1")
    assert "de groep weet het" in told.text
    target, reply = atelier.messenger.sent[-1]
    assert target == ChatTarget("test", "group-1") and "Afgezegd" in str(reply.text)
    atelier.clock.set(local(2026, 12, 3, 19, 0))
    assert await atelier.deliver() == []
    assert {state for _, state in await _states(atelier)} == {SendState.CANCELLED}


async def test_unclear_or_past_dates_get_a_question_not_a_guess(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    past = await coco.says("/bijeenkomst 1 januari 2020 10:00 Oud")
    assert "al voorbij" in past.text and "Wanneer?" in past.text
    unreadable = await coco.says("gisteren ofzo")
    assert "(vraag 1 van" in unreadable.text
    async with atelier.database.session() as session:
        assert list(await session.scalars(select(Meeting))) == []


async def test_a_meeting_at_14h_stays_at_14h_across_daylight_saving(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    atelier.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    await coco.says("/bijeenkomst 2027-03-22 14:00 Wekelijks spreekuur elke week")
    async with atelier.database.session() as session:
        meetings = list(await session.scalars(select(Meeting).order_by(Meeting.starts_at)))
    locals_ = [m.starts_at.astimezone(AMSTERDAM) for m in meetings]
    assert len(locals_) >= 3
    assert {(t.hour, t.minute) for t in locals_} == {(14, 0)}
    assert {t.utcoffset() for t in locals_} == {timedelta(hours=1), timedelta(hours=2)}


async def test_a_reminder_missed_during_downtime_is_sent_late_or_skipped(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    atelier.clock.set(local(2026, 12, 3, 12, 0))  # down since before the 7d and 1d reminders
    await atelier.restart()
    sent = await atelier.deliver()
    assert len(sent) == 2
    assert all("later dan gepland" in str(reply.text) for _, reply in sent)
    atelier.clock.set(
        local(2026, 12, 3, 20, 0)
    )  # the 2-hour reminder: missed until after the start
    assert await atelier.deliver() == []
    assert [state for _, state in await _states(atelier)] == [
        SendState.SENT,
        SendState.SENT,
        SendState.SKIPPED,
    ]


async def test_a_restart_between_claim_and_send_never_sends_twice_where_it_cannot_deduplicate(
    atelier: Harness,
) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    atelier.clock.set(local(2026, 11, 26, 19, 30))
    async with atelier.database.session() as session:
        from storage.repositories import Repositories

        claimed = await Repositories.bind(session).schedule.claim_due(
            atelier.clock.now(), "gone", 10
        )
    assert len(claimed) == 1  # that process stopped here, before sending
    atelier.clock.advance(timedelta(minutes=30))
    await atelier.restart()
    dispatcher = atelier.dispatcher()
    assert await dispatcher.recover_interrupted() == 1
    assert await atelier.deliver() == []
    assert (await _states(atelier))[0] == ("meeting.reminder", SendState.UNKNOWN)


async def test_temporary_failures_are_retried_and_refusals_are_not(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    await coco.says("/herinner 25 november 10:00 Enquête invullen!")
    failures = iter([RuntimeError("network down")])
    original = atelier.messenger.send

    async def flaky(target, replies):  # type: ignore[no-untyped-def]
        error = next(failures, None)
        if error is not None:
            raise error
        await original(target, replies)

    atelier.messenger.send = flaky  # type: ignore[method-assign]
    atelier.clock.set(local(2026, 11, 25, 10, 0))
    assert await atelier.deliver() == []
    atelier.clock.advance(timedelta(seconds=31))
    [(_, reply)] = await atelier.deliver()
    assert "Enquête invullen!" in str(reply.text)


async def test_personal_reminder_and_invitation_to_reflect(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    anna = atelier.member("Anna")
    await anna.says_privately("/start")
    created = await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    noted = await anna.press(created.button("Ik kom"))
    await anna.press(noted.button("Stuur mij een persoonlijke herinnering"))
    atelier.clock.set(local(2026, 12, 3, 18, 30))
    sent = await atelier.deliver()
    personal = [(t, r) for t, r in sent if isinstance(t, MemberTarget)]
    assert personal and personal[0][0] == MemberTarget("test", "anna")
    atelier.clock.set(local(2026, 12, 3, 21, 30))
    [(target, invitation)] = await atelier.deliver()
    assert target == MemberTarget("test", "anna") and "Dank voor je komst" in str(invitation.text)
    button = invitation.buttons[0][0]
    await anna.press(button, private=True)
    await anna.says_privately("Mooi gesprek over verhalen")
    async with atelier.database.session() as session:
        [reflection] = list(await session.scalars(select(Reflection)))
    assert reflection.meeting_id == 1


async def test_free_reminder_and_offsets(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    assert "7 dagen, 1 dag en 2 uur van tevoren" in (await coco.says("/herinneringen")).text
    assert "bijvoorbeeld /herinneringen 7d 1d 2u" in (await coco.says("/herinneringen 7x")).text
    await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    assert "30 minuten van tevoren" in (await coco.says("/herinneringen 30m")).text
    atelier.clock.set(local(2026, 12, 3, 19, 0))
    [(_, reply)] = await atelier.deliver()
    assert "Herinnering" in str(reply.text)
    planned = await coco.says("/herinner morgen 9:00 Vergeet de enquête niet")
    assert "gepland" in planned.text


async def test_two_dispatchers_deliver_a_thousand_reminders_exactly_once(
    postgres_database: Database,
) -> None:
    harness = Harness(postgres_database, ManualClock(NOW))
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/help")
    async with harness.database.session() as session:
        from storage.repositories import Repositories

        repos = Repositories.bind(session)
        community = await repos.communities.find("test", "group-1")
        assert community is not None
        for number in range(1000):
            session.add(
                ScheduledSend(
                    community_id=community.id,
                    kind="reminder.free",
                    platform="test",
                    chat_id="group-1",
                    payload={"text": f"nr {number}"},
                    due_at=NOW - timedelta(seconds=1),
                    created_at=NOW,
                )
            )
    first, second = harness.dispatcher("one"), harness.dispatcher("two")
    handled = await asyncio.gather(first.run_due(), second.run_due())
    texts = [str(reply.text) for _, reply in harness.messenger.sent]
    assert sum(handled) == 1000
    assert len(texts) == 1000 and len(set(texts)) == 1000
    assert [state for _, state in await _states(harness)] == [SendState.SENT] * 1000


async def test_a_recurring_meeting_starts_on_its_rule(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    replies = await coco.says("/bijeenkomst elke 4e donderdag 19:30 Atelier")
    assert "donderdag 26 november 2026 om 19:30" in replies.text
    assert "elke 4e donderdag" in replies.text
    assert await _days(atelier) == [(11, 26), (12, 24)]  # planned about two months ahead
    atelier.clock.advance(timedelta(days=10))
    assert await extend_all_series(atelier.database, atelier.clock) == 3  # its reminders
    assert await _days(atelier) == [(11, 26), (12, 24), (1, 28)]


async def _days(harness: Harness) -> list[tuple[int, int]]:
    async with harness.database.session() as session:
        meetings = await session.scalars(select(Meeting).order_by(Meeting.starts_at))
        return [
            (m.starts_at.astimezone(AMSTERDAM).month, m.starts_at.astimezone(AMSTERDAM).day)
            for m in meetings
        ]


async def test_an_rsvp_on_a_reminder_updates_its_counts(atelier: Harness) -> None:
    coco = atelier.member("Coco", coordinator=True)
    anna, emma = atelier.member("Anna"), atelier.member("Emma")
    await emma.says("/taal en")
    created = await coco.says("/bijeenkomst 3 december 19:30 Atelier")
    atelier.clock.set(local(2026, 11, 26, 19, 30))
    [(_target, reminder)] = await atelier.deliver()
    assert "✓ 0 komen" in str(reminder.text)
    pressed = await anna.press(reminder.buttons[0][0])
    noted, updated = pressed
    assert noted.private and not noted.replaces_origin
    assert updated.replaces_origin and not updated.private
    assert "Herinnering" in str(updated.text) and "✓ 1 komen" in str(updated.text)
    assert updated.buttons == reminder.buttons, "the buttons stay, so the next press works"
    # An English member's press keeps the group's reminder in the group's language.
    [_noted, again] = await emma.press(updated.buttons[0][1])
    assert "✓ 1 komen" in str(again.text) and "? 1 misschien" in str(again.text)
    # A press on the announcement (no counts there) replaces nothing.
    assert not any(r.replaces_origin for r in await anna.press(created.button("Ik kan niet")))
