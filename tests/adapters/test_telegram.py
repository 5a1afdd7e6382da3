"""The real python-telegram-bot against a strict fake Bot API server, through the whole bot."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.config import Settings
from bot.app.hub import Hub, build_hub
from bot.core.clock import ManualClock
from bot.handlers.participation.jobs import run_participation
from bot.model.markup import Text
from bot.model.messages import ChatTarget, MemberTarget, Reply
from bot.model.messenger import DeliveryRefused
from storage.models import Identity, Membership
from tests.fakes.telegram_api import (
    BOT_USERNAME,
    FakeTelegramServer,
    SentRecord,
    post_update_to_webhook,
)

TOKEN = "4242:TEST-token"
GROUP = -1001234567890
ANNA, BERT, COCO, EMMA, NEVER = 101, 102, 103, 104, 105


@dataclass
class World:
    server: FakeTelegramServer
    hub: Hub

    async def said(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        wanted: int = 1,
        where: int | None = None,
    ) -> list[SentRecord]:
        """A user writes; returns the bot's next `wanted` sends (to `where`, default the chat)."""
        start = len(self.server.sent)
        self.server.push_message(chat_id, user_id, text, reply_to_message_id=reply_to)
        return await self.replies(start, wanted, where if where is not None else chat_id)

    async def pressed(
        self, user_id: int, record: SentRecord, label: str, *, wanted: int = 1
    ) -> list[SentRecord]:
        start = len(self.server.sent)
        data = button_data(record, label)
        self.server.push_callback_query(user_id, record.message_id, record.chat_id, data)
        return await self.replies(start, wanted, record.chat_id)

    async def replies(self, start: int, wanted: int, chat_id: int) -> list[SentRecord]:
        found: list[SentRecord] = []
        for _ in range(wanted):
            position = start
            record = await self.server.wait_for_sent(
                lambda r: r.chat_id == chat_id and r not in found, start=position
            )
            found.append(record)
        return found

    async def introduced(self, chat_id: int) -> None:
        """The bot's first answer in a group comes with its one-time privacy notice; tests of
        other things start in a group that has had it."""
        [_answer, notice] = await self.said(chat_id, COCO, "/privacy", wanted=2)
        assert "/privacy" in (notice.text or "")

    async def quiet(self, predicate: Callable[[SentRecord], bool], start: int) -> bool:
        try:
            await self.server.wait_for_sent(predicate, timeout=0.5, start=start)
        except TimeoutError:
            return True
        return False


def button_data(record: SentRecord, label: str) -> str:
    assert record.reply_markup is not None, record
    for row in record.reply_markup["inline_keyboard"]:
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {record.reply_markup}")


def _settings(server: FakeTelegramServer, tmp_path: Path, **extra: object) -> Settings:
    return Settings.load(
        env_file=None,
        telegram_token=TOKEN,
        telegram_base_url=server.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'telegram.db'}",
        **extra,
    )


def _populate(server: FakeTelegramServer) -> None:
    server.add_user(ANNA, "Anna", language_code="nl")
    server.add_user(BERT, "Bert <b>&</b>", language_code="nl")
    server.add_user(COCO, "Coco", language_code="nl")
    server.add_user(EMMA, "Emma", language_code="en")
    server.add_user(NEVER, "Nora", language_code="nl")
    server.add_group(GROUP, "Leeratelier Impact", admins=[COCO], members=[ANNA, BERT, EMMA, NEVER])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeTelegramServer(token=TOKEN) as server:
        _populate(server)
        hub = await build_hub(_settings(server, tmp_path))
        await hub.start()
        try:
            world = World(server, hub)
            await world.introduced(GROUP)
            yield world
        finally:
            await hub.shutdown()


async def test_start_in_a_private_chat_explains_what_is_stored(world: World) -> None:
    [reply] = await world.said(ANNA, ANNA, "/start")
    assert reply.parse_mode == "HTML"
    assert "Wat ik bewaar en waarom" in (reply.text or "")
    assert any(e["type"] == "bold" for e in reply.entities)


async def test_start_lists_the_commands_once_in_the_group_and_then_privately(
    world: World,
) -> None:
    for chat in (GROUP, COCO, GROUP, COCO):
        start = len(world.server.sent)
        [reply] = await world.said(chat, COCO, "/start")
        text = reply.text or ""
        assert text.count("/agenda —") == 1 and text.count("/bijeenkomst | /meeting") == 1
        assert await world.quiet(lambda r, chat=chat: r.chat_id == chat, start + 1), "only one"


