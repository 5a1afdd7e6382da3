"""Issue 14, item 8: the authorization matrix.

Every command, button action and form of the router × every role, with ids of another member
or another community in the arguments and payloads. A forbidden action gets a clear refusal
in the member's language and changes nothing in the database. The lists are read from the
router, so a command, action or form added without an entry here fails the first tests.

The operator's role is the command line: it serves whoever runs it on the machine and
refuses ids that do not exist (tests/test_export.py, tests/test_cli.py).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.messages import Button
from storage.db import Database
from storage.models import Base, Role
from tests.harness import Harness, Person, Replies
from tests.support.member_data import USER_ID, build_member_everywhere

ROUTER = build_router()[0]

COORDINATORS = "coordinators:"
"""Marks arguments only coordinators may give (here: of their own group)."""
OUTSIDE = "outside:"
"""Marks an argument or payload forbidden to members of the other community only: group 1's
members may use it (answer a meeting, read a group experiment)."""

# command → its arguments that name someone else's things ({placeholders} from `Victim`).
FOREIGN_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "instellingen": ("",),
    "experiment": ("bewerk {experiment}", "klaar {experiment}", "{hidden}"),
    "experimenten": (),
    "deelniveau": ("coordinatoren",),
    "start": (),
    "hulp": (),
    "taal": (COORDINATORS + "groep en",),
    "privacy": (),
    "mijndata": (),
    "vergeetmij": (),
    "reflectie": (),
    "tool": (),
    "nieuwetool": (),
    "voorstellen": ("",),
    "web": (),
    "export": ("",),
    "bijeenkomst": (
        "",
        "wijzig {meeting}",
        "annuleer {meeting}",
        "morgen 19:30 Overgenomen",
    ),
    "agenda": (),
    "herinner": ("morgen 10:00 Overgenomen", "annuleer 1", "wijzig 1 morgen 11:00 x", "lijst"),
    "herinneringen": ("", "7d 1d"),
    "niveau": (),
    "nudges": (),
    "pauze": (),
    "voornemen": ("mijn",),
    "stats": ("",),
    "annuleer": (),
}
"""Commands with no entry here act on the sender's own data only (asserted below)."""

# action → payloads that point at the victim's things, or at nothing this bot made.
FOREIGN_PAYLOADS: dict[str, tuple[str, ...]] = {
    "forget": ("alles:1", "anoniem:1", "zz:1"),
    "rsvp": (OUTSIDE + "{meeting}:ja",),
    "mtg.remind": (OUTSIDE + "{meeting}",),
    "mtg.reflect": (OUTSIDE + "{meeting}",),
    "mtg.edit": ("{meeting}",),
    "mtg.cancel": ("{meeting}",),
    "exp.view": ("{hidden}", OUTSIDE + "{experiment}"),
    "exp.page": (),
    "exp.share": ("{experiment}", "{hidden}"),
    "exp.link": ("{experiment}:photovoice",),
    "exp.more": ("{experiment}",),
    "refl.link": ("{reflection}:{experiment}",),
    "refl.share": ("{reflection}:groep", "{reflection}:openbaar"),
    "refl.meeting": ("{reflection}:{meeting}",),
    "refl.choose": ("{reflection}",),
    "tools.card": (),
    "tools.theme": (),
    "tools.edit": ("{tool}",),
    "tools.propose": (),
    "tools.approve": ("{tool}",),
    "tools.reject": ("{tool}",),
    "tools.note": ("{tool}",),
    "pledge.kept": ("{pledge}",),
    "pledge.extend": ("{pledge}",),
    "pledge.drop": ("{pledge}",),
    "level.set": (),
    "prompt.answer": ("{prompt}",),
    "nudge.go_on": (OUTSIDE + "{community}",),
    "nudge.later": (OUTSIDE + "{community}",),
    "nudge.stop": (),
    "reply.start": ("experiment:{hidden}", OUTSIDE + "experiment:{experiment}"),
    "guard.ok": ("",),
    "guard.no": (),
    "dialog.choose": ("groep",),
    "dialog.skip": ("",),
    "dialog.cancel": (),
    "dialog.next_part": ("experiment",),
    "~": ("no-such-key", ""),
}
"""Actions with no payloads here act on the presser's own state only."""

