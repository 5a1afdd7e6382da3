"""The dialog engine: declared forms walked step by step, restart-safe, cancellable."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.context import Context
from bot.core.router import Router
from bot.dialogs.forms import Field, Form, FormValues, InvalidAnswer
from bot.model.markup import Text
from bot.model.messages import Incoming, Reply
from tests.harness import Harness

SAVED: list[FormValues] = []


def _year(answer: str) -> str:
    if not answer.isdigit():
        raise InvalidAnswer("dialog.required")
    return answer


async def _complete(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    SAVED.append(values)
    return [Reply(Text.plain(f"saved {sorted((k, v or '') for k, v in values.items())}"))]


async def _start_trip(msg: Incoming, ctx: Context) -> list[Reply]:
    return await ctx.dialogs.start(msg, ctx, "trip")


def register_trip(router: Router) -> None:
    """A three-step form that reuses catalog keys: the engine is what is under test."""
    router.form(
        Form(
            name="trip",
            title_key="language.form_title",
            fields=(
                Field(
                    "what",
                    "language.form_prompt",
                    "language.form_label",
                    required=True,
                    max_length=20,
                ),
                Field("note", "help.intro", "language.form_label"),
                Field("year", "help.footer", "language.form_label", parse=_year),
            ),
            on_complete=_complete,
            ttl=timedelta(hours=1),
        )
    )
    router.command("reis", "trip", _start_trip, help_key="help.cmd.help", in_help=False)


@pytest.fixture
async def trip(database_url: str):  # type: ignore[no-untyped-def]
    SAVED.clear()
    h = await Harness.create(database_url, extra=register_trip)
    yield h
    await h.close()


async def test_walks_every_step_and_saves_once(trip: Harness) -> None:
    anna = trip.member("Anna")
    first = await anna.says("/reis")
    assert "(vraag 1 van 3)" in first.text
    assert first[0].awaits_answer
    assert first.buttons == [], "in a group the question is answered by replying to it"
    assert "(vraag 2 van 3)" in (await anna.says("buurtwerk")).text
    assert "(vraag 3 van 3)" in (await anna.says("-")).text
    done = await anna.says("2026")
    assert "saved" in done.text
    assert SAVED == [{"what": "buurtwerk", "note": None, "year": "2026"}]
    assert await anna.says("gewoon een bericht") == []


async def test_required_step_cannot_be_skipped(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    replies = await anna.says("-")
    assert "kan ik niet overslaan" in replies.text
    assert "(vraag 1 van 3)" in replies.text


async def test_too_long_answer_is_asked_again(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    replies = await anna.says("x" * 21)
    assert "21 tekens" in replies.text and "hoogstens 20" in replies.text
    assert "(vraag 1 van 3)" in replies.text


async def test_invalid_answer_keeps_the_step(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    await anna.says("a")
    await anna.says("b")
    assert "(vraag 3 van 3)" in (await anna.says("volgend jaar")).text
    assert "saved" in (await anna.says("2027")).text


async def test_skip_button_and_cancel_button(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says_privately("/reis")
    await anna.says_privately("a")
    assert "(vraag 3 van 3)" in (await anna.presses("Overslaan", private=True)).text
    replies = await anna.presses("Annuleren", private=True)
    assert "Er is niets opgeslagen" in replies.text
    assert SAVED == []


async def test_annuleer_and_cancel_leave_from_any_step(trip: Harness) -> None:
    anna = trip.member("Anna")
    for word in ("/annuleer", "/cancel"):
        await anna.says("/reis")
        await anna.says("a")
        assert "Gestopt met" in (await anna.says(word)).text
        assert await anna.says("b") == []
    assert "niets open" in (await anna.says("/annuleer")).text
    assert SAVED == []


async def test_progress_survives_a_restart(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    await anna.says("buurtwerk")
    await trip.restart()
    assert "(vraag 3 van 3)" in (await anna.says("notitie")).text
    await anna.says("2026")
    assert SAVED == [{"what": "buurtwerk", "note": "notitie", "year": "2026"}]


async def test_dialogs_are_per_chat_and_per_member(trip: Harness) -> None:
    anna = trip.member("Anna")
    bert = trip.member("Bert")
    await anna.says("/reis")
    assert await bert.says("hallo") == []
    assert await anna.in_chat("group-2").says("hallo") == []
    assert "(vraag 2 van 3)" in (await anna.says("a")).text


async def test_another_command_keeps_the_form_open(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    replies = await anna.says("/help")
    assert "Wat je kunt doen" in replies.text
    assert "staat nog open" in replies.text
    assert "(vraag 2 van 3)" in (await anna.says("a")).text


async def test_an_expired_form_is_reported_and_dropped(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    trip.clock.advance(timedelta(hours=2))
    replies = await anna.says("a")
    assert "verlopen" in replies.text
    assert await anna.says("b") == []
    assert SAVED == []


async def test_modal_submission_checks_every_field_first(trip: Harness) -> None:
    anna = trip.member("Anna")
    replies = await anna.submits("trip", {"what": "x", "note": "", "year": "later"})
    assert "Er is nog niets opgeslagen" in replies.text
    assert SAVED == []
    replies = await anna.submits("trip", {"what": "x", "note": "", "year": "2026"})
    assert SAVED == [{"what": "x", "note": None, "year": "2026"}]


async def test_two_fast_answers_are_handled_in_order(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    await asyncio.gather(anna.says("eerste"), anna.says("tweede"), anna.says("2030"))
    assert SAVED == [{"what": "eerste", "note": "tweede", "year": "2030"}]


async def test_group_chatter_is_not_taken_as_an_answer(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says("/reis")
    assert await anna.chats("wie heeft de sleutel?") == []
    assert "(vraag 2 van 3)" in (await anna.says("buurtwerk")).text


async def test_a_member_reachable_privately_fills_in_the_form_there(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says_privately("/start")
    replies = await anna.says("/reis")
    assert "privébericht gestuurd" in str(replies[0].text)
    assert not replies[0].private
    assert replies[1].private and "(vraag 1 van 3)" in str(replies[1].text)
    assert await anna.says("in de groep") == []
    assert "(vraag 2 van 3)" in (await anna.says_privately("buurtwerk")).text
    await anna.says_privately("-")
    assert "saved" in (await anna.says_privately("2026")).text
    assert SAVED == [{"what": "buurtwerk", "note": None, "year": "2026"}]


async def test_a_refused_direct_message_brings_the_form_back_to_the_group(trip: Harness) -> None:
    anna = trip.member("Anna")
    await anna.says_privately("/start")
    await anna.says("/reis")
    moved = await trip.core.direct_message_refused(anna.user, anna.chat)
    text = "\n".join(str(r.text) for r in moved)
    assert "kan je geen privébericht sturen" in text and "(vraag 1 van 3)" in text
    assert "(vraag 2 van 3)" in (await anna.says("buurtwerk")).text
    # Not reachable any more: the next form stays in the group.
    await anna.says("/annuleer")
    assert "(vraag 1 van 3)" in (await anna.says("/reis")).text
