"""Platform updates already handled, so a re-delivered one is not handled twice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate
from storage.sql import upsert

RECORD_CHUNK = 5000
"""Rows per INSERT: well under PostgreSQL's 32,767 parameters."""


class HandledUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, update_key: str, now: datetime) -> bool:
        """Record the update as handled in this unit of work; False when it already was
        (a rollback of the unit forgets it again, so a failed update can be re-delivered)."""
        known = await self._session.scalar(
            select(HandledUpdate.update_key).where(HandledUpdate.update_key == update_key)
        )
        if known is not None:
            return False
        self._session.add(HandledUpdate(update_key=update_key, handled_at=now))
        await self._session.flush()
        return True

    async def seen(self, update_key: str) -> bool:
        known = await self._session.scalar(
            select(HandledUpdate.update_key).where(HandledUpdate.update_key == update_key)
        )
        return known is not None

    async def record(self, handled: Mapping[str, datetime]) -> None:
        """Record updates handled elsewhere (batched); ids already known stay as they are."""
        rows = [{"update_key": key, "handled_at": at} for key, at in handled.items()]
        for start in range(0, len(rows), RECORD_CHUNK):
            insert = upsert(self._session, HandledUpdate).values(rows[start : start + RECORD_CHUNK])
            await self._session.execute(insert.on_conflict_do_nothing())

    async def prune(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(HandledUpdate).where(HandledUpdate.handled_at < before)
        )
        return int(getattr(result, "rowcount", 0))
