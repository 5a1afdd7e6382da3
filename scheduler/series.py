"""Recurring meetings are planned a while ahead; this job keeps that horizon filled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.clock import Clock
from bot.handlers.meetings.planning import extend_series
from storage.db import Database
from storage.repositories import Repositories


async def extend_all_series(
    database: Database, clock: Clock, wake: Callable[[datetime], None] | None = None
) -> int:
    async with database.session() as session:
        planned = await extend_series(Repositories.bind(session), clock.now())
    if planned and wake is not None:
        wake(min(planned))
    return len(planned)
