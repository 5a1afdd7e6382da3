"""A thin wrapper around APScheduler 3.11 on the hub's event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def every(self, interval: timedelta, name: str, job: Job) -> None:
        """Run `job` periodically; a run still busy when the next is due is skipped, not stacked."""
        self._scheduler.add_job(
            _guarded(name, job),
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
        )

    def at(self, moment: datetime, name: str, job: Job) -> None:
        """Run `job` once at `moment` (at once when it has passed); replaces an earlier `name`."""
        self._scheduler.add_job(
            _guarded(name, job),
            "date",
            run_date=moment,
            id=name,
            name=name,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def _guarded(name: str, job: Job) -> Callable[[], Awaitable[None]]:
    """A failing job is logged and tried again at its next turn; it never stops the scheduler.
    A job cut off by the shutdown is no failure: what it did not finish is done at the next
    start (due sends stay pending, batches are flushed by the hub's own shutdown)."""

    async def run() -> None:
        try:
            await job()
        except asyncio.CancelledError:
            log.info("scheduled job %s was stopped by the shutdown", name)
        except Exception:
            log.exception("scheduled job %s failed", name)

    return run
