"""The durable outbox: scheduled sends and parked replies, each claimed atomically in its
chat's turn, so each goes out once (at most once where the platform cannot deduplicate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledSend, SendState

PARKED_KIND = "outbox.reply"
"""A reply queued behind the platform's limits when the bot stopped; its payload is the reply."""

_IS_SEND = or_(ScheduledSend.chat_id.is_not(None), ScheduledSend.user_id.is_not(None))
"""A row with a recipient is a message for the dispatcher; one without is a job (a meeting's
platform event to bring up to date), carried out by its capability (`due_jobs`)."""


@dataclass(frozen=True)
class DueSend:
    id: int
    platform: str
    chat_id: str | None
    user_id: str | None
    due_at: datetime


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

    async def due(
        self, now: datetime, after: tuple[datetime, int] | None, limit: int
    ) -> list[DueSend]:
        """Pending rows due by `now`, in due order, after the cursor `after` (due_at, id).
        Nothing is claimed: a row is claimed only in its chat's turn (`claim`)."""
        query = (
            select(
                ScheduledSend.id,
                ScheduledSend.platform,
                ScheduledSend.chat_id,
                ScheduledSend.user_id,
                ScheduledSend.due_at,
            )
            .where(ScheduledSend.state == SendState.PENDING, ScheduledSend.due_at <= now, _IS_SEND)
            .order_by(ScheduledSend.due_at, ScheduledSend.id)
            .limit(limit)
        )
        if after is not None:
            moment, last_id = after
            query = query.where(
                or_(
                    ScheduledSend.due_at > moment,
                    and_(ScheduledSend.due_at == moment, ScheduledSend.id > last_id),
                )
            )
        rows = await self._session.execute(query)
        return [DueSend(*row) for row in rows]

    async def due_jobs(self, kind: str, now: datetime, limit: int) -> list[int]:
        """Ids of the pending jobs of this kind due by `now` (rows without a recipient), in
        due order; nothing is claimed."""
        query = (
            select(ScheduledSend.id)
            .where(
                ScheduledSend.kind == kind,
                ScheduledSend.state == SendState.PENDING,
                ScheduledSend.due_at <= now,
                ~_IS_SEND,
            )
            .order_by(ScheduledSend.due_at, ScheduledSend.id)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def release_jobs(self, kind: str, claimed_before: datetime) -> int:
        """Jobs of this kind left `sending` by a process that stopped: pending again (a job
        reads the data anew when it runs, so running it twice does no harm)."""
        result = await self._session.execute(
            update(ScheduledSend)
            .where(
                ScheduledSend.kind == kind,
                ScheduledSend.state == SendState.SENDING,
                ScheduledSend.claimed_at < claimed_before,
                ~_IS_SEND,
            )
            .values(state=SendState.PENDING)
        )
        return int(getattr(result, "rowcount", 0))

    async def claim(self, send_id: int, now: datetime, worker: str) -> bool:
        """pending → sending for this worker, atomically; False when the row is no longer
        pending (cancelled, or another worker has it)."""
        result = await self._session.execute(
            update(ScheduledSend)
            .where(ScheduledSend.id == send_id, ScheduledSend.state == SendState.PENDING)
            .values(
                state=SendState.SENDING,
                claimed_at=now,
                claimed_by=worker,
                attempts=ScheduledSend.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0)) == 1

    async def claim_due(self, now: datetime, worker: str, limit: int) -> list[ScheduledSend]:
        """Claim up to `limit` due rows at once (what a process did before it claimed at the
        moment of sending); kept for tests that stage a process stopped mid-send."""
        claimed = []
        for row in await self.due(now, None, limit):
            if await self.claim(row.id, now, worker):
                send = await self._session.get(ScheduledSend, row.id, populate_existing=True)
                if send is not None:
                    claimed.append(send)
        return claimed

    def park(
        self,
        *,
        platform: str,
        community_id: int | None,
        chat_id: str | None,
        user_id: str | None,
        payload: dict[str, Any],
        now: datetime,
    ) -> ScheduledSend:
        """A reply that was queued when the bot stopped: due at once, sent first at start."""
        send = ScheduledSend(
            community_id=community_id,
            kind=PARKED_KIND,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            payload=payload,
            due_at=now,
            created_at=now,
        )
        self._session.add(send)
        return send

    async def unknown_since(self, community_id: int, since: datetime) -> int:
        """Sends to this community whose delivery is unknown (interrupted mid-send)."""
        query = select(func.count(ScheduledSend.id)).where(
            ScheduledSend.community_id == community_id,
            ScheduledSend.state == SendState.UNKNOWN,
            ScheduledSend.claimed_at >= since,
        )
        return int(await self._session.scalar(query) or 0)

    async def next_due(self, after: datetime | None = None) -> datetime | None:
        """The earliest due time of a pending row (only those due later than `after`)."""
        query = select(func.min(ScheduledSend.due_at)).where(
            ScheduledSend.state == SendState.PENDING
        )
        if after is not None:
            query = query.where(ScheduledSend.due_at > after)
        return await self._session.scalar(query)

    async def interrupted(self, claimed_before: datetime, worker: str) -> list[ScheduledSend]:
        """Rows another worker claimed but never finished (it stopped between claim and
        record), oldest first."""
        query = (
            select(ScheduledSend)
            .where(
                ScheduledSend.state == SendState.SENDING,
                ScheduledSend.claimed_at < claimed_before,
                _IS_SEND,
                or_(ScheduledSend.claimed_by.is_(None), ScheduledSend.claimed_by != worker),
            )
            .order_by(ScheduledSend.id)
        )
        return list(await self._session.scalars(query))
