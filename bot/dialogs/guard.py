"""The guard against client data: before a contribution is saved, text that looks like
personal data of clients (BSN, phone number, e-mail, IBAN, address, date of birth) is held
in memory — never in the database — until the member rephrases it or confirms it is fine.
A restart forgets what was held; the member then simply sends it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.dialogs.personal_data import Finding, find_personal_data
from bot.model.messages import Button, ConversationKey, Incoming, Reply

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.i18n import Translator

ACTION_CONFIRM = "guard.ok"
ACTION_REPHRASE = "guard.no"
HOLD_FOR = timedelta(minutes=30)

Resume = Callable[[Incoming, "Context", dict[str, str | None]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Held:
    values: dict[str, str | None]
    resume: Resume
    """Saves the held values, once the member confirmed."""
    until: datetime


class PrivacyGuard:
    def __init__(self) -> None:
        self._held: dict[ConversationKey, Held] = {}

    @staticmethod
    def findings(texts: Mapping[str, str | None]) -> dict[str, list[Finding]]:
        """Per field, what looks like personal data; fields without any are left out."""
        found = {name: find_personal_data(text) for name, text in texts.items() if text}
        return {name: items for name, items in found.items() if items}

    @staticmethod
    def described(
        t: Translator, texts: Mapping[str, str | None], found: Mapping[str, list[Finding]]
    ) -> list[str]:
        """Each finding named for the member, its value masked: for the chat's warning and
        the web's."""
        return [
            f"{t.plain(f'guard.kind.{item.kind.value}')} ({item.masked(texts[name] or '')})"
            for name, items in found.items()
            for item in items
        ]

    def hold(
        self,
        msg: Incoming,
        ctx: Context,
        texts: Mapping[str, str | None],
        found: Mapping[str, list[Finding]],
        resume: Resume,
    ) -> list[Reply]:
        """Keep the save for later and ask the member what to do."""
        now = ctx.now()
        for key in [key for key, held in self._held.items() if held.until <= now]:
            del self._held[key]
        self._held[msg.key] = Held(dict(texts), resume, now + HOLD_FOR)
        described = self.described(ctx.t, texts, found)
        buttons = (
            (
                Button(ctx.t.plain("guard.button_confirm"), ACTION_CONFIRM),
                Button(ctx.t.plain("guard.button_rephrase"), ACTION_REPHRASE),
            ),
        )
        return [Reply(ctx.t.text("guard.warning", found="; ".join(described)), buttons)]

    def release(self, msg: Incoming, now: datetime) -> Held | None:
        held = self._held.pop(msg.key, None)
        return held if held is not None and held.until > now else None

    def drop(self, msg: Incoming) -> bool:
        return self._held.pop(msg.key, None) is not None

    def __len__(self) -> int:
        return len(self._held)
