"""A community of 40 members over 12 weeks on the fake clock: the prompt rules hold for
everyone, and every passive member the bot can reach is reached."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.core.clock import ManualClock
from bot.model.messages import ChatTarget, MemberTarget, Reply, Target
from tests.harness import Harness, Person

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(
    2027, 3, 1, 8, 0, tzinfo=UTC
)  # a Monday; Easter, King's Day and a DST change follow
WEEKS = 12
GROUP = ChatTarget("test", "group-1")
DUTCH_HOLIDAYS = holidays.country_holidays("NL", years=2027)


@dataclass
class Sent:
    at: datetime
    reply: Reply


@dataclass
class Simulation:
    harness: Harness
    log: dict[Target, list[Sent]] = field(default_factory=lambda: defaultdict(list))

    async def run_at(self, moment: datetime) -> None:
        self.harness.clock.set(moment)
        await self.harness.participate()
        before = len(self.harness.messenger.sent)
        await self.harness.deliver()
        for target, reply in self.harness.messenger.sent[before:]:
            self.log[target].append(Sent(moment, reply))

    def dms(self, person: Person) -> list[Sent]:
        return self.log[MemberTarget("test", person.user.user_id)]

    def prompts(self, person: Person) -> list[Sent]:
        return [s for s in self.dms(person) if "Antwoord gewoon hier" in str(s.reply.text)]

    def checks(self, person: Person) -> list[Sent]:
        return [s for s in self.dms(person) if "blijven krijgen" in str(s.reply.text)]

    def mentions(self, person: Person) -> list[Sent]:
        return [
            s
            for s in self.log[GROUP]
            if str(s.reply.text).startswith(person.user.display_name + ",")
        ]


@pytest.fixture
async def simulation(database_url: str):  # type: ignore[no-untyped-def]
    harness = await Harness.create(database_url, clock=ManualClock(START))
    yield Simulation(harness)
    await harness.close()


async def test_forty_members_over_twelve_weeks(simulation: Simulation) -> None:
    harness = simulation.harness
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/help")

    async def members(prefix: str, count: int, *, private: bool = True) -> list[Person]:
        people = [harness.member(f"{prefix}{i}") for i in range(count)]
        for person in people:
            await person.says("/help")
            if private:
                await person.says_privately("/start")
        return people

    givers = await members("Gever", 8)
    takers = await members("Nemer", 10)
    peripheral = await members("Rand", 5)
    unreachable = await members("Extern", 5, private=False)
    silenced = await members("Uit", 3)
    paused = await members("Verlof", 3)
    blocked = await members("Blok", 2)
    answerers = await members("Antwoord", 2)
    pledgers = await members("Belofte", 2)
    assert (
        len(
            givers
            + takers
            + peripheral
            + unreachable
            + silenced
            + paused
            + blocked
            + answerers
            + pledgers
        )
        == 40
    )

    for person in peripheral:
        await person.says("/niveau perifeer")
    for person in silenced:
        await person.says("/nudges uit")
    for person in paused:
        await person.says("/pauze tot 12 april 2027")
    for person in blocked:
        harness.messenger.dm_blocked.add(person.user.user_id)
    for person in pledgers:
        await person.says("/voornemen één experiment delen tot 9 april 2027")

    first = START.astimezone(AMSTERDAM).date()
    for offset in range(WEEKS * 7):
        today = first + timedelta(days=offset)
        harness.clock.set(datetime.combine(today, time(9, 0), tzinfo=AMSTERDAM))
        for person in takers + peripheral:
            if offset % 3 == 0:
                await person.says("/tool verhalen")
        if today.weekday() == 2:
            for person in givers:
                await person.says(f"/reflectie Week {offset // 7}: wat ik zag in de wijk")
        await simulation.run_at(datetime.combine(today, time(10, 5), tzinfo=AMSTERDAM))
        for person in answerers:
            latest = simulation.prompts(person)
            if latest and latest[-1].at.date() == today:
                await person.says_privately("Ik hield een groepsgesprek en vroeg wat het opleverde")
                await person.presses("de groep, met naam", private=True)
        for person in pledgers:
            checkins = [s for s in simulation.dms(person) if "Hoe staat het" in str(s.reply.text)]
            if checkins and checkins[-1].at.date() == today:
                await person.submits("experiment", {"what": "Tellen en vertellen in de wijk"})
                await person.press(checkins[-1].reply.buttons[0][0], private=True)
        await simulation.run_at(datetime.combine(today, time(21, 30), tzinfo=AMSTERDAM))

    # the rules hold for every member ------------------------------------------------------
    everyone = (
        takers + peripheral + unreachable + silenced + paused + blocked + answerers + pledgers
    )
    for person in everyone + givers:
        for sent in simulation.dms(person):
            moment = sent.at.astimezone(AMSTERDAM)
            assert moment.weekday() < 5, (person.user.display_name, moment)
            assert moment.date() not in DUTCH_HOLIDAYS, (person.user.display_name, moment)
            assert time(8) <= moment.time() < time(21), (person.user.display_name, moment)
        asked = simulation.prompts(person) + simulation.checks(person)
        gap = timedelta(days=28 if person in peripheral else 14)
        times = sorted(s.at for s in asked)
        for earlier, later in itertools.pairwise(times):
            assert later - earlier >= gap, (person.user.display_name, earlier, later)
        unanswered = simulation.prompts(person)
        if person not in answerers and person not in pledgers:
            assert len(unanswered) <= 3, person.user.display_name

    for person in givers + silenced:
        assert simulation.dms(person) == [], person.user.display_name
    for person in paused:
        assert all(s.at.date() > date(2027, 4, 12) for s in simulation.dms(person))

    # every passive member who can be reached is reached -----------------------------------
    for person in takers + peripheral + paused + answerers:
        assert simulation.prompts(person), person.user.display_name
    for person in takers:
        assert len(simulation.prompts(person)) == 3 and len(simulation.checks(person)) == 1
    for person in answerers:
        assert len(simulation.prompts(person)) >= 3 and simulation.checks(person) == []

    # a member the bot cannot message gets one gentle group mention, never more -----------
    for person in unreachable + blocked:
        assert len(simulation.mentions(person)) == 1, person.user.display_name
        words = str(simulation.mentions(person)[0].reply.text).casefold()
        assert not {"passief", "stil", "inactief", "niets"} & set(words.replace(",", " ").split())
    for person in takers + givers:
        assert simulation.mentions(person) == []

    # pledges: one check-in each, kept, and celebrated in a digest --------------------------
    digests = [
        str(s.reply.text) for s in simulation.log[GROUP] if "Weekoverzicht" in str(s.reply.text)
    ]
    for person in pledgers:
        checkins = [s for s in simulation.dms(person) if "Hoe staat het" in str(s.reply.text)]
        assert len(checkins) == 1
        assert any(f"{person.user.display_name}: één experiment delen" in d for d in digests)
    assert len(digests) == WEEKS - 1  # every Monday but the first, when nothing was new yet
