"""Retention on the fake clock: forms, delivery logs and button data expire; the ledger keeps
monthly counts after its period, still in /mijndata, /vergeetmij and the export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.core.button_codec import STORED, ButtonStore
from scheduler.retention import apply_retention
from storage.models import (
    Activity,
    ButtonPayload,
    DialogState,
    LedgerMonth,
    MessageCount,
    ScheduledSend,
    SendState,
)
from storage.repositories import Repositories
from storage.repositories.production import ProductionRepository
from storage.retention import RetentionPolicy, ledger_cutoff
from tests.harness import Harness

POLICY = RetentionPolicy()


async def _count(harness: Harness, model: type) -> int:
    async with harness.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_old_open_form_is_removed_a_recent_one_stays(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment")
    harness.clock.advance(timedelta(days=6))
    await harness.member("Bert").says("/reflectie")
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert report.dialogs == 0
    harness.clock.advance(timedelta(days=2))
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert report.dialogs == 1 and await _count(harness, DialogState) == 1


async def test_finished_sends_and_old_buttons_expire(harness: Harness) -> None:
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/herinner morgen 10:00 Neem je verhaal mee")
    harness.clock.advance(timedelta(days=1, hours=2))
    assert len(await harness.deliver()) == 1
    async with harness.database.session() as session:
        key = await Repositories.bind(session).buttons.store(
            "exp.page", "5|" + "#buurt " * 20, harness.clock.now()
        )
    pending = "/herinner 20 april 10:00 Nog niet verstuurd"
    await coco.says(pending)
    harness.clock.advance(timedelta(days=29))
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert (report.sends, report.buttons) == (0, 0)
    harness.clock.advance(timedelta(days=2))
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert report.sends == 1
    async with harness.database.session() as session:
        states = [s.state for s in await session.scalars(select(ScheduledSend))]
    assert states == [SendState.PENDING]
    harness.clock.advance(timedelta(days=60))
    await apply_retention(harness.database, harness.clock, POLICY)
    assert await _count(harness, ButtonPayload) == 0
    async with harness.database.session() as session:
        assert await ButtonStore.open(Repositories.bind(session), STORED, key) is None


async def test_the_ledger_becomes_monthly_counts_after_its_period(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool photovoice")
    await anna.says("/tool mkba")
    await anna.says("/reflectie Een goede dag")
    await anna.chats("hallo")
    await anna.chats("nog een keer")
    await harness.core.counter.flush()
    harness.clock.advance(timedelta(days=31 * 12))
    await anna.says("/tool toc")
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert report.ledger_rows == 0, "March 2026 is only 12 months back in February 2027"
    harness.clock.advance(timedelta(days=31))
    report = await apply_retention(harness.database, harness.clock, POLICY)
    assert report.ledger_rows == 4
    async with harness.database.session() as session:
        months = {
            (m.kind, m.direction.value if m.direction else None): (m.month, m.count)
            for m in await session.scalars(select(LedgerMonth))
        }
        acts = [a.kind for a in await session.scalars(select(Activity))]
        counts = list(await session.scalars(select(MessageCount)))
    march = date(2026, 3, 1)
    assert months == {
        ("tool_lookup", "take"): (march, 2),
        ("reflection", "give"): (march, 1),
        ("message", None): (march, 2),
    }
    assert acts == ["tool_lookup"] and counts == []
    again = await apply_retention(harness.database, harness.clock, POLICY)
    assert again.ledger_rows == 0
    async with harness.database.session() as session:
        assert sum(m.count for m in await session.scalars(select(LedgerMonth))) == 5
        community = await ProductionRepository(session).community(1)
        assert community is not None
        production = await ProductionRepository(session).gather(community, harness.clock.now())
    figures = {f.month: (f.givers, f.takers, f.gives, f.takes) for f in production.participation}
    assert figures[march] == (1, 1, 1, 2)
    mine = await anna.says_privately("/mijndata")
    assert mine[0].attachment is not None
    tables = json.loads(mine[0].attachment.content)["tables"]
    assert len(tables["ledger_months"]) == 3


def test_the_cutoff_is_a_whole_local_month() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Amsterdam")
    now = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)  # already 1 April in Amsterdam
    day, moment = ledger_cutoff(now, zone, 12)
    assert day == date(2026, 4, 1)
    assert moment == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)


def test_retention_periods_come_from_the_settings() -> None:
    from bot.app.config import Settings

    settings = Settings.load(
        env_file=None,
        retention_dialog_days=3,
        retention_delivery_days=9,
        retention_button_days=40,
        retention_ledger_months=24,
    )
    assert settings.retention == RetentionPolicy(3, 9, 40, 24)
    assert Settings.load(env_file=None).retention == RetentionPolicy()  # type: ignore[call-arg]
