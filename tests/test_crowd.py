"""A crowd at once: nothing lost, no lock met, reads beside a writer, caches that follow changes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from bot.core.pipeline import VERSION_CHECK
from storage.db import Database
from storage.models import Membership, Reflection, Role
from tests.harness import Harness

EMPTY_AGENDA_NL = "Er staan geen bijeenkomsten in de agenda."
EMPTY_AGENDA_EN = "There are no meetings in the agenda."
GENERIC_NL = "Er ging iets mis"


async def test_a_crowd_of_members_loses_no_reflection_and_meets_no_lock(harness: Harness) -> None:
    """40 members send six mixed commands each, all at once (any ERROR log fails the test:
    'database is locked' included)."""
    await harness.core.tools.start(harness.database, harness.clock.now())  # as the hub does
    await harness.introduced()
    commands = ("/agenda", "/reflectie Wat ik leerde in ronde {n}", "/experimenten", "/tool x")
    members = [harness.member(f"Lid{number}") for number in range(40)]

    async def member(number: int) -> list[str]:
        person = members[number]
        answers = []
        for step in range(6):
            text = commands[(number + step) % len(commands)].format(n=step)
            answers.append((await person.says(text)).text)
        return answers

    answers = [a for per in await asyncio.gather(*(member(n) for n in range(40))) for a in per]
    sent = sum(1 for n in range(40) for step in range(6) if (n + step) % len(commands) == 1)
    async with harness.database.reading() as session:
        saved = await session.scalar(select(func.count()).select_from(Reflection))
    assert saved == sent
    assert not [answer for answer in answers if GENERIC_NL in answer]
    assert sum(EMPTY_AGENDA_NL in answer for answer in answers) == sent


async def test_a_known_member_reads_beside_a_writer_and_writes_nothing(harness: Harness) -> None:
    anna = harness.member("Anna")
    await harness.introduced()
    await anna.says("/agenda")
    await anna.says("/experimenten")
    statements: list[str] = []

    def record(_c: Connection, _cur: object, sql: str, *_rest: object) -> None:
        statements.append(sql.lstrip().split()[0].upper())

    event.listen(harness.database.engine.sync_engine, "before_cursor_execute", record)
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with harness.database.session() as session:
            await session.execute(select(1))
            holding.set()
            await release.wait()

    busy = asyncio.create_task(writer())
    await holding.wait()
    try:
        replies = await asyncio.wait_for(anna.says("/agenda"), timeout=30)
    finally:
        release.set()
        await busy
        event.remove(harness.database.engine.sync_engine, "before_cursor_execute", record)
    assert replies.text == EMPTY_AGENDA_NL
    writes = {"INSERT", "UPDATE", "DELETE"}
    assert not writes & set(statements[statements.index("SELECT", 1) :]), statements


async def test_a_new_language_and_a_new_role_count_from_the_next_message(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await harness.introduced()
    assert (await anna.says("/agenda")).text == EMPTY_AGENDA_NL
    await anna.says("/taal en")
    assert (await anna.says("/agenda")).text == EMPTY_AGENDA_EN
    refusal = "is for the community's coordinators only"
    assert refusal in (await anna.says("/export")).text
    async with harness.database.session() as session:  # an operator makes Anna coordinator
        for membership in await session.scalars(select(Membership)):
            membership.role = Role.COORDINATOR
    assert refusal not in (await anna.says("/export")).text


async def test_another_process_sees_a_change_within_seconds(database: Database) -> None:
    """Two processes on one database: what one changes, the other's cache drops in time."""
    first = await Harness.create(database.url)
    second = await Harness.create(database.url)
    try:
        await first.introduced()
        anna_here, anna_there = first.member("Anna"), second.member("Anna")
        assert (await anna_there.says("/agenda")).text == EMPTY_AGENDA_NL
        assert (await anna_there.says("/agenda")).text == EMPTY_AGENDA_NL  # now cached there
        await anna_here.says("/taal en")
        second.clock.advance(VERSION_CHECK + timedelta(milliseconds=200))
        assert (await anna_there.says("/agenda")).text == EMPTY_AGENDA_EN
    finally:
        await first.close()
        await second.close()


async def test_a_write_waits_for_another_process_while_the_others_are_answered(
    tmp_path: Path,
) -> None:
    """SQLite runs statements on the event loop's thread; one that meets another process's
    write lock waits for it on the driver's thread, and the loop answers everyone else."""
    path = tmp_path / "bot.db"
    harness = await Harness.create(f"sqlite+aiosqlite:///{path}")
    try:
        anna, bram = harness.member("Anna"), harness.member("Bram")
        await harness.introduced()
        await anna.says("/agenda")
        await bram.says("/agenda")
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process is writing
        try:
            saving = asyncio.create_task(
                anna.says("/reflectie Wat ik leerde terwijl er werd geschreven")
            )
            await asyncio.sleep(0.3)
            assert not saving.done()
            assert EMPTY_AGENDA_NL in (await bram.says("/agenda")).text
        finally:
            other.execute("COMMIT")
            other.close()
        assert "bewaard" in (await saving).text
        async with harness.database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Reflection)) == 1
    finally:
        await harness.close()