async def test_help_in_a_group_with_and_without_the_bots_name(world: World) -> None:
    [plain] = await world.said(GROUP, ANNA, "/help")
    [named] = await world.said(GROUP, ANNA, f"/hulp@{BOT_USERNAME}")
    assert plain.text == named.text
    assert "Wat je kunt doen" in (plain.text or "")
    assert "Voor coördinatoren" not in (plain.text or "")


async def test_commands_for_another_bot_are_ignored(world: World) -> None:
    start = len(world.server.sent)
    world.server.push_message(GROUP, ANNA, "/help@SomeOtherBot")
    assert await world.quiet(lambda r: r.chat_id == GROUP, start)


async def test_group_administrators_are_coordinators(world: World) -> None:
    [reply] = await world.said(GROUP, COCO, "/help")
    assert "Voor coördinatoren" in (reply.text or "")
    [denied] = await world.said(GROUP, ANNA, "/taal groep en")
    assert "alleen voor coördinatoren" in (denied.text or "")
    [done] = await world.said(GROUP, COCO, "/taal groep en")
    assert "default language" in (done.text or "") or "standaardtaal" in (done.text or "")


async def test_language_comes_from_the_telegram_client(world: World) -> None:
    [reply] = await world.said(GROUP, EMMA, "/help")
    assert "What you can do" in (reply.text or "")


async def test_every_command_answers_in_both_languages(world: World) -> None:
    for command in (
        "/start",
        "/hulp",
        "/help",
        "/taal en",
        "/language nl",
        "/annuleer",
        "/cancel",
        "/taal xx",
        "/onbekend",
    ):
        [reply] = await world.said(ANNA, ANNA, command)
        assert reply.text, command


async def test_user_text_is_escaped_in_html(world: World) -> None:
    [reply] = await world.said(BERT, BERT, "/start")
    assert "Hoi Bert <b>&</b>!" in (reply.text or "")


async def test_a_button_press_round_trip(world: World) -> None:
    [question] = await world.said(ANNA, ANNA, "/taal")
    assert "In welke taal" in (question.text or "")
    [answer] = await world.pressed(ANNA, question, "English")
    assert answer.text == "From now on I'll speak English with you."
    assert world.server.answered_callbacks


async def test_a_group_form_continues_privately_for_members_who_started_the_bot(
    world: World,
) -> None:
    await world.said(ANNA, ANNA, "/start")
    start = len(world.server.sent)
    [moved] = await world.said(GROUP, ANNA, "/taal")
    assert "privébericht" in (moved.text or "")
    question = await world.server.wait_for_sent(lambda r: r.chat_id == ANNA, start=start)
    assert "In welke taal" in (question.text or "")
    [done] = await world.pressed(ANNA, question, "English")
    assert "English" in (done.text or "")


async def test_a_group_form_stays_in_the_group_for_members_who_never_started_the_bot(
    world: World,
) -> None:
    [question] = await world.said(GROUP, NEVER, "/taal")
    assert "In welke taal" in (question.text or "")
    [done] = await world.pressed(NEVER, question, "Nederlands")
    assert "Nederlands" in (done.text or "")


async def test_a_refused_direct_message_falls_back_to_the_group(world: World) -> None:
    await world.said(ANNA, ANNA, "/start")
    world.server.user_blocked_bot(ANNA, notify=False)
    replies = await world.said(GROUP, ANNA, "/taal", wanted=3)
    texts = "\n".join(r.text or "" for r in replies)
    assert "kan je geen privébericht sturen" in texts
    assert "In welke taal" in texts
    question = next(r for r in replies if "In welke taal" in (r.text or ""))
    [done] = await world.pressed(ANNA, question, "English")
    assert "English" in (done.text or "")
    assert await _identity(world, ANNA, "dm_unreachable") is True


async def test_direct_message_to_a_member_who_never_started_the_bot(world: World) -> None:
    await world.said(GROUP, NEVER, "/help")
    attempts_before = len(world.server.calls("sendMessage"))
    with pytest.raises(DeliveryRefused):
        await world.hub.messenger.send(
            MemberTarget("telegram", str(NEVER)), [Reply(Text.plain("Hoi"))]
        )
    assert len(world.server.calls("sendMessage")) == attempts_before + 1, "no retry loop"
    for _ in range(500):  # the refusal is noted once the sender's unit of work is done
        if await _identity(world, NEVER, "dm_unreachable"):
            break
        await asyncio.sleep(0.01)
    assert await _identity(world, NEVER, "dm_unreachable") is True
    await world.said(NEVER, NEVER, "/start")
    assert await _identity(world, NEVER, "dm_unreachable") is False


