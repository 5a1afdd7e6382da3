"""Incoming group messages per second through the core: parse, route, ledger write committed.

Ordinary group chatter from known members is counted in memory and written in batches; the
figure includes the final flush (the ledger write committed). For comparison it also prints
how many commands per second the core answers through its full path (one unit of work each).

    python bench/core_throughput.py [--messages 20000] [--members 200]

Runs on SQLite (a temporary file) and, where PostgreSQL binaries are installed, on a
throwaway PostgreSQL server. Target: at least 3,000 messages/s on SQLite in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.model.messages import ChatRef, Incoming, UserRef
from tests.harness import Harness
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database


async def measure(url: str, messages: int, members: int, groups: int) -> tuple[float, int, float]:
    """Group chatter per second (counted, committed), and commands per second answered."""
    harness = await Harness.create(url)
    chats = [ChatRef("test", f"group-{g}", title=f"G{g}") for g in range(groups)]
    users = [UserRef("test", str(u), f"Lid {u}") for u in range(members)]
    for index, user in enumerate(users):
        await harness.core.handle(Incoming.from_text(chats[index % groups], user, "hallo"))
    await harness.core.counter.flush()
    lines = [
        Incoming.from_text(chats[i % members % groups], users[i % members], f"bericht {i}")
        for i in range(messages)
    ]
    started = time.perf_counter()
    for msg in lines:
        await harness.core.handle(msg)
    written = await harness.core.counter.flush()
    chatter_rate = messages / (time.perf_counter() - started)
    commands = [
        Incoming.from_text(chats[i % members % groups], users[i % members], "/help")
        for i in range(messages // 20)
    ]
    started = time.perf_counter()
    for msg in commands:
        await harness.core.handle(msg)
    command_rate = len(commands) / (time.perf_counter() - started)
    await harness.close()
    return chatter_rate, written, command_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--groups", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        rate, written, commands = asyncio.run(
            measure(url, args.messages, args.members, args.groups)
        )
        print(
            f"sqlite:     {rate:8.0f} group messages/s ({written} counted, target >= 3000); "
            f"{commands:6.0f} commands/s answered"
        )
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        print(f"postgresql: skipped ({problem})")
        return
    try:
        url = asyncio.run(create_database(server, "bench"))
        rate, written, commands = asyncio.run(
            measure(url, args.messages, args.members, args.groups)
        )
        print(
            f"postgresql: {rate:8.0f} group messages/s ({written} counted); "
            f"{commands:6.0f} commands/s answered"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
