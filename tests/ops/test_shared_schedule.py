"""Two workers on one PostgreSQL database, each with its own core, scheduler jobs and
dispatcher, on one clock: the daily sweep, the weekly digest and reminders go out once
between them. (Time travels here; the real processes are in test_webhook_workers.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.pipeline import KNOWN_FOR
from bot.model.messages import ChatTarget, MemberTarget, Reply, Target
from storage.db import Database
from storage.models import MessageCount
from tests.harness import Harness
from tests.support.member_data import member_id_of

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
GROUP = ChatTarget("test", "group-1")


def local(day: date, hour: int, minute: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


async def both(workers: list[Harness], when: datetime) -> list[tuple[Target, Reply]]:
    """At `when`, both workers run the participation job and deliver what is due, at once."""
    workers[0].clock.set(when)
    await asyncio.gather(*(worker.participate() for worker in workers))
    batches = await asyncio.gather(*(worker.deliver() for worker in workers))
    await asyncio.gather(*(worker.participate() for worker in workers))
    return [sent for batch in batches for sent in batch]


async def test_sweep_digest_and_reminders_go_out_once_between_two_workers(
    postgres_database: Database,
) -> None:
    clock = ManualClock(START)
    workers = [await Harness.create(postgres_database.url, clock=clock) for _ in range(2)]
    try:
        anna = workers[0].member("Anna")
        bert = workers[1].member("Bert")
        coco = workers[1].member("Coco", coordinator=True)
        for person in (anna, bert):
            await person.says("/help")
            await person.says_privately("/start")
        await anna.says("/reflectie Tellen en vertellen horen bij elkaar")
        planned = await coco.says("/herinner 30 november 9:00 Atelieravond vanavond")
        assert "gepland" in planned.text, planned.text
        await asyncio.gather(*(worker.participate() for worker in workers))

        sent = await both(workers, local(date(2026, 11, 30), 9))
        digests = [t for t, r in sent if "Weekoverzicht" in str(r.text)]
        reminders = [t for t, r in sent if "Atelieravond vanavond" in str(r.text)]
        assert digests == [GROUP]
        assert reminders == [GROUP]

        for day in range(14, 22):
            sent += await both(workers, local(date(2026, 12, day), 10, 30))
        prompted = [t for t, _r in sent if isinstance(t, MemberTarget)]
        assert MemberTarget("test", bert.user.user_id) in prompted, sent
        assert len(prompted) == len(set(prompted)), "a member was asked twice"
        weekly = [r for _t, r in sent if "Weekoverzicht" in str(r.text)]
        assert len(weekly) == 1, "nothing new after the first week: no second digest"
    finally:
        for worker in workers:
            await worker.close()


async def test_a_member_erased_on_one_worker_and_back_is_counted_again_on_the_other(
    postgres_database: Database,
) -> None:
    """Each worker keeps the members it saw chatting, to count their messages without the
    database; that memory is checked again every few minutes, so what another worker changed
    (an erasure, a new member record) reaches it."""
    clock = ManualClock(START)
    workers = [await Harness.create(postgres_database.url, clock=clock) for _ in range(2)]
    try:
        on_a, on_b = (worker.member("Anna", user_id="u-anna") for worker in workers)
        await on_a.says("/help")
        await on_b.chats("goedemorgen")
        await on_b.chats("nog iets")
        await workers[1].core.counter.flush()
        asked = await on_a.says_privately("/vergeetmij")
        await on_a.presses(asked.buttons[0].label, private=True)
        assert await _counts(postgres_database) == []

        await on_a.says("/help")  # back, as a new member
        clock.advance(KNOWN_FOR + timedelta(seconds=1))
        await on_b.chats("daar ben ik weer")
        await on_b.chats("en nog een keer")
        await workers[1].core.counter.flush()
        [(member_id, count)] = await _counts(postgres_database)
        assert count == 2
        assert member_id == await member_id_of(workers[0], "u-anna")
    finally:
        for worker in workers:
            await worker.close()


async def _counts(database: Database) -> list[tuple[int, int]]:
    async with database.session() as session:
        rows = await session.execute(select(MessageCount.member_id, MessageCount.count))
        return [(member_id, count) for member_id, count in rows]
