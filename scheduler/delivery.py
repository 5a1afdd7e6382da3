"""Wiring the dispatcher to APScheduler: a periodic sweep, plus a one-off wake-up at the next
due send, re-armed after every run and whenever a handler plans something earlier."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from scheduler.dispatcher import Dispatcher
from scheduler.runner import Scheduler

SWEEP_INTERVAL = timedelta(seconds=30)
WAKE_JOB = "deliver-next-due"


class DeliveryLoop:
    def __init__(self, scheduler: Scheduler, dispatcher: Dispatcher) -> None:
        self._scheduler = scheduler
        self._dispatcher = dispatcher
        self._armed: datetime | None = None
        self._swept_at: float | None = None

    @property
    def interval(self) -> timedelta:
        return SWEEP_INTERVAL

    def last_sweep_age(self) -> float | None:
        """Seconds since a sweep over the due sends last finished; None before the first."""
        return None if self._swept_at is None else time.monotonic() - self._swept_at

    def install(self) -> None:
        self._scheduler.every(SWEEP_INTERVAL, "deliver-due", self.run)

    async def start(self) -> None:
        """On start: give up rows interrupted mid-send, then catch up on what fell due."""
        await self._dispatcher.give_up_interrupted()
        await self.run()

    async def run(self) -> None:
        self._armed = None
        await self._dispatcher.run_due()
        self._swept_at = time.monotonic()
        upcoming = await self._dispatcher.next_due()
        if upcoming is not None:
            self.wake(upcoming)

    def wake(self, moment: datetime) -> None:
        """Make sure the dispatcher runs at `moment` (or earlier)."""
        if self._armed is not None and self._armed <= moment:
            return
        self._armed = moment
        self._scheduler.at(moment, WAKE_JOB, self.run)
