"""The give/take ledger: acts with kind and time, and per-day counts of group messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.db import DIRECTORY_UNCACHED
from storage.models import Activity, Direction, Membership, MessageCount, Prompt
from storage.sql import upsert

UPSERT_ROWS = 5_000
"""Rows per statement: PostgreSQL takes at most 32,767 parameters (four per row here)."""
PROMPT_RESPONSE_WINDOW = timedelta(days=14)
"""Giving within this time after a prompt counts as a response to it."""
_ACTIVITIES: Table = Activity.__table__  # type: ignore[assignment]
_ACT = insert(_ACTIVITIES)
_MEMBERSHIPS: Table = Membership.__table__  # type: ignore[assignment]
_PROMPTS: Table = Prompt.__table__  # type: ignore[assignment]
_GAVE = (
    update(_MEMBERSHIPS)
    .where(
        _MEMBERSHIPS.c.community_id == bindparam("of_community"),
        _MEMBERSHIPS.c.member_id == bindparam("of_member"),
    )
    .values(last_given_at=bindparam("at"), unanswered_prompts=0, prompt_check_at=None)
)

_ANSWERED = (
    update(_PROMPTS)
    .where(
        _PROMPTS.c.community_id == bindparam("of_community"),
        _PROMPTS.c.member_id == bindparam("of_member"),
        _PROMPTS.c.answered_at.is_(None),
        _PROMPTS.c.planned_at >= bindparam("since"),
        _PROMPTS.c.planned_at <= bindparam("at"),
    )
    .values(answered_at=bindparam("answered"))
)
"""Built once: a statement's construction costs more than running it on SQLite."""


class ActivityKind(StrEnum):
    TOOL_LOOKUP = "tool_lookup"
    EXPERIMENT_READ = "experiment_read"
    RSVP = "rsvp"
    EXPERIMENT = "experiment"
    REFLECTION = "reflection"
    TOOL_PROPOSAL = "tool_proposal"
    PROMPT_ANSWER = "prompt_answer"
    PLEDGE_KEPT = "pledge_kept"
    REPLY = "reply"

    @property
    def direction(self) -> Direction:
        taking = {ActivityKind.TOOL_LOOKUP, ActivityKind.EXPERIMENT_READ, ActivityKind.RSVP}
        return Direction.TAKE if self in taking else Direction.GIVE


@dataclass(frozen=True)
class DayKey:
    community_id: int
    member_id: int
    day: date


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        community_id: int,
        member_id: int,
        kind: ActivityKind,
        at: datetime,
        *,
        subject: str | None = None,
    ) -> None:
        """One act; giving also updates the membership's aggregates the daily sweep reads,
        and counts as the response to a recent prompt. The act is a plain insert, sent at
        once: nothing reads it back as an object, and the flush of a new object costs more
        than the rest of a `/tool` lookup's writing."""
        await self._session.execute(
            _ACT,
            {
                "community_id": community_id,
                "member_id": member_id,
                "kind": kind.value,
                "direction": kind.direction,
                "subject": subject,
                "at": at,
            },
        )
        if kind.direction is Direction.GIVE:
            await self._gave(community_id, member_id, at)

    async def _gave(self, community_id: int, member_id: int, at: datetime) -> None:
        """The membership's giving aggregates and the prompt answered, as plain table updates.

        Not ORM bulk updates: those cost more than the rest of a reflection (statement
        coercion, the "evaluate" synchronisation). The membership this unit of work holds is
        brought up to date by hand instead (`set_committed_value`: no change to flush), and
        the statement is no directory change (`DIRECTORY_UNCACHED`): these columns are read
        only by the daily sweep, with its own queries, never from a cached membership."""
        whose = {"of_community": community_id, "of_member": member_id}
        await self._session.execute(
            _GAVE, {**whose, "at": at}, execution_options={DIRECTORY_UNCACHED: True}
        )
        for held in self._session.identity_map.values():
            if (
                isinstance(held, Membership)
                and held.member_id == member_id
                and held.community_id == community_id
            ):
                set_committed_value(held, "last_given_at", at)
                set_committed_value(held, "unanswered_prompts", 0)
                set_committed_value(held, "prompt_check_at", None)
        await self._session.execute(
            _ANSWERED, {**whose, "at": at, "answered": at, "since": at - PROMPT_RESPONSE_WINDOW}
        )

    async def add_message_counts(self, counts: Mapping[DayKey, int]) -> None:
        if not counts:
            return
        rows = [
            {"community_id": k.community_id, "member_id": k.member_id, "day": k.day, "count": n}
            for k, n in sorted(counts.items(), key=lambda item: _order(item[0]))
        ]
        for start in range(0, len(rows), UPSERT_ROWS):
            insert = upsert(self._session, MessageCount).values(rows[start : start + UPSERT_ROWS])
            await self._session.execute(
                insert.on_conflict_do_update(
                    index_elements=["community_id", "member_id", "day"],
                    set_={"count": MessageCount.count + insert.excluded["count"]},
                )
            )

    async def message_count(self, community_id: int, member_id: int) -> int:
        query = select(func.coalesce(func.sum(MessageCount.count), 0)).where(
            MessageCount.community_id == community_id, MessageCount.member_id == member_id
        )
        return int(await self._session.scalar(query) or 0)

    async def given_since(self, community_id: int, member_id: int, since: datetime) -> int:
        query = select(func.count()).where(
            Activity.community_id == community_id,
            Activity.member_id == member_id,
            Activity.direction == Direction.GIVE,
            Activity.at >= since,
        )
        return int(await self._session.scalar(query) or 0)

    async def acts(self, community_id: int, member_id: int) -> list[Activity]:
        query = (
            select(Activity)
            .where(Activity.community_id == community_id, Activity.member_id == member_id)
            .order_by(Activity.at, Activity.id)
        )
        return list(await self._session.scalars(query))


def _order(key: DayKey) -> tuple[int, int, date]:
    """A fixed row order, so concurrent upserts lock rows in the same order (no deadlocks)."""
    return (key.community_id, key.member_id, key.day)
