"""What a community produced, as outsiders (funders, the atelier's online platform) may see
it: the audience rule `visible_to` is applied for an outsider, so contributions for
coordinators only stay out, anonymous ones come without author, and participation is counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    Community,
    ContributionReply,
    Direction,
    Experiment,
    ExperimentTool,
    LedgerMonth,
    Meeting,
    Member,
    Reflection,
    Rsvp,
    RsvpAnswer,
    Tool,
    ToolStatus,
)
from storage.repositories.audience import Viewer, shown_author, visible_to
from storage.retention import month_of


@dataclass(frozen=True)
class ExportedExperiment:
    id: int
    what: str
    question: str
    done: str
    happened: str
    learned: str
    tags: list[str]
    status: str
    audience: str
    attribution: str
    author: str | None
    """None for an anonymous experiment."""
    tools: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ExportedReflection:
    id: int
    text: str
    audience: str
    attribution: str
    author: str | None
    experiment_id: int | None
    meeting_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class ExportedReply:
    """A reply to an exported experiment or reflection; it follows that contribution."""

    id: int
    experiment_id: int | None
    reflection_id: int | None
    text: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class ExportedTool:
    id: str
    name: str
    summary: str
    tags: list[str]
    source_url: str
    proposed_here: bool
    """Proposed from this community (and approved)."""
    used_in: int
    """Exported experiments of this community that link it."""
    added_at: datetime | None = None
    """When a coordinator approved it into the catalogue (None for the starter set)."""


@dataclass(frozen=True)
class ExportedMeeting:
    id: int
    title: str
    kind: str
    starts_at: datetime
    place: str
    coming: int
    maybe: int
    not_coming: int


@dataclass(frozen=True)
class MonthFigures:
    """Participation in one month (the community's time zone): counts only, no names."""

    month: date
    givers: int
    takers: int
    gives: int
    takes: int


@dataclass(frozen=True)
class CommunityProduction:
    community_id: int
    title: str
    language: str
    timezone: str
    generated_at: datetime
    experiments: list[ExportedExperiment]
    reflections: list[ExportedReflection]
    tools: list[ExportedTool]
    meetings: list[ExportedMeeting]
    participation: list[MonthFigures]
    givers: int
    """Distinct members who gave anything in the whole period."""
    replies: list[ExportedReply] = field(default_factory=list)

    def period(self) -> tuple[date, date] | None:
        """First and last day of what was shared (else the months of participation), in the
        community's time zone."""
        zone = ZoneInfo(self.timezone)
        moments = [e.created_at for e in self.experiments] + [
            e.updated_at for e in self.experiments
        ]
        moments += [r.created_at for r in self.reflections] + [m.starts_at for m in self.meetings]
        days = [moment.astimezone(zone).date() for moment in moments]
        if not days:
            days = [figures.month for figures in self.participation]
        return (min(days), max(days)) if days else None


class ProductionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def community(self, community_id: int) -> Community | None:
        return await self._session.get(Community, community_id)

    async def communities(self) -> list[Community]:
        return list(await self._session.scalars(select(Community).order_by(Community.id)))

    async def gather(self, community: Community, now: datetime) -> CommunityProduction:
        experiments = await self._experiments(community.id)
        exported_ids = {e.id for e in experiments}
        participation, givers = await self._participation(community)
        reflections = await self._reflections(community.id, exported_ids)
        return CommunityProduction(
            community_id=community.id,
            title=community.title,
            language=community.language,
            timezone=community.timezone,
            generated_at=now,
            experiments=experiments,
            reflections=reflections,
            tools=await self._tools(community.id, experiments),
            meetings=await self._meetings(community.id),
            participation=participation,
            givers=givers,
            replies=await self._replies(exported_ids, {r.id for r in reflections}),
        )

    async def _replies(
        self, experiment_ids: set[int], reflection_ids: set[int]
    ) -> list[ExportedReply]:
        query = (
            select(ContributionReply, Member.display_name)
            .join(Member, Member.id == ContributionReply.author_member_id)
            .where(
                or_(
                    ContributionReply.experiment_id.in_(experiment_ids),
                    ContributionReply.reflection_id.in_(reflection_ids),
                )
            )
            .order_by(ContributionReply.id)
        )
        return [
            ExportedReply(r.id, r.experiment_id, r.reflection_id, r.text, name, r.created_at)
            for r, name in (await self._session.execute(query)).all()
        ]

    async def _experiments(self, community_id: int) -> list[ExportedExperiment]:
        query = (
            select(Experiment, Member.display_name)
            .outerjoin(Member, Member.id == Experiment.author_member_id)
            .where(Experiment.community_id == community_id, visible_to(Viewer.outsider()))
            .order_by(Experiment.id)
        )
        rows = (await self._session.execute(query)).all()
        links: dict[int, list[str]] = defaultdict(list)
        ids = [experiment.id for experiment, _ in rows]
        if ids:
            linked = await self._session.execute(
                select(ExperimentTool.experiment_id, ExperimentTool.tool_id)
                .join(Tool, Tool.id == ExperimentTool.tool_id)
                .where(ExperimentTool.experiment_id.in_(ids), Tool.status == ToolStatus.APPROVED)
                .order_by(ExperimentTool.linked_at, ExperimentTool.tool_id)
            )
            for experiment_id, tool_id in linked.all():
                links[experiment_id].append(tool_id)
        return [
            ExportedExperiment(
                id=e.id,
                what=e.what,
                question=e.question or "",
                done=e.done or "",
                happened=e.happened or "",
                learned=e.learned or "",
                tags=list(e.tags),
                status=e.status.value,
                audience=e.audience.value,
                attribution=e.attribution.value,
                author=shown_author(e.attribution, name),
                tools=links[e.id],
                created_at=e.created_at,
                updated_at=e.updated_at,
            )
            for e, name in rows
        ]

    async def _reflections(
        self, community_id: int, exported_experiments: set[int]
    ) -> list[ExportedReflection]:
        query = (
            select(Reflection, Member.display_name)
            .outerjoin(Member, Member.id == Reflection.author_member_id)
            .where(
                Reflection.community_id == community_id,
                visible_to(Viewer.outsider(), Reflection),
            )
            .order_by(Reflection.id)
        )
        return [
            ExportedReflection(
                id=r.id,
                text=r.text,
                audience=r.audience.value,
                attribution=r.attribution.value,
                author=shown_author(r.attribution, name),
                experiment_id=r.experiment_id if r.experiment_id in exported_experiments else None,
                meeting_id=r.meeting_id,
                created_at=r.created_at,
            )
            for r, name in (await self._session.execute(query)).all()
        ]

    async def _tools(
        self, community_id: int, experiments: list[ExportedExperiment]
    ) -> list[ExportedTool]:
        used: dict[str, int] = defaultdict(int)
        for experiment in experiments:
            for tool_id in experiment.tools:
                used[tool_id] += 1
        query = (
            select(Tool)
            .where(
                Tool.status == ToolStatus.APPROVED,
                or_(Tool.community_id == community_id, Tool.id.in_(list(used))),
            )
            .order_by(Tool.position, Tool.id)
        )
        return [
            ExportedTool(
                id=tool.id,
                name=tool.name,
                summary=tool.summary_nl,
                tags=list(tool.tags),
                source_url=tool.source_url,
                proposed_here=tool.community_id == community_id,
                used_in=used[tool.id],
                added_at=tool.decided_at if tool.community_id == community_id else None,
            )
            for tool in await self._session.scalars(query)
        ]

    async def _meetings(self, community_id: int) -> list[ExportedMeeting]:
        meetings = list(
            await self._session.scalars(
                select(Meeting)
                .where(Meeting.community_id == community_id, Meeting.cancelled.is_(False))
                .order_by(Meeting.starts_at, Meeting.id)
            )
        )
        answers: dict[int, dict[RsvpAnswer, int]] = defaultdict(lambda: defaultdict(int))
        if meetings:
            rows = await self._session.execute(
                select(Rsvp.meeting_id, Rsvp.answer).where(
                    Rsvp.meeting_id.in_([m.id for m in meetings])
                )
            )
            for meeting_id, answer in rows.all():
                answers[meeting_id][answer] += 1
        return [
            ExportedMeeting(
                id=m.id,
                title=m.title,
                kind=m.kind.value,
                starts_at=m.starts_at,
                place=m.place,
                coming=answers[m.id][RsvpAnswer.YES],
                maybe=answers[m.id][RsvpAnswer.MAYBE],
                not_coming=answers[m.id][RsvpAnswer.NO],
            )
            for m in meetings
        ]

    async def _participation(self, community: Community) -> tuple[list[MonthFigures], int]:
        """Givers and takers per month, from the ledger's individual rows and from the monthly
        counts older rows were rolled into."""
        zone = ZoneInfo(community.timezone)
        members: dict[tuple[date, Direction], set[int]] = defaultdict(set)
        acts: dict[tuple[date, Direction], int] = defaultdict(int)
        rows = await self._session.execute(
            select(Activity.member_id, Activity.direction, Activity.at).where(
                Activity.community_id == community.id
            )
        )
        for member_id, direction, at in rows.all():
            key = (month_of(at.astimezone(zone).date()), direction)
            members[key].add(member_id)
            acts[key] += 1
        months = await self._session.execute(
            select(
                LedgerMonth.member_id, LedgerMonth.direction, LedgerMonth.month, LedgerMonth.count
            ).where(LedgerMonth.community_id == community.id, LedgerMonth.direction.is_not(None))
        )
        for member_id, given, month, count in months.all():
            if given is not None:
                members[(month, given)].add(member_id)
                acts[(month, given)] += count
        figures = [
            MonthFigures(
                month=month,
                givers=len(members[(month, Direction.GIVE)]),
                takers=len(members[(month, Direction.TAKE)]),
                gives=acts[(month, Direction.GIVE)],
                takes=acts[(month, Direction.TAKE)],
            )
            for month in sorted({month for month, _ in members})
        ]
        givers = set().union(*(ids for (_, d), ids in members.items() if d is Direction.GIVE))
        return figures, len(givers)
