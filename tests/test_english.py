"""English members get English everywhere (issue 18.8): every reply of help, agenda, settings,
stats, pledges and meetings, rendered for English members, holds none of the Dutch-only words
below (command names such as /bijeenkomst excepted: they are names)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from tests.harness import Harness, Replies

WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
DUTCH_ONLY = (
    "bijeenkomst", "bijeenkomsten", "herinnering", "herinneringen", "voornemen", "gepland",
    "uur", "dagen", "dag", "vraag", "komen", "misschien", "kern", "actief", "perifeer",
    "instellingen", "gebruik", "wijzig", "wijzigen", "annuleer", "donderdag", "vrijdag",
    "maandag", "het", "een", "je", "niet", "van", "voor", "naar", "deelname", "leden",
    "stil", "brengers", "halers", "publieksevent", "feestdag", "reeks", "lijst", "tot", "om",
    "elke", "iedere", "eind", "gelukt", "laat", "los", "meer", "tijd", "agenda's", "overzicht",
)  # fmt: skip
_WORD = re.compile(r"(?<![/\w])[\w'’]+", re.UNICODE)


def dutch_words(replies: Replies) -> set[str]:
    texts = [replies.text, *(button.label for button in replies.buttons)]
    found = set()
    for text in texts:
        text = re.sub(r"/\w+", " ", text)  # command names are names in both languages
        found |= {w.casefold() for w in _WORD.findall(text)} & set(DUTCH_ONLY)
    return found


@pytest.fixture
async def atelier(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(WEDNESDAY))
    await harness.introduced()
    yield harness
    await harness.close()


async def test_every_reply_an_english_member_or_coordinator_gets_is_english(
    atelier: Harness,
) -> None:
    cora = atelier.member("Cora", coordinator=True, language="en")
    bob = atelier.member("Bob", language="en")
    await bob.says_privately("/start")
    for person in (cora, bob):  # stored, so that personal messages sent later are English too
        await person.says("/language en")
    said: dict[str, Replies] = {}

    async def say(person_says: object, text: str) -> Replies:
        replies: Replies = await person_says(text)  # type: ignore[operator]
        said[text] = replies
        return replies

    planned = await say(cora.says, "/meeting 26 December 19:30 Peer review | Library")
    await say(cora.says, "/meeting thu 7 Breakfast")
    await say(cora.says, "/meeting every other Tuesday 19:30-21:00 public: Reading club")
    said["rsvp"] = await bob.press(planned.button("I'm coming"))
    said["remind me"] = await bob.press(said["rsvp"].buttons[0], private=True)
    for text in (
        "/help",
        "/help meeting",
        "/help remind",
        "/help pledge",
        "/help level",
        "/agenda",
        "/level",
        "/level core",
        "/pledge one reflection by the end of January",
        "/pledge one experiment by next friday",
        "/pledge mine",
        "/pause until yesterday",
        "/pause until 31 January",
    ):
        await say(bob.says, text)
    for text in (
        "/meeting edit",
        "/meeting cancel",
        "/reminders",
        "/reminders 2d 1h",
        "/reminders 9x",
        "/remind friday 9:00 Bring your stories",
        "/remind list",
        "/remind cancel 999",
        "/settings",
        "/stats",
        "/meeting 1 December 10:00 Looking back",
        "/meeting edit 1",
    ):
        await say(cora.says, text)
    said["cancel"] = await cora.says("/cancel")
    said["cancel meeting"] = await cora.says("/meeting cancel 1")
    for _, reply in await atelier.deliver():
        said[f"sent: {reply.text}"[:40]] = Replies([reply])
    leaks = {text: dutch_words(replies) for text, replies in said.items()}
    assert {text: words for text, words in leaks.items() if words} == {}
    assert len(said) > 30
