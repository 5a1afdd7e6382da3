"""The crowd of bench/concurrency.py through the real Telegram adapter and the fake Bot API.

Each member writes in a group of their own (so the bot's answers can be told apart without
reading them); a command counts as answered once every reply the core gave for it has reached
the fake server. Flood limits are off on both sides (the fake server's 429s, and the adapter's
own pacing to Telegram's 30 messages a second, which alone would hold the crowd to 30 commands
a second): this measures the bot, not Telegram.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig
from bot.adapters.telegram.limits import TelegramRateLimiter
from bot.core.command_menu import build_menu
from bot.model.messages import ChatRef, Incoming, Reply, UserRef
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import Harness

TOKEN = "4242:bench-crowd"
FIRST_GROUP = -1_001_000_000_000


def unpaced() -> TelegramRateLimiter:
    """The adapter's own limiter with limits no crowd reaches: its work counts, its pacing not."""
    return TelegramRateLimiter(
        overall_per_second=10**6, private_per_second=10**6, group_per_minute=10**6
    )


class CountingHost:
    """The adapter's host: the harness's core, counting the replies it gave per chat."""

    def __init__(self, harness: Harness) -> None:
        self.core = harness.core
        self.expected: dict[int, int] = defaultdict(int)
        self.handled: dict[int, int] = defaultdict(int)
        self.progress: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.last: dict[int, list[Reply]] = {}

    async def dispatch(self, msg: Incoming) -> list[Reply]:
        replies = await self.core.handle(msg)
        chat = int(msg.chat.chat_id)
        self.expected[chat] += sum(1 for reply in replies if not reply.private)
        self.handled[chat] += 1
        self.last[chat] = replies
        self.progress[chat].set()
        return replies

    def request_shutdown(self) -> None:
        return None

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        return await self.core.direct_message_refused(user, group)


async def telegram_crowd(
    harness: Harness,
    members: int,
    commands: int,
    _groups: int,
    crowd: Callable[[Callable[[Incoming], Awaitable[list[Reply]]], int, int, int], Awaitable[Any]],
) -> Any:
    host = CountingHost(harness)
    async with FakeTelegramServer(token=TOKEN, enforce_rate_limits=False) as server:
        for number in range(members):
            server.add_user(1000 + number, f"Lid {number}")
            server.add_group(FIRST_GROUP - number, f"Groep {number}", members=[1000 + number])
        adapter = TelegramAdapter(
            TelegramConfig(token=TOKEN, base_url=server.base_url, poll_timeout=1),
            menu=build_menu(harness.core.router, harness.core.catalogs),
            rate_limiter=unpaced(),
        )
        await adapter.start(host)
        delivered: dict[int, int] = defaultdict(int)
        watching = asyncio.create_task(_watch(server, delivered, host))

        async def through_telegram(msg: Incoming) -> list[Reply]:
            number = int(msg.user.user_id) - 1000
            chat = FIRST_GROUP - number
            done = host.handled[chat] + 1
            server.push_message(chat, 1000 + number, msg.text)
            event = host.progress[chat]
            while host.handled[chat] < done or delivered[chat] < host.expected[chat]:
                await event.wait()
                event.clear()
            return host.last[chat]

        try:
            return await crowd(through_telegram, members, commands, members)
        finally:
            watching.cancel()
            await adapter.stop()


async def _watch(server: FakeTelegramServer, delivered: dict[int, int], host: CountingHost) -> None:
    """One reader of the server's record of sends, waking the member whose chat got one."""
    seen = 0
    while True:
        await server.wait_for_sent(seen + 1, timeout=3600)
        records = server.sent[seen:]
        seen += len(records)
        for record in records:
            delivered[record.chat_id] += 1
            host.progress[record.chat_id].set()
