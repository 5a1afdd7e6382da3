"""Button data that fits a platform's limit; longer payloads are kept behind a short key."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.model.messages import Button
from storage.db import Database
from storage.repositories import Repositories

SEPARATOR = "|"
STORED = "~"


class ButtonCodec:
    def __init__(self, database: Database, clock: Clock, limit_bytes: int) -> None:
        self._database = database
        self._clock = clock
        self._limit = limit_bytes

    async def encode(self, button: Button) -> str:
        inline = f"{button.action}{SEPARATOR}{button.payload}"
        if len(inline.encode()) <= self._limit and not inline.startswith(STORED):
            return inline
        async with self._database.session() as session:
            key = await Repositories.bind(session).buttons.store(
                button.action, button.payload, self._clock.now()
            )
        return STORED + key

    async def decode(self, data: str) -> tuple[str, str] | None:
        """(action, payload), or None for data this bot never made."""
        if data.startswith(STORED):
            async with self._database.session() as session:
                return await Repositories.bind(session).buttons.load(data[len(STORED) :])
        action, separator, payload = data.partition(SEPARATOR)
        return (action, payload) if separator and action else None
