"""Communities: one per group chat, with its own settings."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DIRECTORY_NEW_ROW
from storage.models import Community
from storage.sql import upsert


@dataclass(frozen=True)
class CommunityDefaults:
    language: str
    timezone: str


class CommunityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, community_id: int) -> Community | None:
        return await self._session.get(Community, community_id)

    async def find(self, platform: str, chat_id: str) -> Community | None:
        query = select(Community).where(
            Community.platform == platform, Community.chat_id == chat_id
        )
        return (await self._session.scalars(query)).one_or_none()

    async def known_chats(self, platform: str, chat_ids: Collection[str]) -> set[str]:
        """Which of these chats are communities already."""
        if not chat_ids:
            return set()
        query = select(Community.chat_id).where(
            Community.platform == platform, Community.chat_id.in_(list(chat_ids))
        )
        return set(await self._session.scalars(query))

    async def get_or_create(
        self, platform: str, chat_id: str, title: str, defaults: CommunityDefaults, now: datetime
    ) -> Community:
        """Safe against a second process creating the same community at the same moment."""
        existing = await self.find(platform, chat_id)
        if existing is not None:
            if title and existing.title != title:
                existing.title = title
            return existing
        insert = upsert(self._session, Community).values(
            platform=platform,
            chat_id=chat_id,
            title=title,
            language=defaults.language,
            timezone=defaults.timezone,
            created_at=now,
        )
        await self._session.execute(
            insert.on_conflict_do_nothing(), execution_options={DIRECTORY_NEW_ROW: True}
        )
        created = await self.find(platform, chat_id)
        if created is None:
            raise RuntimeError("the community just inserted cannot be read back")
        return created

    async def set_language(self, community: Community, language: str) -> None:
        community.language = language
