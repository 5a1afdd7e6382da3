"""Quick reflections, and the guard against client data on everything members write."""

from __future__ import annotations

from sqlalchemy import select

from bot.model.messages import Button, MemberTarget
from storage.models import Activity, Attribution, Audience, DialogState, Reflection
from tests.harness import Harness

PHONE = "06-12345678"


async def _all(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async with harness.database.session() as session:
        return list(await session.scalars(select(model)))


async def test_a_reflection_in_one_message(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says("/reflectie Verhalen zeggen funders meer dan cijfers alleen")
    assert "bewaard" in replies.text
    [reflection] = await _all(harness, Reflection)
    assert reflection.text == "Verhalen zeggen funders meer dan cijfers alleen"
    assert (reflection.audience, reflection.attribution) == (Audience.GROUP, Attribution.NAMED)
    assert [a.kind for a in await _all(harness, Activity)] == ["reflection"]


async def test_without_text_the_bot_asks_for_it(harness: Harness) -> None:
    anna = harness.member("Anna")
    asked = await anna.says("/reflect")
    assert "Wat is je reflectie?" in asked.text
    assert await _all(harness, Reflection) == []
    await anna.says("Meten is ook luisteren")
    assert [r.text for r in await _all(harness, Reflection)] == ["Meten is ook luisteren"]


async def test_tie_to_an_experiment_and_change_the_sharing_level(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment Buurtcirkel")
    for _ in range(6):
        await anna.says("-")
    saved = await anna.says("/reflectie De cirkel werkte beter in de avond")
    assert "Over #1: Buurtcirkel" in [b.label for b in saved.buttons]
    assert "gekoppeld" in (await anna.presses("Over #1: Buurtcirkel")).text.lower()
    # The group sees no sharing choice; it comes in a private message.
    assert "de standaard van deze groep" in saved.text
    assert not any("coördinatoren" in b.label for b in saved.buttons)
    sent = await anna.press(saved.button("Privé kiezen wie het leest"))
    assert "privébericht" in sent.text and "coördinatoren" not in sent.text
    [choice] = harness.messenger.to(MemberTarget("test", "anna"))
    button = next(b for b in choice.buttons[0] if b.label == "alleen coördinatoren, anoniem")
    assert "nu gedeeld met" in (await anna.press(button, private=True)).text
    [reflection] = await _all(harness, Reflection)
    assert (reflection.experiment_id, reflection.audience, reflection.attribution) == (
        1,
        Audience.COORDINATORS,
        Attribution.ANONYMOUS,
    )


async def test_nobody_changes_another_members_reflection(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    saved = await anna.says("/reflectie Van Anna")
    refused = await bert.press(saved.button("Privé kiezen wie het leest"))
    assert "werkt niet meer" in refused.text
    number = saved.button("Privé kiezen wie het leest").payload
    forged = await bert.press(Button("x", "refl.share", f"{number}:anoniem"), private=True)
    assert "werkt niet meer" in forged.text
    assert harness.messenger.sent == []
    [reflection] = await _all(harness, Reflection)
    assert (reflection.audience, reflection.attribution) == (Audience.GROUP, Attribution.NAMED)


async def test_client_data_is_never_stored_before_confirmation(harness: Harness) -> None:
    anna = harness.member("Anna")
    warning = await anna.says(f"/reflectie Moeder belde me op {PHONE} over haar zoon")
    assert "telefoonnummer" in warning.text
    assert PHONE not in warning.text
    assert await _all(harness, Reflection) == []
    for state in await _all(harness, DialogState):
        assert PHONE not in repr(state.values)
    await anna.presses("Geen cliëntgegevens, bewaar")
    assert [r.text for r in await _all(harness, Reflection)] == [
        f"Moeder belde me op {PHONE} over haar zoon"
    ]


async def test_rephrasing_replaces_what_the_guard_held(harness: Harness) -> None:
    anna = harness.member("Anna")
    warning = await anna.says("/reflectie Zijn BSN is 111222333")
    again = await anna.presses("Ik pas het aan")
    assert "niets bewaard" in again.text and "Wat is je reflectie?" in again.text
    await anna.says("Hij had geen geldig identiteitsbewijs")
    assert [r.text for r in await _all(harness, Reflection)] == [
        "Hij had geen geldig identiteitsbewijs"
    ]
    late = await anna.press(warning.button("Geen cliëntgegevens, bewaar"))
    assert "Er wacht niets meer" in late.text


async def test_a_restart_forgets_what_the_guard_held(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/reflectie Mail me op jan@example.org")
    await harness.restart()
    replies = await anna.presses("Geen cliëntgegevens, bewaar")
    assert "Er wacht niets meer" in replies.text
    assert await _all(harness, Reflection) == []


async def test_a_modal_form_with_client_data_is_held_whole(harness: Harness) -> None:
    anna = harness.member("Anna")
    values = {
        "what": "Huisbezoek",
        "question": "",
        "done": f"Gebeld op {PHONE}",
        "happened": "",
        "learned": "",
        "tags": "",
        "status": "",
        "sharing": "",
    }
    warning = await anna.submits("experiment", values)
    assert "telefoonnummer" in warning.text
    confirmed = await anna.presses("Geen cliëntgegevens, bewaar")
    assert "bewaard als #1" in confirmed.text


async def test_ordinary_text_passes_the_guard(harness: Harness) -> None:
    anna = harness.member("Anna")
    text = "Op 12-03-2026 om 19:30 kwamen 30 van de 1500 bewoners; 45% vond het nuttig."
    await anna.says(f"/reflectie {text}")
    assert [r.text for r in await _all(harness, Reflection)] == [text]


async def test_reflections_need_a_group(harness: Harness) -> None:
    newcomer = harness.member("Nina")
    replies = await newcomer.says_privately("/reflectie Iets")
    assert "alleen in een groep" in replies.text
