"""Forms shown whole (Discord modals): where the platform can open one, a form stays where it
was asked and comes as a native form; a long form comes in parts whose answers are kept with
the dialog, so a restart between the parts loses nothing; identities the platform lets the
bot write to directly count as privately reachable."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.model.messages import EventKind, Incoming, UserRef
from storage.models import Experiment, Identity
from tests.harness import Harness, Person, Replies

MODAL = 5


async def _native(person: Person, text: str) -> Replies:
    """A slash command: the platform can answer it with a modal of five fields."""
    msg = Incoming.from_text(person.chat, person.user, text, addressed=True)
    return await person.send(replace(msg, form_size=MODAL))


async def _submit(person: Person, form: str, values: dict[str, str]) -> Replies:
    msg = Incoming.form_submit(person.chat, person.user, form, values)
    return await person.send(replace(msg, form_size=MODAL))


async def _press(person: Person, label: str) -> Replies:
    button = person.harness.last[person.user.user_id].button(label)
    msg = Incoming.button(person.chat, person.user, button.action, button.payload)
    return await person.send(replace(msg, form_size=MODAL))


async def test_the_experiment_form_saves_after_its_first_modal(harness: Harness) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    [opened] = await _native(anna, "/experiment")
    assert opened.form is not None and opened.private, "the modal, or privately a button"
    assert opened.form.title == "Praktijkexperiment"
    assert [f.name for f in opened.form.fields] == [
        "what",
        "question",
        "done",
        "happened",
        "learned",
    ]
    first = {"what": "Verhalenkaart", "question": "Wat verandert er?", "done": ""}
    saved = await _submit(anna, "experiment", {**first, "happened": "", "learned": ""})
    assert "bewaard als #1" in saved.text and "de groep, met naam" in saved.text
    assert saved.buttons[0].label == "Meer toevoegen"
    async with harness.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.what, item.question, item.done) == ("Verhalenkaart", "Wat verandert er?", None)
    assert (item.tags, item.status.value, item.audience.value) == ([], "plan", "groep")
    await harness.restart()
    [second] = await _press(anna, "Meer toevoegen")
    assert second.form is not None and second.form.title == "Tags, status en delen"
    fields = {f.name: f for f in second.form.fields}
    assert list(fields) == ["tags", "status", "sharing"]
    assert [c.value for c in fields["status"].choices] == ["plan", "bezig", "afgerond"]
    assert (fields["status"].value, fields["sharing"].value) == ("plan", "groep")
    updated = await _submit(
        anna, "experiment.more", {"tags": "#buurt", "status": "bezig", "sharing": "anoniem"}
    )
    assert "#1" in updated.text and "#buurt" in updated.text
    async with harness.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.tags, item.status.value, item.attribution.value) == (["buurt"], "bezig", "anoniem")
    assert item.what == "Verhalenkaart", "the second step keeps the first"


async def test_step_by_step_still_asks_all_eight_questions_privately(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/help")
    await anna.says_privately("/start")
    first = await anna.says_privately("/experiment Verhalenkaart")
    assert "(vraag 2 van 8)" in first.text
    for _ in range(4):
        await anna.says_privately("-")
    tags = await anna.says_privately("-")
    assert "(vraag 7 van 8)" in tags.text
    sharing = await anna.says_privately("bezig")
    assert "(vraag 8 van 8)" in sharing.text and "alleen coördinatoren, anoniem" in [
        b.label for b in sharing.buttons
    ]
    saved = await anna.says_privately("-")
    assert "bewaard als #1" in saved.text and "Meer toevoegen" not in saved.text
    assert "Meer toevoegen" not in [b.label for b in saved.buttons]


async def test_a_long_edit_form_comes_in_two_parts_that_survive_a_restart(
    harness: Harness,
) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    await _native(anna, "/experiment")
    saved = await _submit(anna, "experiment", {"what": "Verhalenkaart"})
    assert "bewaard als #1" in saved.text, saved.text
    [opened] = await _native(anna, "/experiment bewerk 1")
    assert opened.form is not None and opened.form.title == "Experiment bijwerken (1/2)"
    part = await _submit(anna, "experiment.edit", {"what": "Verhalenkaart 2", "question": "Hoe?"})
    assert "Deel 1 van 2 is bewaard" in part.text and part[0].private
    await harness.restart()
    [second] = await _press(anna, "Verder (2/2)")
    assert second.form is not None and second.form.title == "Experiment bijwerken (2/2)"
    saved = await _submit(
        anna, "experiment.edit", {"tags": "#buurt", "status": "bezig", "sharing": ""}
    )
    assert "#1" in saved.text
    async with harness.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
    assert (item.what, item.question, item.tags) == ("Verhalenkaart 2", "Hoe?", ["buurt"])


async def test_a_native_form_stays_in_the_group_for_a_reachable_member(harness: Harness) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    await anna.says_privately("/start")
    [opened] = await _native(anna, "/reflectie")
    assert opened.form is not None and opened.private, "the modal, or privately a button"
    assert [f.name for f in opened.form.fields] == ["text"]


async def test_a_form_of_choices_only_is_asked_with_buttons(harness: Harness) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    [question] = await _native(anna, "/taal")
    assert question.form is None
    assert [b.label for b in question.buttons[0]] == ["Nederlands", "English"]


async def test_an_edit_form_shows_the_current_values(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _native(anna, "/experiment")
    await _submit(
        anna,
        "experiment",
        {"what": "Eerste versie", "question": "", "done": "", "happened": "", "learned": ""},
    )
    [edit] = await _native(anna, "/experiment bewerk 1")
    assert edit.form is not None
    values = {f.name: f.value for f in edit.form.fields}
    assert values["what"] == "Eerste versie"


async def test_next_part_without_an_open_form(harness: Harness) -> None:
    anna = harness.member("Anna")
    msg = Incoming.button(anna.chat, anna.user, "dialog.next_part", "experiment")
    replies = await anna.send(replace(msg, form_size=MODAL))
    assert "geen formulier meer open" in replies.text


async def test_an_identity_open_to_direct_messages_is_reachable(harness: Harness) -> None:
    user = UserRef("test", "dora", "Dora", dm_open=True)
    dora = Person(harness, user, harness.member("Dora").chat)
    await dora.send(Incoming(dora.chat, user, EventKind.MESSAGE))
    async with harness.database.session() as session:
        identity = (await session.scalars(select(Identity).where(Identity.user_id == "dora"))).one()
    assert identity.private_chat_id == "dora" and identity.reachable_privately


async def test_text_after_the_command_fills_the_modal_in_and_is_kept_only_when_sent(
    harness: Harness,
) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    [opened] = await _native(anna, "/experiment Buurtkaart met bewoners")
    assert opened.form is not None and opened.private
    assert opened.form.fields[0].value == "Buurtkaart met bewoners"
    async with harness.database.session() as session:
        assert list(await session.scalars(select(Experiment))) == []
    long = "x" * 4001
    replaced, notice, reopened = await _native(anna, f"/experiment {long}")
    assert "gesloten, zonder op te slaan" in str(replaced.text)
    assert notice.private and "hoogstens 4000" in str(notice.text)
    assert reopened.form is not None and reopened.form.fields[0].value == ""
