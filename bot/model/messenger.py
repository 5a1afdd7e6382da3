"""The Messenger port: how the core and the scheduler send without being asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.model.messages import Reply, Target


class DeliveryError(Exception):
    """A send did not happen."""


class DeliveryRefused(DeliveryError):
    """Permanent: the platform will not deliver this (DM not allowed, bot removed)."""


class DeliveryFailed(DeliveryError):
    """Temporary: worth retrying later."""


class Messenger(Protocol):
    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        """Deliver replies to a chat or, as a direct message, to a member.

        Raises DeliveryRefused or DeliveryFailed.
        """
        ...
