"""Counts ordinary group messages in memory and writes them in batches.

A busy group can send thousands of messages a second; one upsert per message would make
replies wait on the database. Counts are flushed periodically, when many are pending, and
on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Member
from storage.repositories import Repositories
from storage.repositories.ledger import DayKey

ID_CHUNK = 5000
"""Member ids per lookup: PostgreSQL's protocol takes at most 32,767 parameters a statement."""

log = logging.getLogger(__name__)


class MessageCounter:
    def __init__(self, database: Database, *, flush_at: int = 2000) -> None:
        self._database = database
        self._flush_at = flush_at
        self._pending: Counter[DayKey] = Counter()
        self._lock = asyncio.Lock()
        self._background: set[asyncio.Task[int]] = set()

    @property
    def pending(self) -> int:
        return sum(self._pending.values())

    def add(self, community_id: int, member_id: int, day: date) -> None:
        self._pending[DayKey(community_id, member_id, day)] += 1
        if len(self._pending) >= self._flush_at and not self._background:
            task = asyncio.create_task(self.flush())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def discard(self, member_id: int) -> None:
        """Drop the pending counts of a member whose data was erased."""
        self._pending = Counter(
            {k: n for k, n in self._pending.items() if k.member_id != member_id}
        )

    async def flush(self) -> int:
        """Write every pending count in one transaction; returns the number of messages."""
        async with self._lock:
            batch, self._pending = self._pending, Counter()
            if not batch:
                return 0
            try:
                async with self._database.session() as session:
                    known = await _known_members(session, {key.member_id for key in batch})
                    kept = Counter({k: n for k, n in batch.items() if k.member_id in known})
                    await Repositories.bind(session).ledger.add_message_counts(kept)
            except Exception:
                self._pending.update(batch)
                log.exception(
                    "could not write %d message counts; kept for the next flush", len(batch)
                )
                raise
            return sum(kept.values())


async def _known_members(session: AsyncSession, member_ids: set[int]) -> set[int]:
    """Members that still exist: counts of a member erased meanwhile (by this or another
    process, which may still have them cached) are dropped instead of failing the batch."""
    ordered = sorted(member_ids)
    known: set[int] = set()
    for start in range(0, len(ordered), ID_CHUNK):
        query = select(Member.id).where(Member.id.in_(ordered[start : start + ID_CHUNK]))
        known.update(await session.scalars(query))
    return known
