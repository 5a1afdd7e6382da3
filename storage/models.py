"""Typed SQLAlchemy models: communities, members and their identities, memberships,
dialog state and the give/take ledger."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _str_enum(enum: type[StrEnum]) -> Enum:
    return Enum(
        enum,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"


class Level(StrEnum):
    CORE = "kern"
    ACTIVE = "actief"
    PERIPHERAL = "perifeer"


class Direction(StrEnum):
    GIVE = "give"
    TAKE = "take"


class Community(Base):
    """One chat (a Telegram group, a Discord channel, the local console) is one community."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Member(Base):
    """A person; reachable through one or more platform identities."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Identity(Base):
    """A member's account on one platform, written `platform:user_id`."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    private_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    """Set once the member has written to the bot privately: proof that DMs can work."""
    dm_unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    """The platform refused a direct message (blocked, or never started the bot)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def reachable_privately(self) -> bool:
        return self.private_chat_id is not None and not self.dm_unreachable


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_str_enum(Role), default=Role.MEMBER)
    level: Mapped[Level | None] = mapped_column(_str_enum(Level), default=None)
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class DialogState(Base):
    """A form in progress, keyed by chat and user, so a restart loses nothing."""

    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), default=None
    )
    form: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer, default=0)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Activity(Base):
    """One giving or taking act in the ledger. Never holds message text."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_member_time", "community_id", "member_id", "direction", "at"),
        Index("ix_activities_community_time", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(_str_enum(Direction))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class MessageCount(Base):
    """Ordinary group messages, counted per member per day; the text is never stored."""

    __tablename__ = "message_counts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ButtonPayload(Base):
    """Button data too long for a platform (Telegram: 64 bytes), kept behind a short key.

    Rows outlive restarts, so buttons in old messages keep working.
    """

    __tablename__ = "button_payloads"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
