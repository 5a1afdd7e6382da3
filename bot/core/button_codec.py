"""Button data within each platform's limit: long payloads are kept behind a short key.

The keeping happens in the unit of work that made the reply (`ButtonStore.seal`) and the
reading in the unit of work of the press (`ButtonStore.open`), so adapters only encode and
decode strings and never touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.model.messages import Button, Reply
from storage.repositories import Repositories

SEPARATOR = "|"
STORED = "~"
"""The action of a sealed button; its payload is the key of the stored action and payload."""


def encode(button: Button) -> str:
    """The platform's button data for a (sealed) button."""
    if button.action == STORED:
        return STORED + button.payload
    return f"{button.action}{SEPARATOR}{button.payload}"


def decode(data: str) -> tuple[str, str] | None:
    """(action, payload) as the core reads them, or None for data this bot never made."""
    if data.startswith(STORED):
        key = data[len(STORED) :]
        return (STORED, key) if key else None
    action, separator, payload = data.partition(SEPARATOR)
    return (action, payload) if separator and action else None


@dataclass(frozen=True)
class ButtonStore:
    limits: Mapping[str, int] = field(default_factory=dict)
    """Per platform: the most bytes its button data may hold; no entry means no limit."""

    async def seal(
        self, repos: Repositories, platform: str, replies: Sequence[Reply], now: datetime
    ) -> list[Reply]:
        """The replies with every button that would not fit the platform stored behind a key."""
        limit = self.limits.get(platform)
        if limit is None:
            return list(replies)
        sealed: list[Reply] = []
        for reply in replies:
            rows: tuple[tuple[Button, ...], ...] = tuple(
                [
                    tuple([await self._fit(repos, b, limit, now) for b in row])
                    for row in reply.buttons
                ]
            )
            sealed.append(replace(reply, buttons=rows) if rows != reply.buttons else reply)
        return sealed

    @staticmethod
    async def _fit(repos: Repositories, button: Button, limit: int, now: datetime) -> Button:
        if len(encode(button).encode()) <= limit and button.action != STORED:
            return button
        key = await repos.buttons.store(button.action, button.payload, now)
        return Button(button.label, STORED, key)

    @staticmethod
    async def open(repos: Repositories, action: str, payload: str) -> tuple[str, str] | None:
        """The action and payload a press means; None for a stored key that is gone."""
        if action != STORED:
            return action, payload
        return await repos.buttons.load(payload)
