"""Pledges: what members mean to share, and by when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pledge


class PledgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, pledge: Pledge) -> Pledge:
        self._session.add(pledge)
        await self._session.flush()
        return pledge

    async def get(self, pledge_id: int) -> Pledge | None:
        return await self._session.get(Pledge, pledge_id)

    async def get_own(self, pledge_id: int, member_id: int) -> Pledge | None:
        pledge = await self.get(pledge_id)
        return pledge if pledge is not None and pledge.member_id == member_id else None

    async def open_of(self, community_id: int, member_id: int) -> list[Pledge]:
        query = (
            select(Pledge)
            .where(
                Pledge.community_id == community_id,
                Pledge.member_id == member_id,
                Pledge.kept_at.is_(None),
                Pledge.dropped_at.is_(None),
            )
            .order_by(Pledge.due_on, Pledge.id)
        )
        return list(await self._session.scalars(query))

    async def kept_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> list[Pledge]:
        query = (
            select(Pledge)
            .where(
                Pledge.community_id == community_id,
                Pledge.kept_at >= since,
                Pledge.kept_at < until,
            )
            .order_by(Pledge.kept_at, Pledge.id)
        )
        return list(await self._session.scalars(query))
