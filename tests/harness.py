"""Plays members of communities against the core, errbot-TestBot style, with a fake clock.

harness = await Harness.create(url)
anna = harness.member("Anna", chat="g1")
replies = await anna.says("/help")
assert "Leeratelier" in replies.text
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.app.hub import build_core
from bot.core.clock import ManualClock
from bot.core.pipeline import Core
from bot.core.router import Router
from bot.core.web_links import WebLinks
from bot.handlers.participation.jobs import run_participation
from bot.handlers.participation.sweep import SweepResult
from bot.model.messages import (
    Button,
    ChatRef,
    EventKind,
    Incoming,
    MemberTarget,
    Reply,
    Target,
    UserRef,
)
from bot.model.messenger import DeliveryRefused, SendJob
from scheduler.dispatcher import Dispatcher
from search.tool_catalogue import ToolCatalogue
from storage import migrate
from storage.db import Database
from storage.repositories.communities import CommunityDefaults
from storage.retention import RetentionPolicy

PLATFORM = "test"
DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Replies(list[Reply]):
    @property
    def text(self) -> str:
        return "\n\n".join(str(reply.text) for reply in self)

    @property
    def buttons(self) -> list[Button]:
        return [button for reply in self for row in reply.buttons for button in row]

    def button(self, label: str) -> Button:
        for button in self.buttons:
            if button.label == label:
                return button
        raise AssertionError(f"no button {label!r} in {[b.label for b in self.buttons]}")


@dataclass
class RecordingMessenger:
    """Keeps what the bot sends proactively; refuses DMs to users who blocked them and,
    like the adapters, tells the core about it afterwards, in a task of its own: a handler
    may send from inside its unit of work, which the core's note must not wait for.
    `settle()` waits for those reports (the harness does after every message)."""

    sent: list[tuple[Target, Reply]] = field(default_factory=list)
    dm_blocked: set[str] = field(default_factory=set)
    on_refused: Callable[[UserRef, ChatRef | None], Awaitable[list[Reply]]] | None = None
    _reports: set[asyncio.Task[list[Reply]]] = field(default_factory=set)

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        if isinstance(target, MemberTarget) and target.user_id in self.dm_blocked:
            if self.on_refused is not None:
                user = UserRef(target.platform, target.user_id, "")
                report = asyncio.create_task(self.on_refused(user, None))
                self._reports.add(report)
                report.add_done_callback(self._reports.discard)
            raise DeliveryRefused(f"{target.user_id} does not accept direct messages")
        self.sent.extend((target, reply) for reply in replies)

    async def settle(self) -> None:
        while self._reports:
            await asyncio.gather(*self._reports)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        async def sender(replies: Sequence[Reply]) -> None:
            await self.send(target, replies)

        await job(sender)

    def deduplicates(self, platform: str) -> bool:
        return False

    def to(self, target: Target) -> list[Reply]:
        return [reply for sent_to, reply in self.sent if sent_to == target]


class Harness:
    def __init__(
        self,
        database: Database,
        clock: ManualClock,
        language: str = "nl",
        extra: Callable[[Router], None] | None = None,
        retention: RetentionPolicy | None = None,
        web: WebLinks | None = None,
    ) -> None:
        self.database = database
        self._web = web
        self._retention = retention
        self.clock = clock
        self.messenger = RecordingMessenger()
        self.language = language
        self._extra = extra
        self.core = self._build_core()
        self.last: dict[str, Replies] = {}

    @classmethod
    async def create(
        cls,
        url: str,
        *,
        clock: ManualClock | None = None,
        language: str = "nl",
        extra: Callable[[Router], None] | None = None,
        retention: RetentionPolicy | None = None,
        web: WebLinks | None = None,
    ) -> Harness:
        """`extra` registers more handlers or forms, for tests of the mechanisms themselves;
        `web` is where the online platform lives, for `/web`."""
        database = Database(url)
        await migrate.upgrade(database)
        return cls(database, clock or ManualClock(DEFAULT_START), language, extra, retention, web)

    def _build_core(self) -> Core:
        core = build_core(
            database=self.database,
            clock=self.clock,
            messenger=self.messenger,
            tools=ToolCatalogue(),
            defaults=CommunityDefaults(language=self.language, timezone="Europe/Amsterdam"),
            retention=self._retention,
            coordinators=frozenset({f"{PLATFORM}:boss"}),
            extra=self._extra,
            web=self._web,
        )
        self.messenger.on_refused = core.direct_message_refused
        return core

    def dispatcher(self, worker: str = "test") -> Dispatcher:
        """Delivers the scheduled sends that are due on the harness clock."""
        return Dispatcher(
            database=self.database,
            router=self.core.router,
            catalogs=self.core.catalogs,
            clock=self.clock,
            messenger=self.messenger,
            worker=worker,
        )

    async def deliver(self) -> list[tuple[Target, Reply]]:
        """Run the dispatcher once; returns what it sent."""
        before = len(self.messenger.sent)
        await self.dispatcher().run_due()
        await self.messenger.settle()
        return self.messenger.sent[before:]

    async def participate(self) -> SweepResult:
        """Run the participation job once (the daily sweep when due, digests planned)."""
        await self.core.counter.flush()
        return await run_participation(self.database, self.clock)

    async def restart(self) -> None:
        """A new core on the same database: everything in memory is gone."""
        await self.core.counter.flush()
        self.core = self._build_core()

    def member(
        self,
        name: str,
        *,
        chat: str = "group-1",
        coordinator: bool = False,
        language: str | None = None,
        user_id: str | None = None,
    ) -> Person:
        user = UserRef(PLATFORM, user_id or name.lower(), name, language, is_admin=coordinator)
        return Person(self, user, ChatRef(PLATFORM, chat, is_private=False, title=chat))

    async def introduced(self, chat: str = "group-1") -> None:
        """The bot's first answer in a group comes with its one-time privacy notice; tests of
        other things that compare whole answers start in a group that has had it."""
        replies = await self.member("Ivo", chat=chat, user_id="introducer").says("/privacy")
        assert len(replies) == 2 and "/privacy" in str(replies[-1].text)

    async def close(self) -> None:
        await self.messenger.settle()
        await self.core.counter.flush()
        await self.database.dispose()


@dataclass
class Person:
    harness: Harness
    user: UserRef
    chat: ChatRef

    @property
    def private_chat(self) -> ChatRef:
        return ChatRef(PLATFORM, self.user.user_id, is_private=True)

    async def send(self, msg: Incoming) -> Replies:
        replies = Replies(await self.harness.core.handle(msg))
        await self.harness.messenger.settle()
        self.harness.last[self.user.user_id] = replies
        return replies

    async def says(self, text: str) -> Replies:
        """Says something to the bot in the group (a reply to it, or a command)."""
        return await self.send(Incoming.from_text(self.chat, self.user, text, addressed=True))

    async def chats(self, text: str) -> Replies:
        """Ordinary group chatter, not meant for the bot."""
        return await self.send(Incoming.from_text(self.chat, self.user, text))

    async def says_privately(self, text: str) -> Replies:
        return await self.send(Incoming.from_text(self.private_chat, self.user, text))

    async def presses(self, label: str, *, private: bool = False) -> Replies:
        """Press a button of the last replies this member got."""
        return await self.press(self.harness.last[self.user.user_id].button(label), private=private)

    async def press(self, button: Button, *, private: bool = False) -> Replies:
        chat = self.private_chat if private else self.chat
        return await self.send(Incoming.button(chat, self.user, button.action, button.payload))

    async def submits(self, form: str, values: dict[str, str]) -> Replies:
        return await self.send(Incoming.form_submit(self.chat, self.user, form, values))

    async def joins(self) -> Replies:
        return await self.send(Incoming(self.chat, self.user, EventKind.JOINED))

    async def leaves(self) -> Replies:
        return await self.send(Incoming(self.chat, self.user, EventKind.LEFT))

    def in_chat(self, chat: str) -> Person:
        return Person(
            self.harness, self.user, ChatRef(PLATFORM, chat, is_private=False, title=chat)
        )
