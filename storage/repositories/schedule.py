"""The durable outbox: scheduled sends, claimed atomically so each goes out at most once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledSend, SendState


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, send: ScheduledSend) -> None:
        self._session.add(send)

    async def get(self, send_id: int) -> ScheduledSend | None:
        return await self._session.get(ScheduledSend, send_id)

    async def numbered(self, send: ScheduledSend) -> int:
        """Store a new send now and return its id (the number members use for it)."""
        self._session.add(send)
        await self._session.flush()
        return send.id

    async def pending(self, community_id: int, kind: str) -> list[ScheduledSend]:
        """The sends of this kind still to go out, soonest first."""
        rows = await self._session.scalars(
            select(ScheduledSend)
            .where(
                ScheduledSend.community_id == community_id,
                ScheduledSend.kind == kind,
                ScheduledSend.state == SendState.PENDING,
            )
            .order_by(ScheduledSend.due_at, ScheduledSend.id)
        )
        return list(rows)

    async def cancel_for_meeting(
        self, meeting_id: int, kinds: tuple[str, ...] | None = None
    ) -> int:
        """Withdraw what has not gone out yet (the meeting moved or was cancelled)."""
        query = (
            update(ScheduledSend)
            .where(ScheduledSend.meeting_id == meeting_id, ScheduledSend.state == SendState.PENDING)
            .values(state=SendState.CANCELLED)
        )
        if kinds is not None:
            query = query.where(ScheduledSend.kind.in_(kinds))
        result = await self._session.execute(query)
        return int(getattr(result, "rowcount", 0))

    async def cancel_pending(self, community_id: int, kind: str) -> int:
        result = await self._session.execute(
            update(ScheduledSend)
            .where(
                ScheduledSend.community_id == community_id,
                ScheduledSend.kind == kind,
                ScheduledSend.state == SendState.PENDING,
            )
            .values(state=SendState.CANCELLED)
        )
        return int(getattr(result, "rowcount", 0))

    async def claim_due(self, now: datetime, worker: str, limit: int) -> list[ScheduledSend]:
        """Mark due rows as being sent by this worker and return them.

        A row is claimed by exactly one worker: SQLite serialises writers (BEGIN IMMEDIATE),
        PostgreSQL skips rows another worker has locked (FOR UPDATE SKIP LOCKED).
        """
        due = (
            select(ScheduledSend.id)
            .where(ScheduledSend.state == SendState.PENDING, ScheduledSend.due_at <= now)
            .order_by(ScheduledSend.due_at, ScheduledSend.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(await self._session.scalars(due))
        if not ids:
            return []
        await self._session.execute(
            update(ScheduledSend)
            .where(ScheduledSend.id.in_(ids), ScheduledSend.state == SendState.PENDING)
            .values(
                state=SendState.SENDING,
                claimed_at=now,
                claimed_by=worker,
                attempts=ScheduledSend.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = await self._session.scalars(
            select(ScheduledSend)
            .where(ScheduledSend.id.in_(ids), ScheduledSend.claimed_by == worker)
            .execution_options(populate_existing=True)
        )
        return [row for row in rows if row.state is SendState.SENDING]

    async def next_due(self) -> datetime | None:
        query = select(func.min(ScheduledSend.due_at)).where(
            ScheduledSend.state == SendState.PENDING
        )
        return await self._session.scalar(query)

    async def interrupted(self, claimed_before: datetime) -> list[ScheduledSend]:
        """Rows a worker claimed but never finished (it stopped between claim and send)."""
        query = select(ScheduledSend).where(
            ScheduledSend.state == SendState.SENDING, ScheduledSend.claimed_at < claimed_before
        )
        return list(await self._session.scalars(query))