async def test_members_joining_and_leaving(world: World) -> None:
    start = len(world.server.sent)
    world.server.push_new_members(GROUP, [BERT])
    welcome = await world.server.wait_for_sent(lambda r: r.chat_id == GROUP, start=start)
    assert "Welkom in het leeratelier, Bert <b>&</b>" in (welcome.text or "")
    world.server.push_left_member(GROUP, BERT)
    await world.said(GROUP, ANNA, "/help")
    async with world.hub.database.session() as session:
        identity = (
            await session.scalars(select(Identity).where(Identity.user_id == str(BERT)))
        ).one()
        membership = (
            await session.scalars(
                select(Membership).where(Membership.member_id == identity.member_id)
            )
        ).one()
    assert membership.left_at is not None


async def test_a_429_is_waited_out_and_nothing_is_lost(world: World) -> None:
    world.server.inject_429("sendMessage", retry_after=1)
    [reply] = await world.said(ANNA, ANNA, "/help")
    assert "Wat je kunt doen" in (reply.text or "")
    assert world.server.injected_429_hits == 1


async def test_the_command_menu_per_language_and_scope(world: World) -> None:
    dutch = {c.command for c in world.server.commands({"type": "all_group_chats"}, "nl")}
    english = {c.command for c in world.server.commands({"type": "all_private_chats"}, "en")}
    admins = {c.command for c in world.server.commands({"type": "all_chat_administrators"}, "nl")}
    assert {"hulp", "taal", "annuleer", "start"} <= dutch
    assert {"help", "language", "cancel", "start"} <= english
    assert dutch <= admins


