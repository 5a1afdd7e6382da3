"""Privacy as a member meets it: what the bot says it stores (/start, /privacy, the group's
first answer, a welcome), all their data as a file (/mijndata), and erasing it (/vergeetmij)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.core.i18n import Catalogs
from bot.model.messages import Button
from storage.member_data import NOT_PERSONAL, PERSONAL, classified, unclassified
from storage.models import Attribution, Audience, Base, Experiment, Reflection
from tests.harness import Harness
from tests.support.member_data import (
    NAME,
    USER_ID,
    build_member_everywhere,
    member_id_of,
    row_counts,
    traces,
)

# --------------------------------------------------------------------------------------------
# Telling what is stored


async def test_start_in_private_points_to_the_full_privacy_text(harness: Harness) -> None:
    text = (await harness.member("Anna").says_privately("/start")).text
    assert "Wat ik bewaar en waarom" in text
    assert "/privacy" in text and "/mijndata" in text and "/vergeetmij" in text


async def test_privacy_tells_what_why_how_long_who_and_the_rights(harness: Harness) -> None:
    text = (await harness.member("Anna").says_privately("/privacy")).text
    for part in ("Wat ik bewaar", "Waarom", "Hoe lang", "Wie wat ziet", "Jouw rechten"):
        assert part in text
    assert "hoogstens 7 dagen" in text and "na 12 maanden" in text
    assert "nooit" in text and "BSN" in text
    english = (await harness.member("Emma", language="en").says_privately("/privacy")).text
    assert "What I store" in english and "/forgetme" in english and "after 12 months" in english


async def test_the_privacy_text_shows_the_configured_retention(database_url: str) -> None:
    from storage.retention import RetentionPolicy

    policy = RetentionPolicy(dialog_days=3, delivery_days=10, button_days=20, ledger_months=6)
    harness = await Harness.create(database_url, retention=policy)
    try:
        text = (await harness.member("Anna").says_privately("/privacy")).text
    finally:
        await harness.close()
    assert "hoogstens 3 dagen" in text and "10 dagen" in text and "20 dagen" in text
    assert "na 6 maanden" in text


async def test_the_first_answer_in_a_group_comes_with_the_notice_once(harness: Harness) -> None:
    anna = harness.member("Anna")
    first = await anna.says("/help")
    assert len(first) == 2
    assert "Wat je kunt doen" in str(first[0].text)
    notice = str(first[1].text)
    assert "tel ik alleen het aantal, nooit de tekst" in notice and "/privacy" in notice
    assert len(await anna.says("/help")) == 1
    assert len(await harness.member("Bert").says("/help")) == 1
    other_group = await anna.in_chat("group-2").says("/agenda")
    assert "/privacy" in other_group.text


async def test_the_notice_is_in_the_groups_language(database_url: str) -> None:
    harness = await Harness.create(database_url, language="en")
    try:
        replies = await harness.member("Anna", language="nl").says("/help")
    finally:
        await harness.close()
    assert "Wat je kunt doen" in str(replies[0].text)
    assert "never their text" in str(replies[1].text)


async def test_no_notice_when_the_bot_says_nothing_in_the_group(harness: Harness) -> None:
    anna = harness.member("Anna")
    assert await anna.chats("gewoon gepraat") == []
    assert await anna.leaves() == []
    assert len(await anna.says("/help")) == 2


async def test_private_answers_in_a_group_bring_no_notice_there(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says("/mijndata")
    assert all(reply.private for reply in replies)
    assert len(await anna.says("/help")) == 2


async def test_a_joining_member_hears_where_privacy_is_explained(harness: Harness) -> None:
    await harness.introduced()
    welcome = await harness.member("Nina").joins()
    assert "Welkom in het leeratelier, Nina" in welcome.text and "/privacy" in welcome.text


# --------------------------------------------------------------------------------------------
# The map of every table


def test_every_table_is_classified_personal_or_not() -> None:
    assert unclassified() == set()
    assert classified() == set(Base.metadata.tables)
    assert len({e.name for e in PERSONAL}) == len(PERSONAL)
    assert all(entry.reason for entry in NOT_PERSONAL)


def test_every_kind_has_a_label_in_both_languages() -> None:
    catalogs = Catalogs()
    for language in ("nl", "en"):
        t = catalogs.translator(language)
        for entry in PERSONAL:
            assert t.raw(entry.label_key) != entry.label_key


# --------------------------------------------------------------------------------------------
# /mijndata


async def test_mydata_holds_every_row_about_the_member_in_every_table(harness: Harness) -> None:
    bert = harness.member("Bert Buurman", user_id="u-bert-4411")
    await bert.says("/reflectie Van Bert, niet van Zoë")
    built = await build_member_everywhere(harness)
    counts = await row_counts(harness.database)
    assert [name for name, count in counts.items() if count == 0] == []
    replies = await built.person.says("/mijndata")
    reply, readable = [r for r in replies if r.attachment is not None]
    assert reply.private and readable.private
    assert readable.attachment is not None and readable.attachment.filename.endswith(".md")
    text = readable.attachment.content.decode()
    for part in ("## Je reflecties", "## Je antwoorden op bijeenkomsten", "## Je experimenten"):
        assert part in text
    assert "Het gesprek is belangrijker dan de score" in text and "Photovoice met jongeren" in text
    for internal in ("button_payloads", "claimed_by", "stale_at", "author_member_id", "u-zoe"):
        assert internal not in text
    assert reply.attachment is not None and reply.attachment.filename.startswith("mijndata-")
    document = json.loads(reply.attachment.content)
    assert document["member_id"] == built.member_id
    tables = document["tables"]
    assert sorted(tables) == sorted(entry.name for entry in PERSONAL)
    assert [entry.name for entry in PERSONAL if not tables[entry.name]] == []
    assert len(tables["memberships"]) == 2
    assert len(tables["experiments"]) == 2 and len(tables["experiment_revisions"]) == 1
    assert {row["answer"] for row in tables["rsvps"]} == {"ja"}
    assert tables["identities"][0]["user_id"] == USER_ID
    assert NAME in tables["button_payloads"][0]["payload"]
    dumped = json.dumps(document, ensure_ascii=False)
    assert "u-bert-4411" not in dumped and "Van Bert" not in dumped
    summary = str(reply.text)
    assert "Praktijkexperimenten: 2" in summary and "Lidmaatschappen van groepen: 2" in summary
    assert "Voornemens: 1" in summary and "Maandtellingen uit het logboek: 1" in summary


async def test_mydata_in_english_and_from_a_private_chat(harness: Harness) -> None:
    emma = harness.member("Emma", language="en")
    await emma.says("/help")
    replies = await emma.says_privately("/mydata")
    reply, readable = replies
    assert reply.attachment is not None and reply.attachment.filename.startswith("mydata-")
    assert readable.attachment is not None
    assert "## Your memberships" in readable.attachment.content.decode()
    assert "Group memberships: 1" in str(reply.text)


# --------------------------------------------------------------------------------------------
# /vergeetmij


async def _forget(harness: Harness, button: str) -> tuple[int, list[str]]:
    bert = harness.member("Bert Buurman", user_id="u-bert-4411")
    await bert.says("/experiment Bert zijn eigen experiment")
    for answer in ("-", "-", "-", "-", "-", "-", "groep"):
        await bert.says(answer)
    built = await build_member_everywhere(harness)
    confirm = await built.person.says("/vergeetmij")
    assert all(reply.private for reply in confirm)
    assert "Alles over je verwijderen?" in confirm.text
    done = await built.person.presses(button)
    assert done[0].private
    return built.member_id, [NAME, USER_ID, "Zoë"]


async def test_forget_everything_leaves_no_trace_in_any_table(harness: Harness) -> None:
    before = await row_counts(harness.database)
    member_id, terms = await _forget(harness, "Alles verwijderen")
    assert await traces(harness.database, member_id, terms) == []
    async with harness.database.session() as session:
        left = list(await session.scalars(select(Experiment)))
        reflections = list(await session.scalars(select(Reflection)))
    assert [e.what for e in left] == ["Bert zijn eigen experiment"]
    assert reflections == []
    assert before  # an empty database to start from


async def test_forget_keeping_contributions_anonymously(harness: Harness) -> None:
    member_id, terms = await _forget(harness, "Bijdragen anoniem laten staan")
    assert await traces(harness.database, member_id, terms) == []
    async with harness.database.session() as session:
        kept = list(
            await session.scalars(select(Experiment).where(Experiment.author_member_id.is_(None)))
        )
        reflections = list(await session.scalars(select(Reflection)))
    assert len(kept) == 2 and {(e.audience, e.attribution) for e in kept} == {
        (Audience.GROUP, Attribution.ANONYMOUS)
    }
    assert [(r.author_member_id, r.audience, r.attribution) for r in reflections] == [
        (None, Audience.GROUP, Attribution.ANONYMOUS)
    ]
    bert = harness.member("Bert Buurman", user_id="u-bert-4411")
    listing = (await bert.says("/experimenten")).text
    assert "3 van 3" in listing and listing.count("anoniem") == 2
    card = (await bert.says("/experiment 2")).text
    assert "door: anoniem" in card
    assert "Bert zijn eigen experiment" in (await bert.says("/experimenten mijn")).text
    await bert.says("/tool photovoice")
    tool_card = (await bert.presses("Photovoice")).text
    assert "2 collega's probeerden dit" in tool_card and "— anoniem" in tool_card


async def test_after_forgetting_the_member_is_unknown_and_starts_anew(harness: Harness) -> None:
    await _forget(harness, "Alles verwijderen")
    harness.clock.advance(timedelta(days=1))
    zoe = harness.member(NAME, user_id=USER_ID)
    await zoe.chats("nog even gepraat")
    await harness.core.counter.flush()
    again = await zoe.says("/mijndata")
    reply = next(r for r in again if r.attachment and r.attachment.filename.endswith(".json"))
    assert reply.attachment is not None
    document = json.loads(reply.attachment.content)
    tables = document["tables"]
    assert tables["members"][0]["created_at"] == harness.clock.now().isoformat()
    assert [row["count"] for row in tables["message_counts"]] == [1]
    assert tables["activities"] == tables["rsvps"] == tables["ledger_months"] == []
    assert document["tables"]["experiments"] == []
    assert len(document["tables"]["memberships"]) == 1


async def test_chatter_counted_before_forgetting_is_not_written_after(harness: Harness) -> None:
    zoe = harness.member(NAME, user_id=USER_ID)
    await zoe.says("/help")
    member_id = await member_id_of(harness, USER_ID)
    await zoe.chats("een")
    await zoe.chats("twee")
    assert harness.core.counter.pending == 2
    await zoe.says("/vergeetmij")
    await zoe.presses("Alles verwijderen")
    assert harness.core.counter.pending == 0
    await harness.core.counter.flush()
    assert await traces(harness.database, member_id, [NAME, USER_ID]) == []


async def test_cancel_and_an_expired_confirmation_delete_nothing(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/reflectie Iets om te bewaren")
    before = await row_counts(harness.database)
    await anna.says("/vergeetmij")
    assert "niets verwijderd" in (await anna.presses("Annuleren")).text
    confirm = await anna.says("/vergeetmij")
    harness.clock.advance(timedelta(minutes=16))
    expired = await anna.press(confirm.button("Alles verwijderen"))
    assert "verlopen" in expired.text
    assert await row_counts(harness.database) == before
    assert await member_id_of(harness, "anna") == 1


async def test_a_forged_forget_button_only_ever_erases_the_presser(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    await anna.says("/reflectie Van Anna")
    confirm = await anna.says("/vergeetmij")
    await bert.press(confirm.button("Alles verwijderen"))
    async with harness.database.session() as session:
        texts = [r.text for r in await session.scalars(select(Reflection))]
    assert texts == ["Van Anna"]
    assert await member_id_of(harness, "anna") == 1
    garbage = await anna.press(Button("x", "forget", "zz:1"))
    assert "werkt niet meer" in garbage.text


async def test_forgetting_never_widens_the_audience(harness: Harness) -> None:
    dirk = harness.member("Dirk")
    await dirk.says_privately("/start")
    await dirk.says("/experiment Alleen voor de coördinatoren bedoeld")
    for answer in ("-", "-", "-", "-", "-", "-", "coordinatoren"):
        await dirk.says_privately(answer)
    confirm = await dirk.says("/vergeetmij")
    assert "voor dezelfde lezers als nu" in confirm.text
    done = await dirk.presses("Bijdragen anoniem laten staan")
    assert "voor dezelfde lezers als voorheen" in done.text
    async with harness.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.author_member_id, item.audience, item.attribution) == (
        None,
        Audience.COORDINATORS,
        Attribution.ANONYMOUS,
    )
    bert = harness.member("Bert")
    assert "Alleen voor de coördinatoren" not in (await bert.says("/experimenten")).text
    assert "vind ik niet" in (await bert.says("/experiment 1")).text
    coco = harness.member("Coco", coordinator=True)
    card = (await coco.says("/experiment 1")).text
    assert "Alleen voor de coördinatoren" in card and "door: anoniem" in card
