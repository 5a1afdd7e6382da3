"""Typed SQLAlchemy models: communities, members and their identities, memberships,
dialog state, the give/take ledger, button payloads, the tool catalogue, and what members
contribute (practice experiments with their history, reflections)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
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


DEFAULT_REMINDER_OFFSETS = "7d 1d 2u"


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


class Audience(StrEnum):
    """Who may read a contribution; chosen by its author (the one read rule is
    `storage.repositories.audience.may_read` / `visible_to`)."""

    GROUP = "groep"
    """The community (and an export for funders, masked)."""
    COORDINATORS = "coordinatoren"
    """Only the community's coordinators (and the author)."""
    PUBLIC = "openbaar"
    """The community and also the public pages of the online platform."""


class Attribution(StrEnum):
    """Whether readers see the author's name; chosen by its author, independent of the
    audience (the one name rule is `storage.repositories.audience.shown_author`)."""

    NAMED = "met_naam"
    ANONYMOUS = "anoniem"
    """Shown and exported without the author's name, not even to coordinators."""


class ExperimentStatus(StrEnum):
    PLAN = "plan"
    RUNNING = "bezig"
    DONE = "afgerond"


class EventMirrorState(StrEnum):
    """Whether meetings are mirrored as the platform's own events in a community."""

    ON = "on"
    FORBIDDEN = "forbidden"
    """The platform refused: the bot lacks the permission (Discord: Manage Events)."""


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
    reminder_offsets: Mapped[str] = mapped_column(
        String(120), default=DEFAULT_REMINDER_OFFSETS, server_default=DEFAULT_REMINDER_OFFSETS
    )
    """When meeting reminders go out, before the start: e.g. `7d 1d 2u 15m`."""
    default_audience: Mapped[Audience] = mapped_column(
        _str_enum(Audience), default=Audience.GROUP, server_default=Audience.GROUP.value
    )
    """The audience a new contribution gets unless its author picks another."""
    default_attribution: Mapped[Attribution] = mapped_column(
        _str_enum(Attribution), default=Attribution.NAMED, server_default=Attribution.NAMED.value
    )
    """The attribution a new contribution gets unless its author picks another."""
    passive_after_days: Mapped[int] = mapped_column(Integer, default=21, server_default="21")
    """A member who gave nothing for this many days is passive ..."""
    passive_min_membership_days: Mapped[int] = mapped_column(
        Integer, default=14, server_default="14"
    )
    """... once they have been a member for at least this many days."""
    prompt_interval_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    """At most one prompt per member in this many days (twice as long for peripheral members)."""
    prompt_hour: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    """Local hour of the daily sweep that sends prompts; always outside quiet hours."""
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Day of the weekly digest, Monday = 0."""
    digest_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    last_sweep_on: Mapped[date | None] = mapped_column(Date, default=None)
    """Local date of the last daily sweep; claimed atomically so one process runs it."""
    privacy_notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """When the bot first told this group what it stores and why (its first reply there)."""
    event_mirror: Mapped[EventMirrorState | None] = mapped_column(
        _str_enum(EventMirrorState), default=None
    )
    """Whether meetings show as the platform's own events here; None before the first try."""
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
    """A member in one community, with what the daily sweep needs without reading the ledger."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id"),
        Index("ix_memberships_community_given", "community_id", "last_given_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_str_enum(Role), default=Role.MEMBER)
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Administrator of the chat on its platform, as last seen there; lets a group admin act
    as coordinator from a private chat too."""
    level: Mapped[Level | None] = mapped_column(_str_enum(Level), default=None)
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_given_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """The latest giving act in the ledger, kept up to date with every one."""
    last_prompted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    unanswered_prompts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Prompts since the member last gave anything."""
    prompt_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """When the member was asked whether to go on with prompts (after 3 unanswered)."""
    group_mention_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """The one gentle group mention for a member the bot cannot message directly."""


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
    defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    """Current values an edit form shows with each question and keeps when skipped."""
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
    subject: Mapped[str | None] = mapped_column(String(64), default=None)
    """What the act was about, when that helps prompts: a tool id for a lookup."""
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


class ToolStatus(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class Tool(Base):
    """A tool of the catalogue, or a member's proposal for one.

    The fields follow the catalogue file (storage/data/tools_catalogue.yaml); the English ones
    are optional. The catalogue is shared by every community of a deployment; a proposal
    remembers the community it came from. Only approved tools are searchable.
    """

    __tablename__ = "tools"
    __table_args__ = (
        Index("ix_tools_status_position", "status", "position"),
        Index("ix_tools_updated_at", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary_nl: Mapped[str] = mapped_column(Text)
    when_to_use_nl: Mapped[str] = mapped_column(Text, default="")
    steps_nl: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[list[str]] = mapped_column(JSON, default=list)
    effort: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    name_en: Mapped[str | None] = mapped_column(String(255), default=None)
    summary_en: Mapped[str | None] = mapped_column(Text, default=None)
    when_to_use_en: Mapped[str | None] = mapped_column(Text, default=None)
    steps_en: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), default=None)
    status: Mapped[ToolStatus] = mapped_column(_str_enum(ToolStatus), default=ToolStatus.PENDING)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """The place in the catalogue's order (the order of the file it came from); export keeps it."""
    proposer_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None, index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


