"""Replies to experiments and reflections (the forum part): saved, and read per contribution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContributionReply, Member


@dataclass(frozen=True)
class ShownReply:
    id: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Subject:
    """What a reply is about: an experiment or a reflection, by id."""

    kind: str
    """`experiment` or `reflection`."""
    id: int

    KINDS = ("experiment", "reflection")

    @classmethod
    def parse(cls, written: str) -> Subject | None:
        kind, _, number = written.partition(":")
        if kind not in cls.KINDS or not number.isdigit():
            return None
        return cls(kind, int(number))

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


class ReplyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, community_id: int, author_id: int, subject: Subject, text: str, now: datetime
    ) -> ContributionReply:
        reply = ContributionReply(
            community_id=community_id,
            author_member_id=author_id,
            experiment_id=subject.id if subject.kind == "experiment" else None,
            reflection_id=subject.id if subject.kind == "reflection" else None,
            text=text,
            created_at=now,
        )
        self._session.add(reply)
        await self._session.flush()
        return reply

    async def of(self, subject: Subject) -> list[ShownReply]:
        """The replies to one contribution, oldest first. The caller checked that the reader
        may see the contribution: replies follow its audience."""
        column = (
            ContributionReply.experiment_id
            if subject.kind == "experiment"
            else ContributionReply.reflection_id
        )
        rows = await self._session.execute(
            select(ContributionReply, Member.display_name)
            .join(Member, Member.id == ContributionReply.author_member_id)
            .where(column == subject.id)
            .order_by(ContributionReply.created_at, ContributionReply.id)
        )
        return [ShownReply(r.id, name, r.text, r.created_at) for r, name in rows.all()]
