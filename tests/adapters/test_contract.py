"""The contract every adapter passes: commands in, escaping, splitting, buttons, files, DMs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.button_codec import STORED
from bot.model.markup import Text
from bot.model.messages import Attachment, Button, EventKind, Reply
from bot.model.messenger import DeliveryRefused
from storage import migrate
from storage.db import Database
from tests.adapters.drivers import ConsoleDriver, DiscordDriver, Driver, TelegramDriver
from tests.fakes.discord_api import FakeDiscordServer
from tests.fakes.telegram_api import FakeTelegramServer

TRICKY = "<b>not bold</b> & *stars* _under_ `tick` [x](http://y) @everyone </i> ‮rtl 🎉"


@pytest.fixture(params=["console", "telegram", "discord"])
async def driver(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Driver]:
    if request.param == "console":
        console = ConsoleDriver(tmp_path / "files")
        await console.start()
        yield console
        await console.close()
        return
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}")
    await migrate.upgrade(database)
    if request.param == "telegram":
        async with FakeTelegramServer(token="4242:contract") as server:
            telegram = TelegramDriver(server, database)
            await telegram.start()
            yield telegram
            await telegram.close()
    else:
        fast_buckets = {"channel_limit": (5, 0.5), "webhook_limit": (5, 0.5)}
        async with FakeDiscordServer(token="contract.discord.token", **fast_buckets) as fake:
            with fake.patch_library():
                discord_driver = DiscordDriver(fake, database)
                await discord_driver.start()
                yield discord_driver
                await discord_driver.close()
            refused_dms = "code 50007"
            assert [error for error in fake.errors if refused_dms not in error] == []
    await database.dispose()


async def test_commands_arrive_with_name_and_arguments(driver: Driver) -> None:
    msg = await driver.user_types("/Taal en")
    assert (msg.kind, msg.command, msg.args) == (EventKind.COMMAND, "taal", "en")
    assert msg.user.display_name == "Anna"


async def test_plain_text_arrives_as_a_message(driver: Driver) -> None:
    msg = await driver.user_types("goedemorgen " + TRICKY)
    assert msg.kind is EventKind.MESSAGE
    assert msg.text == "goedemorgen " + TRICKY


async def test_user_text_is_shown_exactly_never_as_markup(driver: Driver) -> None:
    reply = Reply(Text.bold("Titel") + "\n" + Text.plain(TRICKY))
    shown = "\n".join(await driver.delivered(driver.group, [reply]))
    assert TRICKY in shown


async def test_long_replies_are_split_within_the_limit(driver: Driver) -> None:
    paragraphs = [f"Alinea {i}: " + "woord " * 120 for i in range(60)]
    text = "\n\n".join(paragraphs)
    shown = await driver.delivered(driver.group, [Reply(Text.plain(text))])
    limit = driver.capabilities.max_message_length
    if limit is not None:
        assert len(shown) > 1
        assert all(len(part) <= limit for part in shown)
    visible = "\n\n".join(shown)
    assert all(p.strip() in visible for p in paragraphs)


async def test_buttons_round_trip(driver: Driver) -> None:
    buttons = ((Button("Ik kom", "rsvp", "m-1:yes"), Button("Ik kan niet", "rsvp", "m-1:no")),)
    await driver.delivered(driver.group, [Reply(Text.plain("Kom je?"), buttons)])
    msg = await driver.press("Ik kan niet")
    assert (msg.kind, msg.action, msg.payload) == (EventKind.BUTTON, "rsvp", "m-1:no")


async def test_buttons_the_core_sealed_come_back_as_their_key(driver: Driver) -> None:
    """A payload over the platform's limit reaches the adapter sealed (tests/test_buttons.py)."""
    buttons = ((Button("Deel", STORED, "k7d2x9qw0a1b2c3d"),),)
    await driver.delivered(driver.group, [Reply(Text.plain("Delen?"), buttons)])
    msg = await driver.press("Deel")
    assert (msg.action, msg.payload) == (STORED, "k7d2x9qw0a1b2c3d")


async def test_files_are_delivered_whole(driver: Driver) -> None:
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    attachment = Attachment("bijeenkomst.ics", content, "text/calendar")
    await driver.delivered(driver.group, [Reply(Text.plain("Agenda"), attachment=attachment)])
    assert (await driver.files())["bijeenkomst.ics"] == content


async def test_direct_message_to_the_member(driver: Driver) -> None:
    shown = await driver.delivered(driver.member, [Reply(Text.plain("Alleen voor jou"))])
    assert "Alleen voor jou" in "\n".join(shown)


async def test_direct_message_that_the_platform_refuses(driver: Driver) -> None:
    with pytest.raises(DeliveryRefused):
        await driver.delivered(driver.stranger, [Reply(Text.plain("Hallo"))])