READING_INDEX = ("community_id", "id", "audience", "author_member_id")
"""A community's contributions newest first, with what the read rule asks of each: a page
walks it and stops at its last row, and the count needs no table row (at 1,000 experiments
0.11 ms against 0.53 ms on SQLite, which otherwise sorted every row of the community)."""


class Experiment(Base):
    """A practice experiment: what a member tries in their own work, and what it taught."""

    __tablename__ = "experiments"
    __table_args__ = (
        Index("ix_experiments_community_status", "community_id", "status"),
        Index("ix_experiments_community_reading", *READING_INDEX),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    """None once the author left it behind anonymously (`/vergeetmij`)."""
    what: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(Text, default=None)
    done: Mapped[str | None] = mapped_column(Text, default=None)
    happened: Mapped[str | None] = mapped_column(Text, default=None)
    learned: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ExperimentStatus] = mapped_column(_str_enum(ExperimentStatus))
    audience: Mapped[Audience] = mapped_column(_str_enum(Audience))
    attribution: Mapped[Attribution] = mapped_column(_str_enum(Attribution))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExperimentRevision(Base):
    """The experiment as it was before one edit: the history of how it grew."""

    __tablename__ = "experiment_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExperimentTool(Base):
    """A tool an experiment used."""

    __tablename__ = "experiment_tools"

    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True
    )
    tool_id: Mapped[str] = mapped_column(
        ForeignKey("tools.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Reflection(Base):
    """A quick reflection: one message, optionally about one of the author's experiments."""

    __tablename__ = "reflections"
    __table_args__ = (
        Index("ix_reflections_community_time", "community_id", "created_at"),
        Index("ix_reflections_community_reading", *READING_INDEX),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    """None once the author left it behind anonymously (`/vergeetmij`)."""
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[Audience] = mapped_column(_str_enum(Audience))
    attribution: Mapped[Attribution] = mapped_column(_str_enum(Attribution))
    experiment_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), default=None, index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MeetingKind(StrEnum):
    ATELIER = "atelier"
    PUBLIC = "publiek"


class Meeting(Base):
    """One occurrence of a meeting; a recurring meeting is a series of these rows."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_community_start", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    """The first occurrence's id, shared by every occurrence of a recurring meeting."""
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[MeetingKind] = mapped_column(_str_enum(MeetingKind), default=MeetingKind.ATELIER)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str] = mapped_column(String(1000), default="")
    recurrence: Mapped[str | None] = mapped_column(String(32), default=None)
    """A rule of bot.text.recurrence.Recurrence (`W2`, `M4TH`, ...), None for a single meeting."""
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None, index=True
    )
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    """Raised on every change, so calendar clients update the event."""
    mirror_event_id: Mapped[str | None] = mapped_column(String(64), default=None)
    """The platform's own event that mirrors this meeting (a Discord Scheduled Event)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RsvpAnswer(StrEnum):
    YES = "ja"
    MAYBE = "misschien"
    NO = "nee"


class Rsvp(Base):
    __tablename__ = "rsvps"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[RsvpAnswer] = mapped_column(_str_enum(RsvpAnswer))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    remind_me: Mapped[bool] = mapped_column(Boolean, default=False)
    """The member asked for a personal reminder by direct message."""


class SendState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"
    """Interrupted or timed out after the request was written, on a platform that cannot
    deduplicate (Telegram): maybe delivered, never resent (at most once)."""


class ScheduledSend(Base):
    """Something the bot sends by itself at a time: the database is the truth, APScheduler
    only wakes the dispatcher, which claims a row atomically before sending it."""

    __tablename__ = "scheduled_sends"
    __table_args__ = (Index("ix_scheduled_sends_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    """None only for a parked reply to a private chat of someone in no community."""
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    """The group chat to send to; with `user_id`, the group to say so in when the platform
    refuses the direct message."""
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    """A direct message to this platform identity."""
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), default=None, index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stale_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """After this moment the send is no longer useful (the meeting started): skipped."""
    state: Mapped[SendState] = mapped_column(_str_enum(SendState), default=SendState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Prompt(Base):
    """A personal question sent to a passive member, and whether it was answered."""

    __tablename__ = "prompts"
    __table_args__ = (Index("ix_prompts_community_planned", "community_id", "planned_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    template: Mapped[str | None] = mapped_column(String(32), default=None)
    """Chosen when the prompt is sent, from what the member brings at that moment."""
    send_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_sends.id", ondelete="SET NULL"), default=None, index=True
    )
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """The member gave something (an answer, or any contribution) after this prompt."""


class Pledge(Base):
    """What a member means to share, and by when."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date] = mapped_column(Date)
    """The last day, in the community's time zone."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kept_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)
    dropped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class LedgerMonth(Base):
    """The ledger after its retention period: counts per member, month and kind.

    Individual acts (`activities`) and daily message counts older than the retention period
    are rolled into these rows; `kind` is an activity kind, or `message` for group chatter.
    """

    __tablename__ = "ledger_months"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    """The first day of the month, in the community's time zone."""
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    direction: Mapped[Direction | None] = mapped_column(_str_enum(Direction), default=None)
    """Give or take; None for group chatter, which is neither."""
    count: Mapped[int] = mapped_column(Integer, default=0)


