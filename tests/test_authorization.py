"""Who may do what (README, "Who may do what"): members cannot do what only coordinators may,
cannot touch colleagues' contributions — not even with a forged button or form — and one
community never sees another's data."""

from __future__ import annotations

import re

import pytest

from bot.handlers import build_router
from bot.model.messages import Button
from storage.models import Role
from tests.harness import Harness
from tests.support.member_data import row_counts

COORDINATOR_COMMANDS = [
    name
    for command in build_router()[0].commands()
    if command.role is Role.COORDINATOR
    for name in command.names
]
ARGUMENTS = ["", "12", "annuleer 1", "wijzig 1", "anoniem", "7d 1d", "morgen 10:00 Atelier"]


def test_the_router_has_coordinator_commands() -> None:
    assert {
        "bijeenkomst",
        "herinner",
        "herinneringen",
        "voorstellen",
        "deelniveau",
        "export",
    } <= set(COORDINATOR_COMMANDS)


@pytest.mark.parametrize("name", COORDINATOR_COMMANDS)
async def test_a_member_cannot_use_any_coordinator_command(harness: Harness, name: str) -> None:
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 10 maart 19:30 Atelieravond")
    anna = harness.member("Anna")
    await anna.says("/help")
    before = await row_counts(harness.database)
    for arguments in ARGUMENTS:
        replies = await anna.says(f"/{name} {arguments}".strip())
        assert len(replies) == 1 and "alleen voor coördinatoren" in replies.text, replies.text
        privately = await anna.says_privately(f"/{name} {arguments}".strip())
        assert "alleen voor coördinatoren" in privately.text
    assert await row_counts(harness.database) == before


async def test_a_member_cannot_set_the_groups_language(harness: Harness) -> None:
    anna = harness.member("Anna")
    assert "alleen voor coördinatoren" in (await anna.says("/taal groep en")).text
    assert "Wat je kunt doen" in (await anna.says("/help")).text


