"""Open dialogs: the progress of a form, per conversation, restart-safe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState

_FIND = select(DialogState).where(
    DialogState.platform == bindparam("of_platform"),
    DialogState.chat_id == bindparam("of_chat"),
    DialogState.user_id == bindparam("of_user"),
)
"""Built once (the hot path runs it at every command: building costs more than running)."""


class DialogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, platform: str, chat_id: str, user_id: str) -> DialogState | None:
        values = {"of_platform": platform, "of_chat": chat_id, "of_user": user_id}
        return (await self._session.scalars(_FIND, values)).one_or_none()

    async def save(self, state: DialogState) -> None:
        self._session.add(state)
        await self._session.flush()

    async def remove(self, state: DialogState) -> None:
        await self._session.delete(state)
        await self._session.flush()

    async def delete_expired(self, now: datetime) -> int:
        result = await self._session.execute(
            delete(DialogState).where(DialogState.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0))