async def test_long_replies_are_split_under_the_limit(world: World) -> None:
    text = "\n\n".join(f"Alinea {i} " + "woord " * 150 for i in range(12))
    start = len(world.server.sent)
    await world.hub.messenger.send(ChatTarget("telegram", str(GROUP)), [Reply(Text.plain(text))])
    pieces = [r for r in world.server.sent[start:] if r.chat_id == GROUP]
    assert len(pieces) > 1
    assert all(len((p.text or "").encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert " ".join(p.text or "" for p in pieces).split() == text.split()


async def _identity(world: World, user_id: int, column: str) -> object:
    async with world.hub.database.session() as session:
        identity = (
            await session.scalars(
                select(Identity).where(
                    Identity.platform == "telegram", Identity.user_id == str(user_id)
                )
            )
        ).one()
        return getattr(identity, column)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_checks_the_secret(tmp_path: Path) -> None:
    async with FakeTelegramServer(token=TOKEN, allow_insecure_webhooks=True) as server:
        _populate(server)
        port = _free_port()
        settings = _settings(
            server,
            tmp_path,
            telegram_webhook_url="https://bot.example.org:8443/telegram-hook",
            telegram_webhook_listen="127.0.0.1",
            telegram_webhook_port=port,
            telegram_webhook_secret="s3cr3t-token_value",
        )
        hub = await build_hub(settings)
        await hub.start()
        try:
            assert server.webhook is not None
            local = f"http://127.0.0.1:{port}/telegram-hook"
            update = server.push_message(ANNA, ANNA, "/help")
            assert await post_update_to_webhook(local, update, "wrong") == 403
            start = len(server.sent)
            assert await post_update_to_webhook(local, update, "s3cr3t-token_value") == 200
            reply = await server.wait_for_sent(lambda r: r.chat_id == ANNA, start=start)
            assert "Wat je kunt doen" in (reply.text or "")
        finally:
            await hub.shutdown()


async def test_in_a_group_only_a_reply_to_the_bot_answers_its_question(world: World) -> None:
    [question] = await world.said(GROUP, NEVER, "/taal")
    start = len(world.server.sent)
    world.server.push_message(GROUP, NEVER, "English")
    assert await world.quiet(lambda r: r.chat_id == GROUP, start)
    [done] = await world.said(GROUP, NEVER, "English", reply_to=question.message_id)
    assert done.text == "From now on I'll speak English with you."


async def test_a_full_experiment_dialog_in_the_group_by_replying(world: World) -> None:
    [question] = await world.said(GROUP, NEVER, "/experiment")
    assert question.reply_markup is None or "inline_keyboard" not in question.reply_markup
    assert question.params.get("reply_markup") and "force_reply" in question.params["reply_markup"]
    answers = [
        "Bewoners maken samen een <b>verhalenkaart</b> & bespreken die",
        "Wat verandert er in de buurt?",
        "-",
        "-",
        "-",
        "#buurt",
    ]
    for answer in answers:
        [question] = await world.said(GROUP, NEVER, answer, reply_to=question.message_id)
    assert "Hoe ver ben je?" in (question.text or "")
    [saved] = await world.pressed(NEVER, question, "bezig")
    # No private chat with this member: the group is never asked who may read it.
    assert "bewaard als #1" in (saved.text or "")
    assert "de standaard van deze groep" in (saved.text or "")
    assert "coördinatoren" not in (saved.text or "")
    assert "Bewoners maken samen een <b>verhalenkaart</b> & bespreken die" in (saved.text or "")
    [listing] = await world.said(GROUP, ANNA, "/experimenten")
    assert "verhalenkaart" in (listing.text or "")


async def test_a_reflection_with_client_data_asks_first(world: World) -> None:
    await world.said(GROUP, ANNA, "/help")
    [warning] = await world.said(ANNA, ANNA, "/reflectie Ik sprak haar op 06-12345678")
    assert "telefoonnummer" in (warning.text or "")
    assert "06-12345678" not in (warning.text or "")
    [saved] = await world.pressed(ANNA, warning, "Geen cliëntgegevens, bewaar")
    assert "bewaard" in (saved.text or "")


async def test_meetings_reminders_and_rsvps_through_telegram(world: World) -> None:
    [created] = await world.said(GROUP, COCO, "/bijeenkomst morgen 19:30 Atelier over verhalen")
    assert "Atelier over verhalen" in (created.text or "")
    document = await world.server.wait_for_sent(lambda r: r.method == "sendDocument")
    assert document.document is not None and document.document.filename.endswith(".ics")
    assert b"BEGIN:VTIMEZONE" in document.document.content
    # An RSVP pressed in the group is answered as a notification, not a group message.
    start = len(world.server.sent)
    data = button_data(created, "Ik kom")
    world.server.push_callback_query(ANNA, created.message_id, GROUP, data)
    answered = await _wait_answered(world)
    assert "Genoteerd" in (answered.text or "")
    assert await world.quiet(lambda r: r.chat_id == GROUP, start)
    [agenda] = await world.said(GROUP, ANNA, "/agenda")
    assert "✓ 1 komen" in (agenda.text or "")


async def _wait_answered(world: World) -> object:
    for _ in range(100):
        if world.server.answered_callbacks:
            return world.server.answered_callbacks[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("the button press was never answered")


async def test_the_capabilities_answer_in_english_in_a_group(world: World) -> None:
    [found] = await world.said(GROUP, EMMA, "/zoek theory of change")
    assert "Veranderingstheorie" in (found.text or "") and found.reply_markup is not None
    [card] = await world.pressed(EMMA, found, "Veranderingstheorie (Theory of Change)")
    assert "Source" in (card.text or "") or "source" in (card.text or "").casefold()
    [listing] = await world.said(GROUP, EMMA, "/experiments")
    assert "No experiments found" in (listing.text or "")
    [asked] = await world.said(GROUP, EMMA, "/reflect")
    assert "What is your reflection?" in (asked.text or "")
    [saved] = await world.said(GROUP, EMMA, "Stories beat numbers", reply_to=asked.message_id)
    assert "saved" in (saved.text or "")
    [agenda] = await world.said(GROUP, EMMA, "/agenda")
    assert "no meetings" in (agenda.text or "")
    [proposal] = await world.said(GROUP, EMMA, "/suggest")
    assert proposal.text


async def test_a_group_admin_is_a_coordinator_in_the_private_chat_too(world: World) -> None:
    await world.said(GROUP, COCO, "/help")
    [reply] = await world.said(COCO, COCO, "/bijeenkomst morgen 19:30 Atelier")
    assert "staat in de agenda" in (reply.text or "")
    [told] = await world.said(ANNA, ANNA, "/help")
    assert "Voor coördinatoren" not in (told.text or "")


async def test_prompts_by_direct_message_and_one_mention_for_who_never_started_the_bot(
    tmp_path: Path,
) -> None:
    async with FakeTelegramServer(token=TOKEN) as server:
        _populate(server)
        server.user_started_bot(ANNA)
        clock = ManualClock(datetime(2030, 3, 5, 9, 0, tzinfo=UTC))  # a Tuesday, 10:00 local
        hub = await build_hub(_settings(server, tmp_path), clock=clock)
        await hub.start()
        try:
            world = World(server, hub)
            await world.introduced(GROUP)
            await world.said(ANNA, ANNA, "/start")
            await world.said(GROUP, ANNA, "/agenda")
            await world.said(GROUP, NEVER, "/agenda")
            start = len(server.sent)
            clock.set(datetime(2030, 3, 26, 9, 5, tzinfo=UTC))  # three weeks later
            await run_participation(hub.database, clock)
            await hub.delivery.run()
            prompt = await server.wait_for_sent(
                lambda r: r.chat_id == ANNA and "Antwoord gewoon hier" in (r.text or ""),
                start=start,
            )
            assert prompt.reply_markup is not None
            await server.wait_for_sent(
                lambda r: r.chat_id == GROUP and (r.text or "").startswith("Nora,"), start=start
            )
            assert not [r for r in server.sent[start:] if "passief" in (r.text or "")]
            [question] = await world.said(ANNA, ANNA, "Ik liet jongeren hun wijk fotograferen")
            assert "Wie mag je antwoord zien?" in (question.text or "")
            [thanks] = await world.pressed(ANNA, question, "de groep, met naam")
            assert "Dank je wel" in (thanks.text or "")
        finally:
            await hub.shutdown()


async def test_an_rsvp_on_a_reminder_edits_its_counts_in_place(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegramServer(token=TOKEN) as server:
        _populate(server)
        clock = ManualClock(datetime(2030, 3, 5, 9, 0, tzinfo=UTC))  # a Tuesday, 10:00 local
        hub = await build_hub(_settings(server, tmp_path), clock=clock)
        await hub.start()
        try:
            world = World(server, hub)
            await world.introduced(GROUP)
            await world.said(GROUP, COCO, "/bijeenkomst morgen 19:30 Atelier", wanted=2)
            start = len(server.sent)
            clock.set(datetime(2030, 3, 5, 18, 30, tzinfo=UTC))  # a day before, 19:30 local
            await hub.delivery.run()
            reminder = await server.wait_for_sent(
                lambda r: r.method == "sendMessage" and "Herinnering" in (r.text or ""),
                start=start,
            )
            assert "✓ 0 komen" in (reminder.text or "")
            await server.wait_for_sent(lambda r: r.method == "sendDocument", start=start)
            start = len(server.sent)
            data = button_data(reminder, "Ik kom")
            server.push_callback_query(ANNA, reminder.message_id, GROUP, data)
            edited = await server.wait_for_sent(
                lambda r: r.method == "editMessageText", start=start
            )
            assert edited.message_id == reminder.message_id
            assert "✓ 1 komen" in (edited.text or "") and "Herinnering" in (edited.text or "")
            assert edited.reply_markup == reminder.reply_markup, "the buttons stay"
            assert await world.quiet(lambda r: r.method == "sendMessage", start)
            # The same answer again changes nothing: Telegram's "not modified" is let go.
            start = len(server.sent)
            server.push_callback_query(ANNA, reminder.message_id, GROUP, data)
            assert await world.quiet(lambda r: r.chat_id == GROUP, start)
            assert len(server.answered_callbacks) == 2
            # Another member's answer edits it again.
            server.push_callback_query(BERT, reminder.message_id, GROUP, data)
            again = await server.wait_for_sent(lambda r: r.method == "editMessageText", start=start)
            assert "✓ 2 komen" in (again.text or "")
        finally:
            await hub.shutdown()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_no_private_message_yet_is_said_only_to_who_never_started_the_bot(
    tmp_path: Path,
) -> None:
    async with FakeTelegramServer(token=TOKEN) as server:
        _populate(server)
        server.user_started_bot(ANNA)
        clock = ManualClock(datetime(2030, 3, 5, 9, 0, tzinfo=UTC))  # a Tuesday
        hub = await build_hub(_settings(server, tmp_path), clock=clock)
        await hub.start()
        try:
            world = World(server, hub)
            await world.introduced(GROUP)
            await world.said(GROUP, ANNA, "/agenda")
            await world.said(ANNA, ANNA, "/start")
            [anna] = await world.said(GROUP, ANNA, "/voornemen één reflectie tot 20 maart")
            assert "nog geen privébericht" not in (anna.text or "")
            assert "vraag ik je één keer hoe het gaat" in (anna.text or "")
            [nora] = await world.said(GROUP, NEVER, "/voornemen één reflectie tot 20 maart")
            assert "nog geen privébericht" in (nora.text or "")
            assert "hoe het gaat" in (nora.text or "") and "Rond" not in (nora.text or "")
        finally:
            await hub.shutdown()
