"""Discord's rendering, splitting, button rows, modals and slash command options, without
a connection (the end-to-end tests run the same code against the fake Discord)."""

from __future__ import annotations

import discord

from bot.adapters.discord.adapter import language_of
from bot.adapters.discord.commands import slash_commands
from bot.adapters.discord.rendering import (
    MESSAGE_LIMIT,
    button_rows,
    messages,
    modal,
    submitted_values,
    text_pieces,
)
from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.markup import Text
from bot.model.messages import Attachment, Button, FormChoiceView, FormFieldView, FormView, Reply
from tests.adapters.markdown_view import unescaped_mentions, visible

TRICKY = "@everyone **x** <@&123> _y_ `z` # kop\n> quote ||spoiler|| [a](http://b) -# klein"


def test_user_text_shows_literally_and_can_never_mention() -> None:
    [piece] = text_pieces(Text.bold("Titel: ") + Text.plain(TRICKY))
    assert visible(piece) == "Titel: " + TRICKY
    assert piece.startswith(r"**Titel\: **")
    assert unescaped_mentions(piece) == []


def test_long_text_is_split_under_2000_at_paragraphs() -> None:
    paragraphs = [f"Alinea {i}: " + "woord. " * 60 for i in range(40)]
    pieces = text_pieces(Text.plain("\n\n".join(paragraphs)))
    assert len(pieces) > 1
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    assert visible(pieces[0]).startswith("Alinea 0:")
    assert " ".join(visible(p) for p in pieces).split() == "\n\n".join(paragraphs).split()


def test_escaping_counts_towards_the_limit() -> None:
    pieces = text_pieces(Text.plain("*" * 3000))
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    assert "".join(visible(p) for p in pieces) == "*" * 3000


def test_rows_wrap_at_five_and_messages_hold_five_rows() -> None:
    row = tuple(Button(f"b{i}", "a", str(i)) for i in range(7))
    assert [len(r) for r in button_rows((row,))[0]] == [5, 2]
    many = tuple((Button(f"k{i}", "a", str(i)),) * 1 for i in range(30))
    groups = button_rows(many)
    assert [len(group) for group in groups] == [5, 5, 5, 5, 5, 5]


def test_more_than_25_buttons_continue_in_another_message() -> None:
    rows = tuple(tuple(Button(f"{r}.{c}", "a", f"{r}{c}") for c in range(5)) for r in range(6))
    file = Attachment("x.ics", b"BEGIN", "text/calendar")
    sent = messages(Reply(Text.plain("Kies"), rows, attachment=file))
    assert [len(m.rows) for m in sent] == [5, 1]
    assert sent[0].content == "Kies" and sent[0].file == ("x.ics", b"BEGIN")
    assert sent[1].content == "" and sent[1].file is None


def test_a_form_as_modal_with_labels_and_selects() -> None:
    form = FormView(
        "experiment",
        "Een heel lange titel van een formulier die niet past (1/2)",
        (
            FormFieldView(
                "what",
                "Wat ga je uitproberen in je eigen praktijk deze week?",
                required=True,
                multiline=True,
            ),
            FormFieldView("tags", "Trefwoorden", max_length=400, value="buurt"),
            FormFieldView(
                "status",
                "Status",
                choices=(FormChoiceView("plan", "plan"), FormChoiceView("bezig", "bezig")),
                value="bezig",
            ),
        ),
    )
    payload = modal(form).to_dict()
    assert len(payload["title"]) <= 45 and payload["custom_id"] == "form:experiment"
    labels = payload["components"]
    assert [c["type"] for c in labels] == [18, 18, 18]
    assert all(len(c["label"]) <= 45 for c in labels)
    what, tags, status = (c["component"] for c in labels)
    assert what["style"] == 2 and what["required"] is True and what["custom_id"] == "what"
    assert tags["style"] == 1 and tags["max_length"] == 400 and tags["value"] == "buurt"
    assert status["type"] == 3 and [o.get("default") for o in status["options"]] == [False, True]


def test_submitted_values_from_labels_and_rows() -> None:
    components = [
        {"type": 18, "component": {"type": 4, "custom_id": "what", "value": "iets"}},
        {"type": 18, "component": {"type": 3, "custom_id": "status", "values": ["bezig"]}},
        {"type": 18, "component": {"type": 3, "custom_id": "sharing", "values": []}},
        {"type": 1, "components": [{"type": 4, "custom_id": "old", "value": "ja"}]},
    ]
    assert submitted_values(components) == {
        "what": "iets",
        "status": "bezig",
        "sharing": "",
        "old": "ja",
    }


def test_every_command_becomes_a_slash_command_with_options() -> None:
    router, _ = build_router()
    commands = {c.name.nl: c for c in slash_commands(router, Catalogs())}
    assert set(commands) == {c.name for c in router.commands()}
    assert all(
        len(c.description.nl) <= 100 and len(c.description.en) <= 100 for c in commands.values()
    )
    assert commands["hulp"].name.en == "help" and commands["hulp"].options == ()
    [taal] = commands["taal"].options
    assert [c.value for c in taal.choices] == ["nl", "en", "groep nl", "groep en"]
    assert (taal.name.nl, taal.name.en) == ("taal", "language")
    assert commands["taal"].args({"taal": "groep en"}) == "groep en"
    status, _free_text = commands["experimenten"].options
    assert [c.value for c in status.choices] == ["plan", "bezig", "afgerond"]
    assert (
        commands["experimenten"].args({"status": "bezig", "filter": " #buurt "}) == "bezig #buurt"
    )
    [text] = commands["bijeenkomst"].options
    assert (text.name.nl, text.required, text.choices) == ("tekst", False, ())
    assert commands["bijeenkomst"].args({"tekst": None}) == ""


def test_language_from_the_client_locale() -> None:
    assert language_of(discord.Locale.dutch) == "nl"
    assert language_of(discord.Locale.american_english) == "en"
    assert language_of(discord.Locale.british_english) == "en"
    assert language_of(discord.Locale.german) is None


def test_meeting_times_are_discord_timestamps_each_member_sees_in_their_own_zone() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.adapters.rendering import render_html
    from bot.handlers.meetings.rendering import meeting_text
    from storage.models import Meeting, MeetingKind

    zone = ZoneInfo("Europe/Amsterdam")
    start, end = (
        datetime(2026, 12, 3, 19, 30, tzinfo=zone),
        datetime(2026, 12, 3, 21, 0, tzinfo=zone),
    )
    meeting = Meeting(
        id=1, title="Intervisie", kind=MeetingKind.ATELIER, starts_at=start, ends_at=end, place=""
    )
    text = meeting_text(Catalogs().translator("nl"), zone, meeting)
    [piece] = text_pieces(text)
    unix, until = int(start.timestamp()), int(end.timestamp())
    assert f"<t:{unix}:F> (<t:{unix}:R>)–<t:{until}:t>" in piece
    assert "donderdag 3 december 2026 om 19:30–21:00" in render_html(text)  # Telegram: as written
