"""Pledges and pauses as members type them (issue 18): a check-in never today, month ends,
"which Friday?", buttons that name their pledge, and a pause until a past day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.model.messages import MemberTarget
from tests.harness import Harness, Person

WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam


@pytest.fixture
async def atelier(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(WEDNESDAY))
    yield harness
    await harness.close()


async def _reachable(harness: Harness, name: str, language: str | None = None) -> Person:
    person = harness.member(name, language=language)
    await person.says("/help")
    await person.says_privately("/start")
    return person


async def test_the_check_in_is_never_today(atelier: Harness) -> None:
    anna = await _reachable(atelier, "Anna")
    saved = await anna.says("/voornemen één reflectie tot vrijdag")
    assert "4 december 2026" in saved.text
    assert "Rond 2 december" not in saved.text and "Rond 3 december 2026" in saved.text


async def test_until_the_end_of_a_month(atelier: Harness) -> None:
    anna = await _reachable(atelier, "Anna")
    saved = await anna.says("/voornemen een experiment delen tot eind januari")
    assert "<b>" not in saved.text and "een experiment delen" in saved.text
    assert "31 januari 2027" in saved.text and "tot eind" not in saved.text


async def test_next_friday_on_a_wednesday_asks_which_friday(atelier: Harness) -> None:
    bob = await _reachable(atelier, "Bob", language="en")
    asked = await bob.says("/pledge one reflection by next friday")
    assert "Which day do you mean: December 4, 2026 / December 11, 2026?" in asked.text
    done = await bob.says_privately("11 December")
    assert "December 11, 2026" in done.text


async def test_which_friday_is_also_two_buttons(atelier: Harness) -> None:
    bob = await _reachable(atelier, "Bob", language="en")
    asked = await bob.says("/pledge one reflection by next friday")
    assert [b.label for b in asked.buttons][:2] == ["December 4, 2026", "December 11, 2026"]
    done = await bob.press(asked.button("December 11, 2026"), private=True)
    assert "by December 11, 2026" in done.text


async def test_with_two_pledges_the_buttons_name_their_pledge(atelier: Harness) -> None:
    anna = await _reachable(atelier, "Anna")
    await anna.says("/voornemen één reflectie tot 18 december")
    await anna.says("/voornemen één experiment tot 31 december")
    mine = await anna.says("/voornemen mijn")
    labels = [b.label for b in mine.buttons]
    assert "#1 meer tijd (tot 1 jan)" in labels and "#2 meer tijd (tot 14 jan)" in labels
    assert "#1 laat los" in labels and "#2 laat los" in labels
    extended = await anna.press(mine.button("#1 meer tijd (tot 1 jan)"), private=True)
    assert "1 januari 2027" in extended.text


async def test_a_pause_until_a_past_day_says_so(atelier: Harness) -> None:
    anna = atelier.member("Anna")
    replies = await anna.says("/pauze tot gisteren")
    assert "al voorbij" in replies.text and "Gebruik" not in replies.text
    assert "al voorbij" in (await anna.says("/pauze tot 1 december")).text


async def test_no_check_in_message_that_is_untrue(atelier: Harness) -> None:
    anna = await _reachable(atelier, "Anna")
    saved = await anna.says("/voornemen één reflectie tot 18 december")
    assert "nog geen privébericht" not in saved.text
    assert atelier.messenger.to(MemberTarget("test", "anna")) == []


async def test_coordinators_preview_a_members_question_and_send_the_digest_now(
    atelier: Harness,
) -> None:
    anna = await _reachable(atelier, "Anna")
    coco = atelier.member("Coco", coordinator=True)
    preview = await coco.says("/instellingen voorbeeldvraag Anna")
    assert preview[0].private and "niet verstuurd" in preview.text and "Anna" in preview.text
    assert atelier.messenger.to(MemberTarget("test", "anna")) == []
    assert "geen lid" in (await coco.says("/instellingen voorbeeldvraag Zoë")).text
    assert "alleen voor coördinatoren" in (await anna.says("/instellingen digest nu")).text
    await anna.submits("experiment", {"what": "Verhalen verzamelen met de effectenarena"})
    atelier.clock.set(WEDNESDAY + timedelta(minutes=5))  # time passes between the two
    assert "gaat nu naar de groep" in (await coco.says("/instellingen digest nu")).text
    sent = [str(r.text) for _, r in await atelier.deliver()]
    assert any("Weekoverzicht" in text for text in sent), sent
