"""Buttons whose data would not fit a platform are kept behind a key in the reply's own unit of
work, and a press on one finds its action again, after a restart too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.button_codec import STORED, ButtonStore, decode, encode
from bot.model.markup import Text
from bot.model.messages import Button, Reply
from storage.db import Database
from storage.repositories import Repositories

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMITS = {"telegram": 64, "discord": 100}


@pytest.mark.parametrize("platform", sorted(LIMITS))
async def test_a_long_payload_fits_behind_a_key_and_comes_back(
    database: Database, platform: str
) -> None:
    payload = "5|van:Anna " + "#beeldvorming " * 12 + "é" * 30
    short = Button("Ik kom", "rsvp", "12:yes")
    long = Button("Volgende", "exp.page", payload)
    store = ButtonStore(LIMITS)
    async with database.session() as session:
        sealed = await store.seal(
            Repositories.bind(session), platform, [Reply(Text.plain("?"), ((short, long),))], NOW
        )
    kept_short, kept_long = sealed[0].buttons[0]
    assert kept_short == short
    assert kept_long.label == "Volgende" and kept_long.action == STORED
    data = encode(kept_long)
    assert len(data.encode()) <= LIMITS[platform]
    action, key = decode(data) or ("", "")
    restarted = Database(database.url)
    try:
        async with restarted.session() as session:
            assert await store.open(Repositories.bind(session), action, key) == (
                "exp.page",
                payload,
            )
    finally:
        await restarted.dispose()


async def test_a_platform_without_a_limit_keeps_every_button_inline(database: Database) -> None:
    button = Button("Volgende", "exp.page", "x" * 500)
    async with database.session() as session:
        sealed = await ButtonStore(LIMITS).seal(
            Repositories.bind(session), "console", [Reply(Text.plain("?"), ((button,),))], NOW
        )
    assert sealed[0].buttons == ((button,),)


def test_data_the_bot_never_made_is_not_a_button() -> None:
    assert decode("") is None
    assert decode("~") is None
    assert decode("no-separator") is None
    assert decode("rsvp|12:yes") == ("rsvp", "12:yes")
