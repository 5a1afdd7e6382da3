"""Periodic chores: writing batched message counts and clearing expired dialogs."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import Clock
from scheduler.runner import Scheduler
from storage.db import Database
from storage.message_counter import MessageCounter
from storage.repositories import Repositories

FLUSH_INTERVAL = timedelta(seconds=2)
DIALOG_SWEEP_INTERVAL = timedelta(minutes=10)


async def clear_expired_dialogs(database: Database, clock: Clock) -> int:
    async with database.session() as session:
        return await Repositories.bind(session).dialogs.delete_expired(clock.now())


def schedule_housekeeping(
    scheduler: Scheduler, database: Database, counter: MessageCounter, clock: Clock
) -> None:
    scheduler.every(FLUSH_INTERVAL, "flush-message-counts", counter.flush)
    scheduler.every(
        DIALOG_SWEEP_INTERVAL,
        "clear-expired-dialogs",
        lambda: clear_expired_dialogs(database, clock),
    )
