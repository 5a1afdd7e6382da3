"""Members on the platform: replies through the client-data guard, editing one's own
contributions and their audience, switching communities, and the data download."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.model.messages import MemberTarget
from storage.models import Activity, Attribution, Audience, Experiment, Meeting
from tests.harness import PLATFORM
from tests.web.support import WebWorld, csrf_of, experiment, log_in, web_world


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[WebWorld]:
    async with web_world(database_url, "group-1", "group-2") as world:
        yield world


async def test_a_reply_passes_the_guard_counts_as_giving_and_tells_the_author(
    world: WebWorld,
) -> None:
    bert = world.harness.member("Bert")
    number = await experiment(bert, "Verhalen ophalen", sharing="groep")
    anna = world.harness.member("Anna")
    async with world.browser() as client:
        await log_in(client, anna)
        token = csrf_of((await client.get(f"/experiments/{number}")).text)
        text = "Bel mevrouw gerust op 06-12345678"
        held = await client.post(f"/experiments/{number}/reply", data={"text": text, "csrf": token})
        assert held.status_code == 400 and "persoonsgegevens" in held.text
        assert "06-12345678" in held.text  # kept in the form, not saved
        assert "Reacties (0)" in held.text
        saved = await client.post(
            f"/experiments/{number}/reply", data={"text": text, "csrf": token, "confirm": "1"}
        )
        assert saved.status_code == 303
        page = (await client.get(f"/experiments/{number}")).text
        assert "Reacties (1)" in page and text in page
    told = world.harness.messenger.to(MemberTarget(PLATFORM, "bert"))
    assert told and "Anna reageerde" in str(told[-1].text)
    async with world.harness.database.session() as session:
        kinds = list(await session.scalars(select(Activity.kind)))
    assert "reply" in kinds
    card = await bert.says(f"/experiment #{number}")
    assert text in card.text


async def test_an_author_edits_and_makes_an_experiment_public(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    number = await experiment(anna, "Eerste versie", sharing="coordinatoren")
    async with world.browser() as client:
        await log_in(client, anna)
        form = await client.get(f"/experiments/{number}/edit")
        token = csrf_of(form.text)
        data = {
            "csrf": token,
            "what": "Tweede versie",
            "learned": "Samen betekenis geven werkt",
            "tags": "#beeld, jongeren",
            "status": "afgerond",
            "audience": "openbaar",
            "attribution": "anoniem",
        }
        bad = await client.post(f"/experiments/{number}/edit", data={**data, "audience": "x"})
        assert bad.status_code == 400 and "Kies een van de mogelijkheden" in bad.text
        done = await client.post(f"/experiments/{number}/edit", data=data)
        assert done.status_code == 303
    async with world.harness.database.session() as session:
        item = await session.get(Experiment, number)
        assert item is not None
        assert (item.what, item.audience, item.attribution) == (
            "Tweede versie",
            Audience.PUBLIC,
            Attribution.ANONYMOUS,
        )
        assert item.tags == ["beeld", "jongeren"]
    bert = world.harness.member("Bert")
    async with world.browser() as client:
        await log_in(client, bert)
        assert (await client.get(f"/experiments/{number}/edit")).status_code == 404
        page = (await client.get(f"/experiments/{number}")).text
        assert "Tweede versie" in page and "Anna" not in page


async def test_a_member_of_two_communities_switches(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    await experiment(anna, "In groep een", sharing="groep")
    await experiment(anna.in_chat("group-2"), "In groep twee", sharing="groep")
    async with world.browser() as client:
        await log_in(client, anna)
        first = await client.get("/experiments")
        assert "In groep een" in first.text and "In groep twee" not in first.text
        choices = [part.split('"')[0] for part in first.text.split('<option value="')[1:]]
        other = next(
            c for c in choices if c.isdigit() and f'value="{c}" selected' not in first.text
        )
        switched = await client.post(
            "/community", data={"community": other, "csrf": csrf_of(first.text)}
        )
        assert switched.status_code == 303
        second = await client.get("/experiments")
        assert "In groep twee" in second.text and "In groep een" not in second.text


async def test_my_data_downloads_as_in_the_chat(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    await experiment(anna, "Mijn experiment", sharing="groep")
    async with world.browser() as client:
        await log_in(client, anna)
        download = await client.get("/mine/data.json")
    assert download.headers["content-disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert data["format"] == "leeratelier-mydata/1"
    assert [row["what"] for row in data["tables"]["experiments"]] == ["Mijn experiment"]
    assert len(data["tables"]["web_sessions"]) == 1


async def test_a_web_rsvp_plans_the_invitation_to_reflect_as_the_chat_does(
    world: WebWorld,
) -> None:
    woken: list[datetime] = []
    world.services.on_planned = woken.append
    coco = world.harness.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 10 maart 19:30 Atelieravond | Buurthuis")
    anna = world.harness.member("Anna")
    await anna.says_privately("/start")
    async with world.browser() as client:
        await log_in(client, anna)
        token = csrf_of((await client.get("/agenda")).text)
        answered = await client.post("/agenda/1/rsvp", data={"answer": "ja", "csrf": token})
        assert answered.status_code == 303
    async with world.harness.database.session() as session:
        meeting = await session.get(Meeting, 1)
    assert meeting is not None and woken == [meeting.ends_at]
    world.harness.clock.set(meeting.ends_at + timedelta(minutes=5))
    invitations = [
        reply
        for target, reply in await world.harness.deliver()
        if target == MemberTarget(PLATFORM, "anna")
    ]
    assert ["Dank voor je komst" in str(reply.text) for reply in invitations] == [True]


async def test_the_experiment_list_pages_and_counts_only_what_the_member_may_read(
    world: WebWorld,
) -> None:
    anna = world.harness.member("Anna")
    first = await experiment(anna, "Experiment 1", sharing="groep")
    async with world.harness.database.session() as session:
        model = await session.get(Experiment, first)
        assert model is not None
        session.add_all(
            Experiment(
                community_id=model.community_id,
                author_member_id=model.author_member_id,
                what=f"Experiment {number}",
                tags=[],
                status=model.status,
                audience=Audience.COORDINATORS if number > 23 else Audience.GROUP,
                attribution=Attribution.NAMED,
                created_at=model.created_at,
                updated_at=model.created_at,
            )
            for number in range(2, 27)
        )
    bea = world.harness.member("Bea")
    await bea.says("/start")
    async with world.browser() as client:
        await log_in(client, bea)
        pages = [(await client.get(f"/experiments?page={n}")).text for n in (1, 2, 3)]
    shown = [[int(n) for n in re.findall(r" Experiment (\d+)</a>", page)] for page in pages]
    assert shown == [list(range(23, 3, -1)), [3, 2, 1], []]
    assert all("23 experiment(en)" in page for page in pages)
    assert "Pagina 2 van 2" in pages[1]
