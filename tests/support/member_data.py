"""A member with data in every table, built the way members and coordinators make it, and a
scan of the whole database for traces of a member."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.model.messages import Incoming
from storage.db import Database
from storage.models import Base, Identity, LedgerMonth, Pledge, Prompt
from storage.repositories import Repositories
from storage.repositories.communities import CommunityRepository
from storage.repositories.web import WebRepository
from tests.harness import Harness, Person

NAME = "Zoë Vergeetmij"
USER_ID = "u-zoe-77310"


@dataclass(frozen=True)
class Built:
    person: Person
    member_id: int


async def community_id_of(harness: Harness, chat: str) -> int:
    async with harness.database.session() as session:
        community = await CommunityRepository(session).find("test", chat)
        assert community is not None
        return community.id


async def member_id_of(harness: Harness, user_id: str) -> int:
    async with harness.database.session() as session:
        identity = (
            await session.scalars(select(Identity).where(Identity.user_id == user_id))
        ).one()
        return identity.member_id


async def experiment_with_everything(person: Person, what: str, *, sharing: str) -> int:
    """A full experiment with a linked tool; returns its number."""
    first = await person.says(f"/experiment {what}")
    assert "(vraag 2 van 8)" in first.text, first.text
    # With a private chat the form continues there, also after a first answer.
    for answer in ("Wat levert het op?", "-", "-", f"Geleerd bij {what}", "#beeld", "bezig"):
        await person.says_privately(answer)
    done = await person.says_privately(sharing)
    link = next(b for b in done.buttons if b.label.startswith("Koppel tool"))
    await person.press(link, private=True)
    number = re.search(r"bewaard als #(\d+)", done.text)
    assert number is not None, done.text
    return int(number.group(1))


async def build_member_everywhere(
    harness: Harness, name: str = NAME, user_id: str = USER_ID
) -> Built:
    """A coordinator who used every capability, in two groups and privately."""
    zoe = harness.member(name, user_id=user_id, coordinator=True)
    await zoe.says_privately("/start")
    await zoe.in_chat("group-2").says("/help")
    first = await experiment_with_everything(zoe, "Photovoice met jongeren", sharing="groep")
    await experiment_with_everything(zoe, "Verhalen ophalen met photovoice", sharing="anoniem")
    # Forms started in the group continue in the private chat of a member who has one.
    moved = await zoe.says(f"/experiment bewerk {first}")
    assert "privé" in moved.text or "prive" in moved.text.casefold(), moved.text
    await zoe.says_privately("Photovoice met jongeren in de wijk")
    for _ in range(7):
        updated = await zoe.says_privately("-")
    assert "bijgewerkt" in updated.text, updated.text
    await zoe.says("/reflectie Het gesprek is belangrijker dan de score")
    await zoe.says(f"/experiment #{first}")
    await zoe.presses("Reageer of bedank")
    replied = await zoe.says_privately("Nog een aanvulling van mijzelf")
    assert "reactie" in replied.text, replied.text
    await zoe.says("/nieuwetool Buurtbarometer")
    for answer in ("Een barometer voor de buurt", "-", "-"):
        proposed = await zoe.says_privately(answer)
    assert "Buurtbarometer" in proposed.text, proposed.text
    created = await zoe.says("/bijeenkomst 10 maart 19:30 Atelieravond | Buurthuis")
    assert "#1" in created.text, created.text
    await zoe.presses("Ik kom")
    await zoe.presses("Stuur mij een persoonlijke herinnering")
    await zoe.chats("goedemorgen allemaal")
    await harness.core.counter.flush()
    member_id = await member_id_of(harness, user_id)
    now = harness.clock.now()
    async with harness.database.session() as session:
        long_payload = f"5|van:{name} " + "#beeld " * 8
        await Repositories.bind(session).buttons.store("exp.page", long_payload, now)
    group = await community_id_of(harness, "group-1")
    async with harness.database.session() as session:
        session.add(Prompt(community_id=group, member_id=member_id, planned_at=now))
        session.add(
            Pledge(
                community_id=group,
                member_id=member_id,
                text="Dit kwartaal deel ik één experiment",
                due_on=now.date() + timedelta(days=80),
                created_at=now,
            )
        )
        session.add(
            LedgerMonth(
                community_id=group,
                member_id=member_id,
                month=date(2025, 1, 1),
                kind="tool_lookup",
                count=3,
            )
        )
    async with harness.database.session() as session:
        web = WebRepository(session)
        await web.issue_login(member_id, group, now)
        await web.open_session(member_id, group, now)
        await web.feed_token(member_id, now)
    update = Incoming.from_text(zoe.chat, zoe.user, "/help", addressed=True)
    await zoe.send(replace(update, update_key="test:update-1"))  # a handled platform update
    await harness.core.flush_handled()  # a command that only reads is recorded in a batch
    await zoe.says("/experiment")  # a form left open
    return Built(zoe, member_id)


async def row_counts(database: Database) -> dict[str, int]:
    async with database.session() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


async def traces(database: Database, member_id: int, terms: list[str]) -> list[str]:
    """Every place in the database that still points at the member or names them: columns
    referring to members holding their id, and any value that contains a term."""
    wanted = [term.casefold() for term in terms]
    found: list[str] = []
    async with database.session() as session:
        for name, table in Base.metadata.tables.items():
            member_columns = {
                column.name
                for column in table.columns
                if any(fk.column.table.name == "members" for fk in column.foreign_keys)
            }
            if name == "members":
                member_columns.add("id")
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if column in member_columns and value == member_id:
                        found.append(f"{name}.{column} = {value}")
                    text = json.dumps(value, default=str, ensure_ascii=False).casefold()
                    found += [f"{name}.{column} holds {t!r}" for t in wanted if t in text]
    return found
