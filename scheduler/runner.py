"""A thin wrapper around APScheduler 3.11 on the hub's event loop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def every(self, interval: timedelta, name: str, job: Job) -> None:
        """Run `job` periodically; a run still busy when the next is due is skipped, not stacked."""

        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("scheduled job %s failed; it runs again at its next turn", name)

        self._scheduler.add_job(
            run,
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def job_names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