class DirectoryVersion(Base):
    """One row: moves with every committed change to members, identities, memberships or
    communities (storage/db.py), so a process sharing the database drops its cached copies."""

    __tablename__ = "directory_version"
    __table_args__ = {"info": {"bookkeeping": True}}  # noqa: RUF012 - SQLAlchemy's own form

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class WebSession(Base):
    """A browser logged in to the online platform; the cookie holds a secret whose hash is
    the key, so the table alone lets nobody in."""

    __tablename__ = "web_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    """The community the member is looking at; they switch between their communities."""
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LoginToken(Base):
    """A single-use login link sent by `/web`; only the hash of its secret is stored."""

    __tablename__ = "login_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class FeedToken(Base):
    """The secret in a member's calendar subscription URL; a new one revokes the old."""

    __tablename__ = "feed_tokens"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContributionReply(Base):
    """A thank-you or reply to an experiment or a reflection (the forum part). It has no
    audience of its own: whoever may read the contribution reads its replies."""

    __tablename__ = "replies"
    __table_args__ = (
        Index("ix_replies_experiment", "experiment_id", "created_at"),
        Index("ix_replies_reflection", "reflection_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    experiment_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), default=None
    )
    reflection_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HandledUpdate(Base):
    """A platform update already handled (Telegram update id per bot, Discord interaction or
    message id): a re-delivery after a restart is ignored. Pruned after two days."""

    __tablename__ = "handled_updates"

    update_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
