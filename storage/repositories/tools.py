"""The tool catalogue and the proposals waiting for a coordinator."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Tool, ToolStatus
from storage.sql import upsert

ID_LENGTH = 64
_SLUG_LENGTH = 48
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FREE_ID_ATTEMPTS = 5


_BY_IDS = select(Tool).where(Tool.id.in_(bindparam("ids", expanding=True)))
"""Built once (the hot path runs it at every command: building costs more than running)."""


@dataclass(frozen=True)
class CatalogueFingerprint:
    """Changes whenever the set of approved tools or one of them changes."""

    approved: int
    last_change: datetime | None


@dataclass(frozen=True)
class Proposal:
    """What a member proposes: the dialog's answers."""

    name: str
    summary: str
    when_to_use: str = ""
    link: str = ""


@dataclass(frozen=True)
class ProposalEdit:
    """What a coordinator may correct in a proposal before approving it."""

    name: str
    summary: str
    tags: tuple[str, ...]
    level: tuple[str, ...]
    effort: str
    link: str


class ToolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tool_id: str) -> Tool | None:
        return await self._session.get(Tool, tool_id)

    async def approved_by_ids(self, tool_ids: Sequence[str]) -> list[Tool]:
        """Approved tools in the order asked for; unknown or unapproved ids are left out."""
        if not tool_ids:
            return []
        rows = await self._session.scalars(_BY_IDS, {"ids": list(tool_ids)})
        found = {tool.id: tool for tool in rows if tool.status is ToolStatus.APPROVED}
        return [found[tool_id] for tool_id in tool_ids if tool_id in found]

    async def approved(self) -> list[Tool]:
        """The catalogue, in its order."""
        query = (
            select(Tool).where(Tool.status == ToolStatus.APPROVED).order_by(Tool.position, Tool.id)
        )
        return list(await self._session.scalars(query))

    async def changed_since(self, moment: datetime | None) -> list[Tool]:
        """Tools of any status changed after `moment` (all tools when None), by id: what a
        search index must add, replace or drop to catch up."""
        query = select(Tool).order_by(Tool.id)
        if moment is not None:
            query = query.where(Tool.updated_at > moment)
        return list(await self._session.scalars(query))

    async def statuses_at(self, moment: datetime) -> dict[str, ToolStatus]:
        """The status of each tool last changed exactly at `moment` (a whole import shares one
        moment; reading only ids and statuses keeps catching up after it cheap)."""
        rows = await self._session.execute(
            select(Tool.id, Tool.status).where(Tool.updated_at == moment)
        )
        return {row.id: row.status for row in rows}

    async def by_ids(self, tool_ids: Sequence[str]) -> list[Tool]:
        """The tools with these ids, whatever their status, by id."""
        if not tool_ids:
            return []
        query = select(Tool).where(Tool.id.in_(tool_ids)).order_by(Tool.id)
        return list(await self._session.scalars(query))

    async def all_by_id(self) -> dict[str, Tool]:
        """Every tool, whatever its status (for an import)."""
        return {tool.id: tool for tool in await self._session.scalars(select(Tool))}

    async def is_empty(self) -> bool:
        return await self._session.scalar(select(Tool.id).limit(1)) is None

    async def fingerprint(self) -> CatalogueFingerprint:
        query = select(func.count(), func.max(Tool.updated_at)).where(
            Tool.status == ToolStatus.APPROVED
        )
        count, last_change = (await self._session.execute(query)).one()
        return CatalogueFingerprint(int(count), last_change)

    async def next_position(self) -> int:
        last = await self._session.scalar(select(func.max(Tool.position)))
        return 0 if last is None else int(last) + 1

    def add(self, tool: Tool) -> None:
        self._session.add(tool)

    async def refresh(self, tool: Tool) -> None:
        """Read a tool again (after another process may have decided on it)."""
        await self._session.refresh(tool)

    async def propose(
        self,
        proposal: Proposal,
        *,
        proposer_member_id: int,
        community_id: int | None,
        now: datetime,
    ) -> Tool:
        """A pending tool under a fresh id made from its name (`outcome-harvesting-2`)."""
        base = slug(proposal.name)
        taken = set(
            await self._session.scalars(
                select(Tool.id).where(or_(Tool.id == base, Tool.id.like(f"{base}-%")))
            )
        )
        for _ in range(_FREE_ID_ATTEMPTS):
            tool_id = _free_id(base, taken)
            insert = upsert(self._session, Tool).values(
                id=tool_id,
                name=proposal.name,
                summary_nl=proposal.summary,
                when_to_use_nl=proposal.when_to_use,
                source_url=proposal.link,
                status=ToolStatus.PENDING,
                position=0,
                proposer_member_id=proposer_member_id,
                community_id=community_id,
                created_at=now,
                updated_at=now,
            )
            result = await self._session.execute(insert.on_conflict_do_nothing())
            if getattr(result, "rowcount", 0):
                tool = await self.get(tool_id)
                if tool is None:
                    raise RuntimeError("the tool just written cannot be read back")
                return tool
            taken.add(tool_id)
        raise RuntimeError(f"no free tool id for {base!r}")

    async def pending(self, community_id: int | None) -> list[Tool]:
        """Proposals waiting for a decision, oldest first: those from this community and those
        made outside any community."""
        origin: ColumnElement[bool] = Tool.community_id.is_(None)
        if community_id is not None:
            origin = or_(origin, Tool.community_id == community_id)
        query = (
            select(Tool)
            .where(Tool.status == ToolStatus.PENDING, origin)
            .order_by(Tool.created_at, Tool.id)
        )
        return list(await self._session.scalars(query))

    async def edit_proposal(self, tool_id: str, edit: ProposalEdit, now: datetime) -> bool:
        """A coordinator's corrections to a proposal before deciding on it; False when it is
        no longer pending."""
        result = await self._session.execute(
            update(Tool)
            .where(Tool.id == tool_id, Tool.status == ToolStatus.PENDING)
            .values(
                name=edit.name,
                summary_nl=edit.summary,
                tags=list(edit.tags),
                level=list(edit.level),
                effort=edit.effort,
                source_url=edit.link,
                updated_at=now,
            )
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    async def decide(self, tool_id: str, status: ToolStatus, now: datetime) -> bool:
        """Approve or reject a pending proposal; False when it was no longer pending
        (another coordinator was first). An approved tool joins the end of the catalogue."""
        values: dict[str, object] = {"status": status, "decided_at": now, "updated_at": now}
        if status is ToolStatus.APPROVED:
            values["position"] = await self.next_position()
        result = await self._session.execute(
            update(Tool)
            .where(Tool.id == tool_id, Tool.status == ToolStatus.PENDING)
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def slug(name: str) -> str:
    """`Outcome Harvesting (oogsten)` → `outcome-harvesting-oogsten`; never empty."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    cut = _NOT_SLUG.sub("-", ascii_only).strip("-")[:_SLUG_LENGTH].strip("-")
    return cut or "tool"


def _free_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