async def test_a_forged_meeting_form_is_refused(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/help")
    before = await row_counts(harness.database)
    values = {"when": "morgen 19:30", "title": "Nep", "place": "", "kind": "", "repeat": ""}
    refused = await anna.submits("meeting", values)
    assert "alleen voor coördinatoren" in refused.text
    refused = await anna.submits("meeting.edit", {"when": "morgen 19:30", "title": "Nep"})
    assert "alleen voor coördinatoren" in refused.text
    assert await row_counts(harness.database) == before
    coco = harness.member("Coco", coordinator=True)
    assert "#1" in (await coco.submits("meeting", values)).text


async def test_a_member_cannot_decide_on_proposals_even_with_a_forged_button(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await anna.says("/nieuwetool Buurtbarometer")
    for answer in ("Een barometer voor de buurt", "-", "-"):
        await anna.says(answer)
    queue = await harness.member("Coco", coordinator=True).says("/voorstellen")
    approve = queue.button("Goedkeuren")
    reject = queue.button("Afwijzen")
    bert = harness.member("Bert")
    before = await row_counts(harness.database)
    assert "alleen voor coördinatoren" in (await bert.press(approve)).text
    assert "alleen voor coördinatoren" in (await bert.press(reject)).text
    assert await row_counts(harness.database) == before
    assert (
        "Buurtbarometer"
        in (await harness.member("Coco", coordinator=True).says("/voorstellen")).text
    )


async def _experiment(harness: Harness, name: str, what: str) -> int:
    person = harness.member(name)
    done = await person.says(f"/experiment {what}")
    for answer in ("-", "-", "-", "-", "-", "-"):  # in the group: the community default
        done = await person.says(answer)
    return _number(done.text)


def _number(text: str) -> int:
    found = re.search(r"bewaard als #(\d+)", text)
    assert found is not None, text
    return int(found.group(1))


async def test_a_member_cannot_touch_a_colleagues_experiment(harness: Harness) -> None:
    number = await _experiment(harness, "Anna", "Van Anna")
    bert = harness.member("Bert")
    await bert.says("/help")
    before = await row_counts(harness.database)
    assert "alleen de maker" in (await bert.says(f"/experiment bewerk {number}")).text
    assert "alleen de maker" in (await bert.says(f"/experiment klaar {number}")).text
    await bert.says_privately("/start")
    assert "alleen de maker" in (await bert.press(Button("x", "exp.share", str(number)))).text
    linked = await bert.press(Button("x", "exp.link", f"{number}:photovoice"))
    assert "alleen de maker" in linked.text
    forged = await bert.submits("experiment.edit", {"what": "Overgenomen door Bert"})
    assert "Overgenomen" not in forged.text
    card = await bert.says(f"/experiment {number}")
    assert "Van Anna" in card.text and "door: Anna" in card.text
    assert "Deel in de groep" not in [b.label for b in card.buttons]
    after = await row_counts(harness.database)
    assert {k: v for k, v in after.items() if k != "activities"} == {
        k: v for k, v in before.items() if k != "activities"
    }


async def test_a_member_cannot_touch_a_colleagues_reflection(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says_privately("/start")
    saved = await anna.says("/reflectie Van Anna, alleen voor coördinatoren straks")
    share = saved.button("alleen coördinatoren, met naam")
    number = share.payload.split(":")[0]
    bert = harness.member("Bert")
    await _experiment(harness, "Bert", "Van Bert")
    for button in (
        Button("x", "refl.share", f"{number}:groep"),
        Button("x", "refl.link", f"{number}:2"),
        Button("x", "refl.meeting", f"{number}:1"),
    ):
        assert "werkt niet meer" in (await bert.press(button)).text
    assert "alleen coördinatoren" in (await anna.press(share, private=True)).text


async def test_a_member_cannot_touch_a_colleagues_pledge_or_prompt(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says_privately("/start")
    saved = await anna.says("/voornemen één experiment delen tot 31 december")
    assert "31 december" in saved.text
    mine = await anna.says("/voornemen mijn")
    kept, extend, drop = mine.buttons[:3]
    bert = harness.member("Bert")
    await bert.says("/help")
    for button in (kept, extend, drop):
        assert "werkt niet meer" in (await bert.press(button)).text
    await bert.press(Button("x", "nudge.stop", "1"))  # about the presser's own membership only
    assert "staan uit" in (await bert.says("/nudges")).text
    assert "staan aan" in (await anna.says("/nudges")).text
    assert "Gefeliciteerd" in (await anna.press(kept)).text


async def _two_groups(harness: Harness) -> tuple[int, int]:
    one = await _experiment(harness, "Anna", "Photovoice in groep een")
    anna = harness.member("Anna")
    await anna.says(f"/experiment klaar {one}")
    await anna.says("-")
    await anna.says("Les uit groep een")
    assert "gekoppeld" in (await anna.press(Button("x", "exp.link", f"{one}:photovoice"))).text
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/bijeenkomst 10 maart 19:30 Avond van groep een")
    olga = harness.member("Olga", chat="group-2")
    done = await olga.says("/experiment Photovoice in groep twee")
    for answer in ("-", "-", "-", "Les uit groep twee", "-", "-"):
        done = await olga.says(answer)
    two = _number(done.text)
    assert "gekoppeld" in (await olga.press(Button("x", "exp.link", f"{two}:photovoice"))).text
    return one, two


async def test_one_community_never_sees_anothers_data(harness: Harness) -> None:
    one, two = await _two_groups(harness)
    olga = harness.member("Olga", chat="group-2")
    oscar = harness.member("Oscar", chat="group-2", coordinator=True)
    for person in (olga, oscar):
        listing = (await person.says("/experimenten")).text
        assert "groep twee" in listing and "groep een" not in listing
        assert "groep een" not in (await person.says("/experimenten #beeld")).text
        assert "vind ik niet" in (await person.says(f"/experiment {one}")).text
        assert "vind ik niet" in (await person.press(Button("x", "exp.view", str(one)))).text
        agenda = (await person.says("/agenda")).text
        assert "Avond van groep een" not in agenda
        await person.says("/tool photovoice")
        card = (await person.presses("Photovoice")).text
        assert "Les uit groep twee" in card and "Les uit groep een" not in card
    rsvp = await olga.press(Button("x", "rsvp", "1:ja"))
    assert "Avond van groep een" not in rsvp.text
    export = await oscar.says("/export")
    contents = b"".join(r.attachment.content for r in export if r.attachment)
    assert b"groep twee" in contents and b"groep een" not in contents
    assert two != one
