"""Sends the bot makes by itself (reminders, invitations): planned as rows by handlers,
rendered by the capability that owns them when they fall due, delivered by the dispatcher
in `scheduler/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.core.clock import Clock
from bot.core.i18n import Catalogs, Translator
from bot.model.messages import Reply
from storage.models import Community, ScheduledSend
from storage.repositories import Repositories


@dataclass
class SendContext:
    send: ScheduledSend
    community: Community
    repos: Repositories
    t: Translator
    catalogs: Catalogs
    clock: Clock
    late: bool
    """Sent after its time (the bot was down): say so."""


Renderer = Callable[[SendContext], Awaitable[list[Reply] | None]]
"""Builds what to send, from the data as it is now; None when it is no longer relevant."""


class Planner(Protocol):
    """Where sends are planned: a handler's Context, or a scheduled job's JobPlanner."""

    def plan(self, send: ScheduledSend) -> None: ...

    def now(self) -> datetime: ...


@dataclass
class JobPlanner:
    repos: Repositories
    moment: datetime
    planned: list[datetime] = field(default_factory=list)

    def plan(self, send: ScheduledSend) -> None:
        self.repos.schedule.add(send)
        self.planned.append(send.due_at)

    def now(self) -> datetime:
        return self.moment


def to_group(
    community: Community,
    kind: str,
    due_at: datetime,
    now: datetime,
    **extra: Any,
) -> ScheduledSend:
    """A send to the community's group chat; `extra`: meeting_id, stale_at, payload."""
    return _send(community, kind, due_at, now, chat_id=community.chat_id, **extra)


def to_member(
    community: Community,
    member_id: int,
    user_id: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    **extra: Any,
) -> ScheduledSend:
    """A direct message to one member's identity on the community's platform."""
    return _send(community, kind, due_at, now, user_id=user_id, member_id=member_id, **extra)


def _send(
    community: Community, kind: str, due_at: datetime, now: datetime, **columns: Any
) -> ScheduledSend:
    columns.setdefault("payload", {})
    return ScheduledSend(
        community_id=community.id,
        kind=kind,
        platform=community.platform,
        due_at=due_at,
        created_at=now,
        **columns,
    )
