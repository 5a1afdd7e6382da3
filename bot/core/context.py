"""The one typed context every handler gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.i18n import Catalogs, Translator, Value
from bot.model.markup import Text
from bot.model.messages import Button, Incoming, Reply
from bot.model.messenger import Messenger
from search.tool_catalogue import ToolCatalogue
from storage.models import Community, Identity, Member, Membership, Role, ScheduledSend
from storage.repositories import Repositories


class UserError(Exception):
    """A problem the member can fix; the core rolls back and answers with this text."""

    def __init__(self, key: str, /, **values: Value) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class Dialogs(Protocol):
    """What a handler may ask of the dialog engine: open a form, forget what it holds."""

    async def start(
        self,
        msg: Incoming,
        ctx: Context,
        form_name: str,
        values: Mapping[str, str | None] | None = None,
        *,
        defaults: Mapping[str, str | None] | None = None,
        first_answer: str | None = None,
    ) -> list[Reply]: ...

    def forget_held(self, msg: Incoming) -> None:
        """Drop text the client-data guard holds for this conversation (after forget-me)."""


@dataclass
class Context:
    community: Community | None
    """The group this message belongs to; for a private chat, the member's latest group."""
    member: Member
    identity: Identity
    membership: Membership | None
    role: Role
    t: Translator
    catalogs: Catalogs
    repos: Repositories
    clock: Clock
    messenger: Messenger
    dialogs: Dialogs
    is_private: bool
    tools: ToolCatalogue
    """The searchable tool catalogue of this process."""
    mirroring: frozenset[str] = frozenset()
    """The platforms whose adapter shows meetings as the platform's own events."""
    planned: list[datetime] = field(default_factory=list)
    """Due times of sends planned in this unit of work; the scheduler wakes up for them."""
    sender_forgotten: bool = False
    """Everything about the member was erased in this unit of work (`/vergeetmij`): the
    core keeps nothing of them in memory either."""

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    def speak(self, language: str) -> None:
        """Answer in another language from here on (after the member switched)."""
        self.t = self.catalogs.translator(language)

    def plan(self, send: ScheduledSend) -> None:
        """Schedule a send; it goes out when due, from the database, even after a restart."""
        self.repos.schedule.add(send)
        self.planned.append(send.due_at)

    def now(self) -> datetime:
        return self.clock.now()

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone if self.community else "Europe/Amsterdam")

    def text(self, key: str, /, **values: Value) -> Text:
        return self.t.text(key, **values)

    def reply(
        self,
        key: str,
        /,
        *,
        buttons: tuple[tuple[Button, ...], ...] = (),
        private: bool = False,
        **values: Value,
    ) -> Reply:
        return Reply(self.t.text(key, **values), buttons=buttons, private=private)

    def button(self, label_key: str, action: str, payload: str = "") -> Button:
        return Button(self.t.plain(label_key), action, payload)

    def require_community(self) -> Community:
        if self.community is None:
            raise UserError("error.no_community")
        return self.community
