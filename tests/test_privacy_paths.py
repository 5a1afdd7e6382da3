"""Issue 14, item 1: what a member keeps private stays private on every path.

One author writes an experiment (with a lesson, linked to a tool of its own) and a reflection
for every audience × attribution. Then each reader — the author, a colleague, a coordinator,
a coordinator of another community, an outsider's export, the public web — walks every path
that shows contributions: the list and its filters, the detail (command and button), the
tool card's lessons, the share button, the weekly digest, the export and funder report, the
stats, `/mijndata`, and the web pages. The same walk runs again after the author was
forgotten with "leave my contributions": every name is gone, no audience widened.

The expectations come from the product's promise (SPEC 2), written out below, not from the
rule under test.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.dialogs.sharing import Sharing
from bot.model.messages import Button, ChatTarget, Reply
from storage.models import Attribution, Audience
from tests.harness import PLATFORM, Harness, Person, Replies
from tests.web.support import LINKS, WebWorld, log_in, services_for

COMBINATIONS = list(itertools.product(Audience, Attribution))
TOOLS = (
    "veranderingstheorie",
    "logisch-model",
    "effectenarena",
    "outcome-harvesting",
    "most-significant-change",
    "photovoice",
)
CONFIRM = "Geen cliëntgegevens, bewaar"
AUTHOR = "Anna"
NEXT_DIGEST = datetime(2026, 3, 9, 8, 5, tzinfo=UTC)  # Monday 09:05 in Amsterdam

# reader → the audiences of the author's contributions it may read (SPEC 2).
READS: dict[str, set[Audience]] = {
    "author": set(Audience),
    "member": {Audience.GROUP, Audience.PUBLIC},
    "coordinator": set(Audience),
    "other community": set(),  # in the chat: another community's data never mixes
    "export": {Audience.GROUP, Audience.PUBLIC},
    "public web": {Audience.PUBLIC},
}
READERS = list(READS)


@dataclass(frozen=True)
class Item:
    audience: Audience
    attribution: Attribution
    experiment: int
    reflection: int
    tool: str

    @property
    def what(self) -> str:
        return f"Exp-{self.audience.value}-{self.attribution.value}"

    @property
    def lesson(self) -> str:
        return f"Les-{self.audience.value}-{self.attribution.value}"

    @property
    def thought(self) -> str:
        return f"Refl-{self.audience.value}-{self.attribution.value}"


@dataclass
class World:
    harness: Harness
    author: Person
    items: list[Item]
    forgotten: bool

    def person(self, reader: str) -> Person:
        people = {
            "author": (AUTHOR, "group-1", False),
            "member": ("Bert", "group-1", False),
            "coordinator": ("Coco", "group-1", True),
            "other community": ("Oscar", "group-2", True),
        }
        name, chat, coordinator = people[reader]
        return self.harness.member(name, chat=chat, coordinator=coordinator)

    def reads(self, reader: str, item: Item) -> bool:
        if reader == "author" and self.forgotten:
            reader = "member"  # whoever writes as the author now is a new member
        return item.audience in READS[reader]

    def named(self, item: Item) -> bool:
        return item.attribution is Attribution.NAMED and not self.forgotten


async def _contribute(author: Person, audience: Audience, attribution: Attribution) -> Item:
    sharing = Sharing(audience, attribution).value
    tool = TOOLS[COMBINATIONS.index((audience, attribution))]
    what = f"Exp-{audience.value}-{attribution.value}"
    replies = await author.says(f"/experiment {what}")
    assert "privé" in replies.text, replies.text
    lesson = f"Les-{audience.value}-{attribution.value}"
    for answer in ("-", "-", "-", lesson, "#wandeling", "afgerond", sharing):
        replies = await _answer(author, answer)
    found = re.search(r"bewaard als #(\d+)", replies.text)
    assert found is not None, replies.text
    experiment = int(found.group(1))
    linked = await author.press(Button("x", "exp.link", f"{experiment}:{tool}"), private=True)
    assert "gekoppeld" in linked.text
    saved = await author.says(f"/reflectie Refl-{audience.value}-{attribution.value}")
    choice = next(b for b in saved.buttons if b.action == "refl.share")
    reflection = int(choice.payload.split(":")[0])
    if sharing != "groep":  # the community default
        chosen = await author.press(Button("x", "refl.share", f"{reflection}:{sharing}"))
        assert "nu gedeeld met" in chosen.text, chosen.text
    return Item(audience, attribution, experiment, reflection, tool)


async def _answer(person: Person, answer: str) -> Replies:
    replies = await person.says_privately(answer)
    if any(button.label == CONFIRM for button in replies.buttons):
        replies = await person.presses(CONFIRM, private=True)
    return replies


@pytest.fixture(params=[False, True], ids=["as written", "after forget-me"])
async def walk(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[World]:
    harness = await Harness.create(database_url, web=LINKS)
    try:
        await harness.introduced("group-1")
        await harness.introduced("group-2")
        await harness.participate()  # plans the first weekly digest
        author = harness.member(AUTHOR)
        await author.says_privately("/start")
        items = [await _contribute(author, *combination) for combination in COMBINATIONS]
        forgotten: bool = request.param
        if forgotten:
            await author.says("/vergeetmij")
            done = await author.presses("Bijdragen anoniem laten staan")
            assert "voor dezelfde lezers als voorheen" in done.text
        yield World(harness, author, items, forgotten)
    finally:
        await harness.close()


# --------------------------------------------------------------------------------------------
# The walk


@pytest.mark.parametrize("reader", READERS)
async def test_every_path_shows_each_contribution_only_to_its_readers(
    walk: World, reader: str
) -> None:
    checks = CHAT_PATHS if reader in ("author", "member", "coordinator", "other community") else ()
    for path in checks:
        await path(walk, reader)
    for path in EVERYONE_PATHS.get(reader, ()):
        await path(walk, reader)


async def _all_pages(person: Person, words: str) -> list[str]:
    """Every line of `/experimenten <words>`, following the next-page button."""
    replies = await person.says(f"/experimenten {words}".strip())
    lines = replies.text.splitlines()
    while any(b.label == "Volgende ›" for b in replies.buttons):
        replies = await person.presses("Volgende ›")
        lines += replies.text.splitlines()
    return lines


def _line_of(lines: list[str], token: str) -> str | None:
    found = [line for line in lines if token in line]
    assert len(found) <= 1, found
    return found[0] if found else None


async def _list_and_filters(world: World, reader: str) -> None:
    person = world.person(reader)
    is_author = reader == "author" and not world.forgotten
    for words in ("", "#wandeling", "afgerond", f"van:{AUTHOR}"):
        lines = await _all_pages(person, words)
        for item in world.items:
            line = _line_of(lines, item.what)
            expected = world.reads(reader, item)
            if words.startswith("van:"):
                # filtering by author never finds what was posted anonymously (but one's own)
                expected = expected and (world.named(item) or is_author) and not world.forgotten
            assert (line is not None) == expected, (words, item, lines)
            if line is not None:
                assert (AUTHOR in line) == world.named(item), (words, line)


async def _detail(world: World, reader: str) -> None:
    person = world.person(reader)
    for item in world.items:
        for replies in (
            await person.says(f"/experiment {item.experiment}"),
            await person.press(Button("x", "exp.view", str(item.experiment))),
        ):
            if world.reads(reader, item):
                assert item.what in replies.text and item.lesson in replies.text
                shown = f"door: {AUTHOR}" if world.named(item) else "door: anoniem"
                assert shown in replies.text, replies.text
            else:
                assert "vind ik niet" in replies.text and item.what not in replies.text


async def _tool_card(world: World, reader: str) -> None:
    person = world.person(reader)
    for item in world.items:
        card = (await person.press(Button("x", "tools.card", item.tool))).text
        if world.reads(reader, item):
            author = AUTHOR if world.named(item) else "anoniem"
            assert f"“{item.lesson}” — {author}" in card, card
        else:
            assert item.lesson not in card and "probeerde" not in card, card


async def _share_button(world: World, reader: str) -> None:
    person = world.person(reader)
    await person.says_privately("/start")
    for item in world.items:
        sent_before = len(world.harness.messenger.sent)
        pressed = await person.press(Button("x", "exp.share", str(item.experiment)), private=True)
        to_group = [
            reply
            for target, reply in world.harness.messenger.sent[sent_before:]
            if isinstance(target, ChatTarget)
        ]
        may_share = (
            reader == "author"
            and not world.forgotten
            and item.audience is not Audience.COORDINATORS
        )
        if may_share:
            [shared] = to_group
            assert item.what in str(shared.text)
            assert (AUTHOR in str(shared.text)) == world.named(item)
        else:
            assert to_group == [] and item.what not in pressed.text, pressed.text


async def _mydata(world: World, reader: str) -> None:
    """A member's own data holds their own contributions and nobody else's."""
    replies = await world.person(reader).says("/mijndata")
    content = "".join(_attachments(replies))
    for item in world.items:
        own = reader == "author" and not world.forgotten
        for token in (item.what, item.thought):
            assert (token in content) == own, (reader, token)


def _attachments(replies: list[Reply]) -> list[str]:
    return [r.attachment.content.decode() for r in replies if r.attachment is not None]


CHAT_PATHS = (_list_and_filters, _detail, _tool_card, _share_button, _mydata)


async def _digest(world: World, reader: str) -> None:
    """What the group reads each week: what the group may read, names by the name rule."""
    harness = world.harness
    harness.clock.set(NEXT_DIGEST)
    await harness.participate()
    sent = await harness.deliver()
    [digest] = [
        str(reply.text)
        for target, reply in sent
        if target == ChatTarget(PLATFORM, "group-1") and "Weekoverzicht" in str(reply.text)
    ]
    lines = digest.splitlines()
    for item in world.items:
        for token in (item.what, item.thought):
            line = _line_of(lines, token)
            assert (line is not None) == world.reads(reader, item), (token, digest)
            if line is not None:
                assert (AUTHOR in line) == world.named(item), line
    other = [r for t, r in sent if t != ChatTarget(PLATFORM, "group-1")]
    assert all(i.what not in str(r.text) for r in other for i in world.items)


async def _stats(world: World, reader: str) -> None:
    """Counts only: no text and no name of anyone."""
    stats = (await world.person(reader).says("/stats")).text
    assert "Deelname in" in stats, stats
    for item in world.items:
        assert item.what not in stats and item.thought not in stats
    assert AUTHOR not in stats


async def _export(world: World, reader: str) -> None:
    coco = world.person("coordinator")
    files = _attachments(await coco.says("/export"))
    data = json.loads(next(content for content in files if content.lstrip().startswith("{")))
    exported = {e["what"]: e for e in data["experiments"]}
    thoughts = {r["text"]: r for r in data["reflections"]}
    for item in world.items:
        expected = world.reads(reader, item)
        assert (item.what in exported) == expected, item
        assert (item.thought in thoughts) == expected, item
        if not expected:
            for content in files:
                assert item.what not in content and item.lesson not in content
                assert item.thought not in content
        if expected:
            author = AUTHOR if world.named(item) else None
            assert exported[item.what]["author"] == author
            assert thoughts[item.thought]["author"] == author
    if not any(world.named(item) and world.reads(reader, item) for item in world.items):
        assert all(AUTHOR not in content for content in files)


async def _web(world: World, reader: str) -> None:
    """The platform's pages for members (logged in) and the public (not logged in)."""
    web = WebWorld(world.harness, services_for(world.harness))
    async with web.browser() as client:
        if reader != "public web":
            await log_in(client, world.person(reader))
        listing = (await client.get("/experiments")).text
        thoughts = (await client.get("/reflections")).text
        for item in world.items:
            if reader == "public web":
                page = (await client.get(f"/tools/{item.tool}")).text
                shown = world.reads(reader, item)
                assert (item.lesson in page) == shown, (item, page)
                assert item.what not in listing and item.thought not in thoughts
                continue
            expected = world.reads(reader, item)
            assert (item.what in listing) == expected, (reader, item)
            assert (item.thought in thoughts) == expected, (reader, item)
            detail = await client.get(f"/experiments/{item.experiment}")
            assert (item.lesson in detail.text) == expected, (reader, item)
            if expected and reader != "author":
                assert (AUTHOR in detail.text) == world.named(item), (reader, item)


EVERYONE_PATHS = {
    "author": (_web,),
    "member": (_digest, _web),
    "coordinator": (_stats, _web),
    "other community": (_web,),
    "export": (_export,),
    "public web": (_web,),
}
