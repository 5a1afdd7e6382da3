"""What one command costs, one member at a time: SQL statements, and time per command.

    python bench/command_cost.py [--repeat 300] [--profile "/tool verhalen"]

For each command of the crowd mix (`/help`, `/tool verhalen`, `/agenda`, `/experimenten`,
`/reflectie`) it prints the statements the command sends to the database (counted with
SQLAlchemy's `before_cursor_execute` event, a transaction's BEGIN included), the trips to the
SQLite driver's thread, and its p50 time (wall clock, and CPU time of the process: steadier
on a shared machine), on SQLite (a temporary file). `--profile` prints a
cProfile of that command (cumulative and own time). Issue 16 asks >= 1,000 commands/s:
about 1 ms per command.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
from sqlalchemy import event

from bot.model.messages import ChatRef, Incoming, UserRef
from tests.harness import Harness

COMMANDS = ("/help", "/tool verhalen", "/agenda", "/experimenten", "/reflectie ronde {n}")


class StatementCount:
    """Statements sent, and trips to the SQLite driver's thread (each wakes the event loop)."""

    def __init__(self, harness: Harness) -> None:
        self.count = 0
        self.trips = 0
        self.statements: list[str] = []
        event.listen(harness.database.engine.sync_engine, "before_cursor_execute", self._seen)
        trip = aiosqlite.Connection._execute

        async def counted(connection: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
            self.trips += 1
            return await trip(connection, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]

    def reset(self) -> None:
        self.count = self.trips = 0
        self.statements.clear()

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self.count += 1
        self.statements.append(statement.split("\n")[0][:100])


async def measure(url: str, repeat: int, profile: str | None, show: bool) -> None:
    from search.tool_catalogue import ToolCatalogue

    harness = await Harness.create(url)
    harness.core.tools = ToolCatalogue()
    await harness.core.tools.start(harness.database, harness.clock.now())
    await harness.introduced(chat="-100")
    chat = ChatRef("test", "-100", title="Groep")
    user = UserRef("test", "1000", "Lid")
    counter = StatementCount(harness)
    for template in COMMANDS:
        name = template.split()[0]
        texts = (template.format(n=n) for n in itertools.count())
        for _ in range(3):  # warm: the sender cached, the command known to read or write
            await harness.core.handle(Incoming.from_text(chat, user, next(texts)))
        counter.reset()
        await harness.core.handle(Incoming.from_text(chat, user, next(texts)))
        statements, trips, shown = counter.count, counter.trips, list(counter.statements)
        times, cpu = [], []
        for _ in range(repeat):
            started, used = time.perf_counter(), time.process_time()
            await harness.core.handle(Incoming.from_text(chat, user, next(texts)))
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        p50, cpu50 = statistics.median(times) * 1000, statistics.median(cpu) * 1000
        print(
            f"{name:14} {statements:3d} statements {trips:3d} trips  "
            f"p50 {p50:6.2f} ms  cpu p50 {cpu50:6.2f} ms"
        )
        if show:
            for line in shown:
                print(f"    {line}")
        if profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(repeat):
                await harness.core.handle(Incoming.from_text(chat, user, next(texts)))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    await harness.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--profile")
    parser.add_argument("--statements", action="store_true", help="list each statement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'cost.db'}"
        asyncio.run(measure(url, args.repeat, args.profile, args.statements))


if __name__ == "__main__":
    main()
