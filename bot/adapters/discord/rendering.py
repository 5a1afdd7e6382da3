"""How replies look on Discord: escaped Markdown within 2,000 characters, button rows within
Discord's component limits, and forms as modals.

Views and modals are built detached (stopped before they are sent): presses and submissions
are read from their custom ids in the adapter's interaction handler, which works the same for
messages sent before a restart, so the library need not keep any view in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import ui

from bot.adapters.discord.commands import clip
from bot.adapters.rendering import render_markdown, split_text
from bot.model.markup import Text
from bot.model.messages import Button, FormFieldView, FormView, Reply
from bot.model.mirror import MirroredEvent

MESSAGE_LIMIT = 2000
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
BUTTON_LABEL_LIMIT = 80
MODAL_FIELDS = 5
MODAL_TITLE_LIMIT = 45
LABEL_LIMIT = 45
TEXT_INPUT_LIMIT = 4000
SELECT_OPTIONS = 25
FORM_PREFIX = "form:"
NO_MENTIONS = discord.AllowedMentions.none()


def markdown_length(text: Text) -> int:
    """Length as Discord counts it, at the safe end: UTF-16 code units of the Markdown."""
    return len(render_markdown(text).encode("utf-16-le")) // 2


def text_pieces(text: Text) -> list[str]:
    """The reply's text as messages of at most 2,000 characters, cut at paragraphs, lines,
    then words (the splitter Telegram uses too, measuring Discord's Markdown)."""
    return [render_markdown(piece) for piece in split_text(text, MESSAGE_LIMIT, markdown_length)]


def button_rows(buttons: Sequence[Sequence[Button]]) -> list[list[list[Button]]]:
    """Rows of at most five buttons (longer rows wrap), at most five rows per message."""
    rows = [list(row[i : i + BUTTONS_PER_ROW]) for row in buttons for i in range(0, len(row), 5)]
    return [rows[i : i + ROWS_PER_MESSAGE] for i in range(0, len(rows), ROWS_PER_MESSAGE)]


def detached(view: ui.View | ui.Modal) -> Any:
    """The view, stopped so discord.py does not track it (see the module docstring)."""
    view.stop()
    return view


def button_view(rows: Sequence[Sequence[Button]], custom_ids: Mapping[Button, str]) -> ui.View:
    view = ui.View(timeout=None)
    for index, row in enumerate(rows):
        for button in row:
            view.add_item(
                ui.Button(
                    label=clip(button.label, BUTTON_LABEL_LIMIT),
                    custom_id=custom_ids[button],
                    style=discord.ButtonStyle.secondary,
                    row=index,
                )
            )
    return detached(view)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Outgoing:
    """One Discord message: content, buttons and files, ready for send()."""

    content: str
    rows: tuple[tuple[Button, ...], ...] = ()
    file: tuple[str, bytes] | None = None

    def files(self) -> list[discord.File]:
        if self.file is None:
            return []
        name, content = self.file
        return [discord.File(io.BytesIO(content), filename=name)]


def messages(reply: Reply) -> list[Outgoing]:
    """A reply as Discord messages: the text in pieces, the buttons (and the file) with the
    last piece, more than 25 buttons continued in messages of their own."""
    pieces = text_pieces(reply.text)
    groups = button_rows(reply.buttons)
    outgoing = [Outgoing(piece) for piece in pieces[:-1]]
    last = pieces[-1] if pieces else ""
    first_rows = tuple(tuple(row) for row in groups[0]) if groups else ()
    file = (reply.attachment.filename, reply.attachment.content) if reply.attachment else None
    if last or first_rows or file:
        outgoing.append(Outgoing(last, first_rows, file))
    outgoing.extend(Outgoing("", tuple(tuple(row) for row in group)) for group in groups[1:])
    return outgoing


def modal(form: FormView) -> ui.Modal:
    """The form (at most five fields: the core hands long forms over in parts) as a modal."""
    shown = ui.Modal(
        title=clip(form.title, MODAL_TITLE_LIMIT), custom_id=FORM_PREFIX + form.name, timeout=None
    )
    for field in form.fields[:MODAL_FIELDS]:
        component = _select(field) if field.choices else _text_input(field)
        shown.add_item(ui.Label(text=clip(field.label, LABEL_LIMIT), component=component))
    return detached(shown)  # type: ignore[no-any-return]


def _text_input(field: FormFieldView) -> ui.TextInput[Any]:
    return ui.TextInput(
        custom_id=field.name,
        style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
        required=field.required,
        max_length=min(field.max_length, TEXT_INPUT_LIMIT),
        default=field.value[:TEXT_INPUT_LIMIT] or None,
    )


def _select(field: FormFieldView) -> ui.Select[Any]:
    options = [
        discord.SelectOption(
            label=clip(choice.label, 100), value=choice.value, default=choice.value == field.value
        )
        for choice in field.choices[:SELECT_OPTIONS]
    ]
    return ui.Select(
        custom_id=field.name,
        options=options,
        min_values=1 if field.required else 0,
        max_values=1,
        required=field.required,
    )


def form_name(custom_id: str) -> str | None:
    return custom_id[len(FORM_PREFIX) :] if custom_id.startswith(FORM_PREFIX) else None


def submitted_values(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Field values of a modal submission, by custom id (labels, action rows or bare)."""
    return dict(_values(components))


def _values(components: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    for component in components:
        if "component" in component:
            yield from _values([component["component"]])
        elif "components" in component:
            yield from _values(component["components"])
        elif "custom_id" in component:
            chosen = component.get("values")
            value = chosen[0] if chosen else component.get("value") or ""
            yield str(component["custom_id"]), str(value)


EVENT_NAME_LIMIT = 100
EVENT_LOCATION_LIMIT = 100
EVENT_DESCRIPTION_LIMIT = 1000


def scheduled_event_fields(event: MirroredEvent) -> dict[str, Any]:
    """A meeting as an external Scheduled Event visible to the guild's members, each text
    within Discord's limits (the full place stays in the description)."""
    description = event.description
    if len(event.location) > EVENT_LOCATION_LIMIT:
        description = f"{event.location}\n\n{description}"
    return {
        "name": clip(event.title, EVENT_NAME_LIMIT),
        "start_time": event.starts_at,
        "end_time": event.ends_at,
        "entity_type": discord.EntityType.external,
        "privacy_level": discord.PrivacyLevel.guild_only,
        "location": clip(event.location, EVENT_LOCATION_LIMIT),
        "description": clip(description, EVENT_DESCRIPTION_LIMIT),
    }
