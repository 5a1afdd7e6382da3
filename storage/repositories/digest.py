"""What is new in a community over a period, as the whole group may see it (the digest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Experiment,
    Meeting,
    Member,
    Pledge,
    Reflection,
    ScheduledSend,
    SendState,
    Tool,
    ToolStatus,
)
from storage.repositories.audience import Viewer, shown_author, visible_to

GROUP = Viewer.outsider()
"""The group as a whole: what every member may read, nobody's own items."""

LIMIT = 10
Contribution = TypeVar("Contribution", Experiment, Reflection)


@dataclass(frozen=True)
class Shared:
    """A contribution for the group's eyes: the author's name unless it is anonymous."""

    id: int
    text: str
    author: str | None


@dataclass(frozen=True)
class News:
    experiments: list[Shared]
    reflections: list[Shared]
    tools: list[Tool]
    kept_pledges: list[Shared]
    meetings: list[Meeting]

    @property
    def anything_new(self) -> bool:
        """Coming meetings alone are no news: they were announced already."""
        return bool(self.experiments or self.reflections or self.tools or self.kept_pledges)


class DigestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def news(
        self, community_id: int, since: datetime, until: datetime, meetings_until: datetime
    ) -> News:
        return News(
            experiments=await self._shared(Experiment, community_id, since, until),
            reflections=await self._shared(Reflection, community_id, since, until),
            tools=await self._tools(since, until),
            kept_pledges=await self._pledges(community_id, since, until),
            meetings=await self._meetings(community_id, until, meetings_until),
        )

    async def last_sent_before(
        self, community_id: int, kind: str, before: datetime
    ) -> datetime | None:
        """When the previous send of this kind was due, if it went out."""
        query = (
            select(ScheduledSend.due_at)
            .where(
                ScheduledSend.community_id == community_id,
                ScheduledSend.kind == kind,
                ScheduledSend.state == SendState.SENT,
                ScheduledSend.due_at < before,
            )
            .order_by(ScheduledSend.due_at.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def communities_without(self, kind: str, community_ids: list[int]) -> set[int]:
        """Communities with no pending send of this kind."""
        planned = set(
            await self._session.scalars(
                select(ScheduledSend.community_id).where(
                    ScheduledSend.kind == kind, ScheduledSend.state == SendState.PENDING
                )
            )
        )
        return set(community_ids) - planned

    async def _shared(
        self,
        contribution: type[Contribution],
        community_id: int,
        since: datetime,
        until: datetime,
    ) -> list[Shared]:
        """New experiments or reflections the group may see, with their authors as shown."""
        query = (
            select(contribution, Member.display_name)
            .outerjoin(Member, Member.id == contribution.author_member_id)
            .where(
                contribution.community_id == community_id,
                contribution.created_at >= since,
                contribution.created_at < until,
                visible_to(GROUP, contribution),
            )
            .order_by(contribution.created_at, contribution.id)
            .limit(LIMIT)
        )
        return [
            Shared(item.id, _text(item), shown_author(item.attribution, name))
            for item, name in await self._session.execute(query)
        ]

    async def _tools(self, since: datetime, until: datetime) -> list[Tool]:
        query = (
            select(Tool)
            .where(
                Tool.status == ToolStatus.APPROVED,
                Tool.decided_at >= since,
                Tool.decided_at < until,
            )
            .order_by(Tool.decided_at, Tool.id)
            .limit(LIMIT)
        )
        return list(await self._session.scalars(query))

    async def _pledges(self, community_id: int, since: datetime, until: datetime) -> list[Shared]:
        query = (
            select(Pledge, Member.display_name)
            .join(Member, Member.id == Pledge.member_id)
            .where(
                Pledge.community_id == community_id,
                Pledge.kept_at >= since,
                Pledge.kept_at < until,
            )
            .order_by(Pledge.kept_at, Pledge.id)
            .limit(LIMIT)
        )
        return [Shared(p.id, p.text, name) for p, name in await self._session.execute(query)]

    async def _meetings(self, community_id: int, now: datetime, until: datetime) -> list[Meeting]:
        query = (
            select(Meeting)
            .where(
                Meeting.community_id == community_id,
                Meeting.cancelled.is_(False),
                Meeting.starts_at >= now,
                Meeting.starts_at < until,
            )
            .order_by(Meeting.starts_at)
            .limit(LIMIT)
        )
        return list(await self._session.scalars(query))


def _text(item: Experiment | Reflection) -> str:
    return item.what if isinstance(item, Experiment) else item.text
