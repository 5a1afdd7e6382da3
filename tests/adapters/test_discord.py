"""The real discord.py against a strict fake Discord, through the whole bot (core, database,
scheduler): slash commands, buttons, modals, DMs, members, limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.adapters.discord.adapter import DiscordAdapter, DiscordConfig
from bot.app.config import Settings
from bot.app.hub import Hub, build_hub
from bot.core.clock import ManualClock
from bot.handlers.participation.jobs import run_participation
from bot.model.markup import Text
from bot.model.messages import ChatTarget, MemberTarget, Reply
from bot.model.messenger import DeliveryFailed, DeliveryRefused
from storage.models import Experiment, Identity, Membership, MessageCount
from tests.adapters.markdown_view import unescaped_mentions, visible
from tests.fakes.discord_api import FakeDiscordServer, Interaction, SentMessage

TOKEN = "MTAw.discord-test.token-value"
GUILD, CHANNEL, LOUNGE = 5000, 5001, 5002
ROLE = 5100
ANNA, BERT, COCO, DIRK, EMMA, NORA = 601, 602, 603, 604, 605, 606
NOW = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)  # a Tuesday, far from the real clock


@dataclass
class World:
    server: FakeDiscordServer
    hub: Hub
    clock: ManualClock

    async def slash(
        self, user: int, name: str, locale: str = "nl", channel: int = CHANNEL, **options: str
    ) -> Interaction:
        interaction = await self.server.push_slash_command(
            channel, user, name, options=options, locale=locale
        )
        await interaction.wait_answered()
        return interaction

    async def said(
        self, user: int, name: str, locale: str = "nl", *, parts: int = 1, **options: str
    ) -> str:
        """A slash command; the visible text of the answer, in that many messages."""
        interaction = await self.slash(user, name, locale, **options)
        return "\n".join(visible(m.content) for m in await self.answers(interaction, parts))

    async def introduced(self) -> None:
        """The bot's first answer in a channel comes with its one-time privacy notice; tests of
        other things start in a channel that has had it."""
        interaction = await self.slash(COCO, "agenda")
        *_answer, notice = await self.answers(interaction, 2)
        assert "/privacy" in visible(notice.content)

    async def answers(self, interaction: Interaction, wanted: int = 1) -> list[SentMessage]:
        found: list[SentMessage] = []
        for _ in range(100):
            found = [m for m in self.server.sent if m.interaction_id == interaction.id]
            if len(found) >= wanted:
                return found
            await self.server.wait_for_sent(len(self.server.sent) + 1)
        raise AssertionError("no answer")

    async def press(
        self, user: int, message: SentMessage, label: str, locale: str = "nl"
    ) -> Interaction:
        custom_id = dict(message.buttons())[label]
        interaction = await self.server.push_button(user, message.id, custom_id, locale=locale)
        await interaction.wait_answered()
        return interaction

    async def next_sent(self, predicate: Callable[[SentMessage], bool], start: int) -> SentMessage:
        while True:
            for message in self.server.sent[start:]:
                if predicate(message):
                    return message
            await self.server.wait_for_sent(len(self.server.sent) + 1)


def _populate(server: FakeDiscordServer) -> None:
    server.add_guild(
        GUILD, "Leeratelier", channels={CHANNEL: "impact", LOUNGE: "koffie"}, owner_id=COCO
    )
    for user, name, locale in (
        (ANNA, "Anna", "nl"),
        (BERT, "Bert **vet** @everyone", "nl"),
        (COCO, "Coco", "nl"),
        (DIRK, "Dirk", "nl"),
        (EMMA, "Emma", "en-US"),
        (NORA, "Nora", "nl"),
    ):
        server.add_user(user, name, locale=locale)
    server.add_role(GUILD, ROLE, "Coördinator")
    for user in (ANNA, BERT, EMMA, NORA):
        server.add_member(GUILD, user)
    server.add_member(GUILD, DIRK, roles=(ROLE,))
    server.add_member(GUILD, COCO, manage_guild=True)
    server.block_dms(NORA)


def _settings(tmp_path: Path) -> Settings:
    return Settings.load(
        env_file=None,
        discord_token=TOKEN,
        discord_coordinator_role="coördinator",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}",
    )


def quick_adapter(hub: Hub, **config: Any) -> DiscordAdapter:
    """The adapter the hub built, with a short guild-ready wait so tests start quickly."""
    built = hub.messenger.adapters["discord"]
    assert isinstance(built, DiscordAdapter)
    return DiscordAdapter(
        DiscordConfig(
            token=TOKEN, coordinator_role="coördinator", guild_ready_timeout=0.05, **config
        ),
        router=hub.core.router,
        catalogs=hub.core.catalogs,
    )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeDiscordServer(
        token=TOKEN, application_id=900, bot_user_id=900, channel_limit=(5, 0.5)
    ) as server:
        _populate(server)
        with server.patch_library():
            clock = ManualClock(NOW)
            hub = await build_hub(_settings(tmp_path), clock=clock)
            hub.add_adapter(quick_adapter(hub))
            await hub.start()
            try:
                world = World(server, hub, clock)
                await world.introduced()
                yield world
            finally:
                await hub.shutdown()
            assert server.errors == []


async def test_slash_commands_are_published_per_guild_in_dutch_and_english(world: World) -> None:
    commands = {c["name"]: c for c in world.server.commands[GUILD]}
    assert {"hulp", "taal", "tool", "experiment", "bijeenkomst", "annuleer"} <= set(commands)
    assert commands["hulp"]["name_localizations"]["en-US"] == "help"
    assert commands["hulp"]["description_localizations"]["en-GB"]
    [taal] = commands["taal"]["options"]
    assert [c["value"] for c in taal["choices"]] == ["nl", "en", "groep nl", "groep en"]
    assert None not in world.server.commands or world.server.commands[None] == []


async def test_help_answers_in_the_members_language(world: World) -> None:
    dutch = await world.said(ANNA, "hulp")
    assert "Wat je kunt doen" in dutch and "Voor coördinatoren" not in dutch
    english = await world.said(EMMA, "hulp", locale="en-GB")
    assert "What you can do" in english


async def test_coordinators_by_manage_server_and_by_role(world: World) -> None:
    assert "Voor coördinatoren" in await world.said(COCO, "hulp", parts=2)
    assert "Voor coördinatoren" in await world.said(DIRK, "hulp", parts=2)
    denied = await world.said(ANNA, "taal", taal="groep en")
    assert "alleen voor coördinatoren" in denied
    done = await world.said(DIRK, "taal", taal="groep en")
    assert "default language" in done or "standaardtaal" in done


async def test_a_tool_search_and_its_card_button(world: World) -> None:
    interaction = await world.slash(EMMA, "tool", locale="en-US", zoekwoorden="theory of change")
    [found] = await world.answers(interaction)
    assert interaction.response_type == 4 and not found.ephemeral
    assert "Veranderingstheorie" in visible(found.content)
    label = next(label for label, _ in found.buttons() if "Veranderingstheorie" in label)
    pressed = await world.press(EMMA, found, label, locale="en-US")
    [card] = await world.answers(pressed)
    assert "source" in visible(card.content).casefold()


async def test_an_experiment_is_saved_by_its_first_modal(world: World) -> None:
    opened = await world.slash(ANNA, "experiment")
    assert opened.response_type == 9 and opened.modal is not None
    labels = [visible(str(c)) for c in opened.modal["components"]]
    assert len(labels) == 5 and "(1/2)" not in opened.modal["title"]
    first = {
        "what": "Bewoners maken een **verhalenkaart** @everyone",
        "question": "Wat verandert er in de buurt?",
        "done": "",
        "happened": "",
        "learned": "Kinderen tekenen mee",
    }
    part = await world.server.push_modal_submit(ANNA, opened, first)
    await part.wait_answered()
    [saved] = await world.answers(part)
    assert "bewaard als #1" in visible(saved.content) and saved.ephemeral
    assert "de groep, met naam" in visible(saved.content), "the community default is said"
    assert "Deel in de groep" in dict(saved.buttons()), "the card reaches the channel by choice"
    assert unescaped_mentions(saved.content) == []
    async with world.hub.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.status.value, item.tags, item.learned) == ("plan", [], "Kinderen tekenen mee")
    assert (item.audience.value, item.attribution.value) == ("groep", "met_naam")
    listing = await world.said(BERT, "experimenten")
    assert "verhalenkaart" in listing, "saved and shared without the second step"


@pytest.mark.parametrize(
    ("command", "typed", "field"),
    [
        ("experiment", "Gesprek met wijkteam over de buurtkaart", "what"),
        ("reflectie", "Ik merkte dat ik te snel oplossingen gaf", "text"),
    ],
)
async def test_text_after_a_form_command_opens_its_modal_filled_in(
    world: World, command: str, typed: str, field: str
) -> None:
    start = len(world.server.sent)
    opened = await world.slash(ANNA, command, tekst=typed)
    assert opened.response_type == 9 and opened.modal is not None, "a modal, not questions"
    inputs = {
        str(c["custom_id"]): c.get("value")
        for c in _components(opened.modal["components"])
        if c.get("custom_id")
    }
    assert inputs[field] == typed
    assert all(m.interaction_id != opened.id for m in world.server.sent[start:])
    submitted = await world.server.push_modal_submit(ANNA, opened, {})
    await submitted.wait_answered()
    [saved] = await world.answers(submitted)
    assert saved.ephemeral, "the answer to the form is for its author only"
    channel = [m for m in world.server.sent[start:] if not m.ephemeral and m.via == "channel"]
    assert all(typed not in m.content for m in channel), "nothing reached the channel unasked"


def _components(components: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        found.extend(_components(component.get("components") or []))
        if isinstance(component.get("component"), dict):
            found.append(component["component"])
    return found


async def test_the_optional_second_modal_survives_a_restart(world: World) -> None:
    opened = await world.slash(ANNA, "experiment")
    part = await world.server.push_modal_submit(ANNA, opened, {"what": "Een buurtkaart maken"})
    await part.wait_answered()
    [saved] = await world.answers(part)
    assert saved.ephemeral, "a modal's answer (with the sharing step) is for its author only"
    await restart_discord(world)
    second = await world.press(ANNA, saved, "Meer toevoegen")
    assert second.response_type == 9 and second.modal is not None
    assert len(second.modal["components"]) == 3
    submitted = await world.server.push_modal_submit(
        ANNA, second, {"tags": "#buurt", "status": "bezig", "sharing": "coordinatoren"}
    )
    await submitted.wait_answered()
    [updated] = await world.answers(submitted)
    assert "#1" in visible(updated.content) and "#buurt" in visible(updated.content)
    async with world.hub.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.status.value, item.tags, item.audience.value) == (
        "bezig",
        ["buurt"],
        "coordinatoren",
    )
    assert "buurtkaart" not in await world.said(BERT, "experimenten")


async def test_a_slow_answer_is_acknowledged_first_then_followed_up(world: World) -> None:
    await restart_discord(world, defer_after=0)  # the core always counts as slow
    start = len(world.server.sent)
    helped = await world.slash(ANNA, "hulp")
    assert helped.response_type == 5
    shown = await world.next_sent(lambda m: "Wat je kunt doen" in visible(m.content), start)
    assert not shown.ephemeral and shown.via == "channel"
    assert helped.original_message_id is not None
    await world.server.wait_for_call("DELETE", f"/{helped.token}/messages/@original")
    assert world.server.message(helped.original_message_id) is None, "the note is removed"
    start = len(world.server.sent)
    await world.slash(ANNA, "experiment")
    offer = await world.next_sent(lambda m: "Formulier openen" in dict(m.buttons()), start)
    assert offer.ephemeral, "no modal after deferring: a private button opens it, no questions"
    await restart_discord(world)  # quick again: the button opens the modal
    opened = await world.press(ANNA, offer, "Formulier openen")
    assert opened.response_type == 9 and opened.modal is not None
    await restart_discord(world, defer_after=0)
    start = len(world.server.sent)
    await world.slash(COCO, "bijeenkomst", tekst="morgen 19:30 Atelier")
    card = await world.next_sent(lambda m: "Ik kom" in dict(m.buttons()), start)
    pressed = await world.press(ANNA, card, "Ik kom")
    assert pressed.response_type == 6
    [noted] = await world.answers(pressed)
    assert noted.ephemeral and "Genoteerd" in visible(noted.content)


async def restart_discord(world: World, **config: Any) -> None:
    """Stop the Discord adapter and start a new one on the same database."""
    old = world.hub.messenger.adapters["discord"]
    await old.stop()
    fresh = quick_adapter(world.hub, **config)
    world.hub.add_adapter(fresh)
    world.hub._started[world.hub._started.index(old)] = fresh
    await fresh.start(world.hub)


async def test_a_meeting_reminder_rsvp_and_a_personal_reminder_by_dm(world: World) -> None:
    created = await world.said(COCO, "bijeenkomst", tekst="morgen 19:30 Atelier over verhalen")
    assert "Atelier over verhalen" in created
    start = len(world.server.sent)
    world.clock.set(NOW + timedelta(hours=9, minutes=30))  # a day before, 19:30 local
    await world.hub.delivery.run()
    reminder = await world.next_sent(lambda m: m.channel_id == CHANNEL and bool(m.buttons()), start)
    assert "Herinnering" in visible(reminder.content)
    assert next(name for name, _ in reminder.attachments).endswith(".ics")
    assert "✓ 0 komen" in visible(reminder.content)
    pressed = await world.press(ANNA, reminder, "Ik kom")
    assert pressed.response_type == 7, "the press updates the reminder it was made on"
    edit, noted = await world.answers(pressed, 2)
    assert edit.via == "edit" and edit.id == reminder.id
    updated = world.server.message(reminder.id)
    assert updated is not None and "✓ 1 komen" in visible(str(updated["content"]))
    assert "Herinnering" in visible(str(updated["content"])) and updated["attachments"]
    assert noted.ephemeral and "Genoteerd" in visible(noted.content)
    asked = await world.press(ANNA, noted, "Stuur mij een persoonlijke herinnering")
    [set_] = await world.answers(asked)
    assert set_.ephemeral
    agenda = await world.said(BERT, "agenda")
    assert "✓ 1 komen" in agenda
    start = len(world.server.sent)
    world.clock.set(NOW + timedelta(days=1, hours=8, minutes=30))  # an hour before
    await world.hub.delivery.run()
    personal = await world.next_sent(lambda m: m.is_dm, start)
    assert personal.channel_id in {m.channel_id for m in world.server.dms_to(ANNA)}
    assert "Atelier over verhalen" in visible(personal.content)


async def test_a_reflection_asked_and_answered_by_direct_message(world: World) -> None:
    await world.said(ANNA, "hulp")  # Anna is known in the community
    await world.hub.messenger.send(
        MemberTarget("discord", str(ANNA)), [Reply(Text.plain("Hoi Anna"))]
    )
    [hello] = world.server.dms_to(ANNA)
    assert visible(hello.content) == "Hoi Anna"
    start = len(world.server.sent)
    await world.server.push_dm(ANNA, "/reflectie")
    question = await world.next_sent(lambda m: m.is_dm, start)
    assert "Wat is je reflectie?" in visible(question.content)
    start = len(world.server.sent)
    await world.server.push_dm(ANNA, "Verhalen werken beter dan cijfers")
    saved = await world.next_sent(lambda m: m.is_dm, start)
    assert "bewaard" in visible(saved.content)


async def test_a_prompt_by_direct_message_answered_by_direct_message(world: World) -> None:
    await world.said(ANNA, "hulp")  # a member since today, reachable by DM on Discord
    start = len(world.server.sent)
    world.clock.set(NOW + timedelta(days=21, minutes=5))  # three weeks later, 10:05 local
    await run_participation(world.hub.database, world.clock)
    await world.hub.delivery.run()
    prompt = await world.next_sent(lambda m: m.is_dm, start)
    assert "Antwoord gewoon hier" in visible(prompt.content)
    assert "Antwoorden" in dict(prompt.buttons())
    start = len(world.server.sent)
    await world.server.push_dm(ANNA, "Ik liet jongeren hun wijk fotograferen")
    question = await world.next_sent(lambda m: m.is_dm and bool(m.buttons()), start)
    assert "Wie mag je antwoord zien?" in visible(question.content)
    pressed = await world.press(ANNA, question, "de groep, met naam")
    [thanks] = await world.answers(pressed)
    assert "Dank je wel" in visible(thanks.content)


async def test_a_refused_direct_message_falls_back_to_the_channel(world: World) -> None:
    proposed = await world.slash(NORA, "nieuwetool")
    assert proposed.response_type == 9 and proposed.modal is not None
    values = {
        "name": "Buurtbarometer",
        "summary": "Een korte peiling in de wijk",
        "when": "",
        "link": "",
    }
    submitted = await world.server.push_modal_submit(NORA, proposed, values)
    await submitted.wait_answered()
    listing = await world.slash(COCO, "voorstellen")
    answers = await world.answers(listing, wanted=2)
    proposal = next(m for m in answers if "Goedkeuren" in dict(m.buttons()))
    start = len(world.server.sent)
    approved = await world.press(COCO, proposal, "Goedkeuren")
    await world.answers(approved)
    notice = await world.next_sent(
        lambda m: m.channel_id == CHANNEL and "Buurtbarometer" in m.content, start
    )
    # The group hears of the new tool without the proposer's name.
    assert "Nieuw in de catalogus" in visible(notice.content)
    assert "Nora" not in visible(notice.content)
    assert await _identity(world, NORA, "dm_unreachable") is True
    with pytest.raises(DeliveryRefused):
        await world.hub.messenger.send(MemberTarget("discord", str(NORA)), [Reply(Text.plain("x"))])
    assert world.server.errors and all("code 50007" in e for e in world.server.errors)
    world.server.errors.clear()


async def test_members_joining_and_leaving(world: World) -> None:
    await world.said(ANNA, "hulp")  # the channel is a community now
    start = len(world.server.sent)
    world.server.add_user(700, "Femke", locale="nl")
    world.server.add_member(GUILD, 700)
    welcome = await world.next_sent(lambda m: m.channel_id == CHANNEL, start)
    assert "Welkom in het leeratelier, Femke" in visible(welcome.content)
    world.server.remove_member(GUILD, 700)
    await world.said(ANNA, "hulp")  # a read: it may overtake the departure, still being saved
    for _ in range(100):
        async with world.hub.database.reading() as session:
            identity = (
                await session.scalars(select(Identity).where(Identity.user_id == "700"))
            ).one()
            membership = (
                await session.scalars(
                    select(Membership).where(Membership.member_id == identity.member_id)
                )
            ).one()
        if membership.left_at is not None:
            break
        await asyncio.sleep(0.05)
    assert membership.left_at is not None


async def test_chatter_is_counted_and_a_reply_or_mention_answers_a_question(
    world: World,
) -> None:
    asked = await world.slash(BERT, "taal")  # only choices: asked in the channel
    [question] = await world.answers(asked)
    assert "In welke taal" in visible(question.content)
    start = len(world.server.sent)
    await world.server.push_message(CHANNEL, BERT, "koffie, iemand?")
    await world.server.push_message(CHANNEL, BERT, "English", reply_to=question.id)
    answered = await world.next_sent(lambda m: m.channel_id == CHANNEL, start)
    assert "speak English" in visible(answered.content), "a reply to the bot answers it"
    asked = await world.slash(BERT, "taal")
    await world.answers(asked)
    start = len(world.server.sent)
    await world.server.push_message(CHANNEL, BERT, "Nederlands", mentions_bot=True)
    answered = await world.next_sent(lambda m: m.channel_id == CHANNEL, start)
    assert "Nederlands met je" in visible(answered.content), "so does a mention"
    await world.hub.counter.flush()
    async with world.hub.database.session() as session:
        counted = list(await session.scalars(select(MessageCount.count)))
    assert counted == [1], "only the chatter counts; answers to the bot do not"


async def test_escaping_and_no_mentions_in_sends(world: World) -> None:
    title = "@everyone **x** <@&5100>"
    start = len(world.server.sent)
    await world.hub.messenger.send(
        ChatTarget("discord", str(CHANNEL)), [Reply(Text.bold("Titel ") + title)]
    )
    [sent] = world.server.sent[start:]
    assert visible(sent.content) == "Titel " + title
    assert unescaped_mentions(sent.content) == []
    assert sent.allowed_mentions == {"parse": []}


async def test_long_replies_are_split_under_2000(world: World) -> None:
    text = "\n\n".join(f"Alinea {i} " + "woord_met*tekens " * 40 for i in range(20))
    start = len(world.server.sent)
    await world.hub.messenger.send(ChatTarget("discord", str(CHANNEL)), [Reply(Text.plain(text))])
    pieces = world.server.sent[start:]
    assert len(pieces) > 1 and all(len(p.content) <= 2000 for p in pieces)
    assert " ".join(visible(p.content) for p in pieces).split() == text.split()


async def test_a_burst_over_several_channels_loses_nothing(tmp_path: Path) -> None:
    channels = {6001 + i: f"kanaal-{i}" for i in range(4)}
    async with FakeDiscordServer(
        token=TOKEN,
        application_id=900,
        bot_user_id=900,
        channel_limit=(3, 0.3),
        global_limit=(8, 0.2),
    ) as server:
        server.add_guild(GUILD, "Leeratelier", channels=channels, owner_id=COCO)
        with server.patch_library():
            hub = await build_hub(_settings(tmp_path), clock=ManualClock(NOW))
            hub.add_adapter(quick_adapter(hub))
            await hub.start()
            try:
                await asyncio.gather(
                    *(
                        hub.messenger.send(
                            ChatTarget("discord", str(channel)),
                            [Reply(Text.plain(f"{channel}:{n}")) for n in range(8)],
                        )
                        for channel in channels
                    )
                )
            finally:
                await hub.shutdown()
        for channel in channels:
            shown = [visible(m.content) for m in server.messages_in(channel)]
            assert shown == [f"{channel}:{n}" for n in range(8)]
        assert server.rate_limited > 0, "the burst never met a limit; the test proves nothing"
        assert server.errors == []


async def _identity(world: World, user_id: int, column: str) -> object:
    async with world.hub.database.session() as session:
        identity = (
            await session.scalars(
                select(Identity).where(
                    Identity.platform == "discord", Identity.user_id == str(user_id)
                )
            )
        ).one()
        return getattr(identity, column)


async def test_a_guild_that_adds_the_bot_gets_the_commands(world: World) -> None:
    world.server.add_guild(5900, "Tweede atelier", channels={5901: "impact"}, owner_id=ANNA)
    await world.server.wait_for_call("PUT", "/guilds/5900/commands")
    assert {c["name"] for c in world.server.commands[5900]} == {
        c["name"] for c in world.server.commands[GUILD]
    }


async def test_the_token_never_reaches_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeDiscordServer(token=TOKEN, channel_limit=(5, 0.5)) as server:
        _populate(server)
        with server.patch_library():
            hub = await build_hub(_settings(tmp_path), clock=ManualClock(NOW))
            hub.add_adapter(quick_adapter(hub))
            await hub.start()
            try:
                interaction = await server.push_slash_command(CHANNEL, ANNA, "hulp")
                await interaction.wait_answered()
                with contextlib.suppress(TimeoutError):  # every part of the answer is out
                    while True:
                        await server.wait_for_sent(len(server.sent) + 1, timeout=1)
            finally:
                await hub.shutdown()
    assert any(r.name.startswith("discord.") and r.levelno == logging.DEBUG for r in caplog.records)
    assert TOKEN not in caplog.text


async def test_telegram_and_discord_run_in_one_process(tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegramServer

    async with (
        FakeDiscordServer(token=TOKEN, channel_limit=(5, 0.5)) as discord_server,
        FakeTelegramServer(token="4242:both") as telegram_server,
    ):
        _populate(discord_server)
        telegram_server.add_user(77, "Tess", language_code="nl")
        settings = Settings.load(
            env_file=None,
            discord_token=TOKEN,
            telegram_token="4242:both",
            telegram_base_url=telegram_server.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'both.db'}",
        )
        with discord_server.patch_library():
            hub = await build_hub(settings, clock=ManualClock(NOW))
            assert {a.platform for a in hub.adapters} == {"telegram", "discord"}
            hub.add_adapter(quick_adapter(hub))
            await hub.start()
            try:
                interaction = await discord_server.push_slash_command(CHANNEL, ANNA, "hulp")
                await interaction.wait_answered()
                telegram_server.push_message(77, 77, "/help")
                record = await telegram_server.wait_for_sent(lambda r: r.chat_id == 77)
            finally:
                await hub.shutdown()
    assert "Wat je kunt doen" in (record.text or "")
    assert any("Wat je kunt doen" in visible(m.content) for m in discord_server.sent)


async def test_a_channel_the_bot_was_removed_from_refuses_delivery(world: World) -> None:
    world.server.kick_bot(GUILD)
    with pytest.raises(DeliveryRefused):
        await world.hub.messenger.send(
            ChatTarget("discord", str(CHANNEL)), [Reply(Text.plain("Hallo?"))]
        )
    assert [e for e in world.server.errors if "50001" not in e] == []
    world.server.errors.clear()


async def test_a_wrong_token_stops_the_start_with_a_clear_error(tmp_path: Path) -> None:
    async with FakeDiscordServer(token=TOKEN) as server:
        with server.patch_library():
            hub = await build_hub(_settings(tmp_path), clock=ManualClock(NOW))
            adapter = quick_adapter(hub)
            wrong = DiscordAdapter(
                replace(adapter.config, token="not-the-token"),
                router=hub.core.router,
                catalogs=hub.core.catalogs,
            )
            with pytest.raises(discord.LoginFailure) as failure:
                await wrong.start(hub)
            assert "not-the-token" not in str(failure.value)
            assert wrong.client.is_closed()
            await hub.database.dispose()


@pytest.mark.expected_errors("Attempting a reconnect for shard")  # discord.py, the server gone
async def test_discord_out_of_reach_is_a_temporary_failure(world: World) -> None:
    await world.server.stop()
    with pytest.raises(DeliveryFailed):
        await world.hub.messenger.send(
            ChatTarget("discord", str(CHANNEL)), [Reply(Text.plain("Hallo?"))]
        )


async def test_a_slow_rsvp_on_a_reminder_still_updates_its_counts(world: World) -> None:
    await world.said(COCO, "bijeenkomst", tekst="morgen 19:30 Atelier over verhalen")
    await restart_discord(world, defer_after=0)  # the core always counts as slow
    start = len(world.server.sent)
    world.clock.set(NOW + timedelta(hours=9, minutes=30))  # a day before, 19:30 local
    await world.hub.delivery.run()
    reminder = await world.next_sent(lambda m: m.channel_id == CHANNEL and bool(m.buttons()), start)
    pressed = await world.press(BERT, reminder, "Misschien")
    assert pressed.response_type == 6
    await world.server.wait_for_call("PATCH", f"/{pressed.token}/messages/@original")
    updated = world.server.message(reminder.id)
    assert updated is not None and "? 1 misschien" in visible(str(updated["content"]))
    assert updated["components"], "the RSVP buttons stay on the reminder"


async def test_start_lists_the_commands_once(world: World) -> None:
    for _ in range(2):
        start = len(world.server.sent)
        said = await world.said(COCO, "start", parts=2)  # over 2000 characters: split
        assert said.count("/agenda —") == 1 and said.count("/bijeenkomst | /meeting") == 1
        await asyncio.sleep(0.2)
        assert len(world.server.sent) == start + 2, "nothing more"
