"""Meetings and the answers members give to them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting, MeetingKind, Member, Rsvp, RsvpAnswer
from storage.sql import upsert

_UPCOMING = (
    select(Meeting)
    .where(
        Meeting.community_id == bindparam("of_community"),
        Meeting.ends_at > bindparam("now"),
        Meeting.cancelled.is_(False),
    )
    .order_by(Meeting.starts_at, Meeting.id)
    .limit(bindparam("limit"))
)
"""Built once (the hot path runs it at every command: building costs more than running)."""
_LAST_ENDED = (
    select(Meeting)
    .where(
        Meeting.community_id == bindparam("of_community"),
        Meeting.ends_at <= bindparam("now"),
        Meeting.ends_at >= bindparam("since"),
        Meeting.cancelled.is_(False),
    )
    .order_by(Meeting.ends_at.desc())
    .limit(1)
)


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, meeting: Meeting) -> Meeting:
        self._session.add(meeting)
        await self._session.flush()
        return meeting

    async def get(self, community_id: int, meeting_id: int) -> Meeting | None:
        meeting = await self._session.get(Meeting, meeting_id)
        if meeting is None or meeting.community_id != community_id:
            return None
        return meeting

    async def by_id(self, meeting_id: int) -> Meeting | None:
        return await self._session.get(Meeting, meeting_id)

    async def upcoming(self, community_id: int, now: datetime, limit: int) -> list[Meeting]:
        values = {"of_community": community_id, "now": now, "limit": limit}
        return list(await self._session.scalars(_UPCOMING, values))

    async def public_upcoming(self, now: datetime, limit: int) -> list[Meeting]:
        """Coming public events (kind publiek) of every community, soonest first."""
        query = (
            select(Meeting)
            .where(
                Meeting.kind == MeetingKind.PUBLIC,
                Meeting.ends_at > now,
                Meeting.cancelled.is_(False),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def coming_of(self, community_ids: Sequence[int], now: datetime) -> list[Meeting]:
        """Every coming occurrence of these communities, cancelled ones included (for feeds)."""
        query = (
            select(Meeting)
            .where(Meeting.community_id.in_(community_ids), Meeting.ends_at > now)
            .order_by(Meeting.starts_at, Meeting.id)
        )
        return list(await self._session.scalars(query))

    async def series(self, series_id: int, after: datetime) -> list[Meeting]:
        """The occurrences of a series that have not started yet."""
        query = (
            select(Meeting)
            .where(Meeting.series_id == series_id, Meeting.starts_at > after)
            .order_by(Meeting.starts_at)
        )
        return list(await self._session.scalars(query))

    async def recurring_heads(self) -> list[Meeting]:
        """The latest occurrence of every series still running, to plan the next ones.

        A series cancelled from one occurrence on ("annuleer 12 reeks") ends there: its latest
        occurrence is cancelled and has no rule any more. A single cancelled occurrence keeps
        its rule, and the series goes on after it."""
        query = select(Meeting).where(
            Meeting.series_id.is_not(None) | Meeting.recurrence.is_not(None)
        )
        latest: dict[int, Meeting] = {}
        for meeting in await self._session.scalars(query):
            key = meeting.series_id or meeting.id
            if key not in latest or meeting.starts_at > latest[key].starts_at:
                latest[key] = meeting
        return [m for m in latest.values() if m.recurrence is not None]

    async def last_ended(self, community_id: int, now: datetime, since: datetime) -> Meeting | None:
        values = {"of_community": community_id, "now": now, "since": since}
        return (await self._session.scalars(_LAST_ENDED, values)).one_or_none()

    async def answer(
        self, meeting_id: int, member_id: int, answer: RsvpAnswer, now: datetime
    ) -> bool:
        """Record (or change) an answer; True when this is the member's first answer."""
        existing = await self._session.get(Rsvp, (meeting_id, member_id))
        insert = upsert(self._session, Rsvp).values(
            meeting_id=meeting_id, member_id=member_id, answer=answer, answered_at=now
        )
        await self._session.execute(
            insert.on_conflict_do_update(
                index_elements=["meeting_id", "member_id"],
                set_={"answer": answer, "answered_at": now},
            )
        )
        return existing is None

    async def answer_of(self, meeting_id: int, member_id: int) -> RsvpAnswer | None:
        rsvp = await self._session.get(Rsvp, (meeting_id, member_id))
        if rsvp is not None:
            await self._session.refresh(rsvp)
        return rsvp.answer if rsvp else None

    async def answers_of(self, meeting_ids: Sequence[int], member_id: int) -> dict[int, RsvpAnswer]:
        """The member's answers to these meetings, in one query (unanswered ones left out)."""
        if not meeting_ids:
            return {}
        rows = await self._session.execute(
            select(Rsvp.meeting_id, Rsvp.answer).where(
                Rsvp.meeting_id.in_(meeting_ids), Rsvp.member_id == member_id
            )
        )
        return {meeting_id: answer for meeting_id, answer in rows.all()}

    async def wants_reminder(self, meeting_id: int, member_id: int) -> bool:
        rsvp = await self._session.get(Rsvp, (meeting_id, member_id))
        return bool(rsvp and rsvp.remind_me)

    async def set_wants_reminder(self, meeting_id: int, member_id: int) -> None:
        rsvp = await self._session.get(Rsvp, (meeting_id, member_id))
        if rsvp is not None:
            rsvp.remind_me = True

    async def counts(self, meeting_ids: Sequence[int]) -> dict[int, Counter[RsvpAnswer]]:
        counts: dict[int, Counter[RsvpAnswer]] = {
            meeting_id: Counter() for meeting_id in meeting_ids
        }
        if not meeting_ids:
            return counts
        rows = await self._session.execute(
            select(Rsvp.meeting_id, Rsvp.answer).where(Rsvp.meeting_id.in_(meeting_ids))
        )
        for meeting_id, answer in rows.all():
            counts[meeting_id][answer] += 1
        return counts

    async def coming_names(self, meeting_ids: Sequence[int]) -> dict[int, list[str]]:
        """The names of those who said they come, in the order they said it."""
        names: dict[int, list[str]] = {meeting_id: [] for meeting_id in meeting_ids}
        if not meeting_ids:
            return names
        rows = await self._session.execute(
            select(Rsvp.meeting_id, Member.display_name)
            .join(Member, Member.id == Rsvp.member_id)
            .where(Rsvp.meeting_id.in_(meeting_ids), Rsvp.answer == RsvpAnswer.YES)
            .order_by(Rsvp.answered_at, Rsvp.member_id)
        )
        for meeting_id, name in rows.all():
            names[meeting_id].append(name)
        return names

    async def same_planned(
        self, community_id: int, title: str, starts_at: datetime, but: Sequence[int] = ()
    ) -> bool:
        """Whether a meeting with this title at this moment is already planned (not cancelled)."""
        query = select(Meeting.id).where(
            Meeting.community_id == community_id,
            Meeting.starts_at == starts_at,
            Meeting.cancelled.is_(False),
            Meeting.id.not_in(but),
        )
        return any(
            meeting.title.casefold() == title.casefold()
            for meeting in await self._session.scalars(select(Meeting).where(Meeting.id.in_(query)))
        )

    async def attendees(self, meeting_id: int) -> list[int]:
        query = select(Rsvp.member_id).where(
            Rsvp.meeting_id == meeting_id, Rsvp.answer == RsvpAnswer.YES
        )
        return list(await self._session.scalars(query))
