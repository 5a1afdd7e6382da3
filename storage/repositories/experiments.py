"""Practice experiments: saving with their history, and reading them with sharing respected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Experiment,
    ExperimentRevision,
    ExperimentStatus,
    ExperimentTool,
    Member,
    Reflection,
    SharingLevel,
)
from storage.repositories.reflections import DUPLICATE_WINDOW
from storage.sql import upsert

EDITABLE = ("what", "question", "done", "happened", "learned", "tags", "status", "sharing")


@dataclass(frozen=True)
class Viewer:
    """Who reads: sharing levels are applied for this member."""

    member_id: int | None
    """None for an outsider (an export for funders): nobody's own items."""
    coordinator: bool

    @classmethod
    def outsider(cls) -> Viewer:
        """Sees what the group shares and what is anonymous, nothing for coordinators only."""
        return cls(None, coordinator=False)


@dataclass(frozen=True)
class ExperimentFilter:
    tag: str | None = None
    status: ExperimentStatus | None = None
    author_id: int | None = None


@dataclass(frozen=True)
class Page:
    experiments: list[Experiment]
    total: int


@dataclass(frozen=True)
class Lesson:
    experiment_id: int
    learned: str
    author: str | None
    """None for anonymous experiments."""


def visible_to(
    viewer: Viewer, contribution: type[Experiment] | type[Reflection] = Experiment
) -> ColumnElement[bool]:
    """Everything shared with the group or anonymously; coordinators-only items for
    coordinators and for their own author. Applies to experiments and reflections alike;
    an item without author (left behind anonymously) is nobody's own."""
    own: ColumnElement[bool] = false()
    if viewer.member_id is not None:
        own = and_(
            contribution.author_member_id.is_not(None),
            contribution.author_member_id == viewer.member_id,
        )
    return or_(
        contribution.sharing.in_([SharingLevel.GROUP, SharingLevel.ANONYMOUS]),
        true() if viewer.coordinator else false(),
        own,
    )


def shown_author(sharing: SharingLevel, name: str | None) -> str | None:
    """The author's name as readers see it: none for anonymous contributions (nor for those
    whose author was forgotten)."""
    return None if sharing is SharingLevel.ANONYMOUS else name


def snapshot(experiment: Experiment) -> dict[str, object]:
    return {
        name: (value.value if hasattr(value, "value") else value)
        for name in EDITABLE
        for value in (getattr(experiment, name),)
    }


class ExperimentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        community_id: int,
        author_id: int,
        fields: Mapping[str, object],
        now: datetime,
    ) -> Experiment:
        experiment = Experiment(
            community_id=community_id,
            author_member_id=author_id,
            created_at=now,
            updated_at=now,
            **fields,
        )
        self._session.add(experiment)
        await self._session.flush()
        return experiment

    async def saved_just_now(
        self, community_id: int, author_id: int, fields: Mapping[str, object], now: datetime
    ) -> bool:
        """The member saved an experiment with these very texts here within the duplicate
        window (a double submit)."""
        query = select(Experiment).where(
            Experiment.community_id == community_id,
            Experiment.author_member_id == author_id,
            Experiment.created_at >= now - DUPLICATE_WINDOW,
        )
        for recent in await self._session.scalars(query):
            if all(
                getattr(recent, name) == value
                for name, value in fields.items()
                if isinstance(value, str | None)
            ):
                return True
        return False

    async def update(
        self, experiment: Experiment, changes: Mapping[str, object], now: datetime
    ) -> bool:
        """Apply changes, keeping the previous version; returns False when nothing changed."""
        changed = {k: v for k, v in changes.items() if getattr(experiment, k) != v}
        if not changed:
            return False
        self._session.add(
            ExperimentRevision(
                experiment_id=experiment.id, edited_at=now, before=snapshot(experiment)
            )
        )
        for name, value in changed.items():
            setattr(experiment, name, value)
        experiment.updated_at = now
        await self._session.flush()
        return True

    async def get(self, community_id: int, experiment_id: int) -> Experiment | None:
        experiment = await self._session.get(Experiment, experiment_id)
        if experiment is None or experiment.community_id != community_id:
            return None
        return experiment

    async def revisions(self, experiment_id: int) -> list[ExperimentRevision]:
        query = (
            select(ExperimentRevision)
            .where(ExperimentRevision.experiment_id == experiment_id)
            .order_by(ExperimentRevision.id)
        )
        return list(await self._session.scalars(query))

    async def page(
        self,
        community_id: int,
        viewer: Viewer,
        wanted: ExperimentFilter,
        *,
        offset: int,
        limit: int,
    ) -> Page:
        conditions = [Experiment.community_id == community_id, visible_to(viewer)]
        if wanted.status is not None:
            conditions.append(Experiment.status == wanted.status)
        if wanted.author_id is not None:
            conditions.append(Experiment.author_member_id == wanted.author_id)
            if wanted.author_id != viewer.member_id:
                conditions.append(Experiment.sharing != SharingLevel.ANONYMOUS)
        rows = list(
            await self._session.scalars(
                select(Experiment).where(*conditions).order_by(Experiment.id.desc())
            )
        )
        if wanted.tag is not None:
            rows = [e for e in rows if wanted.tag in e.tags]
        return Page(rows[offset : offset + limit], len(rows))

    async def latest_of(self, community_id: int, author_id: int, limit: int) -> list[Experiment]:
        query = (
            select(Experiment)
            .where(
                Experiment.community_id == community_id, Experiment.author_member_id == author_id
            )
            .order_by(Experiment.id.desc())
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def link_tool(self, experiment_id: int, tool_id: str, now: datetime) -> None:
        insert = upsert(self._session, ExperimentTool).values(
            experiment_id=experiment_id, tool_id=tool_id, linked_at=now
        )
        await self._session.execute(insert.on_conflict_do_nothing())

    async def tool_ids(self, experiment_id: int) -> list[str]:
        query = (
            select(ExperimentTool.tool_id)
            .where(ExperimentTool.experiment_id == experiment_id)
            .order_by(ExperimentTool.linked_at, ExperimentTool.tool_id)
        )
        return list(await self._session.scalars(query))

    async def tried_tool(self, tool_id: str, community_id: int, viewer: Viewer) -> int:
        """How many colleagues (distinct authors) tried this tool, as far as the viewer may see."""
        # Colleagues who left their experiments behind anonymously count one per experiment.
        query = (
            select(
                func.count(func.distinct(Experiment.author_member_id))
                + func.count(Experiment.id).filter(Experiment.author_member_id.is_(None))
            )
            .join(ExperimentTool, ExperimentTool.experiment_id == Experiment.id)
            .where(
                ExperimentTool.tool_id == tool_id,
                Experiment.community_id == community_id,
                visible_to(viewer),
            )
        )
        return int(await self._session.scalar(query) or 0)

    async def lessons(
        self, tool_id: str, community_id: int, viewer: Viewer, limit: int
    ) -> list[Lesson]:
        query = (
            select(Experiment, Member.display_name)
            .join(ExperimentTool, ExperimentTool.experiment_id == Experiment.id)
            .outerjoin(Member, Member.id == Experiment.author_member_id)
            .where(
                ExperimentTool.tool_id == tool_id,
                Experiment.community_id == community_id,
                visible_to(viewer),
                and_(Experiment.learned.is_not(None), Experiment.learned != ""),
            )
            .order_by(Experiment.updated_at.desc(), Experiment.id.desc())
            .limit(limit)
        )
        return [
            Lesson(
                experiment.id,
                experiment.learned or "",
                shown_author(experiment.sharing, name),
            )
            for experiment, name in (await self._session.execute(query)).all()
        ]

    async def authors(self, experiments: Sequence[Experiment]) -> dict[int, str]:
        ids = {e.author_member_id for e in experiments if e.author_member_id is not None}
        if not ids:
            return {}
        rows = await self._session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(ids))
        )
        return {member_id: name for member_id, name in rows.all()}
