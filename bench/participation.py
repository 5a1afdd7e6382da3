"""The daily passive sweep and the ledger's write throughput at scale.

    python bench/participation.py [--communities 1000] [--members 100] [--acts 20]

Builds 1,000 communities of 100 members (100,000 members) with a year of ledger rows
(`--acts` giving or taking acts per member), then times:
- the daily sweep over every community at its prompt hour: finding passive members and
  planning their prompts, mentions and check questions (committed);
- ledger writes: acts recorded one unit of work each (as handlers do), and ordinary group
  messages counted through the batching counter.

Runs on SQLite (a temporary file) and, where PostgreSQL binaries are installed, on a
throwaway PostgreSQL server. Target: the sweep within 2 s on both.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.core.outbox import JobPlanner
from bot.handlers.participation.sweep import plan_digests, sweep
from storage import migrate
from storage.db import Database
from storage.message_counter import MessageCounter
from storage.models import Activity, Community, Direction, Identity, Member, Membership, Role
from storage.repositories import Repositories
from storage.repositories.ledger import ActivityKind
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database

NOW = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)  # a Tuesday, 10:05 in Amsterdam
YEAR = timedelta(days=365)
DAY = timedelta(days=1)
KINDS = list(ActivityKind)
CHUNK = 5_000


async def populate(database: Database, communities: int, per: int, acts: int) -> int:
    """Returns the number of ledger rows written."""
    rng = random.Random(7)
    async with database.session() as session:
        await _insert(
            session,
            Community,
            [
                {
                    "id": c + 1,
                    "platform": "bench",
                    "chat_id": f"group-{c}",
                    "title": f"Atelier {c}",
                    "language": "nl",
                    "timezone": "Europe/Amsterdam",
                    "created_at": NOW - 2 * YEAR,
                }
                for c in range(communities)
            ],
        )
    total = communities * per
    members: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []
    for m in range(total):
        members.append({"id": m + 1, "display_name": f"Lid {m}", "created_at": NOW - 2 * YEAR})
        identities.append(
            {
                "member_id": m + 1,
                "platform": "bench",
                "user_id": str(m),
                "display_name": f"Lid {m}",
                "private_chat_id": str(m) if rng.random() < 0.6 else None,
                "dm_unreachable": False,
                "created_at": NOW - 2 * YEAR,
            }
        )
    async with database.session() as session:
        await _insert(session, Member, members)
        await _insert(session, Identity, identities)
    rows = 0
    memberships: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    for m in range(total):
        community = m // per + 1
        activity = rng.choice((0.0, 0.2, 1.0, 3.0))  # silent, mostly taking, regular, core
        last_given: datetime | None = None
        for _ in range(int(acts * activity)):
            kind = rng.choice(KINDS)
            at = NOW - timedelta(seconds=rng.randrange(int(YEAR.total_seconds())))
            if kind.direction is Direction.GIVE:
                last_given = max(last_given or at, at)
            ledger.append(
                {
                    "community_id": community,
                    "member_id": m + 1,
                    "kind": kind.value,
                    "direction": kind.direction,
                    "at": at,
                }
            )
        memberships.append(
            {
                "community_id": community,
                "member_id": m + 1,
                "role": Role.MEMBER,
                "nudges_enabled": rng.random() > 0.05,
                "joined_at": NOW - timedelta(days=rng.randrange(1, 700)),
                "last_given_at": last_given,
                # a steady state: prompts spread over the 14-day cycle, the one group
                # mention for members who cannot be messaged mostly made long ago
                "last_prompted_at": NOW - timedelta(hours=rng.uniform(12, 14 * 24 + 12)),
                "unanswered_prompts": rng.randrange(0, 4),
                "group_mention_at": NOW - 200 * DAY if rng.random() < 0.98 else None,
            }
        )
        if len(ledger) >= 10 * CHUNK or m == total - 1:
            rows += len(ledger)
            async with database.session() as session:
                await _insert(session, Activity, ledger)
            ledger = []
    async with database.session() as session:
        await _insert(session, Membership, memberships)
    return rows


async def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


async def measure(url: str, communities: int, per: int, acts: int) -> str:
    database = Database(url)
    await migrate.upgrade(database)
    started = time.perf_counter()
    rows = await populate(database, communities, per, acts)
    built = time.perf_counter() - started
    async with database.session() as session:  # digests are planned once, not daily
        repos = Repositories.bind(session)
        await plan_digests(repos, JobPlanner(repos, NOW))
    started = time.perf_counter()
    async with database.session() as session:
        repos = Repositories.bind(session)
        result = await sweep(repos, JobPlanner(repos, NOW))
    swept = time.perf_counter() - started
    recorded = await _record_acts(database, communities, per, 2_000)
    counted = await _count_messages(database, communities, per, 100_000)
    await database.dispose()
    return (
        f"{communities * per:,} members, {rows:,} ledger rows (built in {built:.0f} s)\n"
        f"  daily sweep: {swept:.2f} s for {result.communities} communities "
        f"({result.prompts} prompts, {result.checks} check questions, "
        f"{result.mentions} group mentions planned; target <= 2 s)\n"
        f"  ledger: {recorded:,.0f} acts/s recorded one unit of work each; "
        f"{counted:,.0f} group messages/s counted in batches"
    )


async def _record_acts(database: Database, communities: int, per: int, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        member = i * 37 % (communities * per)
        async with database.session() as session:
            await Repositories.bind(session).ledger.record(
                member // per + 1, member + 1, KINDS[i % len(KINDS)], NOW
            )
    return count / (time.perf_counter() - started)


async def _count_messages(database: Database, communities: int, per: int, count: int) -> float:
    counter = MessageCounter(database)
    day = NOW.date()
    started = time.perf_counter()
    for i in range(count):
        member = i * 7919 % (communities * per)
        counter.add(member // per + 1, member + 1, day)
    await counter.flush()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--members", type=int, default=100, help="members per community")
    parser.add_argument("--acts", type=int, default=20, help="ledger acts per member per year")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        print("sqlite:     " + asyncio.run(measure(url, args.communities, args.members, args.acts)))
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        print(f"postgresql: skipped ({problem})")
        return
    try:
        url = asyncio.run(create_database(server, "bench"))
        print("postgresql: " + asyncio.run(measure(url, args.communities, args.members, args.acts)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
