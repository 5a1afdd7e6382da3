"""The retention job: what the bot only needed for a while is removed on a schedule, and old
ledger rows become monthly counts (periods in bot/config.py, defaults in storage/retention.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import Clock
from scheduler.runner import Scheduler
from storage.db import Database
from storage.repositories.retention import RetentionRepository
from storage.retention import RetentionPolicy

log = logging.getLogger(__name__)

RETENTION_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class RetentionReport:
    dialogs: int
    sends: int
    buttons: int
    ledger_rows: int


async def apply_retention(
    database: Database, clock: Clock, policy: RetentionPolicy
) -> RetentionReport:
    now = clock.now()
    async with database.session() as session:
        repository = RetentionRepository(session)
        dialogs = await repository.drop_dialogs_started_before(now - policy.dialogs)
        sends = await repository.drop_finished_sends_due_before(now - policy.deliveries)
        buttons = await repository.drop_buttons_created_before(now - policy.buttons)
        communities = await repository.community_zones()
    rolled = 0
    for community_id, zone in communities:
        # One transaction per community: its rows are counted and deleted together.
        async with database.session() as session:
            rolled += await RetentionRepository(session).roll_up_ledger(
                community_id, zone, policy.ledger_months, now
            )
    report = RetentionReport(dialogs, sends, buttons, rolled)
    if any((dialogs, sends, buttons, rolled)):
        log.info(
            "retention: %d dialogs, %d sends, %d buttons removed; %d ledger rows rolled up",
            dialogs,
            sends,
            buttons,
            rolled,
        )
    return report


def schedule_retention(
    scheduler: Scheduler, database: Database, clock: Clock, policy: RetentionPolicy
) -> None:
    scheduler.every(
        RETENTION_INTERVAL, "retention", lambda: apply_retention(database, clock, policy)
    )
