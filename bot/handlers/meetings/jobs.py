"""The meetings job: recurring meetings are planned a while ahead; it keeps that horizon filled.

The scheduler only wakes it up (bot/app/hub.py hands it over); the planning is the capability's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.clock import Clock
from bot.handlers.meetings.planning import extend_series
from storage.db import Database
from storage.repositories import Repositories


async def extend_all_series(
    database: Database,
    clock: Clock,
    wake: Callable[[datetime], None] | None = None,
    mirroring: frozenset[str] = frozenset(),
) -> int:
    async with database.session() as session:
        planned = await extend_series(Repositories.bind(session), clock.now(), mirroring)
    if planned and wake is not None:
        wake(min(planned))
    return len(planned)
