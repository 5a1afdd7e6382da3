"""What every adapter implements, and what the hub offers it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.model.messages import ChatRef, Incoming, Reply, Target, UserRef
from bot.model.messenger import SendJob


@dataclass(frozen=True)
class Capabilities:
    max_message_length: int | None
    """Longest message the platform accepts, in its own measure; None for no limit."""
    native_forms: bool
    """Shows a whole form at once (a modal) instead of one question at a time."""
    direct_messages: bool
    button_data_limit: int | None = None
    """Most bytes a button may carry back; longer data the core keeps behind a key."""


@dataclass
class RateLimitStats:
    """The platform's 429 answers (too many requests) and the seconds spent waiting them out."""

    hits: int = 0
    waited_seconds: float = 0.0

    def record(self, seconds: float) -> None:
        self.hits += 1
        self.waited_seconds += max(0.0, seconds)


@dataclass(frozen=True)
class Parked:
    """Replies an adapter had queued but not sent when it stopped: for the outbox table."""

    target: Target
    replies: tuple[Reply, ...]


class Host(Protocol):
    """The hub, as an adapter sees it."""

    async def dispatch(self, msg: Incoming) -> list[Reply]: ...

    def request_shutdown(self) -> None: ...

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        """Report that the platform refused a DM to this user; returns what to say in the
        group instead (empty when there is no group to fall back to)."""
        ...

    async def known_communities(self, platform: str, chat_ids: Sequence[str]) -> set[str]:
        """Which of these chats are communities the bot already serves."""

    async def park(self, parked: Sequence[Parked]) -> None:
        """Keep unsent replies in the outbox; the next start sends them first, in order."""
        ...


class Adapter(Protocol):
    platform: str
    capabilities: Capabilities

    async def start(self, host: Host) -> None:
        """Connect and begin receiving; returns once running."""
        ...

    async def stop(self) -> None: ...

    deduplicates: bool
    """A resend with the same key never shows twice (the platform honours a nonce)."""

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        """Deliver proactively (the Messenger port); raises a DeliveryError."""
        ...

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        """The Messenger port's turn-taking send (see bot.model.messenger)."""
        ...
