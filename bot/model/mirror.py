"""The EventMirror port: a meeting shown as the platform's own event (a Discord Scheduled
Event), created, changed and withdrawn with the meeting. Only some adapters offer it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.model.messages import ChatTarget
from bot.model.messenger import DeliveryRefused


@dataclass(frozen=True)
class MirroredEvent:
    """What the platform's event shows; the adapter fits each text to the platform's limits."""

    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    """Where: the meeting's place, or the group's name when it has none."""
    description: str


class MirrorForbidden(DeliveryRefused):
    """The platform does not let the bot manage events in this community (Discord: the bot
    lacks Manage Events). Permanent until someone grants it."""


class MirrorUnsupported(DeliveryRefused):
    """The community's platform has no events of its own."""


@runtime_checkable
class EventMirror(Protocol):
    async def publish_event(
        self, chat: ChatTarget, event: MirroredEvent, event_id: str | None
    ) -> str:
        """Create the event (`event_id` None) or bring it up to date; returns its id, a new
        one when the old event is gone. Raises MirrorForbidden, or a DeliveryError."""
        ...

    async def withdraw_event(self, chat: ChatTarget, event_id: str) -> None:
        """Cancel the event (the meeting was cancelled); gone already is fine."""
        ...