# form → a submission that would write something in someone else's name or place.
FORGED_FORMS: dict[str, dict[str, str]] = {
    "language": {},
    "tool_proposal": {},
    "tool_proposal_confirm": {"filing": "anyway"},
    "tool_proposal_edit": {"name": "Overgenomen", "summary": "Overgenomen"},
    "tool_rejection": {"reason": "Overgenomen"},
    "tool_note": {"reason": "Overgenomen"},
    "experiment": {},
    "experiment.more": {"sharing": "groep"},
    "experiment.edit": {"what": "Overgenomen"},
    "experiment.finish": {"learned": "Overgenomen"},
    "reflection": {},
    "meeting": {"when": "morgen 19:30", "title": "Overgenomen"},
    "meeting.quick": {"when": "morgen 19:30", "title": "Overgenomen"},
    "meeting.quick.when": {"when": "morgen 19:30"},
    "meeting.quick.title": {"title": "Overgenomen"},
    "meeting.edit": {"when": "morgen 19:30", "title": "Overgenomen"},
    "prompt": {},
    "pledge": {},
    "reply": {"text": "Overgenomen"},
}
"""Forms with an empty submission here save only the sender's own, new contribution."""

REFUSALS = (
    "meeting.not_found",
    "meeting.rsvp_closed",
    "reply.not_found",
    "error.coordinators_only",
    "experiment.not_found",
    "experiment.not_yours",
    "experiment.share_not_yours",
    "experiment.not_for_group",
    "experiment.usage",
    "error.stale_button",
    "tools.proposal_gone",
    "dialog.nothing_open",
    "dialog.nothing_to_cancel",
    "guard.nothing_held",
)


def _first_names() -> set[str]:
    return {command.names[0] for command in ROUTER.commands()}


def test_every_command_has_a_matrix_entry() -> None:
    assert _first_names() == set(FOREIGN_ARGUMENTS)


def test_every_button_action_has_a_matrix_entry() -> None:
    assert set(ROUTER.action_names()) | {"~"} == set(FOREIGN_PAYLOADS)


def test_every_form_has_a_matrix_entry() -> None:
    assert {form.name for form in ROUTER.forms()} == set(FORGED_FORMS)


# --------------------------------------------------------------------------------------------


@dataclass
class Victim:
    """Zoë, a coordinator of group 1 who used everything; the attackers' targets."""

    ids: dict[str, str]

    def fill(self, template: str) -> str:
        return _bare(template).format(**self.ids)


def _bare(template: str) -> str:
    return template.removeprefix(OUTSIDE).removeprefix(COORDINATORS)


def _applies(template: str, attacker: str) -> bool:
    """Whether the probe is forbidden to this attacker."""
    if template.startswith(OUTSIDE):
        return attacker in OUTSIDERS
    if template.startswith(COORDINATORS):
        return attacker != "other coordinator"
    return True


@dataclass
class Matrix:
    harness: Harness
    victim: Victim
    attackers: dict[str, Person]


async def _id(database: Database, query: str) -> str:
    from sqlalchemy import text

    async with database.session() as session:
        value = await session.scalar(text(query))
    assert value is not None, query
    return str(value)


@pytest.fixture
async def matrix(harness: Harness) -> AsyncIterator[Matrix]:
    built = await build_member_everywhere(harness)
    zoe = built.person
    hidden = await zoe.says("/experiment Alleen voor de coördinatoren")
    for answer in ("-", "-", "-", "-", "-", "-", "coordinatoren"):
        hidden = await zoe.says_privately(answer)
    assert "bewaard als" in hidden.text
    oscar = harness.member("Oscar", chat="group-2", coordinator=True)
    await oscar.says("/bijeenkomst 12 maart 19:30 Avond van groep twee")
    olga = harness.member("Olga", chat="group-2")
    await olga.says("/experiment Van groep twee")
    for answer in ("-", "-", "-", "-", "-", "-", "-"):
        await olga.says(answer)
    db = harness.database
    ids = {
        "experiment": await _id(db, "SELECT min(id) FROM experiments"),
        "hidden": await _id(db, "SELECT id FROM experiments WHERE audience = 'coordinatoren'"),
        "reflection": await _id(db, "SELECT min(id) FROM reflections"),
        "meeting": await _id(db, "SELECT min(id) FROM meetings"),
        "tool": await _id(db, "SELECT id FROM tools WHERE status = 'pending'"),
        "pledge": await _id(db, "SELECT min(id) FROM pledges"),
        "prompt": await _id(db, "SELECT min(id) FROM prompts"),
        "community": await _id(db, "SELECT id FROM communities WHERE chat_id = 'group-1'"),
    }
    attackers = {
        "member": harness.member("Bert"),
        "member (en)": harness.member("Emma", language="en"),
        "other member": olga,
        "other coordinator": oscar,
    }
    for person in attackers.values():
        await person.says("/help")
        await person.says_privately("/start")
    assert zoe.user.user_id == USER_ID
    yield Matrix(harness, Victim(ids), attackers)


