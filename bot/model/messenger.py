"""The Messenger port: how the core and the scheduler send without being asked, and the
three ways a send can fail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.model.messages import Reply, Target


class DeliveryError(Exception):
    """A send did not happen, or nobody can tell whether it did."""


class DeliveryRefused(DeliveryError):
    """Permanent: the platform will not deliver this (DM not allowed, bot removed, a request
    it rejects). Never retried."""


class DeliveryFailed(DeliveryError):
    """Temporary: the request surely did not take effect (connection refused, 429, a 5xx the
    platform documents as not applied). Worth retrying later."""


DeliveryNotSent = DeliveryFailed
"""The issue's name for the temporary class; the same exception."""


class DeliveryUnknown(DeliveryError):
    """The request was written but no answer came (a timeout, a dropped connection): the
    platform may or may not have the message. Retried only where the platform deduplicates."""


class DeliveryStopped(DeliveryError):
    """The adapter stopped before this send's turn came; nothing of it was sent."""


class Sender(Protocol):
    async def __call__(self, replies: Sequence[Reply]) -> None:
        """Deliver replies in the turn this sender was handed for; raises a DeliveryError."""
        ...


SendJob = Callable[[Sender], Awaitable[None]]
"""Work that runs in a chat's turn: it may decide (claim, render) and then send."""


class Messenger(Protocol):
    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        """Deliver replies to a chat or, as a direct message, to a member.

        Raises DeliveryRefused, DeliveryFailed or DeliveryUnknown.
        """
        ...

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        """Run `job` once the target's chat is next in line and the platform's pacer is ready
        for it; one job per chat at a time. `key` identifies the send durably (a platform that
        deduplicates uses it, so a resend after a crash is recognised). Returns when the job is
        done; raises DeliveryStopped when the adapter stops first, and what `job` raises (a
        DeliveryRefused from it is reported to the core, as for `send`)."""
        ...

    def deduplicates(self, platform: str) -> bool:
        """True when a resend with the same key can never show twice on that platform."""
        ...
