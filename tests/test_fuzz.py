"""Random traffic through the core: thousands of messages, every command with random
arguments, every button action with random payloads, forged form submissions. Nothing escapes
as an exception, every answer renders within each platform's limit and markup rules, and
nothing is ever stored half.

Deterministic (derandomized, a fresh copy of one seeded database per example) and quick."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.adapters.discord.rendering import MESSAGE_LIMIT as DISCORD_LIMIT
from bot.adapters.discord.rendering import text_pieces
from bot.adapters.rendering import render_html, render_plain, split_text
from bot.adapters.telegram.adapter import MESSAGE_LIMIT, utf16_length
from bot.core.clock import ManualClock
from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.markup import Text
from bot.model.messages import ChatRef, Incoming, Reply, UserRef
from search.tool_catalogue import ToolCatalogue
from storage import migrate
from storage.db import Database
from storage.repositories.tools import ToolRepository
from tests.adapters.markdown_view import unescaped_mentions, visible
from tests.fakes.telegram_api import ApiError, format_text, utf16_len
from tests.harness import DEFAULT_START, PLATFORM, Harness

EXAMPLES = 60
EVENTS = 60

# --------------------------------------------------------------------------------------------
# Renderers: how each adapter turns a reply into what the platform gets, and its rules.


@dataclass(frozen=True)
class Renderer:
    name: str
    render: Callable[[Text], list[str]]
    check: Callable[[str], None]


def _console(text: Text) -> list[str]:
    return [render_plain(text)]


def _console_check(shown: str) -> None:
    assert "\x00" not in shown


def _telegram(text: Text) -> list[str]:
    return [render_html(piece) for piece in split_text(text, MESSAGE_LIMIT, utf16_length)]


def _telegram_check(html: str) -> None:
    """What Telegram's own parser (ported in the fake Bot API) accepts, within its limit."""
    try:
        visible = format_text(html, "HTML")
    except ApiError as error:
        raise AssertionError(f"Telegram would refuse {html[:200]!r}: {error}") from error
    assert 0 < utf16_len(visible.text) <= MESSAGE_LIMIT


def _discord(text: Text) -> list[str]:
    return text_pieces(text)


def _discord_check(markdown: str) -> None:
    """Within Discord's limit, never empty, and no user text that could ping anybody
    (every send also carries allowed_mentions none)."""
    assert 0 < len(markdown) <= DISCORD_LIMIT
    assert visible(markdown).strip()
    assert unescaped_mentions(markdown) == []


RENDERERS = [
    Renderer("console", _console, _console_check),
    Renderer("telegram", _telegram, _telegram_check),
    Renderer("discord", _discord, _discord_check),
]

# --------------------------------------------------------------------------------------------
# Traffic

ROUTER = build_router()[0]
COMMANDS = ROUTER.command_names()
ACTIONS = ROUTER.action_names()
FORMS = {form.name: [field.name for field in form.fields] for form in ROUTER.forms()}
WORDS = [
    "1", "2", "3", "#1", "mijn", "bezig", "afgerond", "#beeld", "van:Anna", "bewerk 1",
    "klaar 2", "annuleer 1 reeks", "wijzig 1", "morgen 19:30 Atelieravond",
    "10 maart 14:00 Test | Buurthuis", "publiek: Open dag", "elke 4e donderdag 19:00 Reeks",
    "7d 1d 2u", "0m", "anoniem", "groep", "coordinatoren", "en", "nl", "groep en",
    "photovoice", "ToC", "-", "06-12345678", "jan@example.org", "<b>x</b> & *y* _z_ `q`",
    "‮rtl 🎉", "x" * 5000,
]  # fmt: skip
PAYLOADS = [
    "", "1", "2", "1:ja", "1:nee", "1:misschien", "1:2", "2:1", "1:groep", "1:anoniem",
    "photovoice", "1:photovoice", "0|", "5|mijn", "all:0", "anon:9999999999", "cancel:0",
    "nl", "en", "-", "x" * 300,
]  # fmt: skip
PEOPLE = [
    UserRef(PLATFORM, "anna", "Anna"),
    UserRef(PLATFORM, "bert", "Bert <b>&</b>", language="en"),
    UserRef(PLATFORM, "coco", "Coco", is_admin=True),
    UserRef(PLATFORM, "olga", "Olga"),
]
GROUPS = [ChatRef(PLATFORM, "group-1", title="Leeratelier *Impact*"), ChatRef(PLATFORM, "g-2")]

free_text = st.one_of(
    st.sampled_from(WORDS), st.text(max_size=60), st.sampled_from(WORDS).map(lambda w: w + " x")
)


