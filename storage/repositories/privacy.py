"""A member's data as a whole — gathered for `/mijndata`, erased for `/vergeetmij` — and the
one-time privacy notice of a group. Both walk the map in storage/member_data.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.member_data import PERSONAL, Erasure, MemberKeys, PersonalTable
from storage.models import Attribution, Community, Identity, Member

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]
Rows = list[dict[str, JsonValue]]


def jsonable(value: object) -> JsonValue:
    """A stored value as JSON can hold it: times in ISO 8601 (UTC), enums by their value."""
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keys(self, member_id: int) -> MemberKeys:
        member = await self._session.get(Member, member_id)
        identities = list(
            await self._session.scalars(select(Identity).where(Identity.member_id == member_id))
        )
        names = {i.display_name for i in identities}
        if member is not None:
            names.add(member.display_name)
        return MemberKeys(
            member_id=member_id,
            identities=tuple(sorted((i.platform, i.user_id) for i in identities)),
            names=tuple(sorted(name for name in names if name)),
        )

    async def collect(self, keys: MemberKeys) -> dict[str, Rows]:
        """Every stored row about the member, per table, every column of it."""
        found: dict[str, Rows] = {}
        for entry in PERSONAL:
            table = entry.model.__table__
            query = (
                select(table).where(entry.rows(keys)).order_by(*table.primary_key.columns)  # type: ignore[attr-defined]
            )
            rows = (await self._session.execute(query)).mappings().all()
            found[entry.name] = [{str(k): jsonable(v) for k, v in row.items()} for row in rows]
        return found

    async def erase(self, keys: MemberKeys, *, keep_contributions: bool) -> dict[str, int]:
        """Remove everything about the member, in the caller's transaction; returns rows
        affected per table. Contributions are kept without author when asked."""
        await self._session.flush()
        affected: dict[str, int] = {}
        for entry in PERSONAL:
            if entry.erasure is Erasure.UNLINK:
                affected[entry.name] = await self._update(entry, keys, {entry.column: None})
            elif entry.erasure is Erasure.CONTRIBUTION and keep_contributions:
                # Anonymising never widens the audience: only the attribution changes.
                anonymous = {entry.column: None, "attribution": Attribution.ANONYMOUS}
                affected[entry.name] = await self._update(entry, keys, anonymous)
        kept = (Erasure.CONTRIBUTION, Erasure.PART_OF_CONTRIBUTION) if keep_contributions else ()
        for entry in PERSONAL:
            if entry.erasure is not Erasure.UNLINK and entry.erasure not in kept:
                affected[entry.name] = await self._delete(entry, keys)
        return affected

    async def _update(
        self, entry: PersonalTable, keys: MemberKeys, values: Mapping[str, object]
    ) -> int:
        result = await self._session.execute(
            update(entry.model)
            .where(entry.rows(keys))
            .values(dict(values))
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))

    async def _delete(self, entry: PersonalTable, keys: MemberKeys) -> int:
        result = await self._session.execute(
            delete(entry.model)
            .where(entry.rows(keys))
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))

    async def claim_group_notice(self, community_id: int, now: datetime) -> bool:
        """True for exactly one caller: the one that tells this group about privacy first."""
        result = await self._session.execute(
            update(Community)
            .where(Community.id == community_id, Community.privacy_notice_at.is_(None))
            .values(privacy_notice_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
