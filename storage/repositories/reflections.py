"""Quick reflections."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attribution, Audience, Reflection
from storage.repositories.audience import Viewer, visible_to

DUPLICATE_WINDOW = timedelta(seconds=30)
"""A member's identical contribution within this window is a double submit, saved once."""
"""The same contribution again within this time is a double send, saved once."""
_SAVED_JUST_NOW = (
    select(Reflection.id)
    .where(
        Reflection.community_id == bindparam("of_community"),
        Reflection.author_member_id == bindparam("author"),
        Reflection.text == bindparam("text"),
        Reflection.created_at >= bindparam("since"),
    )
    .limit(1)
)
"""Built once (the hot path runs it at every command: building costs more than running)."""


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

    async def saved_just_now(
        self, community_id: int, author_id: int, text: str, now: datetime
    ) -> bool:
        """The member saved this very text here within the duplicate window."""
        values = {
            "of_community": community_id,
            "author": author_id,
            "text": text,
            "since": now - DUPLICATE_WINDOW,
        }
        return await self._session.scalar(_SAVED_JUST_NOW, values) is not None

    async def get_own(self, reflection_id: int, author_id: int) -> Reflection | None:
        reflection = await self._session.get(Reflection, reflection_id)
        if reflection is None or reflection.author_member_id != author_id:
            return None
        return reflection

    async def get(self, community_id: int, reflection_id: int) -> Reflection | None:
        reflection = await self._session.get(Reflection, reflection_id)
        if reflection is None or reflection.community_id != community_id:
            return None
        return reflection

    async def page(
        self, community_id: int, viewer: Viewer, *, offset: int, limit: int
    ) -> tuple[list[Reflection], int]:
        """The reflections the viewer may read, newest first, with how many there are."""
        conditions = (Reflection.community_id == community_id, visible_to(viewer, Reflection))
        total = await self._session.scalar(select(func.count(Reflection.id)).where(*conditions))
        rows = await self._session.scalars(
            select(Reflection)
            .where(*conditions)
            .order_by(Reflection.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def of_author(self, community_id: int, author_id: int) -> list[Reflection]:
        query = (
            select(Reflection)
            .where(
                Reflection.community_id == community_id, Reflection.author_member_id == author_id
            )
            .order_by(Reflection.id.desc())
        )
        return list(await self._session.scalars(query))
