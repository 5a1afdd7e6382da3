"""Participation: who is passive, the prompts they got, and the figures coordinators see.

The daily sweep reads only `memberships` (with its aggregates, kept current by the ledger),
never the whole ledger: it must stay fast with a year of rows for 100,000 members.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    Community,
    Direction,
    Experiment,
    ExperimentStatus,
    Identity,
    Level,
    Meeting,
    Membership,
    Prompt,
    Rsvp,
    RsvpAnswer,
    ScheduledSend,
    SendState,
    Tool,
)

CHUNK = 500
SENDS: Table = ScheduledSend.__table__  # type: ignore[assignment]
"""The table itself: plain executemany inserts, without the ORM's per-row RETURNING."""


@dataclass(frozen=True)
class PassiveMember:
    """A membership the sweep found passive (a snapshot), with how the bot can reach them."""

    membership_id: int
    community_id: int
    member_id: int
    level: Level | None
    unanswered_prompts: int
    prompt_check_at: datetime | None
    group_mention_at: datetime | None
    user_id: str
    reachable: bool


class SweepMark(StrEnum):
    """What the sweep did for a membership, written back in one statement per kind."""

    PROMPTED = "prompted"
    CHECKED = "checked"
    MENTIONED = "mentioned"


@dataclass(frozen=True)
class Facts:
    """What a member uniquely brings, for choosing a prompt that is about them."""

    colleague_tag: str | None = None
    colleague_count: int = 0
    open_experiment: Experiment | None = None
    looked_up_tool: str | None = None
    attended_meeting: str | None = None
    own_tag: str | None = None


@dataclass(frozen=True)
class Window:
    givers: int
    takers_only: int
    silent: int


@dataclass(frozen=True)
class WeekFigures:
    week_start: date
    givers: int
    takers: int


class ParticipationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # the daily sweep -----------------------------------------------------------------------

    async def communities(self) -> list[Community]:
        return list(await self._session.scalars(select(Community).order_by(Community.id)))

    async def claim_sweep(self, community_ids: Sequence[int], day: date) -> list[int]:
        """Mark today's sweep as run; returns the ids this process claimed (another process
        that got there first keeps the rest)."""
        claimed: list[int] = []
        for chunk in _chunks(community_ids):
            result = await self._session.execute(
                update(Community)
                .where(
                    Community.id.in_(chunk),
                    or_(Community.last_sweep_on.is_(None), Community.last_sweep_on < day),
                )
                .values(last_sweep_on=day)
                .returning(Community.id)
                .execution_options(synchronize_session=False)
            )
            claimed.extend(result.scalars())
        return claimed

    async def passive(self, communities: Sequence[Community], now: datetime) -> list[PassiveMember]:
        """Members who gave nothing lately, long enough in the community, with prompts on
        and not paused, and not prompted within the community's interval (the sweep doubles
        it for peripheral members, across all their communities). Communities with the same
        settings share one indexed query."""
        groups: dict[tuple[int, int, int, str], list[int]] = defaultdict(list)
        for c in communities:
            key = (c.passive_after_days, c.passive_min_membership_days, c.prompt_interval_days)
            groups[(*key, c.platform)].append(c.id)
        found: list[PassiveMember] = []
        for (after, minimum, interval, platform), ids in groups.items():
            for chunk in _chunks(ids):
                found.extend(await self._passive_in(chunk, platform, now, after, minimum, interval))
        return found

    async def _passive_in(
        self,
        community_ids: Sequence[int],
        platform: str,
        now: datetime,
        after_days: int,
        min_days: int,
        interval_days: int,
    ) -> list[PassiveMember]:
        interval = timedelta(days=interval_days)
        query = (
            select(
                Membership.id,
                Membership.community_id,
                Membership.member_id,
                Membership.level,
                Membership.unanswered_prompts,
                Membership.prompt_check_at,
                Membership.group_mention_at,
            )
            .where(
                Membership.community_id.in_(community_ids),
                Membership.left_at.is_(None),
                Membership.nudges_enabled.is_(True),
                or_(Membership.paused_until.is_(None), Membership.paused_until <= now),
                Membership.joined_at <= now - timedelta(days=min_days),
                or_(
                    and_(
                        Membership.last_given_at.is_(None),
                        Membership.joined_at <= now - timedelta(days=after_days),
                    ),
                    Membership.last_given_at <= now - timedelta(days=after_days),
                ),
                or_(
                    Membership.last_prompted_at.is_(None),
                    Membership.last_prompted_at <= now - interval,
                ),
            )
            .order_by(Membership.id)
        )
        rows = (await self._session.execute(query)).all()
        identities = await self._identities(platform, {row.member_id for row in rows})
        return [
            PassiveMember(
                membership_id=row.id,
                community_id=row.community_id,
                member_id=row.member_id,
                level=row.level,
                unanswered_prompts=row.unanswered_prompts,
                prompt_check_at=row.prompt_check_at,
                group_mention_at=row.group_mention_at,
                user_id=identities[row.member_id][0],
                reachable=identities[row.member_id][1],
            )
            for row in rows
            if row.member_id in identities
        ]

    async def _identities(self, platform: str, member_ids: set[int]) -> dict[int, tuple[str, bool]]:
        """Each member's user id on the platform, and whether a direct message can reach them.
        A second query, not a join: SQLite would otherwise start from every identity."""
        found: dict[int, tuple[str, bool]] = {}
        for chunk in _chunks(sorted(member_ids)):
            query = select(
                Identity.member_id,
                Identity.user_id,
                Identity.private_chat_id,
                Identity.dm_unreachable,
            ).where(Identity.platform == platform, Identity.member_id.in_(chunk))
            for member_id, user_id, private_chat, unreachable in await self._session.execute(query):
                found[member_id] = (user_id, private_chat is not None and not unreachable)
        return found

    async def mark(self, marks: Mapping[SweepMark, Sequence[int]], now: datetime) -> None:
        """Record the sweep's prompts, check questions and mentions on the memberships."""
        values: dict[SweepMark, dict[str, Any]] = {
            SweepMark.PROMPTED: {
                "last_prompted_at": now,
                "unanswered_prompts": Membership.unanswered_prompts + 1,
            },
            SweepMark.CHECKED: {"last_prompted_at": now, "prompt_check_at": now},
            SweepMark.MENTIONED: {"group_mention_at": now},
        }
        for mark, ids in marks.items():
            for chunk in _chunks(ids):
                await self._session.execute(
                    update(Membership)
                    .where(Membership.id.in_(chunk))
                    .values(**values[mark])
                    .execution_options(synchronize_session=False)
                )

    async def add_sends(self, sends: Sequence[ScheduledSend]) -> None:
        """Insert many sends at once (executemany, no per-row round trips)."""
        rows = [_row(send) for send in sends]
        for start in range(0, len(rows), CHUNK):
            await self._session.execute(insert(SENDS), rows[start : start + CHUNK])

    async def sends_planned(self, kind: str, created_at: datetime) -> dict[int, int]:
        """Send id per member, of the sends of this kind planned at one moment."""
        query = select(ScheduledSend.member_id, ScheduledSend.id).where(
            ScheduledSend.kind == kind, ScheduledSend.created_at == created_at
        )
        rows = await self._session.execute(query)
        return {member_id: send_id for member_id, send_id in rows if member_id is not None}

    async def add_prompts(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            await self._session.execute(insert(Prompt), list(rows[start : start + CHUNK]))

    async def last_prompted(self, member_ids: Iterable[int]) -> dict[int, datetime]:
        """The latest prompt of each member in any community: one person, one cap."""
        latest: dict[int, datetime] = {}
        for chunk in _chunks(sorted(set(member_ids))):
            query = (
                select(Membership.member_id, func.max(Membership.last_prompted_at))
                .where(Membership.member_id.in_(chunk))
                .group_by(Membership.member_id)
            )
            for member_id, at in await self._session.execute(query):
                if at is not None:
                    latest[member_id] = at
        return latest

    # prompts -------------------------------------------------------------------------------

    async def prompt(self, prompt_id: int) -> Prompt | None:
        return await self._session.get(Prompt, prompt_id)

    async def prompt_for_send(self, send_id: int) -> Prompt | None:
        query = select(Prompt).where(Prompt.send_id == send_id)
        return (await self._session.scalars(query)).one_or_none()

    async def open_prompt(self, member_id: int, since: datetime) -> Prompt | None:
        """The latest prompt that reached the member and is not answered yet."""
        query = (
            select(Prompt)
            .join(ScheduledSend, ScheduledSend.id == Prompt.send_id)
            .where(
                Prompt.member_id == member_id,
                Prompt.answered_at.is_(None),
                Prompt.planned_at >= since,
                ScheduledSend.state == SendState.SENT,
            )
            .order_by(Prompt.planned_at.desc(), Prompt.id.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def recent_templates(self, member_id: int, limit: int = 30) -> list[str]:
        query = (
            select(Prompt.template)
            .where(Prompt.member_id == member_id, Prompt.template.is_not(None))
            .order_by(Prompt.planned_at.desc(), Prompt.id.desc())
            .limit(limit)
        )
        return [t for t in await self._session.scalars(query) if t]

    async def memberships_of(self, member_id: int) -> list[Membership]:
        query = select(Membership).where(
            Membership.member_id == member_id, Membership.left_at.is_(None)
        )
        return list(await self._session.scalars(query))

    # facts for choosing a prompt -------------------------------------------------------------

    async def facts(self, community_id: int, member_id: int, now: datetime) -> Facts:
        own_tags = await self._own_tags(community_id, member_id, now)
        colleague_tag, colleague_count = await self._colleague_searches(
            community_id, member_id, now, own_tags
        )
        return Facts(
            colleague_tag=colleague_tag,
            colleague_count=colleague_count,
            open_experiment=await self._open_experiment(community_id, member_id),
            looked_up_tool=await self._looked_up_tool(community_id, member_id, now),
            attended_meeting=await self._attended(community_id, member_id, now),
            own_tag=own_tags.most_common(1)[0][0] if own_tags else None,
        )

    async def _own_tags(self, community_id: int, member_id: int, now: datetime) -> Counter[str]:
        """Tags of the member's experiments and of the tools they looked up."""
        tags: Counter[str] = Counter()
        experiments = await self._session.scalars(
            select(Experiment.tags).where(
                Experiment.community_id == community_id, Experiment.author_member_id == member_id
            )
        )
        for row in experiments:
            tags.update(t.casefold() for t in row or [])
        looked_up = await self._subjects(community_id, now - timedelta(days=90), member=member_id)
        for tool_tags in (await self._tool_tags(looked_up)).values():
            tags.update(tool_tags)
        return tags

    async def _colleague_searches(
        self, community_id: int, member_id: int, now: datetime, own: Counter[str]
    ) -> tuple[str | None, int]:
        """The member's tag that most colleagues looked up tools for in the last two weeks."""
        if not own:
            return None, 0
        query = (
            select(Activity.subject, Activity.member_id)
            .where(
                Activity.community_id == community_id,
                Activity.kind == "tool_lookup",
                Activity.at >= now - timedelta(days=14),
                Activity.member_id != member_id,
                Activity.subject.is_not(None),
            )
            .distinct()
        )
        rows = list(await self._session.execute(query))
        tags_of = await self._tool_tags({subject for subject, _ in rows if subject})
        searchers: dict[str, set[int]] = defaultdict(set)
        for subject, colleague in rows:
            for tag in tags_of.get(subject or "", ()):
                if tag in own:
                    searchers[tag].add(colleague)
        if not searchers:
            return None, 0
        tag, people = max(searchers.items(), key=lambda item: (len(item[1]), own[item[0]]))
        return (tag, len(people)) if len(people) >= 2 else (None, 0)

    async def _subjects(self, community_id: int, since: datetime, *, member: int) -> set[str]:
        query = select(Activity.subject).where(
            Activity.community_id == community_id,
            Activity.member_id == member,
            Activity.kind == "tool_lookup",
            Activity.at >= since,
            Activity.subject.is_not(None),
        )
        return {s for s in await self._session.scalars(query) if s}

    async def _tool_tags(self, tool_ids: set[str]) -> dict[str, list[str]]:
        if not tool_ids:
            return {}
        query = select(Tool.id, Tool.tags).where(Tool.id.in_(sorted(tool_ids)))
        return {
            tool_id: [t.casefold() for t in tags or []]
            for tool_id, tags in await self._session.execute(query)
        }

    async def _open_experiment(self, community_id: int, member_id: int) -> Experiment | None:
        query = (
            select(Experiment)
            .where(
                Experiment.community_id == community_id,
                Experiment.author_member_id == member_id,
                Experiment.status != ExperimentStatus.DONE,
            )
            .order_by(Experiment.updated_at.desc(), Experiment.id.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def _looked_up_tool(self, community_id: int, member_id: int, now: datetime) -> str | None:
        query = (
            select(Tool.name)
            .join(Activity, Activity.subject == Tool.id)
            .where(
                Activity.community_id == community_id,
                Activity.member_id == member_id,
                Activity.kind == "tool_lookup",
                Activity.at >= now - timedelta(days=60),
            )
            .order_by(Activity.at.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def _attended(self, community_id: int, member_id: int, now: datetime) -> str | None:
        query = (
            select(Meeting.title)
            .join(Rsvp, Rsvp.meeting_id == Meeting.id)
            .where(
                Meeting.community_id == community_id,
                Meeting.cancelled.is_(False),
                Meeting.ends_at <= now,
                Meeting.ends_at >= now - timedelta(days=14),
                Rsvp.member_id == member_id,
                Rsvp.answer == RsvpAnswer.YES,
            )
            .order_by(Meeting.ends_at.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    # figures for coordinators ----------------------------------------------------------------

    async def levels(self, community_id: int) -> Counter[Level | None]:
        query = (
            select(Membership.level, func.count())
            .where(Membership.community_id == community_id, Membership.left_at.is_(None))
            .group_by(Membership.level)
        )
        return Counter({level: int(n) for level, n in await self._session.execute(query)})

    async def window(self, community_id: int, since: datetime, until: datetime) -> Window:
        """Current members who gave, who only took, and who did neither in the window."""
        members = set(
            await self._session.scalars(
                select(Membership.member_id).where(
                    Membership.community_id == community_id, Membership.left_at.is_(None)
                )
            )
        )
        acts = await self._session.execute(
            select(Activity.member_id, Activity.direction)
            .where(
                Activity.community_id == community_id,
                Activity.at > since,
                Activity.at <= until,
            )
            .distinct()
        )
        givers: set[int] = set()
        takers: set[int] = set()
        for member_id, direction in acts:
            (givers if direction is Direction.GIVE else takers).add(member_id)
        givers &= members
        takers = (takers & members) - givers
        return Window(len(givers), len(takers), len(members - givers - takers))

    async def weekly(self, community_id: int, bounds: Sequence[datetime]) -> list[WeekFigures]:
        """Givers and takers (who did not give) per period between consecutive bounds."""
        acts = await self._session.execute(
            select(Activity.member_id, Activity.direction, Activity.at).where(
                Activity.community_id == community_id,
                Activity.at >= bounds[0],
                Activity.at < bounds[-1],
            )
        )
        givers: list[set[int]] = [set() for _ in bounds[1:]]
        takers: list[set[int]] = [set() for _ in bounds[1:]]
        for member_id, direction, at in acts:
            index = bisect_right(bounds, at) - 1
            (givers if direction is Direction.GIVE else takers)[index].add(member_id)
        return [
            WeekFigures(start.date(), len(g), len(t - g))
            for start, g, t in zip(bounds, givers, takers, strict=False)
        ]

    async def prompt_response(self, community_id: int, since: datetime) -> tuple[int, int]:
        """(prompts that went out, of which answered) since a moment. A prompt went out when
        its send succeeded; once retention removed that send (after a month), having been
        rendered (a template chosen) is what is left to go by."""
        query = (
            select(func.count(), func.count(Prompt.answered_at))
            .outerjoin(ScheduledSend, ScheduledSend.id == Prompt.send_id)
            .where(
                Prompt.community_id == community_id,
                Prompt.planned_at >= since,
                Prompt.template.is_not(None),
                or_(Prompt.send_id.is_(None), ScheduledSend.state == SendState.SENT),
            )
        )
        delivered, answered = (await self._session.execute(query)).one()
        return int(delivered), int(answered)


def _row(send: ScheduledSend) -> dict[str, Any]:
    """A new send's column values, with the model's defaults filled in (an ORM object gets
    them only when flushed)."""
    row: dict[str, Any] = {}
    for column in ScheduledSend.__table__.columns:
        if column.key == "id":
            continue
        value = getattr(send, column.key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        row[column.key] = value
    return row


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
