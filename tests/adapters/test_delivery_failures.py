"""Every send failure falls in one of three classes, the same for both platforms (refused,
not sent, unknown), driven through the real libraries against the fake servers; Discord's
nonce makes a resend after an unknown send or a crash show once."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import NetworkError

from bot.adapters.base import Parked
from bot.adapters.delivery import Failure, classify
from bot.app.config import Settings
from bot.app.hub import Hub, build_hub
from bot.core.clock import ManualClock
from bot.model.markup import Text
from bot.model.messages import ChatTarget, MemberTarget, Reply
from bot.model.messenger import Sender
from scheduler.dispatcher import Dispatcher
from storage.models import Community, ScheduledSend, SendState
from storage.repositories import Repositories
from tests.adapters.markdown_view import visible
from tests.adapters.test_discord import CHANNEL, COCO, NOW, TOKEN, _populate, quick_adapter
from tests.fakes.discord_api import FakeDiscordServer
from tests.fakes.telegram_api import FakeTelegramServer

TELEGRAM_TOKEN = "4242:TEST-token"
GROUP = -1001234567890
ANNA, COCO_TG = 101, 103


async def _plan(hub: Hub, platform: str, chat_id: str, text: str) -> int:
    async with hub.database.session() as session:
        community = (
            await session.scalars(
                select(Community).where(
                    Community.platform == platform, Community.chat_id == chat_id
                )
            )
        ).one()
        send = ScheduledSend(
            community_id=community.id,
            kind="reminder.free",
            platform=platform,
            chat_id=chat_id,
            payload={"text": text},
            due_at=hub.core.clock.now() - timedelta(seconds=1),
            created_at=hub.core.clock.now(),
        )
        session.add(send)
        await session.flush()
        return send.id


async def _state(hub: Hub, send_id: int) -> tuple[SendState, str | None]:
    async with hub.database.session() as session:
        send = await Repositories.bind(session).schedule.get(send_id)
        assert send is not None
        return send.state, send.last_error


# Telegram -----------------------------------------------------------------------------------


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegramServer, Hub]]:
    async with FakeTelegramServer(token=TELEGRAM_TOKEN) as server:
        server.add_user(ANNA, "Anna", language_code="nl")
        server.add_user(COCO_TG, "Coco", language_code="nl")
        server.add_group(GROUP, "Leeratelier Impact", admins=[COCO_TG], members=[ANNA])
        server.user_started_bot(COCO_TG)
        settings = Settings.load(
            env_file=None,
            telegram_token=TELEGRAM_TOKEN,
            telegram_base_url=server.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'telegram.db'}",
        )
        hub = await build_hub(settings)
        await hub.start()
        try:
            start = len(server.sent)
            server.push_message(GROUP, COCO_TG, "/privacy")
            await server.wait_for_sent(2, start=start)
            yield server, hub
        finally:
            await hub.shutdown()


async def test_telegram_an_unknown_send_is_never_repeated_and_stats_count_it(
    telegram: tuple[FakeTelegramServer, Hub], caplog: pytest.LogCaptureFixture
) -> None:
    server, hub = telegram
    send_id = await _plan(hub, "telegram", str(GROUP), "Enquête invullen")
    server.drop_after("sendMessage")
    with caplog.at_level(logging.WARNING):
        await hub.delivery.run()
    arrived = [r for r in server.sent if "Enquête invullen" in (r.text or "")]
    assert len(arrived) == 1  # Telegram had it; the bot could not know, and did not resend
    assert (await _state(hub, send_id))[0] is SendState.UNKNOWN
    assert "delivery unknown" in caplog.text
    await hub.delivery.run()
    assert len([r for r in server.sent if "Enquête invullen" in (r.text or "")]) == 1

    start = len(server.sent)
    server.push_message(GROUP, COCO_TG, "/stats")
    told = await server.wait_for_sent(
        lambda r: r.chat_id == COCO_TG and "Deelname" in (r.text or ""), start=start
    )
    assert "onbekend is of ze aankwamen (laatste 12 weken): 1" in (told.text or "")


async def test_telegram_a_refusal_is_final(telegram: tuple[FakeTelegramServer, Hub]) -> None:
    server, hub = telegram
    server.kick_bot(GROUP)
    send_id = await _plan(hub, "telegram", str(GROUP), "Nooit bezorgd")
    await hub.delivery.run()
    state, error = await _state(hub, send_id)
    assert state is SendState.FAILED and error is not None and error.startswith("refused")


async def test_a_parked_private_answer_that_is_refused_says_so_in_its_group(
    telegram: tuple[FakeTelegramServer, Hub],
) -> None:
    """A private answer to a group message, parked at a stop, is sent at the next start; when
    the member never opened a private chat, the group hears it as it would have live, and the
    answer itself stays private."""
    server, hub = telegram
    server.user_started_bot(ANNA)
    start = len(server.sent)
    server.push_message(ANNA, ANNA, "/help")
    await server.wait_for_sent(lambda r: r.chat_id == ANNA, start=start)
    server.user_blocked_bot(ANNA, notify=False)
    private = Reply(Text.plain("Alleen voor jou: je concept-reflectie"))
    direct = MemberTarget("telegram", str(ANNA), group=str(GROUP))
    await hub.park([Parked(direct, (private,))])

    start = len(server.sent)
    await hub.delivery.run()
    told = await server.wait_for_sent(lambda r: r.chat_id == GROUP, start=start)
    assert "Anna, ik kan je geen privébericht sturen" in (told.text or "")
    assert not [r for r in server.sent if "concept-reflectie" in (r.text or "")]
    async with hub.database.session() as session:
        row = (await session.scalars(select(ScheduledSend).order_by(ScheduledSend.id))).all()[-1]
    assert row.state is SendState.FAILED and (row.last_error or "").startswith("refused")


async def test_telegram_a_429_is_not_sent_and_tried_again(
    telegram: tuple[FakeTelegramServer, Hub],
) -> None:
    server, hub = telegram
    send_id = await _plan(hub, "telegram", str(GROUP), "Na de pauze")
    server.inject_429("sendMessage", retry_after=1)
    await hub.delivery.run()
    assert [r for r in server.sent if "Na de pauze" in (r.text or "")]
    assert server.injected_429_hits == 1
    assert (await _state(hub, send_id))[0] is SendState.SENT


async def test_telegram_a_refused_connection_means_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot(TELEGRAM_TOKEN, base_url=f"http://127.0.0.1:{port}/bot")
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(GROUP, "hallo")
    assert classify(raised.value) is Failure.NOT_SENT


# Discord ------------------------------------------------------------------------------------


@pytest.fixture
async def discord_world(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscordServer, Hub]]:
    async with FakeDiscordServer(
        token=TOKEN, application_id=900, bot_user_id=900, channel_limit=(5, 0.5)
    ) as server:
        _populate(server)
        with server.patch_library():
            settings = Settings.load(
                env_file=None,
                discord_token=TOKEN,
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}",
            )
            hub = await build_hub(settings, clock=ManualClock(NOW))
            hub.add_adapter(quick_adapter(hub))
            await hub.start()
            try:
                interaction = await server.push_slash_command(CHANNEL, COCO, "agenda")
                await interaction.wait_answered()
                yield server, hub
            finally:
                await hub.shutdown()
            assert server.errors == [] or all("502" in error for error in server.errors)


def _in_channel(server: FakeDiscordServer, text: str) -> int:
    return sum(1 for m in server.messages_in(CHANNEL) if text in visible(m.content))


async def test_discord_an_unknown_send_is_resent_with_its_nonce_and_shows_once(
    discord_world: tuple[FakeDiscordServer, Hub],
) -> None:
    server, hub = discord_world
    send_id = await _plan(hub, "discord", str(CHANNEL), "Enquête invullen")
    server.fail_message_creates("drop")
    await hub.delivery.run()
    assert _in_channel(server, "Enquête invullen") == 1
    assert server.nonce_hits == 1  # the retry carried the same nonce and was recognised
    [sent] = [m for m in server.messages_in(CHANNEL) if "Enquête" in visible(m.content)]
    stored = server.message(sent.id)
    assert stored is not None and stored["nonce"] == f"l{send_id}.0"  # from the row, <= 25
    assert (await _state(hub, send_id))[0] is SendState.SENT


async def test_discord_a_502_is_not_sent_and_tried_again(
    discord_world: tuple[FakeDiscordServer, Hub],
) -> None:
    server, hub = discord_world
    send_id = await _plan(hub, "discord", str(CHANNEL), "Na de storing")
    server.fail_message_creates("502")
    await hub.delivery.run()
    assert _in_channel(server, "Na de storing") == 1
    assert server.nonce_hits == 0
    assert (await _state(hub, send_id))[0] is SendState.SENT


async def test_discord_a_kill_between_send_and_record_is_resent_and_shows_once(
    discord_world: tuple[FakeDiscordServer, Hub],
) -> None:
    server, hub = discord_world
    send_id = await _plan(hub, "discord", str(CHANNEL), "Vergeet je foto's niet")
    clock = hub.core.clock

    async def crashed_process(send: Sender) -> None:
        """Claims and sends like the dispatcher, then dies before recording."""
        async with hub.database.session() as session:
            assert await Repositories.bind(session).schedule.claim(send_id, clock.now(), "gone")
        await send([Reply(Text.plain("🔔 Vergeet je foto's niet"))])

    await hub.messenger.send_in_turn(
        ChatTarget("discord", str(CHANNEL)), crashed_process, key=str(send_id)
    )
    assert _in_channel(server, "Vergeet je foto's niet") == 1
    assert (await _state(hub, send_id))[0] is SendState.SENDING
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=5))  # the restart

    restarted = Dispatcher(
        database=hub.database,
        router=hub.core.router,
        catalogs=hub.core.catalogs,
        clock=clock,
        messenger=hub.messenger,
        worker="restarted",
        lease=timedelta(0),
    )
    assert await restarted.recover_interrupted() == 1
    await restarted.run_due()
    assert _in_channel(server, "Vergeet je foto's niet") == 1
    assert server.nonce_hits == 1
    assert (await _state(hub, send_id))[0] is SendState.SENT


async def test_discord_rows_interrupted_longer_ago_than_the_nonce_lasts_are_not_resent(
    discord_world: tuple[FakeDiscordServer, Hub],
) -> None:
    server, hub = discord_world
    send_id = await _plan(hub, "discord", str(CHANNEL), "Te laat hersteld")
    clock = hub.core.clock
    async with hub.database.session() as session:
        assert await Repositories.bind(session).schedule.claim(send_id, clock.now(), "gone")
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=10))
    assert await hub.delivery.dispatcher.recover_interrupted() == 1
    await hub.delivery.run()
    assert _in_channel(server, "Te laat hersteld") == 0
    assert (await _state(hub, send_id))[0] is SendState.UNKNOWN
