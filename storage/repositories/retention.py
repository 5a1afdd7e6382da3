"""Retention: removing what has served its purpose, and rolling old ledger rows into
monthly counts."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    ButtonPayload,
    Community,
    DialogState,
    Direction,
    LedgerMonth,
    MessageCount,
    ScheduledSend,
    SendState,
)
from storage.retention import ledger_cutoff, month_of
from storage.sql import upsert

FINAL_STATES = (
    SendState.SENT,
    SendState.FAILED,
    SendState.CANCELLED,
    SendState.SKIPPED,
    SendState.UNKNOWN,
)
MESSAGE_KIND = "message"
"""The kind of monthly counts of ordinary group messages."""
_CHUNK = 500

MonthKey = tuple[int, date, str]


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def drop_dialogs_started_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(DialogState)
            .where(DialogState.started_at < moment)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))

    async def drop_finished_sends_due_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(ScheduledSend)
            .where(ScheduledSend.state.in_(FINAL_STATES), ScheduledSend.due_at < moment)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))

    async def drop_buttons_created_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(ButtonPayload)
            .where(ButtonPayload.created_at < moment)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))

    async def community_zones(self) -> list[tuple[int, str]]:
        rows = await self._session.execute(select(Community.id, Community.timezone))
        return [(community_id, zone) for community_id, zone in rows.all()]

    async def roll_up_ledger(
        self, community_id: int, timezone: str, months: int, now: datetime
    ) -> int:
        """Move the community's ledger rows older than `months` whole months into monthly
        counts; returns how many rows were rolled up.

        The rows are deleted first and counted from what the delete returned, so two
        processes doing this at once never count a row twice."""
        zone = ZoneInfo(timezone)
        day, moment = ledger_cutoff(now, zone, months)
        totals: Counter[MonthKey] = Counter()
        directions: dict[MonthKey, Direction | None] = {}
        acts = await self._session.execute(
            delete(Activity)
            .where(Activity.community_id == community_id, Activity.at < moment)
            .returning(Activity.member_id, Activity.kind, Activity.direction, Activity.at)
            .execution_options(synchronize_session=False)
        )
        rolled = 0
        for member_id, kind, direction, at in acts.all():
            key = (member_id, month_of(at.astimezone(zone).date()), kind)
            totals[key] += 1
            directions[key] = direction
            rolled += 1
        counts = await self._session.execute(
            delete(MessageCount)
            .where(MessageCount.community_id == community_id, MessageCount.day < day)
            .returning(MessageCount.member_id, MessageCount.day, MessageCount.count)
            .execution_options(synchronize_session=False)
        )
        for member_id, counted_day, count in counts.all():
            key = (member_id, month_of(counted_day), MESSAGE_KIND)
            totals[key] += count
            directions[key] = None
            rolled += 1
        await self._add_months(community_id, totals, directions)
        return rolled

    async def _add_months(
        self,
        community_id: int,
        totals: Counter[MonthKey],
        directions: dict[MonthKey, Direction | None],
    ) -> None:
        rows = [
            {
                "community_id": community_id,
                "member_id": member_id,
                "month": month,
                "kind": kind,
                "direction": directions[(member_id, month, kind)],
                "count": count,
            }
            for (member_id, month, kind), count in sorted(totals.items(), key=str)
        ]
        for start in range(0, len(rows), _CHUNK):
            insert = upsert(self._session, LedgerMonth).values(rows[start : start + _CHUNK])
            await self._session.execute(
                insert.on_conflict_do_update(
                    index_elements=["community_id", "member_id", "month", "kind"],
                    set_={"count": LedgerMonth.count + insert.excluded["count"]},
                )
            )
