"""What an operator watches, read from the database: the outbox by state, the oldest due send
still waiting, and the forms members have open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState, ScheduledSend, SendState


@dataclass(frozen=True)
class OperationsSnapshot:
    sends_by_state: dict[SendState, int]
    """Every state, zero included, so a metric never disappears when its count drops to 0."""
    oldest_due_pending: datetime | None
    """The due time of the longest-waiting pending send that is due now; None when none is."""
    dialogs_open: int


class OperationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def snapshot(self, now: datetime) -> OperationsSnapshot:
        counts = dict.fromkeys(SendState, 0)
        rows = await self._session.execute(
            select(ScheduledSend.state, func.count()).group_by(ScheduledSend.state)
        )
        for state, count in rows:
            counts[SendState(state)] = int(count)
        oldest = await self._session.scalar(
            select(func.min(ScheduledSend.due_at)).where(
                ScheduledSend.state == SendState.PENDING, ScheduledSend.due_at <= now
            )
        )
        dialogs = await self._session.scalar(
            select(func.count()).select_from(DialogState).where(DialogState.expires_at > now)
        )
        return OperationsSnapshot(counts, oldest, int(dialogs or 0))
