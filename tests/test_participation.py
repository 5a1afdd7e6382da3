"""Give and take: prompts for passive members, their rules, pledges, the digest and /stats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.i18n import Catalogs
from bot.handlers.participation.prompt_templates import TEMPLATES, choose
from bot.model.messages import Button, ChatTarget, MemberTarget, Reply
from storage.models import Activity, Attribution, Audience, Reflection
from storage.repositories.participation import Facts
from tests.harness import Harness, Person

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Amsterdam
GROUP = ChatTarget("test", "group-1")


def local(day: date, hour: int, minute: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
async def atelier(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(NOW))
    yield harness
    await harness.close()


async def reachable(harness: Harness, name: str) -> Person:
    """A member who is in the group and has started a private chat with the bot."""
    person = harness.member(name)
    await person.says("/help")
    await person.says_privately("/start")
    return person


async def day(harness: Harness, when: datetime) -> list[tuple[object, Reply]]:
    """Move to a moment, run the participation job and deliver what is due."""
    harness.clock.set(when)
    await harness.participate()
    sent = list(await harness.deliver())
    await harness.participate()  # what the job does minutes later: plan the next digest
    return sent


def dms(harness: Harness, person: Person) -> list[Reply]:
    return harness.messenger.to(MemberTarget("test", person.user.user_id))


async def test_a_passive_member_gets_a_prompt_by_dm_and_the_answer_becomes_a_reflection(
    atelier: Harness,
) -> None:
    anna = await reachable(atelier, "Anna")
    await day(atelier, local(date(2026, 12, 14), 10))  # 20 days: not passive yet
    assert dms(atelier, anna) == []
    await day(atelier, local(date(2026, 12, 15), 10))  # 21 days without giving
    [prompt] = dms(atelier, anna)
    assert "Antwoord gewoon hier" in str(prompt.text)
    assert prompt.buttons[0][0].label == "Antwoorden"

    asked = await anna.says_privately("Ik vroeg jongeren zelf om foto's van hun wijk te maken.")
    assert "Wie mag je antwoord zien?" in asked.text
    thanks = await anna.presses("de groep, anoniem", private=True)
    assert "Dank je wel" in thanks.text and "anoniem" in thanks.text
    async with atelier.database.session() as session:
        reflection = (await session.scalars(select(Reflection))).one()
        kinds = list(await session.scalars(select(Activity.kind)))
    assert (reflection.audience, reflection.attribution) == (Audience.GROUP, Attribution.ANONYMOUS)
    assert "foto's van hun wijk" in reflection.text
    assert "prompt_answer" in kinds
    await day(atelier, local(date(2026, 12, 16), 10))
    assert len(dms(atelier, anna)) == 1  # she gave: no longer passive


async def test_the_prompt_names_what_the_member_brings(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    await anna.says("/tool photovoice")
    atelier.clock.set(local(date(2026, 12, 10), 11))
    for name in ("Cas", "Dirk"):
        colleague = atelier.member(name)
        await colleague.says("/tool photovoice")
    await day(atelier, local(date(2026, 12, 15), 10))
    [prompt] = dms(atelier, anna)
    assert "Je werkt met" in str(prompt.text) and "2 collega's" in str(prompt.text)


async def test_prompts_wait_for_a_working_day_outside_quiet_hours(atelier: Harness) -> None:
    atelier.clock.set(local(date(2026, 12, 4), 10))  # passive from Christmas Day on
    anna = await reachable(atelier, "Anna")
    for moment in (
        local(date(2026, 12, 25), 10),  # Christmas Day
        local(date(2026, 12, 26), 10),  # Boxing Day, a Saturday
        local(date(2026, 12, 27), 10),  # Sunday
        local(date(2026, 12, 28), 7, 55),  # Monday, before the prompt hour
        local(date(2026, 12, 28), 21, 30),  # the sweep missed the whole day: quiet hours now
    ):
        await day(atelier, moment)
    assert dms(atelier, anna) == []
    await day(atelier, local(date(2026, 12, 29), 10))
    assert len(dms(atelier, anna)) == 1


async def test_a_prompt_that_could_not_go_out_before_the_evening_is_dropped(
    atelier: Harness,
) -> None:
    anna = await reachable(atelier, "Anna")
    atelier.clock.set(local(date(2026, 12, 15), 10))
    await atelier.participate()
    atelier.clock.set(local(date(2026, 12, 15), 21, 1))  # the bot was down all day
    await atelier.deliver()
    assert dms(atelier, anna) == []


async def test_at_most_one_prompt_per_interval_and_peripheral_members_half_as_often(
    atelier: Harness,
) -> None:
    anna = await reachable(atelier, "Anna")
    piet = await reachable(atelier, "Piet")
    await piet.says("/niveau perifeer")
    moment = local(date(2026, 12, 15), 10)
    while moment < local(date(2027, 2, 15), 10):
        await day(atelier, moment)
        moment += timedelta(days=1)
    assert len(dms(atelier, anna)) == 4  # 15 Dec, 29 Dec, 12 Jan, and on 26 Jan the question
    assert "Wil je ze blijven krijgen?" in str(dms(atelier, anna)[-1].text)
    assert len(dms(atelier, piet)) == 3  # 15 Dec, 12 Jan, 9 Feb


async def test_after_three_unanswered_prompts_the_member_chooses(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    moment = local(date(2026, 12, 15), 10)
    while len(dms(atelier, anna)) < 4:
        await day(atelier, moment)
        moment += timedelta(days=1)
    prompts, check = dms(atelier, anna)[:3], dms(atelier, anna)[3]
    keys = [str(p.text) for p in prompts]
    assert len(set(keys)) == 3  # no template twice in a row
    later = await anna.press(check.buttons[0][1], private=True)
    assert "ik laat je met rust tot" in later.text
    for offset in range(1, 50):  # eight weeks of silence
        await day(atelier, moment + timedelta(days=offset))
    assert len(dms(atelier, anna)) == 4
    await day(atelier, moment + timedelta(days=62))
    assert len(dms(atelier, anna)) == 5


async def test_stop_for_good_and_nudges_off_and_pause(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    bert = await reachable(atelier, "Bert")
    cas = await reachable(atelier, "Cas")
    assert "uit" in (await anna.says("/nudges uit")).text
    paused = await bert.says("/pauze tot 10 januari")
    assert "10 januari 2027" in paused.text
    assert "Gebruik" in (await cas.says("/pauze tot ooit")).text
    await day(atelier, local(date(2026, 12, 15), 10))
    assert dms(atelier, anna) == [] and dms(atelier, bert) == []
    assert len(dms(atelier, cas)) == 1
    await day(atelier, local(date(2027, 1, 11), 10))
    assert len(dms(atelier, bert)) == 1
    await anna.says("/nudges aan")
    await day(atelier, local(date(2027, 1, 12), 10))
    assert len(dms(atelier, anna)) == 1


async def test_a_member_the_bot_cannot_message_gets_one_gentle_group_mention(
    atelier: Harness,
) -> None:
    bert = atelier.member("Bert")
    await bert.says("/help")
    for offset in range(0, 40):
        await day(atelier, local(date(2026, 12, 15), 10) + timedelta(days=offset))
    mentions = [r for r in atelier.messenger.to(GROUP) if "Bert" in str(r.text)]
    assert len(mentions) == 1
    text = str(mentions[0].text)
    assert "persoonlijke vraag" in text and "passief" not in text and "stil" not in text


async def test_a_refused_dm_falls_back_to_the_group_once(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    atelier.messenger.dm_blocked.add(anna.user.user_id)
    await day(atelier, local(date(2026, 12, 15), 10))
    assert dms(atelier, anna) == []
    for offset in range(1, 30):
        await day(atelier, local(date(2026, 12, 15), 10) + timedelta(days=offset))
    mentions = [r for r in atelier.messenger.to(GROUP) if "Anna" in str(r.text)]
    assert len(mentions) == 1


async def test_pledge_check_in_kept_and_celebrated_in_the_digest(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    saved = await anna.says("/voornemen één experiment delen tot 18 december")
    assert "één experiment delen" in saved.text and "18 december 2026" in saved.text
    await day(atelier, local(date(2026, 12, 14), 10))
    await day(atelier, local(date(2026, 12, 15), 10))
    checkins = [r for r in dms(atelier, anna) if "Hoe staat het ervoor?" in str(r.text)]
    assert len(checkins) == 1
    await anna.submits("experiment", {"what": "Verhalen verzamelen met de effectenarena"})
    kept = await anna.press(checkins[0].buttons[0][0], private=True)
    assert "Gefeliciteerd" in kept.text
    digest = await day(atelier, local(date(2026, 12, 21), 9))
    [(target, reply)] = [(t, r) for t, r in digest if "Weekoverzicht" in str(r.text)]
    assert target == GROUP
    assert "Anna: één experiment delen" in str(reply.text)
    assert "Verhalen verzamelen" in str(reply.text)


async def test_pledge_from_a_form_and_for_this_quarter(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    saved = await anna.says("/voornemen dit kwartaal deel ik één reflectie")
    assert "31 december 2026" in saved.text
    asked = await anna.says("/voornemen")
    assert "Wat ga je delen" in asked.text
    assert "Wanneer" in (await anna.says_privately("Een tool die ik gebruik")).text
    assert "begrijp ik niet" in (await anna.says_privately("ooit")).text
    done = await anna.says_privately("15 januari")
    assert "15 januari 2027" in done.text
    mine = await anna.says("/voornemen mijn")
    assert "Een tool die ik gebruik" in mine.text and mine[0].private


async def test_the_digest_shows_what_the_group_may_see_and_nothing_when_nothing_is_new(
    atelier: Harness,
) -> None:
    anna = atelier.member("Anna")
    coco = atelier.member("Coco", coordinator=True)
    await anna.says("/help")
    await atelier.participate()
    assert await day(atelier, local(date(2026, 11, 30), 9)) == []  # nothing new: not sent
    await anna.submits("experiment", {"what": "Alleen voor coördinatoren"})
    await anna.presses("Meer toevoegen")  # the sharing choice is the form's optional second step
    await anna.submits("experiment.more", {"sharing": "coordinatoren"})
    await coco.says("/deelniveau anoniem")
    await anna.says("/reflectie Wat ik leerde over tellen en vertellen")
    await coco.says("/bijeenkomst 10 december 19:30 Atelier <b>Impact</b>")
    sent = await day(atelier, local(date(2026, 12, 7), 9))
    [digest] = [r for t, r in sent if "Weekoverzicht" in str(r.text)]
    text = str(digest.text)
    assert "tellen en vertellen" in text and "anoniem" in text and "Anna" not in text
    assert "Alleen voor coördinatoren" not in text
    assert "Atelier <b>Impact</b>" in text  # a title is shown as typed, never as markup


async def test_stats_for_coordinators_only_privately_with_a_chart(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    bert = atelier.member("Bert")
    coco = atelier.member("Coco", coordinator=True)
    await anna.says("/reflectie Iets geleerd")
    await bert.says("/tool sroi")
    await anna.says("/niveau kern")
    assert "alleen voor coördinatoren" in (await bert.says("/stats")).text
    replies = await coco.says("/stats")
    [reply] = replies
    assert reply.private
    assert "kern 1" in replies.text
    assert "1 gaven iets, 1 namen alleen, 1 deden niets zichtbaars" in replies.text
    assert reply.attachment is not None
    assert reply.attachment.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Anna" not in replies.text and "Bert" not in replies.text


async def test_settings_change_when_members_count_as_passive(atelier: Harness) -> None:
    anna = await reachable(atelier, "Anna")
    coco = atelier.member("Coco", coordinator=True)
    assert "alleen voor coördinatoren" in (await anna.says("/instellingen passief 7")).text
    assert "Kies een getal van 8" in (await coco.says("/instellingen uur 22")).text
    shown = await coco.says("/instellingen passief 7")
    assert "Een lid dat 7 dagen niets deelde" in shown.text
    await coco.says("/instellingen lid 7")
    await coco.says("/instellingen uur 14")
    await day(atelier, local(date(2026, 12, 2), 13, 55))
    assert dms(atelier, anna) == []
    await day(atelier, local(date(2026, 12, 2), 14, 5))
    assert len(dms(atelier, anna)) == 1


async def test_level_without_arguments_offers_buttons(atelier: Harness) -> None:
    anna = atelier.member("Anna")
    shown = await anna.says("/niveau")
    assert "nog niet gekozen" in shown.text
    assert "op afstand" in (await anna.presses("perifeer")).text
    answer = (await anna.says("/niveau heel erg")).text
    assert "‘heel erg’" in answer and "kern, actief, perifeer" in answer


def test_at_least_twenty_prompts_in_both_languages_each_a_question() -> None:
    assert len(TEMPLATES) >= 20
    for language in ("nl", "en"):
        t = Catalogs().translator(language)
        for template in TEMPLATES:
            text = t.plain(
                f"prompt.tpl.{template.key}",
                tag="x",
                count=2,
                number=1,
                what="y",
                tool="z",
                title="w",
            )
            assert "?" in text and text != f"prompt.tpl.{template.key}"
    history: list[str] = []
    for _ in range(40):  # the theme questions rotate and never repeat back to back
        template, _values = choose(Facts(), history)
        assert not history or template.key != history[0]
        history.insert(0, template.key)
    assert len(set(history[:18])) == 18


async def test_a_reflection_in_the_digest_opens_its_card_to_read_and_reply(
    atelier: Harness,
) -> None:
    anna = await reachable(atelier, "Anna")
    bert = atelier.member("Bert")
    await bert.says("/help")
    await atelier.participate()
    assert await day(atelier, local(date(2026, 11, 30), 9)) == []
    await anna.says("/reflectie Wat ik leerde over tellen en vertellen")
    await anna.says("/reflectie Een tweede gedachte")
    await anna.presses("alleen coördinatoren, met naam")
    sent = await day(atelier, local(date(2026, 12, 7), 9))
    [digest] = [r for t, r in sent if "Weekoverzicht" in str(r.text)]
    labels = [button.label for row in digest.buttons for button in row]
    assert labels == ["Lees en reageer: ‘Wat ik leerde over tellen en vertellen’"]
    card = await bert.press(digest.buttons[0][0])
    assert "Reflectie #1" in card.text and "tellen en vertellen" in card.text
    assert "door: Anna" in card.text and "Reacties" not in card.text
    await bert.presses("Reageer of bedank")
    saved = await bert.says("Herkenbaar, dank je!")
    assert "reactie staat bij reflectie 1" in saved.text
    told = atelier.messenger.to(MemberTarget("test", "anna"))
    assert told and "Herkenbaar, dank je!" in str(told[-1].text)
    again = await bert.press(digest.buttons[0][0])
    assert "Reacties (1)" in again.text and "Herkenbaar, dank je!" in again.text
    hidden = await bert.press(Button("x", digest.buttons[0][0].action, "2"))
    assert "niet voor jou zichtbaar" in hidden.text and "tweede gedachte" not in hidden.text
