"""Drivers that let one contract suite play a member on each adapter."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.adapters.base import Capabilities, Parked
from bot.adapters.console import ConsoleAdapter, ConsoleOptions
from bot.core.command_menu import build_menu
from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.messages import (
    ChatRef,
    ChatTarget,
    Incoming,
    MemberTarget,
    Reply,
    Target,
    UserRef,
    parse_command,
)
from storage.db import Database
from tests.adapters.markdown_view import visible
from tests.fakes.discord_api import FakeDiscordServer
from tests.fakes.discord_api import SentMessage as DiscordSent
from tests.fakes.telegram_api import FakeTelegramServer, SentRecord


@dataclass
class RecordingHost:
    """Stands in for the hub: keeps what the adapter dispatched, answers with canned replies."""

    received: list[Incoming] = field(default_factory=list)
    arrivals: asyncio.Queue[Incoming] = field(default_factory=asyncio.Queue)
    answers: list[Reply] = field(default_factory=list)
    refused: list[UserRef] = field(default_factory=list)
    shutdown_requested: asyncio.Event = field(default_factory=asyncio.Event)
    parked: list[Parked] = field(default_factory=list)

    async def dispatch(self, msg: Incoming) -> list[Reply]:
        self.received.append(msg)
        self.arrivals.put_nowait(msg)
        return list(self.answers)

    def request_shutdown(self) -> None:
        self.shutdown_requested.set()

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        self.refused.append(user)
        return []

    async def known_communities(self, platform: str, chat_ids: Sequence[str]) -> set[str]:
        """Like the hub: a group chat becomes a community with its first message."""
        seen = {msg.chat.chat_id for msg in self.received if msg.platform == platform}
        return {chat_id for chat_id in chat_ids if chat_id in seen}

    async def park(self, parked: Sequence[Parked]) -> None:
        self.parked.extend(parked)


class Driver(Protocol):
    capabilities: Capabilities
    host: RecordingHost
    group: Target
    member: MemberTarget
    stranger: MemberTarget

    async def user_types(self, text: str) -> Incoming: ...

    async def delivered(self, target: Target, replies: Sequence[Reply]) -> list[str]:
        """Send through the adapter; what the member sees, one string per platform message."""
        ...

    async def press(self, label: str) -> Incoming:
        """Press a button of the last delivered reply, as the member."""
        ...

    async def files(self) -> dict[str, bytes]: ...

    async def close(self) -> None: ...


class ConsoleDriver:
    def __init__(self, files_dir: Path) -> None:
        self._input_writer, self._input_reader = _pipe()
        self._output = io.StringIO()
        self.adapter = ConsoleAdapter(
            ConsoleOptions(user_name="Anna", files_dir=files_dir),
            input_stream=self._input_reader,
            output_stream=self._output,
        )
        self.capabilities = self.adapter.capabilities
        self.host = RecordingHost()
        self.group = ChatTarget("console", "local")
        self.member = MemberTarget("console", "anna")
        self.stranger = MemberTarget("console", "bert")
        self._files_dir = files_dir

    async def start(self) -> None:
        await self.adapter.start(self.host)

    async def user_types(self, text: str) -> Incoming:
        self._input_writer.write(text + "\n")
        self._input_writer.flush()
        return await asyncio.wait_for(self.host.arrivals.get(), 5)

    async def delivered(self, target: Target, replies: Sequence[Reply]) -> list[str]:
        start = self._output.tell()
        await self.adapter.send(target, replies)
        shown = self._output.getvalue()[start:]
        return [block for block in shown.split("\n\n") if block.strip()]

    async def press(self, label: str) -> Incoming:
        shown = self._output.getvalue()
        choices = shown[shown.rindex("[1] ") :].splitlines()[0]
        number = next(
            part.split("] ")[0].lstrip("[")
            for part in choices.split("  ")
            if part.split("] ", 1)[1] == label
        )
        return await self.user_types(number)

    async def files(self) -> dict[str, bytes]:
        return (
            {p.name: p.read_bytes() for p in self._files_dir.iterdir()}
            if self._files_dir.exists()
            else {}
        )

    async def close(self) -> None:
        self._input_writer.close()
        await asyncio.wait_for(self.host.shutdown_requested.wait(), 5)
        await self.adapter.stop()


def _pipe() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    import os

    read_fd, write_fd = os.pipe()
    return (
        io.TextIOWrapper(
            os.fdopen(write_fd, "wb", buffering=0), encoding="utf-8", write_through=True
        ),
        io.TextIOWrapper(os.fdopen(read_fd, "rb", buffering=0), encoding="utf-8"),
    )


class TelegramDriver:
    """Plays Anna (who started the bot) in a group, through the fake Bot API server."""

    GROUP = -1009876543210
    ANNA = 201
    STRANGER = 202

    def __init__(self, server: FakeTelegramServer, database: Database) -> None:
        from bot.adapters.telegram.adapter import (
            TelegramAdapter,
            TelegramConfig,
        )

        self.server = server
        server.add_user(self.ANNA, "Anna", language_code="nl")
        server.add_user(self.STRANGER, "Bert", language_code="nl")
        server.add_group(self.GROUP, "Contract", members=[self.ANNA, self.STRANGER])
        server.user_started_bot(self.ANNA)
        self.adapter = TelegramAdapter(
            TelegramConfig(token=server.token, base_url=server.base_url, poll_timeout=1),
            menu=build_menu(build_router()[0], Catalogs()),
        )
        self.capabilities = self.adapter.capabilities
        self.host = RecordingHost()
        self.group = ChatTarget("telegram", str(self.GROUP))
        self.member = MemberTarget("telegram", str(self.ANNA))
        self.stranger = MemberTarget("telegram", str(self.STRANGER))
        self._last_with_buttons: SentRecord | None = None

    async def start(self) -> None:
        await self.adapter.start(self.host)

    async def user_types(self, text: str) -> Incoming:
        self.server.push_message(self.GROUP, self.ANNA, text)
        return await asyncio.wait_for(self.host.arrivals.get(), 5)

    async def delivered(self, target: Target, replies: Sequence[Reply]) -> list[str]:
        start = len(self.server.sent)
        await self.adapter.send(target, replies)
        records = self.server.sent[start:]
        for record in records:
            if record.reply_markup:
                self._last_with_buttons = record
        return [record.text or record.caption or "" for record in records]

    async def press(self, label: str) -> Incoming:
        record = self._last_with_buttons
        assert record is not None and record.reply_markup is not None
        data = next(
            button["callback_data"]
            for row in record.reply_markup["inline_keyboard"]
            for button in row
            if button["text"] == label
        )
        self.server.push_callback_query(self.ANNA, record.message_id, record.chat_id, data)
        return await asyncio.wait_for(self.host.arrivals.get(), 5)

    async def files(self) -> dict[str, bytes]:
        return {
            record.document.filename: record.document.content
            for record in self.server.sent
            if record.document is not None and record.document.filename
        }

    async def close(self) -> None:
        await self.adapter.stop()


class DiscordDriver:
    """Plays Anna in a guild channel through the fake Discord; Bert blocks direct messages."""

    GUILD = 8800
    CHANNEL = 8801
    ANNA = 8901
    STRANGER = 8902

    def __init__(self, server: FakeDiscordServer, database: Database) -> None:
        from bot.adapters.discord.adapter import DiscordAdapter, DiscordConfig

        self.server = server
        server.add_guild(self.GUILD, "Contract", channels={self.CHANNEL: "contract"}, owner_id=1)
        server.add_user(self.ANNA, "Anna", locale="nl")
        server.add_user(self.STRANGER, "Bert", locale="nl")
        server.add_member(self.GUILD, self.ANNA)
        server.add_member(self.GUILD, self.STRANGER)
        server.block_dms(self.STRANGER)
        router, _ = build_router()
        self.adapter = DiscordAdapter(
            DiscordConfig(token=server.token, guild_ready_timeout=0.05),
            router=router,
            catalogs=Catalogs(),
        )
        self.capabilities = self.adapter.capabilities
        self.host = RecordingHost()
        self.group = ChatTarget("discord", str(self.CHANNEL))
        self.member = MemberTarget("discord", str(self.ANNA))
        self.stranger = MemberTarget("discord", str(self.STRANGER))
        self._last_with_buttons: DiscordSent | None = None

    async def start(self) -> None:
        await self.adapter.start(self.host)

    async def user_types(self, text: str) -> Incoming:
        """A command becomes a slash command (its arguments in its first option); other text
        is said to the bot by mentioning it."""
        parsed = parse_command(text)
        if parsed is None:
            await self.server.push_message(self.CHANNEL, self.ANNA, text, mentions_bot=True)
        else:
            name, _, args = parsed
            [command] = [c for c in self.server.commands[self.GUILD] if c["name"] == name]
            options = {command["options"][0]["name"]: args} if args else {}
            await self.server.push_slash_command(self.CHANNEL, self.ANNA, name, options=options)
        return await asyncio.wait_for(self.host.arrivals.get(), 5)

    async def delivered(self, target: Target, replies: Sequence[Reply]) -> list[str]:
        start = len(self.server.sent)
        await self.adapter.send(target, replies)
        records = self.server.sent[start:]
        for record in records:
            if record.buttons():
                self._last_with_buttons = record
        return [visible(record.content) for record in records]

    async def press(self, label: str) -> Incoming:
        record = self._last_with_buttons
        assert record is not None
        custom_id = dict(record.buttons())[label]
        await self.server.push_button(self.ANNA, record.id, custom_id)
        return await asyncio.wait_for(self.host.arrivals.get(), 5)

    async def files(self) -> dict[str, bytes]:
        return {
            name: content for record in self.server.sent for name, content in record.attachments
        }

    async def close(self) -> None:
        """Stop once every interaction handed to the adapter has its answer: stopping in the
        middle of one would log an error for a test that is already over."""
        pending = [i._answered.wait() for i in self.server.interactions if not i.answered]
        if pending:
            await asyncio.wait_for(asyncio.gather(*pending), 5)
        await self.adapter.stop()
