"""Form declarations: a form is a list of fields, declared once by its capability.

The engine in engine.py walks a declaration one question at a time; `Form.view` offers it whole
to platforms with native forms (Discord modals).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.core.context import Context
from bot.core.i18n import Value
from bot.model.messages import FormChoiceView, FormFieldView, FormView, Incoming, Reply
from storage.models import DialogState, Role

SKIP = "-"
FormValues = dict[str, str | None]
CompleteHandler = Callable[[Incoming, Context, FormValues], Awaitable[list[Reply]]]


class InvalidAnswer(Exception):
    """Raised by a field's parser; the question is asked again with this explanation."""

    def __init__(self, key: str, /, **values: Value) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Choice:
    value: str
    label_key: str


def choices_of(options: type[StrEnum], key_prefix: str) -> tuple[Choice, ...]:
    """One choice per enum member, labelled by the catalog key `<key_prefix>.<value>`."""
    return tuple(Choice(option.value, f"{key_prefix}.{option.value}") for option in options)


@dataclass(frozen=True)
class Field:
    name: str
    prompt_key: str
    label_key: str
    required: bool = False
    max_length: int = 4000
    multiline: bool = False
    choices: tuple[Choice, ...] = ()
    parse: Callable[[str], str] | None = None
    """Normalises a typed answer or raises InvalidAnswer."""
    understand: Callable[[str, Context, FormValues], str] | None = None
    """Like `parse`, for answers read in the member's context (their time zone, now) and the
    question's (the values the dialog holds, e.g. the readings a question offered)."""
    guard: bool = False
    """Free text where a member might type client data by mistake: checked before it is kept."""
    private_only: bool = False
    """A sharing choice: asked in a private chat or a modal only. A dialog that must run in the
    group skips it (the handler takes the community default and says how to change it)."""

    def check_length(self, answer: str) -> None:
        if len(answer) > self.max_length:
            raise InvalidAnswer("dialog.too_long", limit=self.max_length, length=len(answer))

    def checked(self, answer: str) -> str | None:
        """A typed answer by this field's own rules (required, length, parse): how the dialog
        engine and the web's forms read it. Choices and answers read in a member's context
        are the engine's."""
        answer = answer.strip()
        if not answer:
            if self.required:
                raise InvalidAnswer("dialog.required")
            return None
        self.check_length(answer)
        return self.parse(answer) if self.parse else answer


@dataclass(frozen=True)
class Form:
    name: str
    title_key: str
    fields: tuple[Field, ...]
    on_complete: CompleteHandler
    ttl: timedelta = field(default=timedelta(hours=24))
    role: Role = Role.MEMBER
    """Who may fill it in; checked on every answer, so a forged submission gets nowhere."""
    native_fields: int = 0
    """When set, a native form (a Discord modal) holds only the first this many fields and
    its submission completes the form; the other fields count as skipped there, for the
    completion to offer as an optional follow-up. Step by step every field is still asked."""

    def native(self) -> tuple[Field, ...]:
        """The fields a native form of this declaration holds."""
        return self.fields[: self.native_fields] if self.native_fields else self.fields

    def view(
        self, ctx: Context, state: DialogState, limit: int, *, first_answer: str = ""
    ) -> FormView | None:
        """The fields still open, at most `limit` of them, for a native form (a Discord modal),
        current values filled in, and `first_answer` (typed after the command) in the first
        open field: shown for the member to submit, never kept before it is checked. None
        when the platform shows no native form here, or when the form is only choices:
        buttons ask those better."""
        fields = self.native()
        open_fields = [f for f in fields if f.name not in state.values]
        if limit <= 0 or not open_fields or all(f.choices for f in fields):
            return None
        title = ctx.t.plain(self.title_key)
        parts = -(-len(fields) // limit)
        if parts > 1:
            part = (len(fields) - len(open_fields)) // limit + 1
            title = ctx.t.plain("dialog.part_title", title=title, part=part, parts=parts)
        return FormView(
            name=self.name,
            title=title,
            fields=tuple(
                _field_view(ctx, f, state, first_answer if i == 0 and not f.choices else "")
                for i, f in enumerate(open_fields[:limit])
            ),
        )


def _field_view(ctx: Context, field: Field, state: DialogState, typed: str) -> FormFieldView:
    value = typed or state.values.get(field.name) or state.defaults.get(field.name) or ""
    return FormFieldView(
        name=field.name,
        label=ctx.t.plain(field.label_key),
        required=field.required,
        multiline=field.multiline,
        max_length=field.max_length,
        choices=tuple(FormChoiceView(c.value, ctx.t.plain(c.label_key)) for c in field.choices),
        value=str(value),
    )


def answered_privately(msg: Incoming, ctx: Context) -> bool:
    """A form filled in privately, or as a native form (a Discord modal, whose answer is
    ephemeral), is answered privately: what it saved reaches the group only by choice."""
    return ctx.is_private or msg.chat.is_private or bool(msg.form)
