"""Wiring the dispatcher to APScheduler: a periodic sweep, plus a one-off wake-up at the next
due send, re-armed after every run and whenever a handler plans something earlier; and the
daily pruning of handled update ids."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.clock import Clock
from scheduler.dispatcher import Dispatcher
from scheduler.runner import Job, Scheduler
from storage.db import Database
from storage.repositories import Repositories

SWEEP_INTERVAL = timedelta(seconds=30)
WAKE_JOB = "deliver-next-due"
HANDLED_UPDATES_KEPT = timedelta(days=2)
PRUNE_INTERVAL = timedelta(hours=6)


class DeliveryLoop:
    def __init__(
        self, scheduler: Scheduler, dispatcher: Dispatcher, jobs: Sequence[Job] = ()
    ) -> None:
        self._scheduler = scheduler
        self.dispatcher = dispatcher
        self._jobs = tuple(jobs)
        """The capabilities' own due work in the outbox (rows without a recipient), run
        after the sends: the wake-up covers their due times too."""
        self._armed: datetime | None = None
        self._swept_at: float | None = None

    @property
    def interval(self) -> timedelta:
        return SWEEP_INTERVAL

    def last_sweep_age(self) -> float | None:
        """Seconds since a sweep over the due sends last finished; None before the first."""
        return None if self._swept_at is None else time.monotonic() - self._swept_at

    def install(self) -> None:
        self._scheduler.every(SWEEP_INTERVAL, "deliver-due", self.sweep)

    async def start(self) -> None:
        """On start: recover rows interrupted mid-send, then catch up on what fell due
        (parked replies first: they are the oldest due)."""
        await self.dispatcher.recover_interrupted()
        await self.run()

    async def sweep(self) -> None:
        await self.dispatcher.recover_interrupted()
        await self.run()

    async def run(self) -> None:
        self._armed = None
        await self.dispatcher.run_due()
        for job in self._jobs:
            await job()
        self._swept_at = time.monotonic()
        upcoming = await self.dispatcher.next_due()
        if upcoming is not None:
            self.wake(upcoming)

    def wake(self, moment: datetime) -> None:
        """Make sure the dispatcher runs at `moment` (or earlier)."""
        if self._armed is not None and self._armed <= moment:
            return
        self._armed = moment
        self._scheduler.at(moment, WAKE_JOB, self.run)


def schedule_update_pruning(scheduler: Scheduler, database: Database, clock: Clock) -> None:
    """Handled update ids are kept two days: longer than any platform re-delivers."""

    async def prune() -> None:
        async with database.session() as session:
            await Repositories.bind(session).updates.prune(clock.now() - HANDLED_UPDATES_KEPT)

    scheduler.every(PRUNE_INTERVAL, "prune-handled-updates", prune)