async def _snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (the ledger of reads aside: reading is allowed to count)."""
    async with database.session() as session:
        result = {}
        for name, table in Base.metadata.tables.items():
            if name in ("activities", "message_counts", "button_payloads"):
                continue
            rows = (await session.execute(select(table))).all()
            result[name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
        return result


def _refusal_patterns(language: str) -> list[re.Pattern[str]]:
    t = Catalogs().translator(language)
    patterns = []
    for key in REFUSALS:
        plain = re.sub(r"<[^>]+>", "", t.raw(key))
        parts = re.split(r"\{[a-z_]+\}", plain)
        patterns.append(re.compile(".+?".join(re.escape(part) for part in parts)))
    return patterns


def _is_refusal(replies: Replies, language: str) -> bool:
    text = replies.text
    return len(replies) >= 1 and any(p.search(text) for p in _refusal_patterns(language))


HIDDEN = ("Alleen voor de coördinatoren", "Dit kwartaal deel ik")
"""The victim's texts no attacker may read: a coordinators-only experiment, a pledge."""


def _leaks(replies: Replies) -> bool:
    return any(text in replies.text for text in HIDDEN)


def _language(role: str) -> str:
    return "en" if role.endswith("(en)") else "nl"


ATTACKERS = ("member", "member (en)", "other member", "other coordinator")
OUTSIDERS = ("other member", "other coordinator")


def _command_cases() -> list[tuple[str, str]]:
    return [(name, args) for name, all_args in FOREIGN_ARGUMENTS.items() for args in all_args]


async def _changes_nothing(
    matrix: Matrix, attacker: str, probe: object, act: Awaitable[Replies]
) -> Replies:
    """Runs one probe (not started yet): whatever it answers leaks nothing hidden and
    changes no row."""
    before = await _snapshot(matrix.harness.database)
    replies = await act
    assert not _leaks(replies), (attacker, probe, replies.text)
    assert await _snapshot(matrix.harness.database) == before, (attacker, probe)
    return replies


def _assert_refused(replies: Replies, attacker: str, probe: object) -> None:
    assert _is_refusal(replies, _language(attacker)), (attacker, probe, replies.text)


@pytest.mark.parametrize("attacker", ATTACKERS)
async def test_commands_with_someone_elses_ids_are_refused(matrix: Matrix, attacker: str) -> None:
    person = matrix.attackers[attacker]
    coordinator_of_other = attacker == "other coordinator"
    for name, template in _command_cases():
        command = next(c for c in ROUTER.commands() if c.names[0] == name)
        if coordinator_of_other and command.role is Role.COORDINATOR and "{" not in template:
            continue  # a coordinator of group 2 may use it in group 2, on group 2
        if not _applies(template, attacker):
            continue
        text = f"/{name} {matrix.victim.fill(template)}".strip()
        replies = await _changes_nothing(matrix, attacker, text, person.says(text))
        if (
            "{" in template
            or template.startswith(COORDINATORS)
            or (command.role is Role.COORDINATOR and not coordinator_of_other)
        ):
            _assert_refused(replies, attacker, text)


@pytest.mark.parametrize("attacker", ATTACKERS)
async def test_forged_and_foreign_buttons_are_refused(matrix: Matrix, attacker: str) -> None:
    person = matrix.attackers[attacker]
    for action, payloads in FOREIGN_PAYLOADS.items():
        for template in payloads:
            if not _applies(template, attacker):
                continue
            button = Button("x", action, matrix.victim.fill(template))
            for private in (False, True):
                replies = await _changes_nothing(
                    matrix, attacker, button, person.press(button, private=private)
                )
                _assert_refused(replies, attacker, button)


@pytest.mark.parametrize("attacker", ATTACKERS)
async def test_forged_form_submissions_are_refused(matrix: Matrix, attacker: str) -> None:
    person = matrix.attackers[attacker]
    for form, values in FORGED_FORMS.items():
        declared = ROUTER.find_form(form)
        assert declared is not None
        coordinators = declared.role is Role.COORDINATOR
        if not values or (coordinators and attacker == "other coordinator" and "edit" not in form):
            continue
        replies = await _changes_nothing(matrix, attacker, form, person.submits(form, values))
        _assert_refused(replies, attacker, form)
