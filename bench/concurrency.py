"""A crowd at once: simulated members each sending a run of mixed commands at the same time.

    python bench/concurrency.py [--members 200] [--commands 20] [--groups 10] [--only core]

Every member sends `/tool`, `/agenda`, `/experimenten` and `/reflectie` in turn, all members
concurrently, first through the core (as the adapters call it) and then through the Telegram
adapter against the fake Bot API (limits off: no 429s, no pacing), on SQLite (a temporary
file) and, where PostgreSQL binaries are installed, on a throwaway PostgreSQL server.

It prints commands per second, p50/p99 latency, the number of errors (a generic error answer,
or any ERROR log line) and reflections saved versus sent. Targets (issue 16): 0 errors,
0 lost contributions, p99 <= 250 ms and >= 1,000 commands/s on SQLite in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.core.i18n import Catalogs
from bot.model.messages import ChatRef, Incoming, Reply, UserRef
from storage.models import Reflection
from tests.harness import Harness
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database

COMMANDS = ("/tool verhalen", "/agenda", "/experimenten", "/reflectie {text}")
GENERIC = {str(Catalogs().translator(lang).text("error.generic")) for lang in ("nl", "en")}


class ErrorLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent_reflections: int = 0
    seconds: float = 0.0

    def line(self, label: str, saved: int, logged: int) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = len(ordered) / self.seconds
        lost = self.sent_reflections - saved
        return (
            f"{label:22} {rate:7.0f} commands/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"errors {self.errors + logged}  reflections saved {saved}/{self.sent_reflections}"
            f" (lost {lost})"
        )


Send = Callable[[Incoming], Awaitable[list[Reply]]]


async def crowd(send: Send, members: int, commands: int, groups: int) -> Outcome:
    """Every member sends `commands` commands one after another; all members at once."""
    outcome = Outcome()
    chats = [ChatRef("test", f"-{100 + g}", title=f"Groep {g}") for g in range(groups)]

    async def member(number: int) -> None:
        user = UserRef("test", str(1000 + number), f"Lid {number}")
        chat = chats[number % groups]
        for step in range(commands):
            command = COMMANDS[(number + step) % len(COMMANDS)]
            text = command.format(text=f"Lid {number} leerde iets in ronde {step}")
            if command.startswith("/reflectie"):
                outcome.sent_reflections += 1
            started = time.perf_counter()
            replies = await send(Incoming.from_text(chat, user, text))
            outcome.latencies.append(time.perf_counter() - started)
            if any(str(reply.text) in GENERIC for reply in replies):
                outcome.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(member(n) for n in range(members)))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def introduce(harness: Harness, groups: int) -> None:
    """Each group has had its privacy notice, and has a tool catalogue to search."""
    from search.tool_catalogue import ToolCatalogue

    harness.core.tools = ToolCatalogue()
    await harness.core.tools.start(harness.database, harness.clock.now())
    for g in range(groups):
        await harness.introduced(chat=f"-{100 + g}")


async def saved_reflections(harness: Harness) -> int:
    async with harness.database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Reflection)) or 0)


async def through_core(url: str, members: int, commands: int, groups: int) -> str:
    harness = await Harness.create(url)
    errors = ErrorLines()
    logging.getLogger().addHandler(errors)
    try:
        await introduce(harness, groups)
        outcome = await crowd(harness.core.handle, members, commands, groups)
        return outcome.line("core", await saved_reflections(harness), len(errors.lines))
    finally:
        logging.getLogger().removeHandler(errors)
        await harness.close()


async def through_telegram(url: str, members: int, commands: int, groups: int) -> str:
    from bench.telegram_crowd import telegram_crowd

    harness = await Harness.create(url)
    errors = ErrorLines()
    logging.getLogger().addHandler(errors)
    try:
        await introduce(harness, groups)
        outcome = await telegram_crowd(harness, members, commands, groups, crowd)
        saved = await saved_reflections(harness)
        return outcome.line("telegram (fake API)", saved, len(errors.lines))
    finally:
        logging.getLogger().removeHandler(errors)
        await harness.close()


def run(url_for: Callable[[str], str], label: str, args: argparse.Namespace) -> None:
    ways = {"core": through_core, "telegram": through_telegram}
    for name, way in ways.items():
        if args.only and args.only != name:
            continue
        line = asyncio.run(way(url_for(name), args.members, args.commands, args.groups))
        print(f"{label:11} {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--commands", type=int, default=20)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--only", choices=("core", "telegram"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        run(lambda name: f"sqlite+aiosqlite:///{Path(folder) / name}.db", "sqlite:", args)
    if args.sqlite_only:
        return
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        print(f"postgresql: skipped ({problem})")
        return
    try:
        run(lambda name: asyncio.run(create_database(server, f"crowd_{name}")), "postgresql:", args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
