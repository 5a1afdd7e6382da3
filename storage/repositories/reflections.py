"""Quick reflections."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reflection, SharingLevel

DUPLICATE_WINDOW = timedelta(seconds=30)
"""The same contribution again within this time is a double send, saved once."""


class ReflectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        community_id: int,
        author_id: int,
        text: str,
        sharing: SharingLevel,
        now: datetime,
    ) -> Reflection:
        reflection = Reflection(
            community_id=community_id,
            author_member_id=author_id,
            text=text,
            sharing=sharing,
            created_at=now,
        )
        self._session.add(reflection)
        await self._session.flush()
        return reflection

    async def saved_just_now(
        self, community_id: int, author_id: int, text: str, now: datetime
    ) -> bool:
        """The member saved this very text here within the duplicate window."""
        query = (
            select(Reflection.id)
            .where(
                Reflection.community_id == community_id,
                Reflection.author_member_id == author_id,
                Reflection.text == text,
                Reflection.created_at >= now - DUPLICATE_WINDOW,
            )
            .limit(1)
        )
        return await self._session.scalar(query) is not None

    async def get_own(self, reflection_id: int, author_id: int) -> Reflection | None:
        reflection = await self._session.get(Reflection, reflection_id)
        if reflection is None or reflection.author_member_id != author_id:
            return None
        return reflection
