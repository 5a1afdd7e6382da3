"""Platform updates already handled, so a re-delivered one is not handled twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate


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

    async def prune(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(HandledUpdate).where(HandledUpdate.handled_at < before)
        )
        return int(getattr(result, "rowcount", 0))
