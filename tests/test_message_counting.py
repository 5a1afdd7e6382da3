"""Ordinary group messages are counted per member per day, never stored as text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, text

from storage.models import Member, MessageCount
from tests.harness import Harness


async def test_chatter_is_counted_per_member_per_day(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    for _ in range(3):
        await anna.chats("geheim: cliënt woont op Dorpsstraat 12")
    await bert.chats("hoi")
    harness.clock.advance(timedelta(days=1))
    await anna.chats("nog een")
    await harness.core.counter.flush()
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(MessageCount).order_by(MessageCount.day)))
    assert sorted((r.day.isoformat(), r.count) for r in rows) == [
        ("2026-03-02", 1),
        ("2026-03-02", 3),
        ("2026-03-03", 1),
    ]


async def test_message_text_is_never_stored(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.chats("geheim-7731 over een cliënt")
    await anna.says("/help")
    await harness.core.counter.flush()
    list_tables = (
        "select table_name from information_schema.tables where table_schema='public'"
        if harness.database.dialect == "postgresql"
        else "select name from sqlite_master where type='table'"
    )
    async with harness.database.session() as session:
        tables = [row[0] for row in await session.execute(text(list_tables))]
        for table in tables:
            rows = (await session.execute(text(f'select * from "{table}"'))).all()
            assert "geheim-7731" not in repr(rows), table


async def test_commands_and_answers_to_the_bot_are_not_chatter(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/help")
    await anna.says("een antwoord aan de bot")
    await harness.core.counter.flush()
    async with harness.database.session() as session:
        assert list(await session.scalars(select(MessageCount))) == []


async def test_a_member_who_left_and_chats_again_rejoins(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.chats("hoi")
    await anna.leaves()
    await anna.chats("ik ben terug")
    await harness.core.counter.flush()
    async with harness.database.session() as session:
        total = sum(r.count for r in await session.scalars(select(MessageCount)))
    assert total == 2


async def test_a_day_of_chatter_from_more_members_than_one_statement_takes_is_counted(
    harness: Harness,
) -> None:
    """PostgreSQL takes at most 32,767 parameters a statement: a big community's counts are
    still written in one flush."""
    anna = harness.member("Anna")
    await anna.chats("hoi")
    await harness.core.counter.flush()
    many = 40_000
    async with harness.database.session() as session:
        [community_id] = list(await session.scalars(select(MessageCount.community_id)))
        first = int(await session.scalar(select(func.max(Member.id))) or 0) + 1
        await session.execute(
            insert(Member),
            [
                {"id": first + n, "display_name": f"Lid {n}", "created_at": harness.clock.now()}
                for n in range(many)
            ],
        )
    day = harness.clock.now().date()
    for n in range(many):
        harness.core.counter.add(community_id, first + n, day)
    assert await harness.core.counter.flush() == many
    async with harness.database.session() as session:
        total = await session.scalar(select(func.sum(MessageCount.count)))
    assert total == many + 1
