"""Coordinators on the platform: correcting a proposal before approving it (by the chat's
own edit rules), and the community settings the chat's `/instellingen` sets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.handlers.participation.sweep import KIND_DIGEST
from storage.models import ScheduledSend, SendState, Tool
from tests.harness import Person
from tests.web.support import WebWorld, csrf_of, log_in, web_world


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[WebWorld]:
    async with web_world(database_url, "group-1") as world:
        yield world


async def proposed(person: Person, name: str) -> str:
    await person.says(f"/nieuwetool {name}")
    await person.says("Een korte vragenlijst over de buurt.")
    await person.says("-")
    await person.says("https://example.org/buurtbarometer")
    async with person.harness.database.session() as session:
        tool_id = await session.scalar(select(Tool.id).where(Tool.name == name))
    assert tool_id is not None
    return tool_id


async def test_a_coordinator_corrects_a_proposal_on_the_web_and_then_approves_it(
    world: WebWorld,
) -> None:
    anna = world.harness.member("Anna")
    tool_id = await proposed(anna, "Buurtbarometr")
    coco = world.harness.member("Coco", coordinator=True)
    async with world.browser() as client:
        await log_in(client, coco)
        form = await client.get(f"/proposals/{tool_id}/edit")
        assert form.status_code == 200 and 'value="Buurtbarometr"' in form.text
        data = {
            "csrf": csrf_of(form.text),
            "name": "Buurtbarometer",
            "summary": "Een korte vragenlijst over hoe bewoners hun buurt beleven.",
            "tags": "buurt, bewoners",
            "level": "praktijk, beleid",
            "effort": "1-2 uur",
            "link": "example.org/barometer",
        }
        wrong = await client.post(f"/proposals/{tool_id}/edit", data={**data, "level": "hoog"})
        assert wrong.status_code == 400 and "Kies uit uitvoering, beleid en onderzoek" in wrong.text
        assert 'value="hoog"' in wrong.text  # what was typed stays in the form
        empty = await client.post(f"/proposals/{tool_id}/edit", data={**data, "name": " "})
        assert empty.status_code == 400 and "Vul eerst iets in" in empty.text
        saved = await client.post(f"/proposals/{tool_id}/edit", data=data)
        assert saved.status_code == 303
        listed = (await client.get(saved.headers["location"])).text
        assert "Voorstel bijgewerkt" in listed and "Buurtbarometer" in listed
        assert "uitvoering, beleid" in listed and "1-2 uur" in listed
        approved = await client.post(
            f"/proposals/{tool_id}", data={"csrf": data["csrf"], "decision": "approve"}
        )
        assert approved.status_code == 303
        assert (await client.get(f"/proposals/{tool_id}/edit")).status_code == 409
    card = await anna.says("/tool buurtbarometer")
    assert "Buurtbarometer" in card.text
    async with world.harness.database.session() as session:
        tool = await session.get(Tool, tool_id)
    assert tool is not None
    assert (tool.tags, tool.level, tool.source_url) == (
        ["buurt", "bewoners"],
        ["uitvoering", "beleid"],
        "https://example.org/barometer",
    )


async def test_a_member_cannot_edit_a_proposal(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    tool_id = await proposed(anna, "Buurtbarometer")
    async with world.browser() as client:
        await log_in(client, anna)
        assert (await client.get(f"/proposals/{tool_id}/edit")).status_code == 403


async def test_the_settings_page_sets_what_the_chat_sets_and_moves_the_digest(
    world: WebWorld,
) -> None:
    coco = world.harness.member("Coco", coordinator=True)
    async with world.browser() as client:
        await log_in(client, coco)
        page = await client.get("/settings")
        assert "Dag van het weekoverzicht" in page.text
        data = {
            "csrf": csrf_of(page.text),
            "language": "nl",
            "default_audience": "groep",
            "default_attribution": "met_naam",
            "passive_after_days": "30",
            "passive_min_membership_days": "14",
            "prompt_interval_days": "14",
            "prompt_hour": "14",
            "digest_weekday": "2",
            "digest_hour": "10",
        }
        late = await client.post("/settings", data={**data, "prompt_hour": "23", "language": "en"})
        assert late.status_code == 400 and "Niet opgeslagen" in late.text
        assert (await client.post("/settings", data=data)).status_code == 200
    shown = await coco.says("/instellingen")
    assert "Een lid dat 30 dagen niets deelde" in shown.text
    assert "om 14:00 uur" in shown.text and "woensdag om 10:00 uur" in shown.text
    async with world.harness.database.session() as session:
        planned = list(
            await session.scalars(
                select(ScheduledSend).where(
                    ScheduledSend.kind == KIND_DIGEST, ScheduledSend.state == SendState.PENDING
                )
            )
        )
    [digest] = planned
    local = digest.due_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.weekday(), local.hour) == (2, 10)
