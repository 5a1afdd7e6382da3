"""Practice experiments: saving with their history, and reading them by the audience rules."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Attribution,
    Experiment,
    ExperimentRevision,
    ExperimentStatus,
    ExperimentTool,
    Member,
    Reflection,
)
from storage.repositories.audience import (
    Viewer,
    may_read,
    shown_author,
    viewer_values,
    visible_to,
)
from storage.repositories.reflections import DUPLICATE_WINDOW
from storage.sql import upsert

__all__ = [
    "ExperimentFilter",
    "ExperimentRepository",
    "Lesson",
    "Page",
    "Viewer",
    "may_read",
    "shown_author",
    "visible_to",
]

EDITABLE = (
    "what",
    "question",
    "done",
    "happened",
    "learned",
    "tags",
    "status",
    "audience",
    "attribution",
)


_LATEST_OF = (
    select(Experiment)
    .where(
        Experiment.community_id == bindparam("of_community"),
        Experiment.author_member_id == bindparam("author"),
    )
    .order_by(Experiment.id.desc())
    .limit(bindparam("limit"))
)
"""Built once (the hot path runs it at every command: building costs more than running)."""


@dataclass(frozen=True)
class ExperimentFilter:
    tag: str | None = None
    status: ExperimentStatus | None = None
    author_id: int | None = None


@dataclass(frozen=True)
class Page:
    experiments: list[Experiment]
    total: int
    authors: dict[int, str] = field(default_factory=dict)
    """The display names of the page's authors (the name rule is the reader's to apply)."""


@dataclass(frozen=True)
class Lesson:
    experiment_id: int
    learned: str
    author: str | None
    """None for anonymous experiments."""


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
        shape = _PageShape.of(viewer, wanted)
        values = {
            "community": community_id,
            "status": wanted.status,
            "author": wanted.author_id,
            "offset": offset,
            "limit": limit,
            **viewer_values(viewer),
        }
        if shape.tag:
            everything = (await self._session.execute(_listing(shape), values)).all()
            tagged = [(item, name) for item, name in everything if wanted.tag in item.tags]
            return _page(tagged[offset : offset + limit], len(tagged))
        query, count = _page_statements(shape)
        rows = (await self._session.execute(query, values)).all()
        if rows:
            return _page([(item, name) for item, name, _ in rows], int(rows[0][2]))
        return _page([], int(await self._session.scalar(count, values) or 0) if offset else 0)

    async def latest_of(self, community_id: int, author_id: int, limit: int) -> list[Experiment]:
        values = {"of_community": community_id, "author": author_id, "limit": limit}
        return list(await self._session.scalars(_LATEST_OF, values))

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
                shown_author(experiment.attribution, name),
            )
            for experiment, name in (await self._session.execute(query)).all()
        ]

    async def public_lessons(self, tool_id: str, limit: int) -> list[Lesson]:
        """Lessons with a tool from experiments whose audience is `openbaar`, of every
        community: what the public pages may show, with the name rule applied."""
        query = (
            select(Experiment, Member.display_name)
            .join(ExperimentTool, ExperimentTool.experiment_id == Experiment.id)
            .outerjoin(Member, Member.id == Experiment.author_member_id)
            .where(
                ExperimentTool.tool_id == tool_id,
                visible_to(Viewer.public()),
                and_(Experiment.learned.is_not(None), Experiment.learned != ""),
            )
            .order_by(Experiment.updated_at.desc(), Experiment.id.desc())
            .limit(limit)
        )
        return [
            Lesson(
                experiment.id,
                experiment.learned or "",
                shown_author(experiment.attribution, name),
            )
            for experiment, name in (await self._session.execute(query)).all()
        ]

    async def authors(self, items: Sequence[Experiment | Reflection]) -> dict[int, str]:
        """The display names of these contributions' authors, in one query."""
        ids = {e.author_member_id for e in items if e.author_member_id is not None}
        if not ids:
            return {}
        rows = await self._session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(ids))
        )
        return {member_id: name for member_id, name in rows.all()}


@dataclass(frozen=True)
class _PageShape:
    """What of a page request changes the form of its SQL, not its values: each shape's
    statements are built once (building them took longer than running them)."""

    viewer: Viewer
    status: bool
    author: bool
    anonymous_hidden: bool
    tag: bool

    @classmethod
    def of(cls, viewer: Viewer, wanted: ExperimentFilter) -> _PageShape:
        return cls(
            viewer=Viewer(
                member_id=None if viewer.member_id is None else 0,
                coordinator=viewer.coordinator,
                community_id=None if viewer.community_id is None else 0,
                public_only=viewer.public_only,
            ),
            status=wanted.status is not None,
            author=wanted.author_id is not None,
            anonymous_hidden=wanted.author_id is not None and wanted.author_id != viewer.member_id,
            tag=wanted.tag is not None,
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [
            Experiment.community_id == bindparam("community"),
            visible_to(self.viewer, bound=True),
        ]
        if self.status:
            conditions.append(Experiment.status == bindparam("status"))
        if self.author:
            conditions.append(Experiment.author_member_id == bindparam("author"))
        if self.anonymous_hidden:
            conditions.append(Experiment.attribution != Attribution.ANONYMOUS)
        return conditions


@functools.cache
def _listing(shape: _PageShape) -> Select[Experiment, str]:
    """Every matching experiment, newest first (a tag filter pages this in Python: tags are a
    JSON list, read alike on both backends)."""
    return (
        select(Experiment, Member.display_name)
        .outerjoin(Member, Member.id == Experiment.author_member_id)
        .where(*shape.conditions())
        .order_by(Experiment.id.desc())
    )


@functools.cache
def _page_statements(shape: _PageShape) -> tuple[Select[Experiment, str, int], Select[int]]:
    """One page with the total beside each row, and the count alone, built once per shape (a
    handful in a process; building them took longer than running them).

    The total is an uncorrelated scalar subquery, which PostgreSQL and SQLite both evaluate
    once per statement, walking only the index; so one round trip answers both (a count over
    the window of the page query would read and join every matching row instead). The count
    alone serves a page past the end, which has no row to carry the total."""
    count = select(func.count(Experiment.id)).where(*shape.conditions())
    query = (
        _listing(shape)
        .add_columns(count.scalar_subquery().correlate(None))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return query, count


def _page(rows: Sequence[tuple[Experiment, str | None]], total: int) -> Page:
    authors = {
        item.author_member_id: name
        for item, name in rows
        if item.author_member_id is not None and name is not None
    }
    return Page([item for item, _ in rows], total, authors)
