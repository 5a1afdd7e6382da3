"""Members, their platform identities and their memberships of communities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DIRECTORY_MEMBER
from storage.models import Identity, Member, Membership, Role
from storage.sql import upsert


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, member_id: int) -> Member | None:
        return await self._session.get(Member, member_id)

    async def find_identity(self, platform: str, user_id: str) -> Identity | None:
        query = select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        return (await self._session.scalars(query)).one_or_none()

    async def identities_of(self, member_id: int) -> list[Identity]:
        query = select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)
        return list(await self._session.scalars(query))

    async def resolve(
        self, platform: str, user_id: str, display_name: str, now: datetime
    ) -> tuple[Member, Identity]:
        """The member behind a platform identity, created on first sight."""
        identity = await self.find_identity(platform, user_id)
        if identity is None:
            member = Member(display_name=display_name, language=None, created_at=now)
            self._session.add(member)
            await self._session.flush()
            insert = upsert(self._session, Identity).values(
                member_id=member.id,
                platform=platform,
                user_id=user_id,
                display_name=display_name,
                dm_unreachable=False,
                created_at=now,
            )
            await self._session.execute(
                insert.on_conflict_do_nothing(), execution_options={DIRECTORY_MEMBER: member.id}
            )
            identity = await self.find_identity(platform, user_id)
            if identity is None:
                raise RuntimeError("the identity just inserted cannot be read back")
            if identity.member_id != member.id:
                await self._session.delete(member)
        elif display_name and identity.display_name != display_name:
            identity.display_name = display_name
        found = await self.get(identity.member_id)
        if found is None:
            raise RuntimeError("the member just inserted cannot be read back")
        return found, identity

    async def set_language(self, member: Member, language: str) -> None:
        member.language = language

    async def set_dm_unreachable(self, platform: str, user_id: str, unreachable: bool) -> bool:
        """Mark whether the platform lets the bot message this identity privately.

        Returns True when the mark changed.
        """
        result = await self._session.execute(
            update(Identity)
            .where(
                Identity.platform == platform,
                Identity.user_id == user_id,
                Identity.dm_unreachable.is_not(unreachable),
            )
            .values(dm_unreachable=unreachable)
        )
        return bool(getattr(result, "rowcount", 0))

    async def find_membership(self, community_id: int, member_id: int) -> Membership | None:
        query = select(Membership).where(
            Membership.community_id == community_id, Membership.member_id == member_id
        )
        return (await self._session.scalars(query)).one_or_none()

    async def join(self, community_id: int, member_id: int, now: datetime) -> Membership:
        """The membership, created on first sight; a member who left and returns rejoins."""
        membership = await self.find_membership(community_id, member_id)
        if membership is None:
            insert = upsert(self._session, Membership).values(
                community_id=community_id,
                member_id=member_id,
                role=Role.MEMBER,
                nudges_enabled=True,
                joined_at=now,
            )
            await self._session.execute(
                insert.on_conflict_do_nothing(), execution_options={DIRECTORY_MEMBER: member_id}
            )
            membership = await self.find_membership(community_id, member_id)
            if membership is None:
                raise RuntimeError("the membership just inserted cannot be read back")
        elif membership.left_at is not None:
            membership.left_at = None
            membership.joined_at = now
        return membership

    async def leave(self, community_id: int, member_id: int, now: datetime) -> None:
        membership = await self.find_membership(community_id, member_id)
        if membership is not None and membership.left_at is None:
            membership.left_at = now

    async def memberships_of(self, member_id: int) -> list[Membership]:
        """The communities a member belongs to (and did not leave), oldest first."""
        query = (
            select(Membership)
            .where(Membership.member_id == member_id, Membership.left_at.is_(None))
            .order_by(Membership.joined_at, Membership.id)
        )
        return list(await self._session.scalars(query))

    async def latest_membership(self, member_id: int) -> Membership | None:
        """The community a member was most recently active in, for private chats."""
        query = (
            select(Membership)
            .where(Membership.member_id == member_id, Membership.left_at.is_(None))
            .order_by(Membership.joined_at.desc(), Membership.id.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def find_in_community(self, community_id: int, name: str) -> Member | None:
        """A current member of the community by display name (case-insensitive)."""
        wanted = name.strip().casefold()
        query = (
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.community_id == community_id, Membership.left_at.is_(None))
            .order_by(Member.id)
        )
        members = list(await self._session.scalars(query))
        exact = [m for m in members if m.display_name.casefold() == wanted]
        partial = [m for m in members if m.display_name.casefold().startswith(wanted)]
        found = exact or partial
        return found[0] if found else None
