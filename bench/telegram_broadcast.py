"""300 direct messages through the Telegram adapter to a fake Bot API server that enforces
Telegram's limits (30 messages/s overall, 1/s per private chat, 20/min per group).

    python bench/telegram_broadcast.py [--messages 300]

Prints the time taken against the theoretical minimum (messages / 30 s) and the number of
429 answers. Target: within 1.1 x the minimum, zero 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.base import Parked
from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig
from bot.core.command_menu import build_menu
from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.markup import Text
from bot.model.messages import ChatRef, Incoming, MemberTarget, Reply, UserRef
from storage import migrate
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegramServer

OVERALL_PER_SECOND = 30


class SilentHost:
    async def dispatch(self, msg: Incoming) -> list[Reply]:
        return []

    def request_shutdown(self) -> None:
        return None

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        return []

    async def park(self, parked: Sequence[Parked]) -> None:
        return None


async def broadcast(count: int, folder: Path) -> tuple[float, int, int]:
    database = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await migrate.upgrade(database)
    async with FakeTelegramServer(token="4242:bench") as server:
        for user_id in range(1, count + 1):
            server.add_user(1000 + user_id, f"Lid {user_id}")
            server.user_started_bot(1000 + user_id)
        adapter = TelegramAdapter(
            TelegramConfig(token="4242:bench", base_url=server.base_url, poll_timeout=1),
            menu=build_menu(build_router()[0], Catalogs()),
        )
        await adapter.start(SilentHost())
        server.reset_rate_limits()
        reply = Reply(Text.bold("Herinnering") + "\nMorgen om 19:30: bijeenkomst van het atelier.")
        started = time.perf_counter()
        await asyncio.gather(
            *(
                adapter.send(MemberTarget("telegram", str(1000 + user_id)), [reply])
                for user_id in range(1, count + 1)
            )
        )
        elapsed = time.perf_counter() - started
        delivered = len(server.calls("sendMessage")) - server.rate_limit_hits
        hits = server.rate_limit_hits
        await adapter.stop()
    await database.dispose()
    return elapsed, hits, delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        elapsed, hits, delivered = asyncio.run(broadcast(args.messages, Path(folder)))
    minimum = args.messages / OVERALL_PER_SECOND
    print(
        f"telegram broadcast: {delivered} direct messages in {elapsed:.2f} s; "
        f"theoretical minimum {minimum:.2f} s; ratio {elapsed / minimum:.3f} (target <= 1.10); "
        f"429 answers: {hits} (target 0)"
    )


if __name__ == "__main__":
    main()
