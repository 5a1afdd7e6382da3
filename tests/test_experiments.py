"""Practice experiments: the guided form, editing with history, finishing, browsing with
sharing levels respected, sharing a card in the group, and linking tools."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Activity, Experiment, ExperimentRevision
from tests.harness import Harness

TRICKY = "Wat werkt? <b>niet vet</b> & 'DROP TABLE experiments;--' 🎉 ‮שלום"


async def _new_experiment(person, what: str, *answers: str) -> None:  # type: ignore[no-untyped-def]
    """The sharing choice (the last answer) is asked in a private chat only: a member who
    makes one has started that chat; one who skips it (`-`) fills the form in the group."""
    *questions, sharing = answers
    if sharing == "-":
        await person.says(f"/experiment {what}")
        for answer in questions:
            await person.says(answer)
        return
    await person.says_privately("/start")
    await person.says(f"/experiment {what}")
    for answer in answers:
        await person.says_privately(answer)


async def test_the_form_asks_every_step_and_saves(harness: Harness) -> None:
    anna = harness.member("Anna")
    first = await anna.says("/experiment")
    # Anna never started a private chat: the group sees every question but the sharing one.
    assert "Wat ga je uitproberen?" in first.text and "(vraag 1 van 7)" in first.text
    await anna.says("Jongeren maken foto's van hun wijk")
    await anna.says("Laat photovoice zien wat jongerenwerk oplevert?")
    await anna.says("Tien jongeren kregen een camera")
    await anna.says("-")
    await anna.says("-")
    await anna.says("#Jongeren, photovoice jongeren")
    done = await anna.says("bezig")
    assert "bewaard als #" in done.text
    assert "Jongeren maken foto's van hun wijk" in done.text
    assert "de standaard van deze groep" in done.text and "/experiment bewerk 1" in done.text
    assert "coördinatoren" not in done.text
    async with harness.database.session() as session:
        [item] = list(await session.scalars(select(Experiment)))
        acts = [a.kind for a in await session.scalars(select(Activity))]
    assert (item.status.value, item.audience.value, item.attribution.value) == (
        "bezig",
        "groep",
        "met_naam",
    )
    assert item.tags == ["jongeren", "photovoice"]
    assert item.happened is None and item.learned is None
    assert acts == ["experiment"]


async def test_first_answer_with_the_command_and_suggested_tools(harness: Harness) -> None:
    anna = harness.member("Anna")
    first = await anna.says("/experiment Jongeren fotograferen hun buurt met photovoice")
    assert "(vraag 2 van 7)" in first.text
    for answer in ("-", "-", "-", "-", "-", "-"):
        done = await anna.says(answer)
    labels = [b.label for b in done.buttons]
    assert any("Photovoice" in label for label in labels), labels
    linked = await anna.presses(next(label for label in labels if "Photovoice" in label))
    assert "gekoppeld" in linked.text
    card = await anna.says("/experiment 1")
    assert "Photovoice" in card.text


async def test_edit_keeps_history_and_skips_keep_values(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _new_experiment(anna, "Verhalen ophalen", "-", "-", "-", "-", "-", "-", "-")
    replies = await anna.says("/experiment bewerk 1")
    assert "Nu:" in replies.text and "Verhalen ophalen" in replies.text
    await anna.says("-")
    await anna.says("Wat levert een verhalencirkel op?")
    for _ in range(5):  # in the group: no sharing question
        done = await anna.says("-")
    assert "bijgewerkt" in done.text
    async with harness.database.session() as session:
        item = (await session.scalars(select(Experiment))).one()
        revisions = list(await session.scalars(select(ExperimentRevision)))
    assert item.what == "Verhalen ophalen"
    assert item.question == "Wat levert een verhalencirkel op?"
    assert len(revisions) == 1 and revisions[0].before["question"] is None


async def test_finish_adds_results_and_moves_the_status(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _new_experiment(anna, "Spinnenweb gesprekken", "-", "-", "-", "-", "-", "-", "-")
    first = await anna.says("/experiment klaar 1")
    assert "Wat zag je gebeuren?" in first.text
    await anna.says("Bewoners praatten meer over hun eigen kracht")
    done = await anna.says("Het gesprek is belangrijker dan de score")
    assert "afgerond" in done.text
    card = await anna.says("/experiment 1")
    assert "Het gesprek is belangrijker dan de score" in card.text
    assert "Status: afgerond" in card.text


async def test_only_the_author_edits(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    await _new_experiment(anna, "Eigen experiment", "-", "-", "-", "-", "-", "-", "-")
    assert "alleen de maker" in (await bert.says("/experiment bewerk 1")).text
    assert "alleen de maker" in (await bert.says("/experiment klaar 1")).text


async def test_sharing_levels_hold_in_lists_and_details(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    coco = harness.member("Coco", coordinator=True)
    await _new_experiment(anna, "Voor iedereen", "-", "-", "-", "-", "-", "-", "groep")
    await _new_experiment(
        anna, "Alleen coördinatoren", "-", "-", "-", "-", "-", "-", "coordinatoren"
    )
    await _new_experiment(anna, "Zonder naam", "-", "-", "-", "-", "-", "-", "anoniem")
    seen_by_bert = (await bert.says("/experimenten")).text
    assert "Voor iedereen" in seen_by_bert and "Zonder naam" in seen_by_bert
    assert "Alleen coördinatoren" not in seen_by_bert
    assert "#2 vind ik niet in deze groep" in (await bert.says("/experiment 2")).text
    seen_by_coco = (await coco.says("/experimenten")).text
    assert "Alleen coördinatoren" in seen_by_coco
    anonymous = (await coco.says("/experiment 3")).text
    assert "door: anoniem" in anonymous and "Anna" not in anonymous
    by_anna = (await bert.says("/experimenten van:Anna")).text
    assert "Zonder naam" not in by_anna and "Voor iedereen" in by_anna
    mine = (await anna.says("/experimenten mijn")).text
    assert "Zonder naam" in mine and "3 van 3" in mine


async def test_filters_and_paging(harness: Harness) -> None:
    anna = harness.member("Anna")
    for number in range(7):
        status = "afgerond" if number % 2 else "bezig"
        await _new_experiment(
            anna,
            f"Experiment {number}",
            "-",
            "-",
            "-",
            "-",
            "#buurt" if number < 3 else "-",
            status,
            "-",
        )
    first_page = await anna.says("/experimenten")
    assert "1–5 van 7" in first_page.text
    second = await anna.presses("Volgende ›")
    assert "6–7 van 7" in second.text
    assert "4 van 4" in (await anna.says("/experimenten bezig")).text
    tagged = (await anna.says("/experimenten #buurt")).text
    assert "3 van 3" in tagged
    assert "Filteren kan met" in (await anna.says("/experimenten blauw")).text


async def test_share_a_card_in_the_group_from_a_private_chat(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _new_experiment(anna, "Delen maar", "-", "-", "-", "-", "-", "-", "-")
    card = await anna.says_privately("/experiment 1")
    shared = await anna.presses("Deel in de groep", private=True)
    assert "staat nu in de groep" in shared.text
    target, reply = harness.messenger.sent[-1]
    assert getattr(target, "chat_id", None) == "group-1"
    assert "Anna deelt een praktijkexperiment" in str(reply.text)
    assert card


async def test_reading_a_colleagues_experiment_counts_as_taking(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    await _new_experiment(anna, "Lezen telt", "-", "-", "-", "-", "-", "-", "-")
    await bert.says("/experiment 1")
    await anna.says("/experiment 1")
    async with harness.database.session() as session:
        kinds = sorted(a.kind for a in await session.scalars(select(Activity)))
    assert kinds == ["experiment", "experiment_read"]


async def test_tricky_text_is_kept_exactly(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _new_experiment(anna, TRICKY, "-", "-", "-", "-", "-", "-", "-")
    card = await anna.says("/experiment 1")
    assert TRICKY in card.text


async def test_an_answer_over_4000_characters_is_refused(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment")
    replies = await anna.says("x" * 4001)
    assert "4001 tekens" in replies.text
    assert "(vraag 1 van 7)" in replies.text


async def test_an_interrupted_form_saves_nothing_half(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment Half werk")
    await anna.says("/annuleer")
    await harness.restart()
    await anna.says("/experiment Na herstart")
    await harness.restart()
    await anna.says("Vraag")
    async with harness.database.session() as session:
        assert list(await session.scalars(select(Experiment))) == []


async def test_client_data_is_held_back_until_confirmed(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment Gesprek met moeder")
    warning = await anna.says("Ik belde haar op 06-12345678")
    assert "telefoonnummer" in warning.text and "06-12345678" not in warning.text
    async with harness.database.session() as session:
        states = (await session.execute(select(Experiment))).all()
    assert states == []
    rephrased = await anna.says("Ik belde haar op")
    assert "(vraag 3 van 7)" in rephrased.text


async def test_coordinators_set_the_default_sharing_level(harness: Harness) -> None:
    coco = harness.member("Coco", coordinator=True)
    anna = harness.member("Anna")
    assert "alleen voor coördinatoren" in (await anna.says("/deelniveau anoniem")).text
    await coco.says("/deelniveau anoniem")
    await _new_experiment(anna, "Standaard anoniem", "-", "-", "-", "-", "-", "-", "-")
    assert "door: anoniem" in (await coco.says("/experiment 1")).text


async def test_a_tool_card_shows_colleagues_who_tried_it(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    await anna.says_privately("/start")
    await anna.says("/experiment Jongeren fotograferen hun buurt met photovoice")
    for answer in ("-", "-", "-", "Foto's openen het gesprek", "-", "-", "anoniem"):
        done = await anna.says_privately(answer)
    await anna.press(next(b for b in done.buttons if "Photovoice" in b.label), private=True)
    await bert.says_privately("/start")
    moved = await bert.says("/experiment Photovoice in de bibliotheek")
    assert "privé" in moved.text
    for answer in ("-", "-", "-", "Werkt ook met ouderen", "-", "-", "coordinatoren"):
        done = await bert.says_privately(answer)
    await bert.press(next(b for b in done.buttons if "Photovoice" in b.label), private=True)
    results = await anna.says("/tool photovoice")
    card = (await anna.presses("Photovoice")).text
    assert results
    assert "1 collega probeerde dit" in card
    assert "“Foto's openen het gesprek” — anoniem" in card
    assert "Werkt ook met ouderen" not in card and "Anna" not in card
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/tool photovoice")
    card = (await coco.presses("Photovoice")).text
    assert "2 collega's probeerden dit" in card
    assert "— Bert" in card and "— anoniem" in card


async def test_sharing_an_anonymous_experiment_names_nobody(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _new_experiment(
        anna, "Niemand hoeft te weten van wie", "-", "-", "-", "-", "-", "-", "anoniem"
    )
    await anna.says_privately("/experiment 1")
    await anna.presses("Deel in de groep", private=True)
    _target, reply = harness.messenger.sent[-1]
    assert "anoniem gedeeld" in str(reply.text)
    assert "Anna" not in str(reply.text)


async def test_a_coordinators_only_experiment_is_never_carded_in_the_group(
    harness: Harness,
) -> None:
    await harness.member("Coco", coordinator=True).says("/deelniveau coordinatoren")
    anna = harness.member("Anna")
    await anna.says("/experiment Gesprek met wijkteam over een gezin")
    for answer in ("-", "-", "-", "-", "-"):
        await anna.says(answer)
    saved = await anna.says("-")
    assert "bewaard als #1" in saved.text and "alleen coördinatoren" in saved.text
    assert "Gesprek met wijkteam" not in saved.text and saved.buttons == []


async def test_with_a_private_chat_the_form_moves_there_also_with_a_first_answer(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await anna.says_privately("/start")
    moved = await anna.says("/experiment Gesprek met wijkteam over een gezin")
    assert "privé" in moved.text
    [question] = [reply for reply in moved if "(vraag 2 van 8)" in str(reply.text)]
    assert question.private
    for answer in ("-", "-", "-", "-", "-", "-"):
        await anna.says_privately(answer)
    saved = await anna.says_privately("coordinatoren")
    assert "bewaard als #1" in saved.text and "Gesprek met wijkteam" in saved.text
