"""Repositories and the unit of work, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm.exc import StaleDataError

from storage.db import Database
from storage.message_counter import MessageCounter
from storage.models import Activity, DialogState, Direction, Member, MessageCount
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults
from storage.repositories.ledger import ActivityKind
from tests.conftest import TEMPLATE
from tests.support.postgres import PostgresServer, create_database

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
DEFAULTS = CommunityDefaults(language="nl", timezone="Europe/Amsterdam")


async def _member_in_group(database: Database, user_id: str = "7") -> tuple[int, int]:
    async with database.session() as session:
        repos = Repositories.bind(session)
        community = await repos.communities.get_or_create("telegram", "-100", "G", DEFAULTS, NOW)
        member, _ = await repos.members.resolve("telegram", user_id, "Anna", NOW)
        await repos.members.join(community.id, member.id, NOW)
        return community.id, member.id


async def test_identity_resolution_is_stable_and_platform_scoped(database: Database) -> None:
    async with database.session() as session:
        repos = Repositories.bind(session)
        first, identity = await repos.members.resolve("telegram", "42", "Anna", NOW)
        again, _ = await repos.members.resolve("telegram", "42", "Anna B.", NOW)
        other, _ = await repos.members.resolve("discord", "42", "Anna", NOW)
    assert first.id == again.id != other.id
    assert identity.ref == "telegram:42"


async def test_concurrent_first_sight_creates_one_community_and_identity(
    database: Database,
) -> None:
    async def sighting() -> tuple[int, int]:
        return await _member_in_group(database)

    results = await asyncio.gather(*(sighting() for _ in range(8)), return_exceptions=True)
    ok = {r for r in results if isinstance(r, tuple)}
    assert len(ok) == 1, results


async def test_datetimes_come_back_aware_utc(database: Database) -> None:
    amsterdam = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 14, 0, tzinfo=amsterdam)
    async with database.session() as session:
        community = await Repositories.bind(session).communities.get_or_create(
            "console", "local", "L", DEFAULTS, moment
        )
    async with database.session() as session:
        found = await Repositories.bind(session).communities.get(community.id)
        assert found is not None
    assert found.created_at == moment
    assert found.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with database.session() as session:
            await Repositories.bind(session).communities.get_or_create(
                "console", "x", "", DEFAULTS, datetime(2026, 1, 1)
            )


async def test_membership_leave_and_rejoin(database: Database) -> None:
    community_id, member_id = await _member_in_group(database)
    later = NOW + timedelta(days=3)
    async with database.session() as session:
        await Repositories.bind(session).members.leave(community_id, member_id, later)
    async with database.session() as session:
        repos = Repositories.bind(session)
        assert await repos.members.latest_membership(member_id) is None
        membership = await repos.members.join(community_id, member_id, later + timedelta(days=1))
        assert membership.left_at is None
        assert membership.joined_at == later + timedelta(days=1)


async def test_ledger_records_give_and_take(database: Database) -> None:
    community_id, member_id = await _member_in_group(database)
    async with database.session() as session:
        ledger = Repositories.bind(session).ledger
        await ledger.record(community_id, member_id, ActivityKind.TOOL_LOOKUP, NOW)
        await ledger.record(community_id, member_id, ActivityKind.REFLECTION, NOW)
    async with database.session() as session:
        acts = await Repositories.bind(session).ledger.acts(community_id, member_id)
    assert [(a.kind, a.direction) for a in acts] == [
        ("tool_lookup", Direction.TAKE),
        ("reflection", Direction.GIVE),
    ]


async def test_message_counter_batches_and_adds_up(database: Database) -> None:
    community_id, member_id = await _member_in_group(database)
    counter = MessageCounter(database, flush_at=10_000)
    for _ in range(250):
        counter.add(community_id, member_id, date(2026, 3, 29))
    assert counter.pending == 250
    assert await counter.flush() == 250
    for _ in range(5):
        counter.add(community_id, member_id, date(2026, 3, 29))
    await counter.flush()
    async with database.session() as session:
        rows = list(await session.scalars(select(MessageCount)))
        assert await Repositories.bind(session).ledger.message_count(community_id, member_id) == 255
        assert not list(await session.scalars(select(Activity)))
    assert [(r.day, r.count) for r in rows] == [(date(2026, 3, 29), 255)]


async def test_concurrent_counter_flushes_lose_nothing(database: Database) -> None:
    community_id, member_id = await _member_in_group(database)
    counters = [MessageCounter(database, flush_at=10_000) for _ in range(4)]
    for counter in counters:
        for _ in range(20):
            counter.add(community_id, member_id, date(2026, 3, 29))
    await asyncio.gather(*(counter.flush() for counter in counters))
    async with database.session() as session:
        assert await Repositories.bind(session).ledger.message_count(community_id, member_id) == 80


async def test_stale_dialog_write_is_refused(postgres_database: Database) -> None:
    """Two processes advancing one dialog: the second write fails instead of corrupting it.

    (On SQLite, BEGIN IMMEDIATE already serialises the two writers.)
    """
    database = postgres_database
    _community_id, member_id = await _member_in_group(database)
    async with database.session() as session:
        session.add(
            DialogState(
                platform="telegram",
                chat_id="-100",
                user_id="7",
                member_id=member_id,
                form="f",
                step=0,
                values={},
                started_at=NOW,
                updated_at=NOW,
                expires_at=NOW + timedelta(hours=1),
            )
        )
    async with database.session() as first:
        mine = await Repositories.bind(first).dialogs.find("telegram", "-100", "7")
        assert mine is not None
        async with database.session() as second:
            theirs = await Repositories.bind(second).dialogs.find("telegram", "-100", "7")
            assert theirs is not None
            theirs.step = 1
        mine.step = 2
        with pytest.raises(StaleDataError):
            await first.flush()


async def test_expired_dialogs_are_swept(database: Database) -> None:
    _community_id, member_id = await _member_in_group(database)
    async with database.session() as session:
        for user, hours in (("1", -1), ("2", 1)):
            session.add(
                DialogState(
                    platform="t",
                    chat_id="c",
                    user_id=user,
                    member_id=member_id,
                    form="f",
                    values={"a": "ü ✓"},
                    started_at=NOW,
                    updated_at=NOW,
                    expires_at=NOW + timedelta(hours=hours),
                )
            )
    async with database.session() as session:
        assert await Repositories.bind(session).dialogs.delete_expired(NOW) == 1
    async with database.session() as session:
        left = await Repositories.bind(session).dialogs.find("t", "c", "2")
    assert left is not None and left.values == {"a": "ü ✓"}


async def test_dm_reachability_mark(database: Database) -> None:
    await _member_in_group(database)
    async with database.session() as session:
        repos = Repositories.bind(session)
        assert await repos.members.set_dm_unreachable("telegram", "7", True)
        assert not await repos.members.set_dm_unreachable("telegram", "7", True)
    async with database.session() as session:
        identity = await Repositories.bind(session).members.find_identity("telegram", "7")
    assert identity is not None and identity.dm_unreachable


async def test_connections_the_server_closed_while_idle_are_replaced(
    postgres_server: PostgresServer,
) -> None:
    """A restart or an idle timeout of PostgreSQL closes the pooled connections; the next
    unit of work, reading or writing, gets a live one instead of an error."""
    url = await create_database(postgres_server, f"idle_{os.getpid()}", TEMPLATE)
    database = Database(url, ping_after_idle=0.05)
    try:
        await _member_in_group(database)
        async with database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Member)) == 1
        closed = await _close_other_connections(url)
        assert closed >= 1
        await asyncio.sleep(0.1)
        async with database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Member)) == 1
        await _member_in_group(database, user_id="8")
        async with database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Member)) == 2
    finally:
        await database.dispose()


async def _close_other_connections(url: str) -> int:
    """What the server does to idle clients at a restart: end their backends."""
    admin = Database(url)
    try:
        async with admin.engine.connect() as connection:
            ended = await connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return int(ended.scalar() or 0)
    finally:
        await admin.dispose()
