"""Button payloads too long for a platform, kept behind short keys."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ButtonPayload
from storage.sql import upsert


class ButtonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(self, action: str, payload: str, now: datetime) -> str:
        """A short key for this action and payload; the same pair always gets the same key."""
        digest = hashlib.sha256(f"{action}\x00{payload}".encode()).digest()
        key = base64.b32encode(digest).decode()[:16].lower()
        insert = upsert(self._session, ButtonPayload).values(
            key=key, action=action, payload=payload, created_at=now
        )
        await self._session.execute(insert.on_conflict_do_nothing())
        return key

    async def load(self, key: str) -> tuple[str, str] | None:
        row = await self._session.get(ButtonPayload, key)
        return (row.action, row.payload) if row else None
