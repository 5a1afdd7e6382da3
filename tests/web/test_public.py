"""Public pages: the catalogue with the same search as `/tool`, and tool cards that show only
lessons whose author chose `openbaar`, with the name rule and masking applied."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.dialogs.personal_data import MASK
from tests.web.support import WebWorld, experiment, log_in, web_world


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[WebWorld]:
    async with web_world(database_url, "group-1") as world:
        yield world


async def test_the_web_search_ranks_like_the_tool_command(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    chat = await anna.says("/tool verhalen ophalen")
    in_chat = [button.payload for button in chat.buttons]
    async with world.browser() as client:
        page = await client.get("/tools", params={"q": "verhalen ophalen"})
    assert page.status_code == 200
    on_web = re.findall(r'<h3><a href="/tools/([^"]+)">', page.text)
    assert in_chat and on_web[: len(in_chat)] == in_chat


async def test_a_tool_card_shows_only_public_lessons(world: WebWorld) -> None:
    bert = world.harness.member("Bert")
    tool = (await bert.says("/tool verhalen ophalen")).buttons[0].payload
    await experiment(
        bert,
        "Verhalen ophalen, openbaar",
        learned="Openbare les, bel 06-12345678",
        sharing="openbaar",
        tool=tool,
    )
    await experiment(
        bert,
        "Verhalen ophalen, anoniem",
        learned="Anonieme les",
        sharing="openbaar_anoniem",
        tool=tool,
    )
    await experiment(
        bert, "Verhalen ophalen, groep", learned="Les voor de groep", sharing="groep", tool=tool
    )
    await experiment(
        bert,
        "Verhalen ophalen, geheim",
        learned="Les voor coordinatoren",
        sharing="coordinatoren",
        tool=tool,
    )
    async with world.browser() as client:
        card = (await client.get(f"/tools/{tool}")).text
        assert "Openbare les" in card and "— Bert" in card
        assert "06-12345678" not in card and f"bel {MASK * 11}" in card
        assert "Anonieme les" in card
        assert "Les voor de groep" not in card and "Les voor coordinatoren" not in card
        anna = world.harness.member("Anna")
        await log_in(client, anna)
        member_card = (await client.get(f"/tools/{tool}")).text
        assert "Les voor de groep" in member_card
        assert "Les voor coordinatoren" not in member_card
