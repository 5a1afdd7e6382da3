"""Quick reflections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attribution, Audience, Reflection


class ReflectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        community_id: int,
        author_id: int,
        text: str,
        audience: Audience,
        attribution: Attribution,
        now: datetime,
    ) -> Reflection:
        reflection = Reflection(
            community_id=community_id,
            author_member_id=author_id,
            text=text,
            audience=audience,
            attribution=attribution,
            created_at=now,
        )
        self._session.add(reflection)
        await self._session.flush()
        return reflection

    async def get_own(self, reflection_id: int, author_id: int) -> Reflection | None:
        reflection = await self._session.get(Reflection, reflection_id)
        if reflection is None or reflection.author_member_id != author_id:
            return None
        return reflection