@st.composite
def events(draw: st.DrawFn) -> Incoming:
    user = draw(st.sampled_from(PEOPLE))
    chat = draw(st.sampled_from([*GROUPS, ChatRef(PLATFORM, user.user_id, is_private=True)]))
    kind = draw(st.sampled_from(["command", "command", "button", "message", "form"]))
    if kind == "command":
        args = draw(free_text)
        return Incoming.from_text(chat, user, f"/{draw(st.sampled_from(COMMANDS))} {args}")
    if kind == "button":
        action = draw(st.one_of(st.sampled_from(ACTIONS), st.text(max_size=10)))
        payload = draw(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=30)))
        return Incoming.button(chat, user, action, payload)
    if kind == "form":
        form = draw(st.sampled_from(sorted(FORMS)))
        values = {name: draw(free_text) for name in FORMS[form] if draw(st.booleans())}
        return Incoming.form_submit(chat, user, form, values)
    return Incoming.from_text(chat, user, draw(free_text), addressed=draw(st.booleans()))


# --------------------------------------------------------------------------------------------
# What must hold

GENERIC_ERRORS = {str(Catalogs().translator(lang).text("error.generic")) for lang in ("nl", "en")}

HALF_SAVED = {
    "experiments without the ledger act saved with them": """
        SELECT count(*) FROM experiments e WHERE e.author_member_id IS NOT NULL AND
        (SELECT count(*) FROM experiments x WHERE x.community_id = e.community_id
            AND x.author_member_id = e.author_member_id) >
        (SELECT count(*) FROM activities a WHERE a.community_id = e.community_id
            AND a.member_id = e.author_member_id AND a.kind = 'experiment')""",
    "reflections without the ledger act saved with them": """
        SELECT count(*) FROM reflections r WHERE r.author_member_id IS NOT NULL AND
        (SELECT count(*) FROM reflections x WHERE x.community_id = r.community_id
            AND x.author_member_id = r.author_member_id) >
        (SELECT count(*) FROM activities a WHERE a.community_id = r.community_id
            AND a.member_id = r.author_member_id
            AND a.kind IN ('reflection', 'prompt_answer'))""",
    "experiments without what was tried": "SELECT count(*) FROM experiments WHERE what = ''",
    "meetings of a series without their first": """
        SELECT count(*) FROM meetings m WHERE m.series_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM meetings f WHERE f.id = m.series_id)""",
    "memberships without their member": """
        SELECT count(*) FROM memberships m
        WHERE NOT EXISTS (SELECT 1 FROM members x WHERE x.id = m.member_id)""",
    "identities without their member": """
        SELECT count(*) FROM identities i
        WHERE NOT EXISTS (SELECT 1 FROM members x WHERE x.id = i.member_id)""",
}


class Failures(logging.Handler):
    """Collects what the core logs when a handler fails (a traceback behind 'error.generic')."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def check_reply(reply: Reply) -> None:
    assert str(reply.text) not in GENERIC_ERRORS
    assert reply.text or reply.attachment is not None, reply
    if reply.buttons:
        assert reply.text, "buttons need a message to sit under"
    for renderer in RENDERERS:
        for piece in renderer.render(reply.text):
            renderer.check(piece)
    for row in reply.buttons:
        for button in row:
            assert button.label.strip() and button.action


async def run(template: Path, copy: Path, traffic: list[Incoming]) -> None:
    for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, copy)
    database = Database(f"sqlite+aiosqlite:///{copy}")
    harness = Harness(database, ManualClock(DEFAULT_START))
    failures = Failures()
    logging.getLogger("bot").addHandler(failures)
    try:
        for number, msg in enumerate(traffic):
            for reply in await harness.core.handle(msg):
                check_reply(reply)
            assert failures.records == [], failures.records[0].getMessage()
            if number % 10 == 9:
                harness.clock.advance(timedelta(hours=1))
                await harness.deliver()
        await harness.core.counter.flush()
        async with database.session() as session:
            for problem, query in HALF_SAVED.items():
                assert await session.scalar(text(query)) == 0, problem
    finally:
        logging.getLogger("bot").removeHandler(failures)
        await harness.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the starter catalogue, copied for every example."""
    path = tmp_path_factory.mktemp("fuzz") / "template.db"

    async def prepare() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(database)
        async with database.session() as session:
            await ToolCatalogue().seed_if_empty(ToolRepository(session), DEFAULT_START)
        await database.dispose()

    asyncio.run(prepare())
    return path


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(traffic=st.lists(events(), min_size=EVENTS // 2, max_size=EVENTS))
def test_random_traffic_never_breaks_anything(template: Path, traffic: list[Incoming]) -> None:
    asyncio.run(run(template, template.with_name("example.db"), traffic))
