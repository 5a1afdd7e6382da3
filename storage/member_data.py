"""Where a member's data lives: every table of the schema, classified.

A table is either personal — with which of its rows are about a member and what
`/vergeetmij` does with them — or not personal, with the reason. `/mijndata` exports and
`/vergeetmij` erases by walking this map, so a table added later cannot be missed silently:
a test fails until it is classified here, and another fails for a column referring to members
that the map does not follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import QueryableAttribute

from storage.models import (
    Activity,
    Base,
    ButtonPayload,
    Community,
    ContributionReply,
    DialogState,
    DirectoryVersion,
    Experiment,
    ExperimentRevision,
    ExperimentTool,
    FeedToken,
    HandledUpdate,
    Identity,
    LedgerMonth,
    LoginToken,
    Meeting,
    Member,
    Membership,
    MessageCount,
    Pledge,
    Prompt,
    Reflection,
    Rsvp,
    ScheduledSend,
    Tool,
    WebSession,
)

MIN_TERM_LENGTH = 3
"""Names and user ids shorter than this are not looked for inside free-form payloads."""


class Erasure(StrEnum):
    """What `/vergeetmij` does with a table's rows about the member."""

    DELETE = "delete"
    UNLINK = "unlink"
    """The row belongs to the community (a meeting, a catalogue tool); only the link to the
    member is cleared."""
    CONTRIBUTION = "contribution"
    """Deleted, or — when the member chooses — kept without author, shared anonymously."""
    PART_OF_CONTRIBUTION = "part"
    """Goes or stays with its contribution (an experiment's history and tool links)."""


@dataclass(frozen=True)
class MemberKeys:
    """Everything that identifies one member in stored rows."""

    member_id: int
    identities: tuple[tuple[str, str], ...]
    """(platform, user_id) of every platform account."""
    names: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        """What to look for in free-form payloads: names and platform user ids."""
        found = {*self.names, *(user_id for _, user_id in self.identities)}
        return tuple(sorted(t for t in found if len(t.strip()) >= MIN_TERM_LENGTH))


Selector = Callable[[MemberKeys], ColumnElement[bool]]


@dataclass(frozen=True)
class PersonalTable:
    model: type[Base]
    label_key: str
    """Catalog key of what the rows are, for the summary of `/mijndata`."""
    rows: Selector
    """Which rows are about the member."""
    erasure: Erasure
    column: str = ""
    """The column that is cleared (UNLINK) or that names the author (CONTRIBUTION)."""

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


@dataclass(frozen=True)
class NotPersonal:
    model: type[Base]
    reason: str

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


def _on_identities(
    platform: QueryableAttribute[str],
    user_id: QueryableAttribute[str] | QueryableAttribute[str | None],
    keys: MemberKeys,
) -> ColumnElement[bool]:
    return or_(false(), *(and_(platform == p, user_id == u) for p, u in keys.identities))


def _authored_experiments(keys: MemberKeys) -> ColumnElement[bool]:
    return Experiment.author_member_id == keys.member_id


def _mentions(keys: MemberKeys) -> ColumnElement[bool]:
    payload = func.lower(ButtonPayload.payload)
    return or_(false(), *(payload.contains(t.lower(), autoescape=True) for t in keys.terms))


PERSONAL: tuple[PersonalTable, ...] = (
    # Erased in this order: what refers to other rows first, the member last.
    PersonalTable(ButtonPayload, "mydata.kind.button_payloads", _mentions, Erasure.DELETE),
    PersonalTable(
        DialogState,
        "mydata.kind.dialog_states",
        lambda k: or_(
            DialogState.member_id == k.member_id,
            _on_identities(DialogState.platform, DialogState.user_id, k),
        ),
        Erasure.DELETE,
    ),
    PersonalTable(
        WebSession,
        "mydata.kind.web_sessions",
        lambda k: WebSession.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        LoginToken,
        "mydata.kind.login_tokens",
        lambda k: LoginToken.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        FeedToken,
        "mydata.kind.feed_tokens",
        lambda k: FeedToken.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        ContributionReply,
        "mydata.kind.replies",
        lambda k: ContributionReply.author_member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        Prompt, "mydata.kind.prompts", lambda k: Prompt.member_id == k.member_id, Erasure.DELETE
    ),
    PersonalTable(
        Pledge, "mydata.kind.pledges", lambda k: Pledge.member_id == k.member_id, Erasure.DELETE
    ),
    PersonalTable(
        ScheduledSend,
        "mydata.kind.scheduled_sends",
        lambda k: or_(
            ScheduledSend.member_id == k.member_id,
            _on_identities(ScheduledSend.platform, ScheduledSend.user_id, k),
        ),
        Erasure.DELETE,
    ),
    PersonalTable(
        Rsvp, "mydata.kind.rsvps", lambda k: Rsvp.member_id == k.member_id, Erasure.DELETE
    ),
    PersonalTable(
        Activity,
        "mydata.kind.activities",
        lambda k: Activity.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        MessageCount,
        "mydata.kind.message_counts",
        lambda k: MessageCount.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        LedgerMonth,
        "mydata.kind.ledger_months",
        lambda k: LedgerMonth.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        Tool,
        "mydata.kind.tools",
        lambda k: Tool.proposer_member_id == k.member_id,
        Erasure.UNLINK,
        "proposer_member_id",
    ),
    PersonalTable(
        Meeting,
        "mydata.kind.meetings",
        lambda k: Meeting.created_by == k.member_id,
        Erasure.UNLINK,
        "created_by",
    ),
    PersonalTable(
        ExperimentRevision,
        "mydata.kind.experiment_revisions",
        lambda k: ExperimentRevision.experiment_id.in_(
            select(Experiment.id).where(_authored_experiments(k))
        ),
        Erasure.PART_OF_CONTRIBUTION,
    ),
    PersonalTable(
        ExperimentTool,
        "mydata.kind.experiment_tools",
        lambda k: ExperimentTool.experiment_id.in_(
            select(Experiment.id).where(_authored_experiments(k))
        ),
        Erasure.PART_OF_CONTRIBUTION,
    ),
    PersonalTable(
        Reflection,
        "mydata.kind.reflections",
        lambda k: Reflection.author_member_id == k.member_id,
        Erasure.CONTRIBUTION,
        "author_member_id",
    ),
    PersonalTable(
        Experiment,
        "mydata.kind.experiments",
        _authored_experiments,
        Erasure.CONTRIBUTION,
        "author_member_id",
    ),
    PersonalTable(
        Membership,
        "mydata.kind.memberships",
        lambda k: Membership.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        Identity,
        "mydata.kind.identities",
        lambda k: Identity.member_id == k.member_id,
        Erasure.DELETE,
    ),
    PersonalTable(
        Member, "mydata.kind.members", lambda k: Member.id == k.member_id, Erasure.DELETE
    ),
)

NOT_PERSONAL: tuple[NotPersonal, ...] = (
    NotPersonal(
        Community,
        "a group's own settings (chat, title, language, time zone, schedules); about no member",
    ),
    NotPersonal(DirectoryVersion, "one counter of changes, for caches; about no member"),
    NotPersonal(
        HandledUpdate,
        "platform update ids already handled, kept two days so a re-delivery is ignored; "
        "no sender, no content",
    ),
)


def classified() -> set[str]:
    return {entry.name for entry in PERSONAL} | {entry.name for entry in NOT_PERSONAL}


def unclassified() -> set[str]:
    """Tables of the schema this map says nothing about (a test keeps this empty)."""
    return set(Base.metadata.tables) - classified()
