"""The participation job: the daily sweep for passive members and the weekly digests.

It runs every few minutes; each community's sweep happens once a day at its own hour (the
claim makes that hold across processes) and every community keeps one digest planned. The
scheduler only wakes it up (bot/app/hub.py hands it over).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.clock import Clock
from bot.core.outbox import JobPlanner
from bot.handlers.participation.sweep import SweepResult, plan_digests, sweep
from storage.db import Database
from storage.repositories import Repositories


async def run_participation(
    database: Database, clock: Clock, wake: Callable[[datetime], None] | None = None
) -> SweepResult:
    async with database.session() as session:
        repos = Repositories.bind(session)
        planner = JobPlanner(repos, clock.now())
        result = await sweep(repos, planner)
        await plan_digests(repos, planner)
    if planner.planned and wake is not None:
        wake(min(planner.planned))
    return result
