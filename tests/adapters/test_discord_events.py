"""Meetings mirrored as Discord Scheduled Events: the real discord.py against the strict fake
Discord, through the whole bot (core, database, outbox, scheduler loop), across restarts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.adapters import test_discord
from tests.adapters.markdown_view import visible
from tests.adapters.test_discord import (
    ANNA,
    CHANNEL,
    COCO,
    EMMA,
    GUILD,
    NOW,
    World,
    restart_discord,
)
from tests.fakes.discord_events import CANCELED, EXTERNAL, GUILD_ONLY, MANAGE_EVENTS, SCHEDULED

world = test_discord.world  # the fixture: the whole bot against the fake Discord

TOMORROW_EVENING = datetime(2030, 3, 6, 18, 30, tzinfo=UTC)  # Wednesday 19:30 in Amsterdam


def events(world: World) -> list[dict[str, Any]]:
    return world.server.scheduled_events(GUILD)


def event_calls(world: World) -> list[str]:
    return [f"{c.method} {c.status}" for c in world.server.calls if "scheduled-events" in c.path]


async def edit_meeting(world: World, number: int, values: dict[str, str]) -> str:
    """`/bijeenkomst wijzig N` opens the edit form as a modal; submitting it saves."""
    opened = await world.slash(COCO, "bijeenkomst", tekst=f"wijzig {number}")
    assert opened.modal is not None
    submitted = await world.server.push_modal_submit(COCO, opened, values)
    await submitted.wait_answered()
    return "\n".join(visible(m.content) for m in await world.answers(submitted))


async def test_a_meeting_is_planned_moved_and_cancelled_as_a_scheduled_event(
    world: World,
) -> None:
    created = await world.said(
        COCO, "bijeenkomst", tekst="morgen 19:30-21:00 Atelier over verhalen | Wijkcentrum De Pijp"
    )
    assert "#1" in created
    await restart_discord(world)  # the job is in the database, not in the old adapter
    await world.hub.delivery.run()
    [event] = events(world)
    assert (event["name"], event["entity_type"], event["privacy_level"], event["status"]) == (
        "Atelier over verhalen",
        EXTERNAL,
        GUILD_ONLY,
        SCHEDULED,
    )
    assert event["entity_metadata"] == {"location": "Wijkcentrum De Pijp"}
    assert datetime.fromisoformat(event["scheduled_start_time"]) == TOMORROW_EVENING
    assert datetime.fromisoformat(event["scheduled_end_time"]) == TOMORROW_EVENING + timedelta(
        hours=1, minutes=30
    )
    assert "/agenda" in event["description"] and "#impact" in event["description"]

    await restart_discord(world)
    changed = await edit_meeting(world, 1, {"when": "overmorgen 20:00", "place": "Bibliotheek"})
    assert "gewijzigd" in changed
    await world.hub.delivery.run()
    [moved] = events(world)
    assert moved["id"] == event["id"], "the same event is brought up to date"
    start = datetime.fromisoformat(moved["scheduled_start_time"])
    assert start == datetime(2030, 3, 7, 19, 0, tzinfo=UTC)
    assert datetime.fromisoformat(moved["scheduled_end_time"]) == start + timedelta(hours=1.5)
    assert moved["entity_metadata"] == {"location": "Bibliotheek"}

    await world.said(COCO, "bijeenkomst", tekst="annuleer 1")
    await world.hub.delivery.run()
    [cancelled] = events(world)
    assert cancelled["id"] == event["id"] and cancelled["status"] == CANCELED
    assert event_calls(world).count("POST 200") == 1


async def test_a_meeting_without_a_place_is_located_at_the_group(world: World) -> None:
    await world.said(COCO, "bijeenkomst", tekst="morgen 19:30 Leesclub")
    await world.hub.delivery.run()
    [event] = events(world)
    assert event["entity_metadata"]["location"] == "Leeratelier · #impact"
    assert datetime.fromisoformat(event["scheduled_end_time"]) == TOMORROW_EVENING + timedelta(
        hours=2
    ), "the default length"


async def test_a_series_shows_its_next_occurrence(world: World) -> None:
    created = await world.said(COCO, "bijeenkomst", tekst="elke woensdag 19:30 Intervisie")
    assert "#1" in created
    await world.hub.delivery.run()
    assert [e["scheduled_start_time"] for e in events(world)] == [TOMORROW_EVENING.isoformat()]
    world.clock.set(TOMORROW_EVENING + timedelta(hours=2, minutes=1))  # the first has ended
    await world.hub.delivery.run()
    next_week = TOMORROW_EVENING + timedelta(days=7)
    assert [datetime.fromisoformat(e["scheduled_start_time"]) for e in events(world)] == [
        TOMORROW_EVENING,
        next_week,
    ]
    await world.said(COCO, "bijeenkomst", tekst="annuleer 2")  # the one now shown
    await world.hub.delivery.run()
    shown = [
        datetime.fromisoformat(e["scheduled_start_time"])
        for e in events(world)
        if e["status"] == SCHEDULED
    ]
    assert shown == [TOMORROW_EVENING, next_week + timedelta(days=7)]


async def test_without_manage_events_the_mirror_is_off_once_and_coordinators_see_why(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.server.set_bot_permission(GUILD, MANAGE_EVENTS, allowed=False)
    await world.said(COCO, "bijeenkomst", tekst="morgen 19:30 Eerste")
    await world.said(COCO, "bijeenkomst", tekst="overmorgen 19:30 Tweede")
    sent_before = len(world.server.messages_in(CHANNEL))
    with caplog.at_level(logging.WARNING):
        await world.hub.delivery.run()
        world.clock.set(NOW + timedelta(hours=3))  # past every back-off: nothing is retried
        await world.hub.delivery.run()
    assert events(world) == []
    assert event_calls(world) == ["POST 403", "POST 403"], "one try per meeting, no retries"
    warnings = [r for r in caplog.records if "may not manage events" in r.getMessage()]
    assert [r.levelno for r in warnings] == [logging.WARNING], "one warning for the community"
    assert len(world.server.messages_in(CHANNEL)) == sent_before, "nobody in the group is told"
    assert all("50013" in error for error in world.server.errors)
    world.server.errors.clear()

    assert "mag geen evenementen beheren" in await world.said(COCO, "instellingen")
    world.server.add_member(GUILD, EMMA, manage_guild=True)
    assert "may not manage events" in await world.said(EMMA, "instellingen", locale="en-US")
    assert "Discord" not in await world.said(ANNA, "agenda")

    world.server.set_bot_permission(GUILD, MANAGE_EVENTS, allowed=True)
    await world.said(COCO, "bijeenkomst", tekst="morgen 21:00 Derde")
    await world.hub.delivery.run()
    assert [e["name"] for e in events(world)] == ["Derde"]
    assert "ook als Discord-evenement" in await world.said(COCO, "instellingen")


async def test_a_temporary_failure_is_tried_again_later_and_then_given_up(world: World) -> None:
    world.server.fail_event_creates(1)
    await world.said(COCO, "bijeenkomst", tekst="morgen 19:30 Eerste")
    await world.hub.delivery.run()
    assert events(world) == [] and event_calls(world) == ["POST 0"]
    await world.hub.delivery.run()
    assert event_calls(world) == ["POST 0"], "not before its back-off"
    world.clock.set(NOW + timedelta(minutes=1))
    await world.hub.delivery.run()
    assert [e["name"] for e in events(world)] == ["Eerste"]

    world.server.fail_event_creates(10)
    await world.said(COCO, "bijeenkomst", tekst="overmorgen 19:30 Tweede")
    for minutes in (1, 2, 15, 90, 200, 400):
        world.clock.set(NOW + timedelta(minutes=minutes))
        await world.hub.delivery.run()
    assert event_calls(world).count("POST 0") == 1 + 4, "four tries, then it gives up"
    assert [e["name"] for e in events(world)] == ["Eerste"]
